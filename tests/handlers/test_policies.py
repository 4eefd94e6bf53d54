"""The Runtime's policy bundle governs every step: a non-default policy on Runtime.policies (never the
environment's files) sets the hand-back and reopen deadlines, is what a join is checked against, and is the
rubric the digest's ratings use."""
from __future__ import annotations

from datetime import timedelta

import yaml

from assistant.digest import sections
from assistant.needs import filing
from assistant.policy import SHIPPED_NEEDS_POLICY, parse_needs_policy
from assistant.policy.rubric import SHIPPED_RUBRIC, parse_rubric
from assistant.property import ratings
from assistant.storage.models import Need

from ..helpers.offline import OfflineBot, message_update
from .test_needs import COMMUNITY, LEADER, LIAISON, SECRETARY, button, file_elevator_need, last, team  # noqa: F401

ACCEPT_H, RESOLVE_H = 5, 50  # the shipped "normal" SLA is 24 h / 168 h


def custom_needs_policy():
    data = yaml.safe_load(SHIPPED_NEEDS_POLICY.read_text(encoding="utf-8"))
    data["sla"]["normal"] = {"accept_hours": ACCEPT_H, "resolve_hours": RESOLVE_H}
    return parse_needs_policy(data, "custom-needs.yaml")


def with_custom_policy(bot: OfflineBot):
    rt = bot.runtime
    rt.policies = rt.policies.but(needs=custom_needs_policy())
    return rt


def need_row(tree, ticket):
    with tree.session() as session:
        need = session.query(Need).filter_by(ticket=ticket).one()
        return need.id, need.accept_due_at, need.resolve_due_at, need.updated_at


def test_hand_back_and_reopen_use_the_runtime_sla(team, tree):
    with OfflineBot(team) as bot:
        with_custom_policy(bot)
        ticket = file_elevator_need(bot)
        need_id, accept_due, resolve_due, filed_at = need_row(tree, ticket)
        assert accept_due - filed_at == timedelta(hours=ACCEPT_H)  # filing always used the Runtime's policy
        card = last(bot.process(message_update(LIAISON, f"/need_{need_id}")), LIAISON)
        bot.press(LIAISON, button(card, "签收"))
        bot.press(LIAISON, f"nc:hand_back:{need_id}")
        bot.send(LIAISON, "属于电梯维保单位的责任，请转交")
        _, accept_due, _, handed_back_at = need_row(tree, ticket)
        assert accept_due - handed_back_at == timedelta(hours=ACCEPT_H)  # was the environment's 24 h
        card = last(bot.process(message_update(SECRETARY, f"/need_{need_id}")), SECRETARY)
        bot.press(SECRETARY, button(card, "签收"))
        bot.press(SECRETARY, f"nc:resolve:{need_id}")
        resolved = last(bot.process(message_update(SECRETARY, "已协调维保单位修复")), LEADER)
        bot.press(LEADER, button(resolved, "回访"))
        bot.press(LEADER, "nc:v:1")
        bot.press(LEADER, "nc:v:0")
        bot.press(LEADER, "nc:v:unsatisfied")
        _, accept_due, resolve_due, reopened_at = need_row(tree, ticket)
    assert accept_due - reopened_at == timedelta(hours=ACCEPT_H)
    assert resolve_due - reopened_at == timedelta(hours=RESOLVE_H)  # was the environment's 168 h


def test_join_is_checked_against_the_runtime_policy(team, tree, monkeypatch):
    seen = []
    real = filing.join_need

    def spy(*args, **kwargs):
        seen.append(kwargs["policy"])
        return real(*args, **kwargs)

    monkeypatch.setattr(filing, "join_need", spy)
    with OfflineBot(team) as bot:
        rt = with_custom_policy(bot)
        ticket = file_elevator_need(bot)
        offer = last(bot.process(message_update(SECRETARY, "3号楼电梯坏了两天了，老人上下楼很不方便")), SECRETARY)
        step = last(bot.press(SECRETARY, button(offer, "登记为需求")), SECRETARY)
        for label in ("✓ 3栋", "✓ 电梯", "使用原文", "一般", "不记录", "跳过"):
            step = last(bot.press(SECRETARY, button(step, label)), SECRETARY)
        dup = last(bot.press(SECRETARY, button(step, "提交")), SECRETARY)
        joined = last(bot.press(SECRETARY, button(dup, f"并入 {ticket}")), SECRETARY)
    assert f"已并入需求 {ticket}" in joined["text"]
    assert seen == [rt.policies.needs]


def test_digest_ratings_use_the_runtime_rubric(team, monkeypatch):
    seen = []
    real = ratings.ratings

    def spy(session, unit_id, period, rubric):
        seen.append(rubric)
        return real(session, unit_id, period, rubric)

    monkeypatch.setattr(ratings, "ratings", spy)
    custom = parse_rubric(yaml.safe_load(SHIPPED_RUBRIC.read_text(encoding="utf-8")), "custom-rubric.yaml")
    with OfflineBot(team) as bot:
        bot.runtime.policies = bot.runtime.policies.but(rubric=custom)
        assert bot.send(COMMUNITY, "/digest week")
    assert seen and all(r is custom for r in seen)
    assert sections.property_ratings  # the section that asks for the ratings
