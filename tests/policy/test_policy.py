"""The needs policy file: shipped defaults, and clear errors naming the field for bad files."""
from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from assistant.config import Settings
from assistant.needs.filing import suggest_category, suggest_urgency
from assistant.policy import SHIPPED_NEEDS_POLICY, PolicyError, load_needs_policy, parse_needs_policy

from ..helpers.world import T0

RAW = yaml.safe_load(SHIPPED_NEEDS_POLICY.read_text(encoding="utf-8"))


def test_shipped_defaults(policy):
    assert [c.zh for c in policy.categories] == ["紧急险情", "物业服务", "电梯", "漏水", "停车", "环境卫生", "安全隐患", "邻里纠纷",
                                                 "设施维修", "民生救助", "其他"]
    assert all(c.id.isascii() and c.en for c in policy.categories)
    assert policy.category("elevator").keywords == ("电梯", "电梯坏", "lift", "elevator")
    assert policy.category("safety").label("en") == "safety hazard" and policy.category("safety").label() == "安全隐患"
    assert {c.party_type for c in policy.categories} <= set(policy.party_types)
    assert policy.deadlines("urgent", T0) == (T0 + timedelta(hours=2), T0 + timedelta(hours=48))
    assert policy.deadlines("normal", T0) == (T0 + timedelta(hours=24), T0 + timedelta(days=7))
    assert policy.duplicate_window == timedelta(hours=72) and 0 < policy.duplicate_similarity <= 1
    assert (policy.description_min, policy.description_max) == (5, 2000)
    assert policy.ticket_prefix == "XQ" and policy.ticket_timezone == "Asia/Shanghai"
    assert policy.escalation_chain == ("building", "compound", "community", "street", "district")


@pytest.mark.parametrize("text, category", [
    ("3栋电梯坏了，有人困在里面", "elevator"),
    ("楼上卫生间渗水到我家", "leak"),
    ("小区门口总有车占道停车", "parking"),
    ("垃圾桶满了有异味", "sanitation"),
    ("楼道里有人飞线充电", "safety"),
    ("邻居晚上太吵", "dispute"),
    ("路灯不亮了，坏了好几天", "repair"),
    ("独居老人生活困难", "welfare"),
    ("保洁不按时打扫", "property"),
    ("想问一下别的事情", "other"),
])
def test_suggest_category(policy, text, category):
    assert suggest_category(policy, text) == category


def test_suggest_urgency(policy):
    assert suggest_urgency(policy, "电梯困人了") == "urgent"
    assert suggest_urgency(policy, "路灯坏了") == "normal"


def bad(mutate) -> PolicyError:
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(PolicyError) as caught:
        parse_needs_policy(data, "needs.yaml")
    return caught.value


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d.update(colour="red"), "colour", "unknown key"),
    (lambda d: d["sla"]["urgent"].update(accept_hours=0), "sla.urgent.accept_hours", "positive"),
    (lambda d: d["sla"]["normal"].update(resolve_hours=-1), "sla.normal.resolve_hours", "positive"),
    (lambda d: d["sla"]["normal"].update(resolve_hours="7d"), "sla.normal.resolve_hours", "positive"),
    (lambda d: d["sla"]["urgent"].update(resolve_hours=1), "sla.urgent.resolve_hours", "shorter"),
    (lambda d: d["sla"].pop("normal"), "sla.normal", "missing"),
    (lambda d: d["sla"]["urgent"].update(grace_hours=1), "sla.urgent.grace_hours", "unknown key"),
    (lambda d: d.pop("categories"), "categories", "missing"),
    (lambda d: d.update(categories=[]), "categories", "non-empty"),
    (lambda d: d["categories"][1].pop("zh"), "categories[1].zh", "missing"),
    (lambda d: d["categories"][2].update(id="漏水"), "categories[2].id", "does not match"),
    (lambda d: d["categories"][3].update(id="property"), "categories[3].id", "duplicate"),
    (lambda d: d["categories"][0].update(party_type="mayor"), "categories[0].party_type", "unknown value"),
    (lambda d: d["categories"][0].update(colour="red"), "categories[0].colour", "unknown key"),
    (lambda d: d["party_types"]["community"].update(roles=["mayor"]), "party_types.community.roles[0]", "unknown"),
    (lambda d: d.update(duplicate_window_hours=0), "duplicate_window_hours", "positive"),
    (lambda d: d.update(duplicate_similarity=1.5), "duplicate_similarity", "between 0 and 1"),
    (lambda d: d["description"].update(min_chars=3000), "description.min_chars", "exceed"),
    (lambda d: d["description"].update(max_chars=2.5), "description.max_chars", "whole"),
    (lambda d: d.update(ticket_prefix="xq-"), "ticket_prefix", "does not match"),
    (lambda d: d.update(ticket_timezone="Mars/Olympus"), "ticket_timezone", "unknown time zone"),
    (lambda d: d.update(escalation_chain=["district", "street"]), "escalation_chain", "above the one before"),
    (lambda d: d.update(escalation_chain=["building", "planet"]), "escalation_chain[1]", "unknown value"),
    (lambda d: d.update(escalation_chain=["community", "street"]), "escalation_chain", "compound"),
    (lambda d: d.update(fallback_category="misc"), "fallback_category", "unknown value"),
])
def test_validation_names_the_field(mutate, field, words):
    error = bad(mutate)
    assert error.field == field and words in str(error) and str(error).startswith("needs.yaml: " + field)


def test_not_a_mapping():
    with pytest.raises(PolicyError, match="must be a mapping"):
        parse_needs_policy(["a", "list"])


def test_files(tmp_path: Path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_needs_policy(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("sla: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_needs_policy(broken)


def test_settings_override(tmp_path: Path):
    data = copy.deepcopy(RAW)
    data["sla"]["urgent"]["accept_hours"] = 1
    custom = tmp_path / "needs.yaml"
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = Settings(data_dir=tmp_path, needs_policy_file=custom)
    assert load_needs_policy(settings=settings).sla["urgent"].accept_hours == 1
    assert load_needs_policy(settings=Settings(data_dir=tmp_path)).sla["urgent"].accept_hours == 2
    assert load_needs_policy(settings=settings).source == custom


def test_every_problem_is_reported_with_its_path():
    def mutate(d):
        d["sla"]["urgent"]["accept_hours"] = 0
        d["categories"][3]["id"] = "property"
        d["categories"][1].pop("zh")
        d["categories"][0]["party_type"] = "mayor"
        d["party_types"]["community"]["roles"] = ["branch_secretary", "mayor"]
        d["colour"] = "red"
    error = bad(mutate)
    assert [f for _, f, _ in error.errors] == ["sla.urgent.accept_hours", "party_types.community.roles[1]",
                                               "categories[1].zh", "colour"]
    assert error.field == "sla.urgent.accept_hours" and error.problem.startswith("must be a positive number")
    assert str(error).splitlines() == [f"needs.yaml: {f}: {p}" for _, f, p in error.errors]
    assert "needs.yaml: colour: unknown key (known: categories, description," in str(error)


def test_problems_found_by_one_rule_are_all_listed():
    def mutate(d):
        d["categories"][3]["id"] = "property"
        d["categories"][5]["id"] = "elevator"
        d["categories"][0]["party_type"] = "mayor"
        d["sla"].pop("normal")
        d["sla"]["later"] = {"accept_hours": 1, "resolve_hours": 2}
    assert [(f, p.split(" (")[0]) for _, f, p in bad(mutate).errors] == [
        ("sla.normal", "is missing"), ("sla.later", "unknown key"),
        ("categories[3].id", "duplicate category id 'property'"),
        ("categories[5].id", "duplicate category id 'elevator'"),
        ("categories[0].party_type", "unknown value 'mayor'")]


def test_party_and_rubric_list_every_problem():
    from assistant.policy.loader import SHIPPED_PARTY_POLICY, parse_party_policy
    from assistant.policy.rubric import SHIPPED_RUBRIC, parse_rubric

    party = yaml.safe_load(SHIPPED_PARTY_POLICY.read_text(encoding="utf-8"))
    party["checkin"]["move_months"] = 0
    party["points"]["activities"][1]["id"] = "volunteer"
    party["compliance"]["branch_committee"].update(chair={"max": 1}, total={"min": 6, "max": 5})
    with pytest.raises(PolicyError) as caught:
        parse_party_policy(party, "party.yaml")
    assert [f for _, f, _ in caught.value.errors] == ["checkin.move_months", "points.activities[1].id",
                                                      "compliance.branch_committee.total.min",
                                                      "compliance.branch_committee.chair"]
    rubric = yaml.safe_load(SHIPPED_RUBRIC.read_text(encoding="utf-8"))
    rubric["parts"]["party_building"]["items"][0]["max"] = 30
    rubric["sources"][1]["weight"] = 0.5
    rubric["stars"][4] = 95
    with pytest.raises(PolicyError) as caught:
        parse_rubric(rubric, "rubric.yaml")
    assert str(caught.value).splitlines() == [
        "rubric.yaml: parts.party_building.items: the maxima must sum to 100 (they sum to 105)",
        "rubric.yaml: sources: the weights must sum to 1 (they sum to 1.2)",
        "rubric.yaml: stars.5: must be higher than the minimum for 4 stars (90 <= 95)"]


def test_runtime_refuses_to_start_listing_every_bad_file(tmp_path: Path, cfg):
    from assistant.runtime import Runtime

    data = copy.deepcopy(RAW)
    data["duplicate_similarity"] = 2
    needs = tmp_path / "needs.yaml"
    needs.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    intake = tmp_path / "intake.yaml"
    intake.write_text("need_cues: [坏了]\nquestion_cues: [吗]\nneed_threshold: 0\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        Runtime(cfg.model_copy(update={"needs_policy_file": needs, "intake_policy_file": intake}))
    assert str(caught.value).splitlines() == [
        "needs.yaml: duplicate_similarity: must be between 0 and 1 (got 2.0)",
        "intake.yaml: need_threshold: must be a positive whole number (got 0)"]
