"""The answer engine's parts: question analysis, sentence evidence, near misses, the header, a second document."""
import json

import numpy as np
import pytest

from assistant.knowledge.answer import answer_question
from assistant.knowledge.bank import Surfaces, by_chunk, surface
from assistant.knowledge.confidence import fit
from assistant.knowledge.evidence import corpus_words, echo, referenced_labels
from assistant.knowledge.index import KnowledgeIndex
from assistant.knowledge.question import analyse, stated_values, states_value
from assistant.knowledge.tokenize import get_tokenizer, readings


@pytest.mark.parametrize(
    "question,kind",
    [
        ("小区党支部设几名委员？", "count"),
        ("党员负面行为评价 一年搞几次", "frequency"),
        ("兼职委员任期几年", "duration"),
        ("在职党员最晚啥时候报到", "date"),
        ("业委会里党员占比要多少", "percent"),
        ("宣传经费谁出 有多少", "money"),
        ("物业行业党委由谁成立", "who"),
        ("我们小区支部想设两个正书记 行不", "yesno"),
        ("小区支部咋建", "how"),
        ("How often is the negative-behaviour evaluation held?", "frequency"),
        ("By when must employed party members register?", "date"),
        ("Who sets up the property industry party committee?", "who"),
        ("Can a compound branch have two secretaries?", "yesno"),
        # an English ask pattern matches whole words: "encourage" asks no age, "define"/"procedure" no fine or date
        ("Does the directive encourage members to become building leaders?", "yesno"),
        ("how do we define the procedure for a branch", "how"),
        ("What is the age limit for a building leader?", "age"),
        # 哪几X asks which ones (answered by naming them), not how many
        ("小区支部有哪几种建法", "which"),
        ("联席会议哪几个部门参加", "which"),
        ("大党委几个委员", "count"),
    ],
)
def test_answer_type(question, kind):
    assert analyse(get_tokenizer(), question).kind == kind


def test_fillers_are_not_content_and_aliases_fold():
    q = analyse(get_tokenizer(), "请问一下 咱们国企的在职党员 文件咋说的 要去哪报到呀")
    assert "国有企业" in q.words and "报到" in q.words
    assert not {"请问", "一下", "咱们", "咋说的", "文件", "呀"} & set(q.words)


def test_a_seam_jieba_made_up_is_no_content_word():
    """能进 (能 + 进), 条叫 (条 + 叫), 费能 (费 + 能): words jieba's HMM joined across a seam are not in its dictionary;
    the question reads them by the dictionary alone, so they do not count as words the documents never use."""
    tokenizer = get_tokenizer()
    assert "能进" in tokenizer.precise("党组织负责人能进街道大工委吗")  # what jieba itself makes of it
    for question, seam in (("党组织负责人能进街道大工委吗", "能进"), ("第8条叫啥", "条叫"), ("燃气费能在手机上交不", "费能")):
        words = analyse(tokenizer, question).words
        assert seam not in words, (question, words)
    assert {"党组织", "负责人", "街道大工委"} <= set(analyse(tokenizer, "党组织负责人能进街道大工委吗").words)


def test_a_quantity_asked_is_the_attribute_not_a_content_word():
    """一年 / 几次 / 每个 say how much is asked (the answer type's business), not what the question is about."""
    q = analyse(get_tokenizer(), "党员回家报到以后 一年至少要参加几次小区活动")
    assert q.kind == "frequency" and {"报到", "小区", "活动"} <= set(q.words)
    assert not {"一年", "几次"} & set(q.words)
    assert not {"每个", "几名"} & set(analyse(get_tokenizer(), "每个楼栋设几名楼栋长").words)


def test_an_opening_saying_who_asks_is_no_unseen_content(corpus_index):
    """我们是辖区里的社会组织 / I'm on our HOA: who asks, not what is asked. A word of it the documents never use
    (辖区; translating) is not counted as unseen; its known words still count; the rest of the question is as before."""
    tokenizer = corpus_index.tokenizer
    q = analyse(tokenizer, "我们是辖区里的社会组织 党组织负责人能进街道大工委吗")
    assert {"辖区", "社会", "组织"} <= q.asker and "党组织" not in q.asker and "辖区" in q.words
    words = corpus_words(corpus_index, q)
    assert words.unseen == 0 and words.total == len(q.words) - 1
    plain = corpus_words(corpus_index, analyse(tokenizer, "辖区里的社会组织 党组织负责人能进街道大工委吗"))
    assert plain.unseen == 1  # said as what is asked about, the same word counts
    english = analyse(tokenizer, "I'm translating the cover page. who is it addressed to?")
    assert "translating" in english.asker and "translating" in english.unknown
    assert not analyse(tokenizer, "我是楼栋长党员住户在哪些事上要带头").asker  # no pause: no opening to tell apart


def test_a_signal_is_never_fitted_to_push_against_its_known_direction():
    """Two correlated signals, the outcome following their difference: fitted freely, the second gets a negative
    weight; named in `signs` as one that raises the confidence, it is held at zero and the first refitted alone."""
    rng = np.random.default_rng(3)
    first = rng.normal(size=400)
    second = first + rng.normal(scale=0.5, size=400)
    y = (2 * first - second + rng.normal(scale=0.3, size=400) > 0).astype(float)
    x = np.column_stack([first, second])
    free = fit(("first", "second"), x, y)
    held = fit(("first", "second"), x, y, signs={"first": 1, "second": 1})
    assert free.weights[1] < 0 and held.weights[1] == 0 and held.weights[0] > 0


def test_english_words_of_a_glossary_phrase_are_each_read_as_typed_or_as_a_base_form():
    """building leaders: "building" as typed (its base form "build" is a glossary word too), "leaders" as "leader"."""
    terms, unknown = get_tokenizer().translate("Can party members become building leaders?")
    assert "楼栋长" in terms and "leaders" not in unknown
    assert get_tokenizer().translate("serving members")[0] == ["在职", "成员", "委员", "党员"]


def test_a_term_with_a_parenthetical_is_read_both_ways(corpus_index):
    text = "不符合建立党小组条件的，选好党员楼栋（巷、片）长。"
    assert "楼栋长" in readings(text) and readings(text).startswith("不符合建立党小组条件的")
    assert readings("（一）聚焦互联互通") == "(一)聚焦互联互通"  # a heading's number is no parenthetical
    assert "楼栋长" in get_tokenizer().document_terms(text)
    assert corpus_index.doc_freq("小区党支部") > 0  # the directive writes 小区（网格）党支部


def test_value_checks():
    assert states_value("date", "于2020年6月底前到所居住小区（网格）党支部报到。")
    assert states_value("duration", "要于1个月内向新居住小区（网格）党支部报到。")
    assert states_value("frequency", "建立党员负面行为评价机制。") is False
    assert states_value("who", "由社区党组织书记兼任") is None  # not checkable against a sentence


def test_the_values_a_question_states_are_read_as_a_document_writes_them():
    def found(question, text):
        return [bool(v.form.search(readings(text))) for v in stated_values(question)]

    assert found("党员回家2021年的报到截止时间是几月底", "于2020年6月底前到所居住小区党支部报到") == [False]
    assert found("2020年6月底前要干啥", "于2020年6月底前报到") == [True, True]
    assert found("due in August or September?", "8月底前作出规定，9月底前完成组建") == [True, True]
    assert found("what is due by the end of October?", "9月底前完成组建") == [False]
    assert found("党员比例50%是硬杠杠吗", "力争党员比例不低于50%") == [True]
    assert found("党员比例5%行不", "力争党员比例不低于50%") == [False]  # 5 is not read inside 50
    assert [v.said for v in stated_values("2021年10月底前要完成啥")] == ["10月", "2021年"]
    assert [v.said for v in stated_values("what is due by October 2021?")] == ["October", "2021"]
    assert [v.said for v in stated_values("the 2021 deadline")] == ["2021"]
    assert stated_values("may a party member join?") == [] and stated_values("大工委吸纳谁 一般几个") == []


def test_echo_splits_what_is_quoted_from_what_is_asked():
    clause = "各县（市、区）要加强工作领导和指导，定期研究情况、解决问题。"
    share, rest = echo("各县（市、区）要加强工作领导和指导 这个定期是多久一次", clause)
    assert 0.5 < share < 1 and "多久一次" in rest and "加强工作领导" not in rest
    assert echo("定期是多久一次", clause) == (0.0, "定期是多久一次")


def test_the_overlap_with_every_bank_question_at_once_is_each_pair_s_jaccard(corpus_index):
    said = surface("我们小区支部想设两个正书记 行不 does the branch need a secretary")
    bank = corpus_index.bank_surfaces
    expected = [len(said & b) / len(said | b) if b else 0.0 for b in bank.items]
    assert bank.overlaps(said).tolist() == expected and max(expected) > 0
    assert Surfaces([frozenset(), frozenset({"书记"})]).overlaps(frozenset()).tolist() == [0.0, 0.0]
    grouped = by_chunk(corpus_index.bank, corpus_index.by_id)
    for row, held in grouped.items():
        assert all(corpus_index.by_id[corpus_index.bank[n].chunk_id] == row for n in [*held.answers, *held.gaps])
        assert all(corpus_index.bank[n].gap for n in held.gaps) and not any(corpus_index.bank[n].gap for n in held.answers)
        assert sorted(n for ns in held.units.values() for n in ns) == sorted(held.answers)
    assert sum(len(h.answers) + len(h.gaps) for h in grouped.values()) == len(corpus_index.bank)


def test_clause_labels_named_in_the_question():
    assert referenced_labels("第12条叫啥") == {"12"}
    assert referenced_labels("第十二条和（三）") == {"12", "（三）"}
    assert referenced_labels("What does item 7 say about points?") == {"7"}
    assert referenced_labels("How many members?") == set()


def test_homophone_typos_are_read_as_the_documents_words(corpus_index):
    fix = corpus_index.homophones.correct
    assert fix("大党委书及是谁兼着") == "大党委书记是谁兼着"
    assert fix("小区支布有哪几种建法") == "小区支部有哪几种建法"
    assert fix("还会被爆光吗") == "还会被曝光吗"
    assert fix("是不是一般几个") == "是不是一般几个"
    # a word the documents use, spelled right, is never rewritten into another one that sounds like it with a neighbour
    for right in ("市委组织部发的吗", "党员服务有积分吗", "建立党小组要几个人", "各相关单位职责",
                  # nor a question's own particle (几, 是, 不) into half of a word of theirs
                  "这条有几项要求", "是直接报区里吗", "单独建不起来咋办"):
        assert fix(right) == right
    assert fix("县委组只部管啥") == "县委组织部管啥"  # … unless most of the run agrees
    assert fix("做好事有积份吗") == "做好事有积分吗"  # a particle agreeing (有) is no evidence of 有机


def test_quote_is_the_sentence_with_the_asked_attribute(corpus_index):
    deadline = answer_question(corpus_index, "在职党员2020年最晚啥时候得去小区报到")
    assert deadline.confident and "6月底前" in deadline.quote and "1个月内" not in deadline.quote
    moved = answer_question(corpus_index, "党员搬家了 多长时间内要去新小区报到")
    assert moved.confident and "1个月内" in moved.quote and "6月底前" not in moved.quote


def test_near_miss_says_what_the_directive_does_say(corpus_index):
    result = answer_question(corpus_index, "党员负面行为评价 一年搞几次")
    assert not result.confident
    assert result.answer.startswith("文件没有规定")
    assert "把日常监督严起来" in result.answer and "负面行为评价机制" in result.answer
    english = answer_question(corpus_index, "How often does the negative behaviour evaluation take place?")
    assert not english.confident and english.answer.startswith("The directive does not say how often")
    # who asks is not the subject: 我是楼栋长 names the asker; 楼栋长 is the subject only when nothing else is
    asker = answer_question(corpus_index, "我是楼栋长 党员住户在哪些事上要带头")
    assert not asker.confident and asker.answer.startswith("文件没有规定党员") and "楼栋长" not in asker.answer[:20]
    alone = answer_question(corpus_index, "我是楼栋长 楼栋长要干啥")
    assert not alone.confident and alone.answer.startswith("文件没有规定楼栋长")


def test_quoting_a_sentence_and_asking_what_it_leaves_out_is_a_near_miss(corpus_index):
    result = answer_question(corpus_index, "所在单位须取消其个人年度各类评先评优资格 那会不会影响提拔晋升")
    assert not result.confident and result.answer.startswith("文件没有")
    assert "8. 把日常监督严起来" in result.answer
    term = answer_question(corpus_index, "兼职委员一般为3-5名 那他们的任期是几年")
    assert not term.confident and term.answer.startswith("文件没有规定兼职委员的期限")


def test_a_question_stating_a_value_the_clause_never_states_is_a_near_miss(corpus_index):
    year = answer_question(corpus_index, "党员回家2021年的报到截止时间是几月底")
    assert not year.confident and year.answer.startswith("文件没有提到“2021年”。") and "2020年6月底前" in year.answer
    month = answer_question(corpus_index, "文件要求10月底前完成啥工作")
    assert not month.confident and month.answer.startswith("文件没有提到“10月”。")
    assert "14. 强化工作推进" in month.answer
    stated = answer_question(corpus_index, "物业行业党委要在几月底前组建好")
    assert stated.confident and "9月底前完成物业行业党委组建" in stated.quote


def test_an_english_near_miss_in_everyday_words_says_what_the_directive_does_say(corpus_index):
    # most of its words are outside the glossary; two of the directive's specific terms (业委会, 主任) are in clause 9
    allowance = answer_question(corpus_index, "Is there a monthly allowance for the chair of the owners' committee?")
    assert not allowance.confident and allowance.answer.startswith("The directive does not say any amount of money.")
    assert "9. 党建引领业主依法自主自治" in allowance.answer
    # a term every other clause uses (社区) and a glossary collision (renewed → 续签) are no subject
    card = answer_question(corpus_index, "Can I get my ID card renewed at the community office?")
    assert not card.confident and card.answer.startswith("The directive does not cover this")


def test_out_of_domain_is_refused_plainly(corpus_index):
    result = answer_question(corpus_index, "社保卡丢了去哪补办")
    assert not result.confident and result.answer.startswith("文件没有对此作出规定")
    dated = answer_question(corpus_index, "外地人办居住证 2021年多久能拿到")  # a value no clause states is named
    assert not dated.confident and dated.answer.startswith("文件中没有提到“2021年”。文件没有对此作出规定")
    english = answer_question(corpus_index, "What has to be finished by the end of October?")
    assert not english.confident and english.answer.startswith("The documents never mention October. ")


def test_header_questions(corpus_index):
    number = answer_question(corpus_index, "这个文件的文号是多少")
    assert number.confident and number.citations[0].clause == "文头" and "组通〔2020〕15号" in number.answer
    date = answer_question(corpus_index, "这文是哪天印发的")
    assert date.confident and "2020年5月15日" in date.answer


def test_outline_answers_what_a_part_contains(corpus_index):
    result = answer_question(corpus_index, "组织实施这部分讲了哪几个方面")
    assert result.confident and result.citations[0].clause == "三"
    assert all(title in result.answer for title in ("强化组织领导", "强化工作推进", "加强宣传引导"))


def test_english_question_english_lead_chinese_quote(corpus_index):
    result = answer_question(corpus_index, "How many deputy secretaries can a community big party committee have?")
    assert result.confident and result.citations[0].clause == "2"
    lead, quote = result.answer.split("\n", 1)
    assert lead.startswith("Clause 2 of 组通〔2020〕15号") and "副书记 1-2 名" in quote


SECOND = """宁国市民政局文件

宁民〔2021〕7号

关于加强社区养老服务站管理的通知

各乡镇（街道）民政办：

为规范社区养老服务站运营，现就有关事项通知如下。

一、服务对象

1. 服务对象。养老服务站主要为辖区内60周岁以上的居家老人提供日间照料和助餐服务。

二、运营要求

2. 开放时间。养老服务站每周开放不少于5天，每天开放不少于8小时。

3. 人员配备。每个养老服务站至少配备2名专职服务人员，其中1名须持有养老护理员证书。

4. 经费保障。市财政按照每站每年3万元的标准给予运营补贴。
"""


@pytest.fixture(scope="module")
def second_index(tmp_path_factory):
    from tests.conftest import make_settings

    tmp = tmp_path_factory.mktemp("second")
    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "ningmin-2021-7.txt").write_text(SECOND, encoding="utf-8")
    bank = [{"clause": "2", "evidence": "每周开放不少于5天", "asks": "frequency",
             "q": ["养老服务站一周开几天", "How many days a week is the elderly care station open?"]}]
    (corpus / "ningmin-2021-7.questions.jsonl").write_text(
        "\n".join(json.dumps(b, ensure_ascii=False) for b in bank), encoding="utf-8")
    settings = make_settings(tmp, corpus_dir=corpus)
    index = KnowledgeIndex(settings)
    index.ingest([corpus], progress=False)
    return index


def test_a_second_document_works_the_same_way(second_index):
    staff = answer_question(second_index, "养老服务站最少要配几个专职人员")
    assert staff.confident and staff.citations[0].doc == "宁民〔2021〕7号" and "至少配备2名" in staff.quote
    money = answer_question(second_index, "养老站运营补贴一年给多少钱")
    assert money.confident and "3万元" in money.quote
    missing = answer_question(second_index, "养老服务站的护理员工资多少钱一个月")
    assert not missing.confident
    beyond = answer_question(second_index, "每个养老服务站至少配备2名专职服务人员 那这些人员的工资由谁发")
    assert not beyond.confident
    year = answer_question(second_index, "2023年养老站运营补贴一年给多少钱")
    assert not year.confident and "3万元" in year.answer  # the notice states no year: what it says is shown


def test_same_content_from_two_paths_is_indexed_once(settings, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "一、停车\n\n1. 规范停车。党员要带头规范停车。\n"
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    copy = tmp_path / "Downloads" / "a copy.txt"
    copy.parent.mkdir()
    copy.write_text(text, encoding="utf-8")
    index = KnowledgeIndex(settings)
    first = index.ingest([corpus], progress=False)
    again = index.ingest([copy], progress=False)
    assert first.added == ["a.txt"] and not again.added
    assert again.duplicates and again.duplicates[0][0] == "a copy.txt" and "a.txt" in again.duplicates[0][1]
    assert len(index.chunks) == first.chunks
