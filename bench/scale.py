"""Scale benchmark: ingest a 500-document synthetic corpus of Chinese directives and time the questions.

usage: python bench/scale.py [--docs N] [--queries N] [--fresh]

The corpus is generated deterministically (fixed seed) into bench/out/scale/corpus and reused when
it is already there; the index lives in bench/out/scale/data (`--fresh` deletes it first, so the
ingest is timed from scratch). Each document looks like a real 文件: header block (issuer, 文号,
title, date), preamble, sections 一、 with subsections （一） and continuously numbered items 1. … on
community-governance topics, with numbers, deadlines and ratios, and a few clauses longer than the
600-character chunk limit. The questions are drawn from the same vocabulary: some answered by one
document's clause, some about things no document covers, and a few in English. Target: p95 ≤ 60 ms
on a 2-core machine.

ingest_s covers opening the index and `ingest()`: a from-scratch build with --fresh or when there is no
index yet, otherwise the incremental run (files unchanged: hashing only). Query times are wall-clock
around `answer_question`, after 5 warm-up questions.

Prints `RESULT docs=… chunks=… ingest_s=… query_p50_ms=… query_p95_ms=… n_queries=…` last.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import string
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.knowledge.answer import answer_question  # noqa: E402
from assistant.knowledge import generations  # noqa: E402
from assistant.knowledge.index import KnowledgeIndex  # noqa: E402

OUT = ROOT / "bench" / "out" / "scale"
CORPUS_DIR = OUT / "corpus"
DATA_DIR = OUT / "data"
MANIFEST = "manifest.json"
SEED = 20240615
WARMUP = 5
GENERATOR_VERSION = 1  # bump when the generator changes, so an old corpus is regenerated
# Document size. Embedding cost is linear in tokens (~0.7 ms/token on 2 cores).
ITEMS_PER_DOC = (8, 20)
ITEM_CHARS = (60, 400)  # numbered items are clipped to this range …
ITEM_LOGNORMAL = (4.55, 0.45)  # … from a log-normal length (median e^mu ≈ 95 characters)
LONG_ITEM_SHARE = 0.06  # share of documents with one item of 650–1100 characters (split by the chunker)

# ---- vocabulary ----------------------------------------------------------------------------------

DISTRICTS = ["宣州区", "郎溪县", "广德市", "宁国市", "泾县", "绩溪县", "旌德县", "宣城经开区"]
STREETS = ["西林街道", "澄江街道", "鳌峰街道", "济川街道", "敬亭山街道", "桃州镇", "建平镇", "西津街道",
           "河沥溪街道", "泾川镇", "华阳镇", "旌阳镇", "向阳街道", "水东镇", "飞彩街道", "双桥街道"]
PLACE_HEADS = ["梅园", "锦城", "敬亭", "龙泉", "响山", "宛陵", "鳌峰", "叠嶂", "阳德", "谢朓", "双塔", "凤凰",
               "桃花潭", "华阳", "青弋", "水阳", "金宝圩", "夏渡", "昭亭", "开元", "丽景", "书香", "翠竹", "柏庄",
               "天湖", "南漪", "西津", "城南", "北门", "东方", "湖滨", "锦绣", "宏图", "晨光", "秀水", "枫林"]
PLACE_TAILS = ["小区", "花园", "新村", "苑", "家园", "嘉园"]
PLACE_PHASES = ["", "一期", "二期", "三期", "东区", "西区", "南区"]  # 1,512 names: three per document, none shared
ISSUERS = [  # (issuing body, 文号 prefix)
    ("宣城市民政局", "宣民"),
    ("宣城市住房和城乡建设局", "宣建"),
    ("中共宣城市委组织部", "宣组"),
    ("宣城市人民政府办公室", "宣政办"),
    ("宣城市城市管理局", "宣城管"),
    ("宣城市消防救援支队", "宣消"),
    ("宣城市卫生健康委员会", "宣卫"),
    ("中共宣城市委社会工作部", "宣社工"),
    ("宣城市市场监督管理局", "宣市监"),
    ("宣城市应急管理局", "宣应急"),
]
KINDS = ["实施意见", "工作方案", "指导意见", "实施方案", "管理办法", "若干措施"]
ORGS = ["街道办事处", "社区居委会", "社区党组织", "物业服务企业", "业主委员会", "住建部门", "城管部门",
        "民政部门", "消防救援机构", "市场监管部门", "公安派出所", "网格员", "楼栋长", "财政部门"]
BRANDS = ["红色物业", "幸福小区", "暖心家园", "邻里守望", "和美社区", "安居工程", "清洁家园", "银龄互助",
          "平安楼栋", "绿色出行", "美丽庭院", "四邻五亲", "红管家", "连心桥", "众议堂", "先锋驿站"]

# Each topic: keyword for titles, subsection headings, item titles, and sentences paired with the
# question they answer. Slots are filled per use (see Filler); each fact appears at most once per document.
TOPICS: dict[str, dict] = {
    "物业": {
        "subs": ["规范物业服务行为", "健全物业收费机制", "提升物业服务质量"],
        "titles": ["规范物业服务合同", "公开物业收费标准", "开展物业服务星级评定", "建立物业服务退出机制",
                   "强化物业企业信用管理"],
        "facts": [
            ("物业服务企业应当在小区显著位置公示收费项目和标准，公示期不少于{days}日", "物业收费标准要公示多少天"),
            ("{place}多层住宅物业服务费按每月每平方米{fee}元收取，高层住宅不超过{fee2}元",
             "{place}物业费每平方米多少钱"),
            ("物业服务企业连续两年信用评价为C级的，由{org}约谈并限期{days}日内整改", "物业企业信用评价C级怎么处理"),
            ("物业服务合同期限一般不超过{n}年，合同期满前{n2}日业主委员会应组织续聘或选聘", "物业合同到期前多久要续聘"),
            ("业主满意度低于{pct}的，物业服务企业不得参与当年度星级评定", "满意度多少不能参加物业星级评定"),
            ("物业服务企业退出小区时，应当在{days}个工作日内移交共用设施设备和档案资料", "物业退出要在几天内移交资料"),
            ("{brand}示范小区每年评选一次，每个示范小区奖励{money}元", "{brand}示范小区奖励多少"),
        ],
    },
    "停车": {
        "subs": ["规范小区停车秩序", "挖潜增加停车泊位", "推进智慧停车建设"],
        "titles": ["规范小区停车管理", "挖掘停车资源", "推行错时共享停车", "整治占用消防通道停车",
                   "建设智慧停车平台"],
        "facts": [
            ("新建住宅小区按每户不少于{ratio}个标准配建停车位，其中充电车位比例不低于{pct}",
             "新建小区每户配多少停车位"),
            ("{place}利用闲置空地改建停车泊位{n3}个，于{deadline}完成", "{place}新增多少停车位"),
            ("机关企事业单位内部停车场在夜间和节假日向周边居民错时开放，收费不高于每次{fee}元",
             "错时共享停车收费多少"),
            ("占用消防车通道停车的，由{org}劝离，拒不驶离的依法拖移并处{money}元罚款", "占用消防通道停车罚多少钱"),
            ("小区临时停车首{n}小时免费，超过部分每小时收费{fee}元，每日封顶{n2}元", "小区临时停车怎么收费"),
            ("小区地面停车位租金标准由业主大会决定，年度调整幅度不超过{pct}", "停车位租金每年能涨多少"),
        ],
    },
    "垃圾分类": {
        "subs": ["推进生活垃圾分类", "完善分类收运体系", "强化垃圾分类督导"],
        "titles": ["推行垃圾定时定点投放", "配齐分类投放设施", "开展垃圾分类督导", "建立分类积分激励",
                   "规范大件垃圾处置"],
        "facts": [
            ("每{n3}户设置一个垃圾分类投放点，每日{hour}时至{hour2}时定时投放", "垃圾分类投放点每多少户设一个"),
            ("到{year2}年底，{district}生活垃圾回收利用率达到{pct}以上", "{district}生活垃圾回收利用率目标是多少"),
            ("居民正确投放一次积{n}分，积满{n3}分可兑换价值{fee}元的生活用品", "垃圾分类积分怎么兑换"),
            ("厨余垃圾每日清运不少于{n}次，清运车辆应当密闭并标识分类类别", "厨余垃圾每天清运几次"),
            ("单位和个人未按规定分类投放的，由{org}责令改正，拒不改正的处{money}元罚款", "垃圾不分类罚款多少"),
            ("大件垃圾和装修垃圾应当预约清运，{org}在{hours}小时内上门收运", "装修垃圾多久上门收运"),
        ],
    },
    "养老": {
        "subs": ["发展居家社区养老服务", "完善养老服务设施", "提升养老服务能力"],
        "titles": ["建设社区养老服务站", "开展老年助餐服务", "实施适老化改造", "落实高龄津贴",
                   "推进家庭养老床位建设"],
        "facts": [
            ("每个社区至少建设{n}个养老服务站，建筑面积不少于{area}平方米", "社区养老服务站面积要多少"),
            ("{age}周岁以上老年人在社区食堂就餐每餐补贴{fee}元", "老年人社区食堂吃饭补贴多少"),
            ("对特殊困难老年人家庭实施适老化改造，每户补助不超过{money}元", "适老化改造每户补助多少"),
            ("{age}周岁以上老年人每月发放高龄津贴{money2}元，由民政部门按季度发放", "高龄津贴每月多少钱"),
            ("家庭养老床位每张一次性建设补贴{money}元，{deadline}完成{n3}张", "家庭养老床位补贴多少"),
            ("养老服务站每周开放不少于{n}天，每天不少于{n2}小时", "养老服务站每周开放几天"),
        ],
    },
    "消防": {
        "subs": ["落实消防安全责任", "整治消防安全隐患", "提升应急处置能力"],
        "titles": ["开展消防安全检查", "治理电动自行车违规充电", "畅通消防车通道", "建设微型消防站",
                   "开展消防演练"],
        "facts": [
            ("物业服务企业每月至少开展{n}次防火巡查，每{n2}日开展一次防火检查", "物业多久做一次防火检查"),
            ("电动自行车不得在楼道、楼梯间停放充电，每{n3}户配建充电端口不少于{n2}个",
             "电动自行车充电端口怎么配"),
            ("每个社区建设一个微型消防站，配备队员不少于{n}名，接警后{n2}分钟内到场", "微型消防站多久到场"),
            ("高层住宅小区每年至少组织{n}次消防演练，居民参与率不低于{pct}", "高层小区一年几次消防演练"),
            ("消防车通道划线标识，{org}每季度检查，发现占用的在{hours}小时内清理", "消防车通道被占多久清理"),
            ("发现重大火灾隐患的，{org}应当在{days}日内书面报告并督促整改", "重大火灾隐患几天内报告"),
        ],
    },
    "网格": {
        "subs": ["优化网格设置", "加强网格员队伍建设", "完善网格运行机制"],
        "titles": ["科学划分网格", "配齐专职网格员", "规范网格事项准入", "落实网格巡查走访",
                   "健全网格事件处置流程"],
        "facts": [
            ("城市社区按每{n3}户左右划分一个网格，每个网格配备专职网格员{n}名", "一个网格多少户"),
            ("专职网格员月工资不低于{money}元，并按规定缴纳社会保险", "专职网格员工资多少"),
            ("网格员每周入户走访不少于{n2}户，发现问题在{hours}小时内上报", "网格员每周要走访多少户"),
            ("网格事件按一般、较大、重大三级处置，一般事件{days}个工作日内办结", "一般网格事件几天办结"),
            ("进入网格的工作事项实行清单管理，未列入清单的事项不得派给网格员", "网格员事项怎么准入"),
            ("{district}{deadline}实现网格化服务管理全覆盖，专职网格员持证上岗率达到{hipct}",
             "{district}网格员持证上岗率要求多少"),
        ],
    },
    "志愿服务": {
        "subs": ["壮大志愿服务队伍", "规范志愿服务管理", "健全激励保障机制"],
        "titles": ["组建社区志愿服务队", "推行志愿服务时长记录", "建立志愿服务积分兑换", "开展结对帮扶",
                   "培育志愿服务品牌"],
        "facts": [
            ("每个社区组建志愿服务队不少于{n}支，注册志愿者占常住人口比例达到{pct}", "注册志愿者比例要达到多少"),
            ("志愿者服务时长累计满{n3}小时的，授予“{brand}之星”称号", "志愿服务多少小时评星"),
            ("志愿服务积分每{n}小时折算{n2}分，可在{brand}驿站兑换服务或物品", "志愿服务时长怎么折算积分"),
            ("志愿服务组织应当为志愿者购买意外保险，每人保额不低于{wan}万元", "志愿者意外保险保额多少"),
            ("{place}{brand}志愿队每月开展集中服务不少于{n}次", "{place}志愿队每月服务几次"),
        ],
    },
    "党员": {
        "subs": ["推动党员发挥作用", "加强党员教育管理", "落实在职党员进社区"],
        "titles": ["组织在职党员报到", "推行党员设岗定责", "建立党员积分管理", "亮明党员身份",
                   "开展党员联户"],
        "facts": [
            ("在职党员于{deadline}到居住地社区党组织报到，每年参加社区服务不少于{n}次",
             "在职党员什么时候到社区报到"),
            ("党员居住地变化的，应当在{n}个月内向新居住地党组织报到", "党员搬家后多久报到"),
            ("每名党员联系服务群众不少于{n2}户，每季度至少走访一次", "每名党员联系多少户"),
            ("党员积分年度低于{n2}分的，由所在党组织进行提醒谈话", "党员积分低于多少要谈话"),
            ("小区党支部委员一般{n}至{n4}名，注意吸纳业主委员会、物业服务企业中的党员负责人",
             "小区党支部委员多少名"),
            ("住户党员悬挂“党员户”标牌，{place}党员户亮牌率达到{pct}", "{place}党员户亮牌率是多少"),
        ],
    },
    "业委会": {
        "subs": ["规范业主委员会组建", "加强业主委员会监督", "推动业主依法自治"],
        "titles": ["推动业主委员会应建尽建", "规范业主委员会换届", "提高业主委员会党员比例",
                   "公开业主委员会账目", "建立业主委员会履职评价"],
        "facts": [
            ("符合条件的小区在{deadline}完成业主委员会组建，组建率达到{pct}", "业主委员会组建率要达到多少"),
            ("业主委员会成员中党员比例力争不低于{pct}", "业委会党员比例不低于多少"),
            ("业主委员会每届任期{n}年，任期届满前{n2}日由街道指导成立换届小组", "业委会任期几年"),
            ("业主委员会每半年公开一次共有资金收支情况，公示期不少于{days}日", "业委会账目多久公开一次"),
            ("业主委员会委员连续{n}次无故不参加会议的，经业主大会决定终止其委员资格",
             "业委会委员不参加会议怎么办"),
            ("业主委员会成员每月工作补贴不超过{money}元，从公共收益中列支", "业委会委员补贴多少"),
        ],
    },
    "电梯": {
        "subs": ["落实电梯安全主体责任", "加强电梯维护保养", "推进老旧电梯更新"],
        "titles": ["落实电梯维保责任", "推行电梯安全责任保险", "更新改造老旧电梯", "建立电梯应急救援体系",
                   "公开电梯维保信息"],
        "facts": [
            ("电梯维保单位每{n4}日至少进行一次清洁、润滑、调整和检查", "电梯多久维保一次"),
            ("电梯困人故障发生后，维保人员应当在{n2}分钟内到达现场", "电梯困人多久到现场"),
            ("使用年限超过{life}年的住宅电梯，经评估后纳入更新改造计划，每台补助{wan}万元",
             "老旧电梯更新每台补助多少"),
            ("住宅电梯投保安全责任保险，每台每年保费约{money}元，由{org}统筹", "电梯保险保费多少"),
            ("{place}在{deadline}完成{n}台老旧电梯更新", "{place}更新几台电梯"),
        ],
    },
    "加装电梯": {
        "subs": ["推进既有住宅加装电梯", "简化加装电梯审批", "完善加装电梯资金保障"],
        "titles": ["明确加装电梯条件", "简化加装电梯审批流程", "给予加装电梯财政补助", "支持提取住房公积金",
                   "做好加装电梯后期管理"],
        "facts": [
            ("四层及以上既有住宅加装电梯，须经本单元专有部分面积占比三分之二以上且人数占比三分之二以上的业主同意",
             "加装电梯需要多少业主同意"),
            ("既有住宅加装电梯的，财政按每台{wan}万元给予补助，{place}首批试点{n}台", "加装电梯每台补助多少钱"),
            ("加装电梯联合审查在{days}个工作日内完成，不再办理建设用地规划许可", "加装电梯审批多少天"),
            ("业主可以提取本人及配偶住房公积金用于加装电梯，提取金额不超过个人实际出资额",
             "加装电梯能不能提取公积金"),
            ("加装电梯费用分摊按楼层系数计算，{n}楼系数为{coef}，一层业主不承担费用", "加装电梯费用怎么分摊"),
            ("{district}{year}年计划完成既有住宅加装电梯{n3}台", "{district}今年加装电梯多少台"),
        ],
    },
    "老旧小区改造": {
        "subs": ["科学编制改造计划", "明确改造内容", "建立长效管理机制"],
        "titles": ["确定改造范围", "实施基础类改造", "推进完善类改造", "引导居民出资参与改造",
                   "建立改造后长效管理机制"],
        "facts": [
            ("改造范围为{year0}年底前建成、失养失修失管的城镇老旧小区，{district}共{n3}个",
             "老旧小区改造范围是哪些小区"),
            ("{place}改造总投资{wan}万元，居民出资比例原则上不低于{pct}", "{place}改造投资多少"),
            ("基础类改造包括供水、排水、供电、道路、消防设施等，{deadline}全部完工", "基础类改造包括哪些内容"),
            ("改造项目开工前应当征求居民意见，同意率达到{pct}以上方可实施", "老旧小区改造居民同意率要多少"),
            ("改造完成后{n}个月内引入物业服务企业或实行居民自治管理", "改造后多久引入物业"),
            ("改造工程质量保修期不少于{n}年，由{org}组织竣工联合验收", "改造工程保修期几年"),
        ],
    },
    "社区食堂": {
        "subs": ["布局社区食堂网点", "规范社区食堂运营", "加强食品安全监管"],
        "titles": ["建设社区助餐点", "落实助餐补贴", "规范食堂运营管理", "保障食品安全"],
        "facts": [
            ("每个街道至少建设{n}个社区食堂，服务半径不超过{n3}米", "社区食堂服务半径多少"),
            ("社区食堂建设补贴每个{wan}万元，运营补贴按每餐{fee}元核定", "社区食堂建设补贴多少"),
            ("社区食堂从业人员每年进行健康检查，持健康证上岗率达到{hipct}", "食堂从业人员健康证要求"),
            ("{place}社区食堂每日供应午餐和晚餐，{age}周岁以上老人每餐优惠{fee}元", "{place}社区食堂老人优惠多少"),
        ],
    },
    "矛盾调解": {
        "subs": ["健全矛盾纠纷排查机制", "完善多元调解体系"],
        "titles": ["开展矛盾纠纷排查", "建立小区议事协商机制", "设立社区调解室", "落实纠纷分级处置"],
        "facts": [
            ("社区每{n4}日开展一次矛盾纠纷排查，重大纠纷{hours}小时内上报街道", "矛盾纠纷多久排查一次"),
            ("小区议事会由业主代表、物业、党员等{n2}人左右组成，每季度召开一次", "小区议事会多久开一次"),
            ("物业纠纷调解应当在受理之日起{days}日内调结，调解成功率达到{pct}", "物业纠纷多少天调结"),
            ("{place}设立“{brand}”调解室，每周{weekday}接待居民来访", "{place}调解室哪天接待"),
        ],
    },
    "二次供水": {
        "subs": ["规范二次供水管理", "推进供水设施改造"],
        "titles": ["落实水箱清洗消毒", "推进二次供水设施移交", "公开水质检测结果"],
        "facts": [
            ("二次供水水箱每{n4}个月至少清洗消毒一次，水质检测报告在小区公示", "水箱多久清洗一次"),
            ("二次供水设施改造后移交供水企业统一管理，改造费用财政承担{pct}", "二次供水改造财政承担多少"),
            ("水质检测不合格的，{org}应当在{hours}小时内停止供水并组织整改", "水质不合格多久停水整改"),
        ],
    },
    "防汛": {
        "subs": ["做好汛期安全防范", "加强排水设施管理"],
        "titles": ["排查地下车库积水隐患", "储备防汛物资", "疏通小区排水管网"],
        "facts": [
            ("地下车库出入口设置挡水板，高度不低于{cm}厘米，汛期前完成检查", "地下车库挡水板多高"),
            ("每个小区储备沙袋不少于{n3}个，抽水泵不少于{n}台", "小区防汛物资储备多少"),
            ("小区排水管网每年汛前疏通一次，{deadline}完成", "小区排水管网多久疏通"),
        ],
    },
}
TOPIC_NAMES = list(TOPICS)

# Noun phrases per topic for the measure sentences that make up most of a clause's body.
OBJECTS = {
    "物业": ["物业服务合同备案", "物业服务质量评价", "物业收费公示", "专项维修资金使用", "共用部位维修养护",
             "物业项目交接查验", "物业服务投诉处理", "前期物业管理招投标"],
    "停车": ["小区停车位配置", "停车收费管理", "道路停车泊位施划", "夜间错时停车", "僵尸车清理",
             "停车诱导系统", "非机动车停放区设置"],
    "垃圾分类": ["垃圾分类投放点改造", "分类收集容器配置", "厨余垃圾收运", "可回收物回收网点", "有害垃圾暂存",
                 "分类督导员配备", "垃圾分类宣传进家庭"],
    "养老": ["居家养老上门服务", "老年助餐网点", "适老化改造", "养老服务补贴发放", "老年人能力评估",
             "智慧养老平台", "养老护理员培训"],
    "消防": ["消防设施维护保养", "电动自行车集中充电设施", "消防车通道标识", "微型消防站建设", "高层住宅消防安全",
             "楼道堆物清理", "消防安全宣传培训"],
    "网格": ["网格划分调整", "专职网格员招聘", "网格事项准入清单", "网格巡查走访", "网格信息平台",
             "网格员考核评价", "网格事件流转处置"],
    "志愿服务": ["志愿服务站点建设", "志愿者注册管理", "志愿服务时长记录", "志愿服务项目认领",
                 "志愿服务积分兑换", "志愿服务组织培育"],
    "党员": ["在职党员报到", "党员设岗定责", "党员积分管理", "党员联系户", "流动党员管理", "党员教育培训",
             "党员先锋岗创建"],
    "业委会": ["业主委员会选举", "业主委员会换届审计", "业主大会议事规则", "共有资金管理", "业主委员会履职评价",
               "业主委员会委员培训"],
    "电梯": ["电梯维护保养", "电梯应急救援", "电梯定期检验", "电梯安全责任保险", "老旧电梯评估", "电梯物联网监测"],
    "加装电梯": ["加装电梯意见征询", "加装电梯联合审查", "加装电梯财政补助", "加装电梯公积金提取",
                 "加装电梯施工管理", "加装电梯维护保养"],
    "老旧小区改造": ["改造项目储备库", "改造方案公示", "管线迁改", "小区绿化提升", "建筑节能改造",
                     "改造工程质量监督", "改造后物业管理"],
    "社区食堂": ["社区食堂选址", "助餐服务补贴", "食堂食品安全", "送餐上门服务", "食堂运营评估"],
    "矛盾调解": ["矛盾纠纷排查", "人民调解员队伍", "小区议事协商", "物业纠纷调处", "信访事项办理"],
    "二次供水": ["二次供水设施改造", "水箱清洗消毒", "水质检测公示", "供水设施移交"],
    "防汛": ["防汛物资储备", "排水管网疏通", "地下空间防汛", "汛期值班值守"],
}
VERBS = ["加强", "规范", "完善", "健全", "落实", "推进", "强化", "优化", "统筹", "做好"]
MEASURES = [
    "{org}要{verb}{obj}，{qual}",
    "{verb}{obj}工作，{qual}",
    "对{obj}实行清单化管理，{qual}",
    "将{obj}纳入{district}年度目标考核，{qual}",
    "{org}牵头{verb}{obj}，{org2}配合做好相关工作",
    "鼓励{place}等有条件的小区先行开展{obj}试点，{qual}",
    "围绕{obj}，{org}每{period}组织一次专项检查，发现问题及时督促整改",
    "{obj}情况在小区公告栏和社区微信群同步公开，接受居民监督",
]
QUALS = [
    "于{deadline}完成", "覆盖率达到{pct}", "每{period}通报一次进展情况", "确保{year2}年底前取得明显成效",
    "考核分值占比{small}%", "所需经费按{pct}的比例由市、区两级分担", "群众满意率不低于{hipct}",
    "每年评选{n}个示范点", "实现{district}全覆盖", "建立月调度、季通报、年考核制度",
]

SPECIFIC_SLOTS = ("{place}", "{district}", "{brand}")  # a question naming one of these points at few documents

GENERIC = [  # body sentences any clause may use (no question attached)
    "各{org}要结合实际细化工作措施，明确责任分工和完成时限",
    "{org}要加强统筹协调，定期研究解决工作推进中的重大问题",
    "对工作推进不力、群众反映强烈的，予以通报批评并限期整改",
    "相关经费列入年度财政预算，专款专用，不得挤占挪用",
    "建立工作台账，实行清单化管理、项目化推进、节点化督办",
    "充分运用{brand}工作品牌，总结推广一批可复制、可借鉴的经验做法",
    "街道每半年对社区落实情况进行一次考核，考核结果纳入年度综合评价",
    "畅通12345政务服务便民热线等诉求渠道，做到件件有回应、事事有着落",
    "鼓励社会组织、驻区单位和辖区企业共同参与，形成共建共治共享的格局",
    "坚持问题导向，聚焦居民群众急难愁盼问题，逐项制定解决方案",
    "充分利用宣传栏、微信群、电子显示屏等载体，营造全社会共同参与的良好氛围",
    "要严格执行有关法律法规和政策规定，确保工作依法依规推进",
]
PREAMBLES = [
    "为深入贯彻落实党中央、国务院和省委、省政府关于加强基层治理体系和治理能力现代化建设的决策部署，"
    "进一步提升{district}住宅小区{topic}工作水平，结合我市实际，制定本{kind}。",
    "为切实解决群众身边{topic}方面的急难愁盼问题，推动{brand}工作落地见效，经研究，现就有关事项提出如下{kind}。",
    "近年来，我市{topic}工作取得积极成效，但仍存在责任不够明确、机制不够健全、保障不够有力等问题。"
    "为进一步加强和改进相关工作，特制定本{kind}。",
]
SECTION_FIRST = ["总体要求", "指导思想和工作目标", "工作目标"]
SECTION_MAIN = ["主要任务", "重点工作", "主要措施", "工作举措"]
SECTION_LAST = ["保障措施", "组织保障", "工作要求"]
GOAL_TEXT = ("坚持以人民为中心的发展思想，坚持党建引领、政府主导、居民参与，到{year2}年底，"
             "{district}{topic}工作机制基本健全，居民满意度达到{pct}以上，形成一批{brand}示范点。")

UNRELATED_QUESTIONS = [
    "个人所得税专项附加扣除怎么申报", "高考志愿填报有什么技巧", "驾驶证到期换证需要什么材料",
    "医保异地就医怎么备案", "养犬登记需要交多少钱", "出国留学签证怎么办理", "公积金贷款利率是多少",
    "新生儿落户需要哪些材料", "失业保险金能领多久", "股票开户需要什么条件", "护照过期了怎么补办",
    "新能源汽车购置税减免政策", "高速公路节假日免费几天", "研究生考试报名时间", "房产证加名字要交税吗",
    "社保断缴有什么影响", "宠物狗打疫苗去哪里", "离婚冷静期多少天", "跨省转移养老保险关系怎么办",
    "商标注册流程是什么", "外卖骑手怎么参加工伤保险", "小学入学划片规则是什么", "农村宅基地能否买卖",
    "个体工商户年报怎么填", "学位英语考试报名入口", "网约车驾驶员证怎么考", "彩票中奖要交多少税",
    "机动车年检多久一次", "育儿假一共有几天", "森林防火期禁止什么行为", "出口退税需要多长时间",
    "如何申请专利", "火车票改签收手续费吗", "婚假有多少天", "渔业捕捞许可证怎么办", "景区门票半价政策",
]
ENGLISH_QUESTIONS = [
    "What share of the owners committee members should be party members?",
    "How much is the property fee per square metre?",
    "When must in-service party members register with the community?",
    "How many households does one grid cover?",
    "What is the fine for parking in a fire lane?",
    "How much is the subsidy for installing an elevator?",
    "What is the visa policy for foreign students?",
    "How do I renew my passport?",
    "What is the capital of France?",
    "How long is maternity leave?",
]


# ---- generation ----------------------------------------------------------------------------------

class Filler(dict):
    """Slot values for one template: drawn on first use, so a fact and its question share them."""

    def __init__(self, rng: random.Random, ctx: dict) -> None:
        super().__init__()
        self.rng, self.ctx = rng, ctx

    def __missing__(self, key: str) -> str:
        r, ctx = self.rng, self.ctx
        if key in ctx and not isinstance(ctx[key], list):
            value = ctx[key]
        elif key == "place":
            value = r.choice(ctx["places"])
        elif key == "org":
            value = r.choice(ORGS)
        elif key == "deadline":
            value = f"{ctx['year'] + r.choice([0, 1, 1, 2])}年{r.randint(3, 12)}月底前"
        elif key == "year0":
            value = str(r.choice([2000, 2005, 2010]))
        else:
            value = {
                "n": lambda: r.randint(2, 6), "n2": lambda: r.choice([10, 15, 20, 30, 50, 60]),
                "n3": lambda: r.choice([100, 120, 150, 200, 300, 500, 800]), "n4": lambda: r.choice([7, 10, 15, 30]),
                "pct": lambda: f"{r.choice([30, 40, 50, 60, 70, 80, 85, 90, 95])}%",
                "days": lambda: r.choice([3, 5, 7, 10, 15, 20, 30]), "hours": lambda: r.choice([2, 12, 24, 48, 72]),
                "money": lambda: r.choice([200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000]),
                "money2": lambda: r.choice([50, 80, 100, 150, 200, 300]),
                "wan": lambda: r.choice([5, 8, 10, 15, 20, 30, 50]),
                "fee": lambda: r.choice(["0.5", "0.8", "1", "1.2", "2", "3", "5"]),
                "fee2": lambda: r.choice(["1.5", "1.8", "2.2", "2.5"]),
                "ratio": lambda: r.choice(["1", "1.2", "1.5"]), "coef": lambda: r.choice(["0.8", "1.0", "1.2", "1.5"]),
                "hour": lambda: r.choice([6, 7]), "hour2": lambda: r.choice([9, 10]),
                "age": lambda: r.choice([60, 65, 70, 80]), "area": lambda: r.choice([100, 200, 300, 500]),
                "cm": lambda: r.choice([30, 40, 50, 60]),
                "weekday": lambda: r.choice(["一", "二", "三", "四", "五", "六"]),
                "life": lambda: r.choice([15, 20, 25]), "hipct": lambda: f"{r.choice([90, 95, 98, 100])}%",
                "year2": lambda: ctx["year"] + r.choice([1, 2, 3]), "small": lambda: r.choice([5, 8, 10, 15]),
                "period": lambda: r.choice(["月", "季度", "半年"]),
                "org2": lambda: r.choice([o for o in ORGS if o != self.get("org")]),
            }[key]()
        self[key] = str(value)
        return self[key]


def fill(template: str, rng: random.Random, ctx: dict, values: Filler | None = None) -> tuple[str, Filler]:
    values = values if values is not None else Filler(rng, ctx)
    return string.Formatter().vformat(template, (), values), values


Fact = tuple[str, str, bool]  # (question, the sentence that answers it, whether the question names a place)


@dataclass
class Document:
    name: str
    doc_number: str
    text: str
    facts: list[Fact] = field(default_factory=list)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    return ("" if n < 20 else digits[n // 10]) + "十" + (digits[n % 10] if n % 10 else "")


def _sentence(rng: random.Random, ctx: dict, topic: str) -> str:
    """A body sentence not yet used in this document: a measure on this topic, another topic, or boilerplate."""
    for _ in range(20):
        roll = rng.random()
        if roll < 0.7:
            obj_topic = topic if rng.random() < 0.75 else rng.choice(ctx["topics"])
            values = Filler(rng, ctx)
            values["obj"], values["verb"] = rng.choice(OBJECTS[obj_topic]), rng.choice(VERBS)
            values["qual"] = fill(rng.choice(QUALS), rng, ctx, values)[0]
            text = fill(rng.choice(MEASURES), rng, ctx, values)[0]
        else:
            text = fill(rng.choice(GENERIC), rng, ctx)[0]
        if text not in ctx["used"]:
            break
    ctx["used"].add(text)
    return text


def _item(rng: random.Random, ctx: dict, topic: str, number: int, target: int) -> tuple[str, list[Fact]]:
    """One numbered item of about `target` characters: a title sentence and a body of facts and measures.

    Each fact (a sentence with a question) appears at most once per document, so the documents do not
    contradict themselves; the rest of the body comes from topic measures and boilerplate.
    """
    titles = ctx["titles"][topic]
    title = titles.pop() if titles else rng.choice(TOPICS[topic]["titles"])
    pending = ctx["facts"][topic]
    sentences: list[str] = []
    facts: list[Fact] = []
    length = len(title) + 5
    while length < target:
        if pending and (not sentences or rng.random() < 0.45):
            sentence, question = pending.pop()
            text, values = fill(sentence, rng, ctx)
            specific = any(slot in question for slot in SPECIFIC_SLOTS)
            facts.append((fill(question, rng, ctx, values)[0], text, specific))
        else:
            text = _sentence(rng, ctx, topic)
        end = "。" if length + len(text) >= target else rng.choice("。。。；")
        sentences.append(text + end)
        length += len(sentences[-1])
    body = "".join(sentences)
    return f"{number}. {title}。{body}", facts


def generate(n_docs: int, seed: int = SEED) -> list[Document]:
    rng = random.Random(seed)
    places = [h + t + p for h in PLACE_HEADS for t in PLACE_TAILS for p in PLACE_PHASES]
    rng.shuffle(places)
    numbers: dict[tuple[str, int], int] = {}
    docs: list[Document] = []
    for d in range(n_docs):
        issuer, prefix = ISSUERS[d % len(ISSUERS)] if d < len(ISSUERS) else rng.choice(ISSUERS)
        year = rng.randint(2019, 2024)
        numbers[prefix, year] = numbers.get((prefix, year), rng.randint(1, 9)) + rng.randint(1, 4)
        doc_number = f"{prefix}〔{year}〕{numbers[prefix, year]}号"
        primary = TOPIC_NAMES[d % len(TOPIC_NAMES)] if rng.random() < 0.5 else rng.choice(TOPIC_NAMES)
        secondary = rng.sample([t for t in TOPIC_NAMES if t != primary], rng.randint(1, 2))
        district = rng.choice(DISTRICTS)
        ctx = {
            "district": district, "street": rng.choice(STREETS), "brand": rng.choice(BRANDS), "year": year,
            "places": [places[(d * 3 + i) % len(places)] for i in range(3)], "topics": [primary, *secondary],
            "topic": primary, "kind": rng.choice(KINDS), "used": set(),
        }
        ctx["facts"] = {t: rng.sample(TOPICS[t]["facts"], len(TOPICS[t]["facts"])) for t in ctx["topics"]}
        ctx["titles"] = {t: rng.sample(TOPICS[t]["titles"], len(TOPICS[t]["titles"])) for t in ctx["topics"]}
        pair = f"和{secondary[0]}" if rng.random() < 0.5 else ""
        title = f"关于{district}{ctx['street']}进一步加强{primary}{pair}工作的{ctx['kind']}"
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        paragraphs = [issuer, doc_number, title, f"{year}年{month}月{day}日"]
        paragraphs.append(fill(rng.choice(PREAMBLES), rng, ctx)[0])

        n_sections = rng.randint(2, 4)
        n_items = rng.randint(*ITEMS_PER_DOC)
        long_item = rng.randrange(n_items) if rng.random() < LONG_ITEM_SHARE else -1
        # With three or four sections the first is a goal paragraph without items; the middle ones have one
        # subsection per topic; the last (保障措施 …) has its items directly.
        headings = [rng.choice(SECTION_FIRST)] + rng.sample(SECTION_MAIN, n_sections - 2) + [rng.choice(SECTION_LAST)]
        if n_sections == 2:
            headings = [rng.choice(SECTION_MAIN), rng.choice(SECTION_LAST)]
        groups: list[tuple[int, str | None, str]] = []  # (section index, subsection title, topic)
        for s in range(n_sections):
            if s == 0 and n_sections > 2:
                continue
            if s == n_sections - 1:
                groups.append((s, None, rng.choice(ctx["topics"])))
                continue
            for topic in rng.sample(ctx["topics"], min(len(ctx["topics"]), rng.randint(1, 3))):
                groups.append((s, rng.choice(TOPICS[topic]["subs"]), topic))
        # Deal the items out: one per group, the rest at random among all groups but the last.
        counts = [1] * len(groups)
        for _ in range(max(0, n_items - len(groups))):
            counts[rng.randrange(len(groups) - 1) if len(groups) > 1 else 0] += 1
        facts: list[Fact] = []
        number = 0
        last_section = -1
        sub_no = 0
        for (s, sub, topic), count in zip(groups, counts):
            if s != last_section:
                if last_section < 0 and s > 0:
                    paragraphs.append(f"一、{headings[0]}")
                    paragraphs.append(fill(GOAL_TEXT, rng, ctx)[0])
                paragraphs.append(f"{_cn(s + 1)}、{headings[s]}")
                last_section, sub_no = s, 0
            if sub:
                sub_no += 1
                paragraphs.append(f"（{_cn(sub_no)}）{sub}")
            for _ in range(count):
                number += 1
                if number - 1 == long_item:
                    target = rng.randint(650, 1100)
                else:
                    target = int(min(ITEM_CHARS[1], max(ITEM_CHARS[0], rng.lognormvariate(*ITEM_LOGNORMAL))))
                text, item_facts = _item(rng, ctx, topic, number, target)
                paragraphs.append(text)
                facts.extend(item_facts)
        paragraphs.append(f"本{ctx['kind']}自印发之日起施行，由{issuer}负责解释。")
        name = f"scale-{d + 1:04d}.txt"
        docs.append(Document(name, doc_number, "\n\n".join(paragraphs) + "\n", facts))
    return docs


def sync_corpus(docs: list[Document], corpus: Path) -> str:
    """Write the corpus unless the same one is already there; returns what happened."""
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(doc.name.encode() + doc.text.encode())
    manifest = {"version": GENERATOR_VERSION, "docs": len(docs), "seed": SEED, "sha256": digest.hexdigest()}
    manifest_path = corpus / MANIFEST
    present = sorted(corpus.glob("*.txt")) if corpus.exists() else []
    if manifest_path.exists() and len(present) == len(docs):
        if json.loads(manifest_path.read_text(encoding="utf-8")) == manifest:
            return f"reused {len(present)} documents in {corpus}"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    for doc in docs:
        (corpus / doc.name).write_text(doc.text, encoding="utf-8")
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return f"generated {len(docs)} documents in {corpus} ({len(present)} were there)"


def make_questions(docs: list[Document], n: int, seed: int = SEED) -> list[tuple[str, str, str]]:
    """(question, kind, doc_number) with kind "specific"/"generic" (answered by a clause of doc_number; a
    generic one by many documents alike), "none" (no document covers it) or "en" (English, either).
    About 65% answerable (half of them specific), 30% unrelated, 5% English."""
    rng = random.Random(seed + 1)
    n_english = min(len(ENGLISH_QUESTIONS), max(1, round(n * 0.05)))
    n_unrelated = round(n * 0.3)
    n_answerable = n - n_english - n_unrelated
    facts = {"specific": [], "generic": []}
    for doc in docs:
        for question, _, specific in doc.facts:
            facts["specific" if specific else "generic"].append((question, "specific" if specific else "generic",
                                                                  doc.doc_number))
    n_specific = n_answerable // 2
    out = [rng.choice(facts["specific"]) for _ in range(n_specific)]
    out += [rng.choice(facts["generic"]) for _ in range(n_answerable - n_specific)]
    for _ in range(n_unrelated):
        question = rng.choice(UNRELATED_QUESTIONS)
        if rng.random() < 0.5:  # mix in corpus words, so the unrelated ones are not trivially empty
            question = f"{rng.choice(DISTRICTS)}{question}"
        out.append((question, "none", ""))
    out += [(q, "en", "") for q in ENGLISH_QUESTIONS[:n_english]]
    rng.shuffle(out)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500, help="documents to generate (default 500)")
    parser.add_argument("--queries", type=int, default=200, help="timed questions (default 200, at least 1)")
    parser.add_argument("--fresh", action="store_true", help="delete the index first and time a full ingest")
    args = parser.parse_args()

    docs = generate(args.docs)
    print(sync_corpus(docs, CORPUS_DIR), flush=True)
    if args.fresh and DATA_DIR.exists():
        shutil.rmtree(DATA_DIR)
    # Embedded Chroma under the bench data dir, whatever ASSISTANT_CHROMA_URL says: --fresh must mean fresh.
    settings = Settings(data_dir=DATA_DIR, corpus_dir=CORPUS_DIR, chroma_url=None)
    from_scratch = generations.current(settings.index_dir) is None

    started = time.perf_counter()
    index = KnowledgeIndex(settings)
    opened = time.perf_counter()
    report = index.ingest([CORPUS_DIR], progress=True)
    ingest_s = time.perf_counter() - started
    mode = "from scratch" if from_scratch else "incremental"
    print(f"ingest ({mode}): {ingest_s:.1f} s (open {opened - started:.1f} s) — added {len(report.added)}, "
          f"updated {len(report.updated)}, unchanged {len(report.unchanged)}, removed {len(report.removed)}, "
          f"skipped {len(report.skipped)}; {report.chunks} chunks, "
          f"longest {max((len(c.text) for c in index.chunks), default=0)} chars, "
          f"{sum(c.part > 0 for c in index.chunks)} continuation parts", flush=True)

    questions = make_questions(docs, max(1, args.queries))
    for question, _, _ in questions[:WARMUP]:
        answer_question(index, question)
    timings: list[float] = []
    tally = {kind: [0, 0, 0] for kind in ("specific", "generic", "none", "en")}  # asked, confident, source doc on top
    slowest: list[tuple[float, str]] = []
    for question, kind, doc_number in questions:
        t0 = time.perf_counter()
        result = answer_question(index, question)
        ms = (time.perf_counter() - t0) * 1000
        timings.append(ms)
        slowest.append((ms, question))
        tally[kind][0] += 1
        tally[kind][1] += result.confident
        tally[kind][2] += bool(doc_number and result.citations and result.citations[0].doc == doc_number)
    slowest.sort(reverse=True)
    print("questions (confident / top citation from the source document): "
          + "; ".join(f"{kind} {c}/{n}" + (f" {hit}/{n}" if kind in ("specific", "generic") else "")
                      for kind, (n, c, hit) in tally.items()))
    print(f"latency ms: mean {statistics.mean(timings):.1f}, max {max(timings):.1f}; slowest: "
          + "; ".join(f"{ms:.0f} {q}" for ms, q in slowest[:3]))
    print(
        f"RESULT docs={len(docs)} chunks={report.chunks} ingest_s={ingest_s:.1f} "
        f"query_p50_ms={statistics.median(timings):.1f} query_p95_ms={percentile(timings, 0.95):.1f} "
        f"n_queries={len(timings)}"
    )


if __name__ == "__main__":
    main()
