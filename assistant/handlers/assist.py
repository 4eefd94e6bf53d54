"""LLM assistance in the chat: intent of plain text and the need form's prefill; the rules when no model.
The model sees the text with phone and ID-card numbers masked (needs/pii.py): a resident's number is never sent out."""
from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from ..llm.intent import prefill_need, route_intent
from ..needs import pii, places
from ..needs.freetext import Prefill, building_number
from .common import in_session, runtime


async def intent_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """policy_question, new_need, checkin or other from the model; None when there is none or it failed."""
    rt = runtime(context)
    return await route_intent(rt.llm, pii.mask(update.effective_message.text), rt.settings.llm_timeout)


async def prefill(context: ContextTypes.DEFAULT_TYPE, person_id: int, text: str, rules: Prefill) -> Prefill:
    """The rules' prefill improved by the model's validated fields (categories of the policy, buildings of
    the worker's compounds)."""
    rt = runtime(context)
    if rt.llm is None or not text:
        return rules

    def buildings(session) -> dict[str, int | None]:
        return {name: building_number(name) for cid, _ in places.compounds_for(session, person_id)
                for _, name in places.buildings_of(session, cid)}

    names = await in_session(context, buildings)
    return await prefill_need(rt.llm, pii.mask(text), rules, rt.policies.needs, names, rt.settings.llm_timeout)
