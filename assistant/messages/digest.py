"""Messages of the coordinator digests (/digest, /digest_off, /digest_on, /digest_help, /export)."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "digest.head": {"zh": "📊 {unit} 工作简报 · {period}", "en": "📊 Digest for {unit} · {period}"},
    "digest.period": {"zh": "{name}（{start} 至 {end}）", "en": "{name} ({start} to {end})"},
    "digest.period.today": {"zh": "今天", "en": "today"},
    "digest.period.yesterday": {"zh": "昨天", "en": "yesterday"},
    "digest.period.week": {"zh": "本周", "en": "this week"},
    "digest.period.lastweek": {"zh": "上周", "en": "last week"},
    "digest.period.month": {"zh": "本月", "en": "this month"},
    "digest.period.lastmonth": {"zh": "上月", "en": "last month"},
    "digest.period.quarter": {"zh": "本季度", "en": "this quarter"},
    "digest.period.last7": {"zh": "近7天", "en": "last 7 days"},
    "digest.period.last30": {"zh": "近30天", "en": "last 30 days"},
    "digest.period.range": {"zh": "{start} 至 {end}", "en": "{start} to {end}"},
    "digest.quiet": {"zh": "本期平稳：无新诉求、无在办事项，其他各项均无变化。", "en": "A quiet period: no new needs, nothing open, nothing else to report."},
    "digest.no_sub_unit": {"zh": "（未指定楼栋）", "en": "(no building given)"},
    "digest.metric.new": {"zh": "新增 {n}", "en": "new {n}"},
    "digest.metric.accepted": {"zh": "签收 {n}", "en": "accepted {n}"},
    "digest.metric.resolved": {"zh": "办结 {n}", "en": "resolved {n}"},
    "digest.metric.open": {"zh": "在办 {n}", "en": "open {n}"},
    "digest.metric.overdue": {"zh": "逾期 {n}", "en": "overdue {n}"},
    "digest.sep": {"zh": "，", "en": ", "},
    "digest.line": {"zh": "• {name}：{value}", "en": "• {name}: {value}"},
    "digest.bullet": {"zh": "• {text}", "en": "• {text}"},
    "digest.place": {"zh": "{compound} {building}", "en": "{building}, {compound}"},
    "digest.more": {"zh": "……另有 {n} 项", "en": "… and {n} more"},
    "digest.and_more": {"zh": " 等（另有 {n} 人）", "en": " and {n} more"},
    "digest.unit_count": {"zh": "{unit} {n} 件", "en": "{unit} {n}"},
    "digest.needs.head": {"zh": "【诉求】{counts}", "en": "[Needs] {counts}"},
    "digest.needs.by_category": {"zh": "按类别：", "en": "By category:"},
    "digest.needs.by_sub_unit": {"zh": "按下级单位：", "en": "By sub-unit:"},
    "digest.rates.head": {"zh": "【三率】", "en": "[Rates]"},
    "digest.rate.response": {"zh": "• 响应率 {value}", "en": "• Response rate {value}"},
    "digest.rate.resolution": {"zh": "• 解决率 {value}", "en": "• Resolution rate {value}"},
    "digest.rate.on_time": {"zh": "• 按期办结率 {value}", "en": "• Resolved on time {value}"},
    "digest.rate.satisfaction": {"zh": "• 满意率 {value}", "en": "• Satisfaction rate {value}"},
    "digest.rate_value": {"zh": "{pct}%（{num}/{den}）", "en": "{pct}% ({num}/{den})"},
    "digest.rate_none": {"zh": "—（本期无到期事项）", "en": "— (nothing fell due)"},
    "digest.ranked.head": {"zh": "【三率排名】（按响应率、解决率、满意率的平均值）", "en": "[Rates by sub-unit] (ranked by the mean of response, resolution and satisfaction)"},
    "digest.ranked.line": {"zh": "{rank}. {unit} {score} 分：{rates}", "en": "{rank}. {unit} {score}: {rates}"},
    "digest.ranked.response": {"zh": "响应率 {value}", "en": "response {value}"},
    "digest.ranked.resolution": {"zh": "解决率 {value}", "en": "resolution {value}"},
    "digest.ranked.satisfaction": {"zh": "满意率 {value}", "en": "satisfaction {value}"},
    "digest.hotspot": {"zh": "【本期突出问题】{category} · {place}：{n} 件", "en": "[Main recurring problem] {category} at {place}: {n} needs"},
    "digest.escalations.head": {"zh": "【逐级上报】本期上报 {n} 件", "en": "[Escalations] {n} this period"},
    "digest.escalations.waiting": {"zh": "尚未处理：{units}", "en": "Not yet acted on: {units}"},
    "digest.checkins.head": {"zh": "【党员报到】已报到 {confirmed}，待确认 {pending}，逾期未报到 {overdue}，逾期报到 {late}", "en": "[Check-ins] confirmed {confirmed}, pending {pending}, overdue {overdue}, checked in late {late}"},
    "digest.checkins.late": {"zh": "逾期未报到：{names}", "en": "Overdue: {names}"},
    "digest.name_sep": {"zh": "、", "en": ", "},
    "digest.checkins.late_reports": {"zh": "逾期报到：{names}", "en": "Checked in late: {names}"},
    "digest.checkins.late_name": {"zh": "{name}（{work_unit}，逾期 {days} 天）", "en": "{name} ({work_unit}, {days} days late)"},
    "digest.points.head": {"zh": "【积分榜】", "en": "[Points leaders]"},
    "digest.points.line": {"zh": "{rank}. {name} {points} 分", "en": "{rank}. {name} {points} points"},
    "digest.cases": {"zh": "【负面行为】整改中 {open} 件，逾期未整改 {unrectified} 件", "en": "[Negative behaviour] being rectified {open}, not rectified in time {unrectified}"},
    "digest.ratings.head": {"zh": "【物业企业评价】{period}：", "en": "[Property companies] {period}:"},
    "digest.compliance.head": {"zh": "【组织设置】{n} 项不符合要求：", "en": "[Organisation] {n} breaches:"},
    "digest.err.period": {"zh": "无法识别的时段“{given}”，可用：{known}（或 今天/昨天/本周/上周/本月/上月/本季度/近7天/近30天，或日期范围 2026-11-01..2026-11-30）", "en": "Unknown period “{given}”; use {known}, or a date range such as 2026-11-01..2026-11-30"},
    "digest.err.range_day": {"zh": "“{day}”不是日期，请写成 2026-11-01 这样的格式。", "en": "“{day}” is not a date; write it like 2026-11-01."},
    "digest.err.range_no_day": {"zh": "没有 {day} 这一天。", "en": "There is no such day as {day}."},
    "digest.err.range_order": {"zh": "结束日期 {end} 早于开始日期 {start}。", "en": "The end date {end} is before the start date {start}."},
    "digest.err.range_long": {"zh": "日期范围最多 {days} 天。", "en": "A date range covers at most {days} days."},
    "digest.err.unit": {"zh": "没有找到单位 {given}。", "en": "No unit {given}."},
    "digest.err.level": {"zh": "简报只针对区、街道、社区、小区（网格），不针对{level}。", "en": "Digests are for districts, streets, communities and compounds, not a {level}."},
    "digest.caption": {"zh": "{unit} · {period}：每日新增诉求与类别分布", "en": "{unit} · {period}: new needs per day and by category"},
    "digest.chart.title": {"zh": "{unit} · {period}", "en": "{unit} · {period}"},
    "digest.chart.per_day": {"zh": "每日新增与办结", "en": "Opened and resolved per day"},
    "digest.chart.new": {"zh": "新增", "en": "opened"},
    "digest.chart.resolved": {"zh": "办结", "en": "resolved"},
    "digest.chart.rates": {"zh": "三率", "en": "Rates"},
    "digest.chart.no_rate": {"zh": "本期无到期", "en": "nothing due"},
    "digest.chart.rate.response": {"zh": "响应率", "en": "response"},
    "digest.chart.rate.resolution": {"zh": "解决率", "en": "resolution"},
    "digest.chart.rate.satisfaction": {"zh": "满意率", "en": "satisfaction"},
    "digest.chart.by_category": {"zh": "按类别", "en": "By category"},
    "digest.chart.count": {"zh": "件数", "en": "needs"},
    "digest.off": {"zh": "已关闭定时简报。需要时仍可发送 /digest 查看；发送 /digest_on 重新开启。", "en": "Scheduled digests are off. /digest still works; /digest_on turns them back on."},
    "digest.on": {"zh": "已开启定时简报。", "en": "Scheduled digests are on."},
    "digest.export.caption": {"zh": "{unit} · {period}：诉求及处理记录", "en": "{unit} · {period}: needs with their history"},
    "digest.export.truncated": {"zh": "（只导出了最新的 {n} 条诉求）", "en": "(only the newest {n} needs were exported)"},
    "digest.help": {
        "zh": (
            "工作简报（区、街道、社区、小区党支部书记可用，只含本单位及下级）：\n"
            "/digest [时段] 立即生成简报和图表（默认今天）。时段：今天 昨天 本周 上周 本月 上月 本季度（自然周、月、季度），近7天 近30天（滚动），或日期范围 2026-11-01..2026-11-30\n"
            "/export [时段] 导出本单位诉求及处理记录（Excel；不写时段时沿用上一次 /digest 的时段）\n"
            "/digest_off 关闭定时简报，/digest_on 重新开启\n"
            "定时：小区、社区每天 {daily}（昨天的简报）；街道、区每{days} {weekly}（上周的简报），北京时间。\n"
            "计算方法：\n"
            "• 响应率 = 在签收时限内签收的诉求数 ÷ 签收时限落在本期（截至当前）的诉求数\n"
            "• 解决率 = 回访答“已解决”的次数 ÷ 本期完成的回访次数\n"
            "• 满意率 = 回访评价为“满意”或“基本满意”的次数 ÷ 本期完成的回访次数\n"
            "• 按期办结率 = 在办结时限内办结的诉求数 ÷ 办结时限落在本期（截至当前）的诉求数\n"
            "本期突出问题：同一类别、同一地点（楼栋，未填写楼栋时为小区）本期新增诉求最多且不少于 {hotspot} 件。"
        ),
        "en": (
            "Digests (district, street, community coordinators and branch secretaries; your own subtree only):\n"
            "/digest [period] a digest and chart now (default today). Periods: today yesterday week lastweek month lastmonth quarter (calendar weeks, months, quarters), last7 last30 (rolling), or a date range 2026-11-01..2026-11-30\n"
            "/export [period] the unit's needs with their history as Excel (without a period: the one of your last /digest)\n"
            "/digest_off turns scheduled digests off, /digest_on back on\n"
            "Schedule: compounds and communities daily at {daily} (yesterday); streets and the district on {days} at {weekly} (last week), Asia/Shanghai.\n"
            "The rates:\n"
            "• Response rate = needs accepted by their accept deadline ÷ needs whose accept deadline fell in the period (so far)\n"
            "• Resolution rate = return visits answered \"solved\" ÷ return visits answered in the period\n"
            "• Satisfaction rate = return visits answered satisfied or basically satisfied ÷ return visits answered in the period\n"
            "• Resolved on time = needs resolved by their resolve deadline ÷ needs whose resolve deadline fell in the period (so far)\n"
            "Main recurring problem: the category and place (building, else compound) with the most new needs, at least {hotspot}."
        ),
    },
    "digest.weekday.1": {"zh": "周一", "en": "Monday"},
    "digest.weekday.2": {"zh": "周二", "en": "Tuesday"},
    "digest.weekday.3": {"zh": "周三", "en": "Wednesday"},
    "digest.weekday.4": {"zh": "周四", "en": "Thursday"},
    "digest.weekday.5": {"zh": "周五", "en": "Friday"},
    "digest.weekday.6": {"zh": "周六", "en": "Saturday"},
    "digest.weekday.7": {"zh": "周日", "en": "Sunday"},
    "digest.xlsx.needs": {"zh": "诉求", "en": "Needs"},
    "digest.xlsx.events": {"zh": "处理记录", "en": "History"},
    "digest.xlsx.ticket": {"zh": "编号", "en": "Ticket"},
    "digest.xlsx.category": {"zh": "类别", "en": "Category"},
    "digest.xlsx.status": {"zh": "状态", "en": "Status"},
    "digest.xlsx.urgency": {"zh": "紧急程度", "en": "Urgency"},
    "digest.xlsx.compound": {"zh": "小区", "en": "Compound"},
    "digest.xlsx.building": {"zh": "楼栋", "en": "Building"},
    "digest.xlsx.level_unit": {"zh": "当前承办层级", "en": "Handled at"},
    "digest.xlsx.description": {"zh": "诉求内容", "en": "Description"},
    "digest.xlsx.party": {"zh": "责任方", "en": "Responsible party"},
    "digest.xlsx.created": {"zh": "提交时间", "en": "Filed"},
    "digest.xlsx.accept_due": {"zh": "签收时限", "en": "Accept by"},
    "digest.xlsx.accepted": {"zh": "签收时间", "en": "Accepted"},
    "digest.xlsx.overdue": {"zh": "逾期", "en": "Overdue"},
    "digest.xlsx.escalations": {"zh": "上报次数", "en": "Escalations"},
    "digest.xlsx.visit_at": {"zh": "回访时间", "en": "Return visit"},
    "digest.xlsx.visit_contacted": {"zh": "已联系", "en": "Contacted"},
    "digest.xlsx.visit_solved": {"zh": "已解决", "en": "Solved"},
    "digest.xlsx.satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "digest.xlsx.closed": {"zh": "关闭时间", "en": "Closed"},
    "digest.xlsx.title": {"zh": "诉求清单", "en": "Needs"},
    "digest.xlsx.overdue.accept": {"zh": "签收逾期", "en": "accepted late"},
    "digest.xlsx.overdue.resolve": {"zh": "办结逾期", "en": "resolved late"},
    "digest.xlsx.overdue.both": {"zh": "签收、办结均逾期", "en": "accepted and resolved late"},
    "xlsx.generated": {"zh": "生成于 {at}", "en": "generated {at}"},
    "xlsx.sep": {"zh": " · ", "en": " · "},
    "digest.xlsx.resolve_due": {"zh": "办结时限", "en": "Resolve by"},
    "digest.xlsx.resolved": {"zh": "办结时间", "en": "Resolved"},
    "digest.xlsx.at": {"zh": "时间", "en": "Time"},
    "digest.xlsx.event": {"zh": "环节", "en": "Event"},
    "digest.xlsx.actor": {"zh": "经办人", "en": "By"},
    "digest.xlsx.note": {"zh": "说明", "en": "Note"},
    "bot.commands.digest": {"zh": "工作简报（三率、图表）", "en": "digest with rates and chart"},
    "bot.commands.export": {"zh": "导出诉求 Excel", "en": "export needs as Excel"},
    "bot.commands.digest_help": {"zh": "简报说明与三率公式", "en": "digest help and rate formulas"},
    "digest.cli.written": {"zh": "已写入 {path}", "en": "Wrote {path}"},
}
