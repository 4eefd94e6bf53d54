"""The grounding validator on the directive's own clauses 2 and 3 (text as in docs_corpus)."""
import pytest
from langchain_core.documents import Document

from assistant.llm.grounding import labels, validate_answer
from assistant.llm.numerals import cn_to_int, dates, normalise, numbers

DOC = "组通〔2020〕15号"
CLAUSE_3 = ("建立小区（网格）党支部。全面实施“支部建在小区（网格）”计划，做到符合党组织组建条件的小区（网格）“应建尽建”。"
            "小区（网格）党支部一般设委员 3-5 名，其中书记 1 名、副书记 1-2 名。常住正式党员达到 3 名的楼栋（巷、片），"
            "及时建立党小组。")
CLAUSE_2 = "建优社区“大党委”。社区“大党委”成员一般不超过 7-9 名，其中设“第一书记”1 名。"
CLAUSE_5 = "把住户党员找出来。在职党员于2020年6月底前到所居住小区（网格）党支部报到；搬迁后1个月内报到。"


def doc(label: str, title: str, text: str, sub: str = "（一）聚焦互联互通，强化党组织的领导和引领") -> Document:
    return Document(page_content=text, metadata={
        "doc": DOC, "clause": label, "cite": f"二、{sub[:3]}{label}. {title}",
        "path": f"二、主要措施 > {sub} > {label}. {title}", "score": 0.9})


DOCS = [doc("3", "建立小区（网格）党支部", CLAUSE_3), doc("2", "建优社区“大党委”", CLAUSE_2),
        doc("5", "把住户党员找出来", CLAUSE_5, "（二）聚焦共驻共建，强化党员的示范和带动")]


def check(text: str):
    return validate_answer(text, DOCS, 600)


@pytest.mark.parametrize("text", [
    "小区（网格）党支部一般设委员3-5名，其中书记1名、副书记1-2名 [3]",
    "根据二、（一）3. 的规定，小区党支部一般设委员三至五名，副书记一至两名【3】",
    "依照第3条，党支部要“应建尽建” [二、（一）3. 建立小区（网格）党支部]",
    "A compound branch usually has three to five committee members (clause 3) [3].",
    "社区“大党委”一般不超过7-9名 [2]；小区党支部委员3-5名 [3]",
    "在职党员应于2020年6月底前报到，搬迁后一个月内报到 [5]",
    "Serving members may check in by the end of June 2020 [5].",
])
def test_grounded_answers_are_accepted(text):
    verdict = check(text)
    assert verdict.ok, verdict.reason


@pytest.mark.parametrize("text, reason", [
    # the Gemma-3-270M case: asked about the branch committee, it turned clause "3." into "4."
    ("根据二、（一）4. 的规定，小区党支部一般设委员3-5名 [3]", "clause label 4"),
    ("依照第四条，小区党支部一般设委员3-5名 [3]", "clause label 4"),
    ("See clause 4: a branch has 3-5 members [3].", "clause label 4"),
    ("小区党支部一般设委员3-6名 [3]", "number not in the cited clauses: 6"),
    ("小区党支部一般设委员三至六名 [3]", "number not in the cited clauses: 6"),
    ("社区大党委一般不超过7-9名 [3]", "number not in the cited clauses: 7"),  # true, but clause 3 does not say it
    ("小区党支部一般设委员3-5名 [12]", "not retrieved: [12]"),
    ("小区党支部一般设委员3-5名", "no citation"),
    ("党支部要“全部建立” [3]", "quoted phrase"),
    ("在职党员应于2020年6月初前报到 [5]", "date not in the cited clauses"),
    ("在职党员应于2021年6月底前报到 [5]", "number not in the cited clauses: 2021"),
    ("", "empty"),
    ("委员3-5名 [3]" * 100, "too long"),
])
def test_unsupported_answers_are_rejected(text, reason):
    verdict = check(text)
    assert not verdict.ok and reason in verdict.reason


def test_citations_order_the_cited_clauses():
    assert check("大党委不超过7-9名 [2]，支部委员3-5名 [3]").cited == (1, 0)


def test_numerals_normalise_both_ways():
    assert cn_to_int("十五") == 15 and cn_to_int("二〇二〇") == 2020 and cn_to_int("一百二十") == 120
    assert numbers(normalise("委员三至五名，百分之五十，十九届")) == {"3", "5", "50%", "19"}
    assert numbers(normalise("一般设委员，统一部署，三抓一增强")) == set()  # words, not counts
    assert numbers(normalise("3-5 名，50%，06")) == {"3", "5", "50%", "6"}
    assert dates(normalise("2020年5月15日印发，6月底前报到")) == {(2020, 5, 15, None), (None, 6, None, "底")}
    assert labels("第三条、（一）、二、3. 建立") == [("item", 3), ("sub", 1), ("section", 2), ("item", 3)]
