"""Property-company evaluations (clause 12) and owners' committees (clause 9), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from sqlalchemy import select

from assistant.errors import DomainError, Invalid, NotAllowed
from assistant.org.people import bind_role, create_person
from assistant.party import compliance
from assistant.policy import PolicyError
from assistant.policy.loader import load_party_policy
from assistant.policy.rubric import SHIPPED_RUBRIC, load_rubric, parse_rubric
from assistant.property import evaluations, ratings
from assistant.property import owners_committee as owners_committees
from assistant.storage.models import Evaluation, Need, OrgUnit, ReturnVisit

RUBRIC = load_rubric()
T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
PERIOD = "2026H2"


def shipped() -> dict:
    return yaml.safe_load(SHIPPED_RUBRIC.read_text(encoding="utf-8"))


def full_marks(**changes) -> dict[str, tuple[float, str | None]]:
    """Every item at its maximum, some items changed: item -> (points, note)."""
    scores = {i.id: (i.max, None) for i in RUBRIC.items}
    scores.update(changes)
    return scores


# ---------------------------------------------------------------- rubric


def test_shipped_rubric_is_two_hundred_points():
    assert [sum(i.max for i in p.items) for p in RUBRIC.parts] == [100, 100]
    assert [p.id for p in RUBRIC.parts] == ["party_building", "service_quality"]
    assert RUBRIC.source_of("branch_secretary").weight > RUBRIC.source_of("owners_committee").weight  # clause 12
    assert RUBRIC.period_of(date(2026, 11, 26)) == "2026H2" and RUBRIC.previous_period("2026H1") == "2025H2"


@pytest.mark.parametrize("change, field", [
    (lambda d: d["parts"]["party_building"]["items"][0].update(max=30), "parts.party_building.items"),
    (lambda d: d["parts"]["service_quality"]["items"][1].update(id="security"), "parts.service_quality.items[1].id"),
    (lambda d: d["parts"]["service_quality"]["items"][0].update(id="party_org"), "parts.service_quality.items[0].id"),
    (lambda d: d.update(stars={5: 90, 4: 95, 3: 70, 2: 60, 1: 50}), "stars.5"),
    (lambda d: d.update(stars={5: 90, 3: 70}), "stars"),
    (lambda d: d.update(stars={1: 120}), "stars.1"),
    (lambda d: d["sources"][0].update(weight=0.9), "sources"),
    (lambda d: d["sources"][1].update(roles=["branch_secretary"]), "sources[1].roles"),
    (lambda d: d.update(part_weights={"party_building": 0.5, "service_quality": 0.6}), "part_weights"),
    (lambda d: d["veto"].append(dict(d["veto"][0])), "veto[5].id"),
    (lambda d: d.update(period="month"), "period"),
    (lambda d: d.update(extra=1), "extra"),
])
def test_bad_rubric_names_the_field(change, field):
    data = shipped()
    change(data)
    with pytest.raises(PolicyError) as error:
        parse_rubric(data, "rubric.yaml")
    assert error.value.field == field
    assert str(error.value).startswith(f"rubric.yaml: {field}:")


def test_bad_yaml_and_runtime_start_up(tmp_path, cfg):
    from assistant.runtime import Runtime

    broken = tmp_path / "rubric.yaml"
    broken.write_text("parts: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_rubric(broken)
    data = shipped()
    data["parts"]["service_quality"]["items"].pop()
    uneven = tmp_path / "uneven.yaml"
    uneven.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"parts.service_quality.items: the maxima must sum to 100 \(they sum to 90\)"):
        Runtime(cfg.model_copy(update={"rubric_policy_file": uneven}))
    runtime = Runtime(cfg)
    try:
        assert runtime.policies.rubric == RUBRIC
    finally:
        runtime.db.dispose()


def test_stars_and_veto():
    assert [RUBRIC.stars_for(x, False) for x in (100, 90, 89.9, 80, 70, 60, 50, 49.9, 0)] == [5, 5, 4, 4, 3, 2, 1, 0, 0]
    assert RUBRIC.stars_for(100, True) == 0
    assert RUBRIC.total(80, 100) == 90


# ---------------------------------------------------------------- evaluations


@pytest.fixture
def firms(world):
    """安居物业 serves 梅园新村 and 锦绣华庭, 康居物业 serves 阳光花园 and 敬亭苑 (another community)."""
    with world.db.session() as s:
        anju = evaluations.add_company(s, "安居物业", "91341800MA2N000001", party_org=True)
        kangju = evaluations.add_company(s, "康居物业")
        for company, compound in ((anju, "MY01"), (anju, "MY02"), (kangju, "MY03"), (kangju, "JT01")):
            evaluations.add_contract(s, company.id, world.units[compound], date(2025, 1, 1))
        owner = create_person(s, "业委会主任")
        bind_role(s, owner, "owners_committee", s.get(OrgUnit, world.units["MY01"]))
        jt_secretary = create_person(s, "敬亭书记")
        bind_role(s, jt_secretary, "branch_secretary", s.get(OrgUnit, world.units["JT01"]))
        s.flush()
        return {"anju": anju.id, "kangju": kangju.id, "owner": owner.id, "jt_secretary": jt_secretary.id}


def test_who_may_evaluate(world, firms):
    with world.db.session() as s:
        my01 = world.units["MY01"]
        for who in ("leader", "liaison", "member", "other_secretary", "resident"):
            with pytest.raises(NotAllowed):
                evaluations.submit(s, RUBRIC, world.people[who], firms["anju"], my01, PERIOD, full_marks(), [], now=T0)
        for who, source in (("secretary", "party_org"), ("community", "party_org"), ("street", "party_org"),
                            ("admin", "party_org")):
            saved = evaluations.submit(s, RUBRIC, world.people[who], firms["anju"], my01, PERIOD, full_marks(), [],
                                       now=T0)
            assert saved.source == source and saved.party_score == saved.service_score == 100
        assert evaluations.submit(s, RUBRIC, firms["owner"], firms["anju"], my01, PERIOD, full_marks(), [],
                                  now=T0).source == "owners"
        assert [c.compound_name for c in evaluations.evaluable(s, RUBRIC, world.secretary, PERIOD)] == ["梅园新村"]
        assert evaluations.evaluable(s, RUBRIC, world.leader, PERIOD) == []


def test_submission_is_checked(world, firms):
    my01, anju = world.units["MY01"], firms["anju"]

    def errors(**kwargs) -> list[tuple[str, str]]:
        args = {"scores": full_marks(), "vetoes": [], "veto_note": None, "period": PERIOD, "company_id": anju}
        args.update(kwargs)
        with world.db.session() as s, pytest.raises(Invalid) as error:
            evaluations.submit(s, RUBRIC, world.secretary, args["company_id"], my01, args["period"], args["scores"],
                               args["vetoes"], args["veto_note"], now=T0)
        return error.value.errors

    assert errors(scores=full_marks(security=(20.5, "x"))) == [("scores.security", "eval.err.points")]
    assert errors(scores=full_marks(security=(12.25, "x"))) == [("scores.security", "eval.err.points")]
    assert errors(scores=full_marks(security=(12, " "))) == [("scores.security.note", "eval.err.note_required")]
    missing = full_marks()
    del missing["fees"]
    assert errors(scores=missing) == [("scores.fees", "eval.err.missing")]
    assert errors(vetoes=["major_accident"]) == [("veto_note", "eval.err.veto_note")]
    assert errors(vetoes=["no_such"], veto_note="x") == [("vetoes", "eval.err.veto")]
    assert errors(period="2026-2") == [("period", "eval.err.period")]
    assert errors(company_id=firms["kangju"]) == [("company_id", "eval.err.no_contract")]  # not its compound
    assert errors(period="2024H2") == [("company_id", "eval.err.no_contract")]  # before the contract


def test_resubmission_replaces_and_keeps_history(world, firms):
    my01, anju = world.units["MY01"], firms["anju"]
    with world.db.session() as s:
        first = evaluations.submit(s, RUBRIC, world.secretary, anju, my01, PERIOD,
                                   full_marks(security=(15, "夜间巡逻缺岗")), [], now=T0)
        second = evaluations.submit(s, RUBRIC, world.secretary, anju, my01, PERIOD, full_marks(), [],
                                    now=T0 + timedelta(hours=1))
        assert (first.version, second.version, first.service_score, second.service_score) == (1, 2, 95, 100)
        rows = s.scalars(select(Evaluation).order_by(Evaluation.version)).all()
        assert [(r.version, r.current, r.superseded_at is not None) for r in rows] == [(1, False, True), (2, True, False)]
        assert evaluations.current(s, world.secretary, anju, my01, PERIOD).version == 2
        assert evaluations.view(s, first.id).scores[6].note == "夜间巡逻缺岗"
        assert len(evaluations.evaluations(s, include_history=True)) == 2 and len(evaluations.evaluations(s)) == 1


def test_ratings_weights_veto_ranks_and_history(world, firms):
    units, anju, kangju = world.units, firms["anju"], firms["kangju"]
    with world.db.session() as s:
        # 梅园新村: the branch gives 80/90, the owners' committee 60/70 → 0.7/0.3 → 74/84 → total 79
        evaluations.submit(s, RUBRIC, world.secretary, anju, units["MY01"], PERIOD,
                           full_marks(party_org=(5, "未建党组织"), security=(10, "巡逻缺岗")), [], now=T0)
        evaluations.submit(s, RUBRIC, firms["owner"], anju, units["MY01"], PERIOD,
                           full_marks(party_org=(0, "无"), member_role=(0, "无"),
                                      security=(0, "差"), facilities=(10, "电梯常坏")), [], now=T0)
        # two party-organisation evaluators of 锦绣华庭 are averaged: 100 and 90 party building
        evaluations.submit(s, RUBRIC, world.other_secretary, anju, units["MY02"], PERIOD, full_marks(), [], now=T0)
        evaluations.submit(s, RUBRIC, world.community, anju, units["MY02"], PERIOD,
                           full_marks(liaison=(0, "未配备联络员")), [], now=T0)
        # 阳光花园: full marks but a veto → 0 stars, ranked last
        evaluations.submit(s, RUBRIC, world.community, kangju, units["MY03"], PERIOD, full_marks(),
                           ["major_accident"], "2026-09-03 电梯事故", now=T0)
        evaluations.submit(s, RUBRIC, firms["jt_secretary"], kangju, units["JT01"], PERIOD,
                           full_marks(cleaning=(5, "垃圾清运不及时")), [], now=T0)
        evaluations.submit(s, RUBRIC, firms["jt_secretary"], kangju, units["JT01"], "2026H1",
                           full_marks(cleaning=(14, "偶有积存")), [], now=T0)
        street = s.scalar(select(OrgUnit.id).where(OrgUnit.name == "澄江街道"))
        found = ratings.ratings(s, street, PERIOD, RUBRIC)
        table = [(r.compound_name, r.party_score, r.service_score, r.total, r.stars, r.vetoed, r.evaluations,
                  r.street_rank, r.district_rank) for r in found]
        assert table == [
            ("锦绣华庭", 95.0, 100.0, 97.5, 5, False, 2, 1, 1),
            ("敬亭苑", 100.0, 90.0, 95.0, 5, False, 1, 2, 2),
            ("梅园新村", 74.0, 84.0, 79.0, 3, False, 2, 3, 3),
            ("阳光花园", 100.0, 100.0, 100.0, 0, True, 1, 4, 4),
        ]
        # a compound's own view keeps the street-wide rank
        mine = ratings.ratings(s, units["MY01"], PERIOD, RUBRIC)
        assert [(r.compound_name, r.street_rank) for r in mine] == [("梅园新村", 3)]
        assert [(r.period, r.service_score) for r in ratings.history(s, kangju, units["JT01"], RUBRIC)] == [
            ("2026H1", 99.0), ("2026H2", 90.0)]
        assert "（一票否决）" in ratings.rating_line(found[-1]) and "☆☆☆☆☆" in ratings.rating_line(found[-1])


def test_satisfaction_evidence(world, firms):
    my01 = world.units["MY01"]
    with world.db.session() as s:
        need = Need(ticket="XQ-1", compound_id=my01, level_unit_id=my01, category="elevator", description="电梯坏了",
                    urgency="urgent", submitter_id=world.secretary, accept_due_at=T0, resolve_due_at=T0)
        s.add(need)
        s.flush()
        for answer, at in (("satisfied", T0), ("basically", T0), ("unsatisfied", T0),
                           ("satisfied", datetime(2026, 6, 30, 15, 59, tzinfo=UTC))):  # 23:59 in H1
            s.add(ReturnVisit(need_id=need.id, contacted=True, solved=True, satisfaction=answer, at=at))
        s.flush()
        seen = ratings.satisfaction(s, my01, PERIOD, RUBRIC)
        assert (seen.visits, seen.satisfied, round(seen.share, 3)) == (3, 2, 0.667)
        assert ratings.satisfaction(s, world.units["MY02"], PERIOD, RUBRIC).share is None


# ---------------------------------------------------------------- owners' committees


def test_owners_committee_registry_and_compliance(world):
    policy = load_party_policy()
    with world.db.session() as s:
        compound = world.units["MY02"]
        people = [create_person(s, name, party_member=party) for name, party in
                  (("赵主任", True), ("钱副主任", False), ("孙委员", False), ("李委员", True))]
        owners_committees.add_member(s, None, compound, people[0].id, "chair")
        with pytest.raises(DomainError, match="chair_taken"):
            owners_committees.add_member(s, None, compound, people[1].id, "chair")
        with pytest.raises(Invalid):
            owners_committees.add_member(s, None, compound, people[1].id, "treasurer")
        with pytest.raises(NotAllowed):
            owners_committees.add_member(s, world.secretary, compound, people[1].id, "vice_chair")
        owners_committees.add_member(s, world.community, compound, people[1].id, "vice_chair")
        owners_committees.add_member(s, None, compound, people[2].id, "member")
        with pytest.raises(DomainError, match="taken"):
            owners_committees.add_member(s, None, compound, people[2].id, "member")
        assert [(m.name, m.role) for m in owners_committees.members(s, compound)] == [
            ("赵主任", "chair"), ("钱副主任", "vice_chair"), ("孙委员", "member")]
        found = [f for f in compliance.check(s, policy, compound) if f.rule == "owners_share"]
        assert [(f.values["party"], f.values["total"]) for f in found] == [(1, 3)]
        assert "业委会" in found[0].message() or "owners" in found[0].message("en")
        member = owners_committees.add_member(s, None, compound, people[3].id, "member")
        assert [f for f in compliance.check(s, policy, compound) if f.rule == "owners_share"] == []  # 2 of 4
        assert owners_committees.remove_member(s, None, member.id)
        assert len([f for f in compliance.check(s, policy, compound) if f.rule == "owners_share"]) == 1
