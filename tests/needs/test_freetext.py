"""Free-text rules: need or question, and the fields prefilled for the worker to confirm."""
import pytest

from assistant.needs.freetext import building_number, load_rules, looks_like_need, prefill
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
