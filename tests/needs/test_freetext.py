"""Free-text rules: need or question, and the fields prefilled for the worker to confirm."""
from pathlib import Path

import pytest

from assistant.needs.freetext import building_number, load_rules, looks_like_need, prefill
from assistant.config import Settings
from assistant.policy import PolicyError
from assistant.policy.intake import SHIPPED_INTAKE_RULES, IntakeRules, load_intake_rules

from assistant.policy.loader import default_needs_policy

CATEGORIES = default_needs_policy()  # the shipped categories and their keywords


@pytest.mark.parametrize("text", ["3号楼电梯坏了两天了，老人上下楼很不方便", "5栋2单元302室楼上漏水", "三幢的路灯不亮了",
                                  "电梯困人了！快来"])
def test_needs_are_recognised(text):
    assert looks_like_need(text, CATEGORIES, load_rules())


@pytest.mark.parametrize("text", ["小区党支部设几名委员？", "在职党员什么时候报到", "物业费每平方米多少钱",
                                  "How many committee members does a branch need?"])
def test_questions_are_not_needs(text):
    assert not looks_like_need(text, CATEGORIES, load_rules())


def test_prefill_reads_places_category_urgency_and_phone():
    p = prefill("5栋2单元302室楼上漏水，电话13812345678", CATEGORIES)
    assert (p.building_no, p.unit_no, p.room, p.category, p.phone, p.urgent) == (5, 2, "302", "leak", "13812345678", False)
    assert prefill("电梯困人了！", CATEGORIES).urgent
    assert prefill("３号楼电梯坏了", CATEGORIES).building_no == 3  # full-width digits
    assert prefill("随便说说", CATEGORIES).category is None


def test_building_numbers_in_names():
    assert [building_number(n) for n in ["3栋", "12号楼", "三幢", "十二栋", "A座"]] == [3, 12, 3, 12, None]


def test_rules_file_errors_are_clear(tmp_path):
    bad = tmp_path / "intake.yaml"
    bad.write_text("need_cues: [坏了]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="intake.yaml"):
        load_rules(bad)


@pytest.mark.parametrize("text, problems", [
    ("need_cues: [坏了]\n", ["question_cues: is missing", "need_threshold: is missing"]),
    ("need_cues: 坏了\nquestion_cues: []\nneed_threshold: 2.5\nextra: 1\n",
     ["need_cues: must be a list", "question_cues: must be a non-empty list",
      "need_threshold: must be a positive whole number (got 2.5)",
      "extra: unknown key (known: need_cues, need_threshold, question_cues)"]),
    ("need_cues: [坏了, '  ']\nquestion_cues: [吗, 7]\nneed_threshold: 2\n",
     ["need_cues[1]: must be a non-empty text", "question_cues[1]: must be a non-empty text"]),
    ("need_cues: [坏了, 漏水, 坏了]\nquestion_cues: [吗]\nneed_threshold: 2\n",
     ["need_cues[2]: '坏了' is listed twice (it would count twice)"]),
    ("need_cues: [坏了, 吗, 规定]\nquestion_cues: [吗, 规定]\nneed_threshold: 1\n",
     ["need_cues[1]: '吗' is also a question cue", "need_cues[2]: '规定' is also a question cue"]),
    ("- a list\n", ["must be a mapping"]),
])
def test_bad_rules_files_list_every_problem(tmp_path, text, problems):
    bad = tmp_path / "intake.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_intake_rules(bad)
    assert [f"{f}: {p}" if f else p for _, f, p in caught.value.errors] == problems
    assert str(caught.value).startswith("intake.yaml: " if caught.value.field else str(bad))


def test_rules_setting(tmp_path: Path):
    custom = tmp_path / "intake.yaml"
    custom.write_text("need_cues: [求修]\nquestion_cues: [吗]\nneed_threshold: 1\n", encoding="utf-8")
    rules = load_intake_rules(settings=Settings(data_dir=tmp_path, intake_policy_file=custom))
    assert rules == IntakeRules(need_cues=("求修",), question_cues=("吗",), need_threshold=1) and rules.source == custom
    assert load_intake_rules(settings=Settings(data_dir=tmp_path)).source == SHIPPED_INTAKE_RULES
    assert load_rules() == load_intake_rules(SHIPPED_INTAKE_RULES)  # the process settings: the shipped file
    assert looks_like_need("求修", CATEGORIES, rules) and not looks_like_need("求修", CATEGORIES, load_rules())
    with pytest.raises(PolicyError, match="cannot read"):
        load_intake_rules(tmp_path / "missing.yaml")


@pytest.mark.parametrize("text, number", [
    ("5栋2单元302室楼上漏水", 2), ("三单元门禁坏了", 3), ("The lift in building 7 unit 2 is broken", 2),
    ("entrance 4 door is broken", 4), ("Unit No. 3 has no light", 3), ("2", 2), (" 12 ", 12),
    ("3栋电梯坏了", None), ("100单元", None), ("0", None), ("两单元", None), ("unit", None),
])
def test_the_entrance_is_read_from_text(text, number):
    from assistant.needs.freetext import entrance_number

    assert entrance_number(text) == number
    if number is not None and not text.strip().isdigit():
        assert prefill(text, CATEGORIES).unit_no == number


def test_a_problem_and_a_question_in_the_middle_of_a_form():
    from assistant.needs.freetext import reads_like_problem, reads_like_question

    rules = load_rules()
    assert reads_like_problem("4栋燃气管道有味道", CATEGORIES, rules)  # under the offer's threshold, still a problem
    assert reads_like_problem("The lift has been broken for two days", CATEGORIES, rules)
    assert not reads_like_problem("小区党支部设几名委员", CATEGORIES, rules)
    assert not reads_like_problem("How many committee members does a branch need", CATEGORIES, rules)
    assert reads_like_question("在职党员怎么报到", CATEGORIES, rules)  # a question cue, no question mark
    assert reads_like_question("what does the directive say", CATEGORIES, rules)
    assert reads_like_question("有补贴吗？", CATEGORIES, rules)
    assert not reads_like_question("好的", CATEGORIES, rules) and not reads_like_question("漏水", CATEGORIES, rules)
