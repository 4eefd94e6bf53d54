"""Chain wiring with LangChain's fake chat models: answers over the real index, intent, prefill, narrative."""
import asyncio

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.knowledge.clause_retriever import ClauseRetriever
from assistant.llm.answer import answer_sync, build_chain, format_clauses
from assistant.llm.intent import prefill_need, route_intent
from assistant.llm.narrative import anarrate_digest, narrate_digest
from assistant.needs.freetext import prefill
from assistant.policy import default_needs_policy

QUESTION = "小区党支部设几名委员？"
GROUNDED = "小区（网格）党支部一般设委员3-5名，其中书记1名、副书记1-2名 [3]"


def fake(*responses: str, sleep: float | None = None) -> FakeListChatModel:
    return FakeListChatModel(responses=list(responses), sleep=sleep)


def test_chain_retrieves_the_clauses_and_passes_them_to_the_model(corpus_index):
    out = build_chain(fake(GROUNDED), ClauseRetriever(index=corpus_index, k=5)).invoke(
        {"question": QUESTION, "lang": "zh"})
    assert out["text"] == GROUNDED
    assert out["docs"][0].metadata["clause"] == "3"
    assert format_clauses(out["docs"]).startswith("[3] 组通〔2020〕15号 二、（一）3. 建立小区（网格）党支部\n建立小区")


def test_grounded_answer_is_used_with_its_clause_first(corpus_index):
    result = answer_sync(corpus_index, fake(GROUNDED), QUESTION)
    assert result.mode == "llm" and result.answer == GROUNDED and result.fallback is None
    assert result.confident and result.citations[0].clause == "3"
    assert result.to_json()["mode"] == "llm" and "fallback" not in result.to_json()


def test_changed_label_falls_back_to_the_extractive_answer(corpus_index, caplog):
    extractive = answer_sync(corpus_index, None, QUESTION)
    result = answer_sync(corpus_index, fake("根据二、（一）4. 的规定，小区党支部一般设委员3-5名 [3]"), QUESTION)
    assert result.mode == "extractive" and "clause label 4" in result.fallback
    assert result.answer == extractive.answer and result.citations[0].clause == "3"
    assert "clause label 4" in caplog.text  # the reason is logged


def test_slow_model_times_out_to_the_extractive_answer(corpus_index, monkeypatch):
    monkeypatch.setattr(corpus_index, "settings", corpus_index.settings.model_copy(update={"llm_timeout": 0.3}))
    result = answer_sync(corpus_index, fake(GROUNDED, sleep=2), QUESTION)
    assert result.mode == "extractive" and result.fallback.startswith("timeout")


def test_questions_the_directive_does_not_cover_never_reach_the_model(corpus_index):
    model = fake("物业费每平方米2元 [3]")
    result = answer_sync(corpus_index, model, "物业费每平方米多少钱")
    assert not result.confident and result.mode == "extractive" and result.fallback is None
    assert model.i == 0  # not called


@pytest.mark.parametrize("reply, intent", [
    ('{"intent": "checkin"}', "checkin"),
    ('```json\n{"intent": "new_need"}\n```', "new_need"),
    ('{"intent": "complaint"}', None),  # not an allowed value
    ("I think it is a question", None),  # not JSON
])
def test_intent_is_validated(reply, intent):
    assert asyncio.run(route_intent(fake(reply), "我已经搬到梅园新村了，要报到", 5)) == intent


def test_no_model_means_no_intent():
    assert asyncio.run(route_intent(None, "3号楼电梯坏了", 5)) is None


def test_prefill_takes_valid_model_fields_and_keeps_the_rules_for_the_rest():
    policy = default_needs_policy()
    text = "3号楼有人被关在里面出不来了"
    rules = prefill(text, policy)
    assert rules.category is None and rules.building_no == 3
    model = fake('{"category": "elevator", "building": "3栋", "urgent": true}')
    found = asyncio.run(prefill_need(model, text, rules, policy, {"1栋": 1, "3栋": 3}, 5))
    assert (found.category, found.building_no, found.urgent) == ("elevator", 3, True)


@pytest.mark.parametrize("reply", [
    '{"category": "lift", "building": "9栋", "urgent": null}',  # unknown category, building not in the subtree
    '{"category": null, "building": "1栋"}',  # a building the text does not name
    "{not json",
])
def test_prefill_drops_what_does_not_fit(reply):
    policy = default_needs_policy()
    text = "3号楼电梯坏了两天了"
    rules = prefill(text, policy)
    found = asyncio.run(prefill_need(fake(reply), text, rules, policy, {"1栋": 1, "3栋": 3}, 5))
    assert (found.category, found.building_no, found.urgent) == ("elevator", 3, False) == (
        rules.category, rules.building_no, rules.urgent)


FACTS = {"period": "2026-11-16 至 2026-11-22", "needs_filed": 12, "resolved": 9, "response_rate": 0.75,
         "overdue": [{"ticket": "XQ-20261120-0008", "days": 2}]}


@pytest.mark.parametrize("paragraph, accepted", [
    ("本周（2026-11-16 至 2026-11-22）共登记需求12件，已解决9件，响应率75%；XQ-20261120-0008已逾期2天。", True),
    ("This week 12 needs were filed and 9 resolved; the response rate was 0.75.", True),
    ("本周共登记需求12件，已解决10件。", False),  # a changed number
    ("本周共登记需求12件，尚有3件未解决。", False),  # computed, not in the facts
])
def test_narrative_numbers_must_be_in_the_facts(paragraph, accepted):
    text = narrate_digest(fake(paragraph), FACTS, "zh")
    assert (text == paragraph) if accepted else text is None


def test_narrative_without_model_or_in_time_is_none():
    assert narrate_digest(None, FACTS, "zh") is None
    assert asyncio.run(anarrate_digest(fake("共登记需求12件。", sleep=2), FACTS, "en", timeout=0.3)) is None


def test_narrative_from_inside_a_running_loop():
    async def digest_job():
        return narrate_digest(fake("共登记需求12件。"), FACTS, "zh")

    assert asyncio.run(digest_job()) == "共登记需求12件。"
