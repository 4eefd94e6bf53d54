"""Answers shaped by the question: the document's structure (a clause's title, what a part holds, where a matter
sits, the full title), and several things asked at once."""
import pytest

from assistant.knowledge.answer import answer_question
from tests.knowledge.test_answer_engine import second_index  # noqa: F401  (the second document's index)


@pytest.mark.parametrize("question,clause,heading", [
    ("第12条叫啥", "12", "考核引导科学善治"),
    ("第6条的标题", "6", "把党员身份亮出来"),
    ("What is item 15 called?", "15", "加强宣传引导"),
])
def test_a_clause_named_by_label_is_answered_with_its_heading(corpus_index, question, clause, heading):
    result = answer_question(corpus_index, question)
    assert result.confident and result.confidence == 1.0
    assert result.citations[0].clause == clause and heading in result.quote


def test_a_label_with_more_asked_is_a_question_about_the_clause_text(corpus_index):
    result = answer_question(corpus_index, "第5条说的那个行动叫啥")
    assert result.citations[0].clause == "5" and "党员回家" in result.quote  # the text, not the heading


def test_what_a_part_holds(corpus_index):
    named = answer_question(corpus_index, "互联互通那块包括哪几条")
    assert named.confident and named.citations[0].clause == "（一）"
    assert all(t in named.quote for t in ("建强街道“大工委”", "建立小区（网格）党支部", "建好“红色物业”"))
    ordinal = answer_question(corpus_index, "主要措施第三块有哪几条")
    assert ordinal.citations[0].clause == "（三）" and "考核引导科学善治" in ordinal.quote
    # an ordinal part by itself is the document's; ordinals in turn go down; 第二块 alone could be either level
    top = answer_question(corpus_index, "第二部分有几条")
    assert top.confident and top.citations[0].clause == "二" and "聚焦共治共享" in top.quote
    nested = answer_question(corpus_index, "第二部分第三块包括哪几条")
    assert nested.confident and nested.citations[0].clause == "（三）" and "考核引导科学善治" in nested.quote
    english = answer_question(corpus_index, "which items are in the third section")
    assert english.citations[0].clause == "三" and "加强宣传引导" in english.quote
    assert not answer_question(corpus_index, "第五部分有几条").confident
    # a part with no items under it: what it says, not the items of another part
    bare = answer_question(corpus_index, "第一部分有哪几条")
    assert bare.confident and bare.citations[0].clause == "一" and "六级响应机制" in bare.quote
    content = answer_question(corpus_index, "主要措施包括哪些内容")
    assert content.citations[0].clause == "二" and "聚焦群策群力" in content.quote
    # the document's own parts, cited as the document; its items (几条) are not its parts
    whole = answer_question(corpus_index, "这个文件分为哪几部分")
    assert whole.confident and whole.quote == "一、总体目标\n二、主要措施\n三、组织实施"
    assert whole.citations[0].clause == "" and whole.answer.endswith("— 组通〔2020〕15号")
    assert "文头" not in whole.answer and whole.citations[1:]
    assert whole.quote not in answer_question(corpus_index, "文件有几条").answer
    # a part of parts asked about one matter in it: the part that holds the matter
    matter = answer_question(corpus_index, "主要措施里讲党员的是哪几条")
    assert matter.citations[0].clause == "（二）" and "把日常监督严起来" in matter.quote


def test_where_a_matter_sits(corpus_index):
    part = answer_question(corpus_index, "小区建支部那条属于哪部分")
    assert part.confident and part.citations[0].clause == "（一）" and "聚焦互联互通" in part.quote
    within = answer_question(corpus_index, "讲业委会的内容在主要措施哪块")
    assert within.citations[0].clause == "（三）"


def test_the_documents_full_title(corpus_index):
    result = answer_question(corpus_index, "文件完整标题叫啥 记不全了")
    assert result.confident and result.citations[0].clause == "文头"
    assert "关于“六级联动抓到底、党建引领强治理”全面提升住宅小区管理水平指导意见" in result.quote
    mentioned = answer_question(corpus_index, "标题上那句口号 六级联动抓到底后半句是啥")
    assert "党建引领强治理" in mentioned.answer  # the title mentioned, not asked for: answered from the text


def test_structure_of_a_second_document(second_index):  # noqa: F811
    title = answer_question(second_index, "第3条叫什么")
    assert title.confident and title.citations[0].doc == "宁民〔2021〕7号" and "人员配备" in title.quote
    part = answer_question(second_index, "运营要求那部分有几条")
    assert part.citations[0].clause == "二" and all(t in part.quote for t in ("开放时间", "人员配备", "经费保障"))
    ordinal = answer_question(second_index, "第二部分有几条")
    assert ordinal.citations[0].clause == "二" and "经费保障" in ordinal.quote
    # named by words of its title, the document's parts: the title is not read as a matter asked about
    whole = answer_question(second_index, "养老服务站管理的通知分为哪几部分")
    assert whole.confident and whole.quote == "一、服务对象\n二、运营要求"
    assert whole.citations[0].doc == "宁民〔2021〕7号" and whole.citations[0].clause == ""


def test_several_things_asked_at_once_quote_each_sentence(corpus_index):
    result = answer_question(corpus_index, "物业联络员和小区联席会议 文件都咋规定")
    assert result.confident and result.citations[0].clause == "11"
    assert "联席会议制度" in result.quote and "物业联络员制度" in result.quote
    one = answer_question(corpus_index, "物业联络员从哪些人里推选")
    assert "物业联络员" in one.quote and "联席会议制度" not in one.quote  # one thing asked: one sentence



def test_a_clauses_title_is_not_quoted_as_its_answer(corpus_index):
    result = answer_question(corpus_index, "建好红色物业对物业企业有什么要求")
    assert result.confident and result.citations[0].clause == "4"
    assert "物业行业党委" in result.quote and not result.quote.startswith("建好“红色物业”。")


def test_english_names_of_parts(corpus_index):
    result = answer_question(corpus_index, "what are the sub-headings of part II?")
    assert result.confident and result.citations[0].clause == "二"
    assert result.answer.startswith("Part 二 of 组通〔2020〕15号") and "聚焦群策群力" in result.quote
    three = answer_question(corpus_index, "which items fall under part three")
    assert three.citations[0].clause == "三" and "加强宣传引导" in three.quote


@pytest.mark.parametrize("question,lines", [
    ("我要填收文台账 文号跟成文日期给我下", ("组通〔2020〕15号", "2020年5月15日")),
    ("发文机关是哪两个", ("中共宣城市委组织部 中共宣城市住房和城乡建设局党组",)),
    ("通知是发给哪些单位的", ("各县（市、区）委组织部", "市直各单位")),
    ("Who co-issued the guidance, and what is its document number?", ("中共宣城市住房和城乡建设局党组", "组通〔2020〕15号")),
    ("When was the directive issued?", ("2020年5月15日",)),
])
def test_header_fields_are_answered_from_the_headers_lines(corpus_index, question, lines):
    result = answer_question(corpus_index, question)
    assert result.confident and result.citations[0].clause == "文头"
    assert all(line in result.quote for line in lines)
    if result.lang == "en":
        assert result.answer.startswith("The header of 组通〔2020〕15号 answers this")


def test_header_words_without_the_document_named_are_not_header_questions(corpus_index):
    result = answer_question(corpus_index, "党员户标牌是谁发的")  # who hands out the plaques, not who issued the document
    assert result.citations[0].clause != "文头"


def test_header_fields_of_a_second_document(second_index):  # noqa: F811
    both = answer_question(second_index, "这个通知的文号和主送单位")
    assert both.confident and both.citations[0].doc == "宁民〔2021〕7号"
    assert "宁民〔2021〕7号" in both.quote and "各乡镇（街道）民政办：" in both.quote
    undated = answer_question(second_index, "这个通知是哪天印发的")  # its header has no date line: nothing is made up
    assert not undated.confident


@pytest.mark.parametrize("question", [
    "这个通知是哪年发的 现在还有效吗",  # a field, and something the header does not state
    "发文单位的联系电话是多少",  # a field owning what is asked
    "Who issued it and who is the contact person?",
])
def test_a_question_asking_beyond_the_header_fields_is_not_answered_from_them(corpus_index, question):
    assert not answer_question(corpus_index, question).confident


@pytest.mark.parametrize("question,own", [
    ("县里的配套文件文号是多少", "组通〔2020〕15号"),
    ("我们县转发这个文的通知是哪天发的", "2020年5月15日"),
    ("What is the document number of the county's implementing rules?", None),  # no header unit ranked first
])
def test_a_header_states_its_own_documents_facts_only(corpus_index, question, own):
    """A question naming another document (a county's implementing rules, the notice forwarding this one) is not
    answered with this document's number or date; where the header was the best match, the answer says that what
    it holds is this document's own."""
    result = answer_question(corpus_index, question)
    assert not result.confident and "组通〔2020〕15号 —" not in result.answer
    if own is not None:
        assert result.answer.startswith("组通〔2020〕15号 只载有本文件自己的信息") and f"「{own}」" in result.answer


def test_other_fields_named_beside_the_document_are_still_its_own(corpus_index):
    result = answer_question(corpus_index, "除了组织部，还有其他发文单位吗")
    assert result.confident and "中共宣城市住房和城乡建设局党组" in result.answer
