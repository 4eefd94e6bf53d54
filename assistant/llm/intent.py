"""Intent routing of free text and need-form prefill, as structured output (pydantic schemas).

The model replies with one JSON object parsed into a schema; values outside the allowed sets (intents,
the policy's category ids, the buildings in the worker's subtree) are dropped with a logged reason, and
the rules in needs/freetext.py fill whatever the model did not validly give. A JSON reply in the prompt
(not a provider's tool-calling API) works with every OpenAI-compatible server.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Literal, TypeVar

from pydantic import BaseModel, Field

from ..policy.loader import NeedsPolicy
from .numerals import normalise, numbers
from .provider import call, rejected

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

P = TypeVar("P")  # the rules' Prefill (needs/freetext.py), improved field by field

INTENTS = ("policy_question", "new_need", "checkin", "other")


class IntentChoice(BaseModel):
    """What a worker's free-text message is."""

    intent: Literal["policy_question", "new_need", "checkin", "other"] = Field(
        description=("policy_question: asks what the directive or policy says; new_need: reports a resident's "
                     "problem to be handled; checkin: a party member reporting to their home compound branch "
                     "(党员回家报到); other: anything else"))


class NeedFields(BaseModel):
    """Need-form fields read from a worker's description of a problem."""

    category: str | None = Field(None, description="one of the category ids listed, or null")
    building: str | None = Field(None, description="one of the building names listed, only if the text names it")
    urgent: bool | None = Field(None, description="true when the text describes an emergency")


INTENT_MESSAGES = [
    ("system", "Classify a message sent to a community-governance assistant in China.\n{format}"),
    ("human", "{text}"),
]
PREFILL_MESSAGES = [
    ("system", ("Read a community worker's report of a resident's problem and fill the form fields.\n"
                "Category ids: {categories}\nBuildings: {buildings}\n{format}")),
    ("human", "{text}"),
]


def _chain(messages: list[tuple[str, str]], model: BaseChatModel, schema: type[BaseModel]):
    # langchain's prompt and parser modules load only when a model is configured (they cost ~0.6 s at start-up)
    from langchain_core.output_parsers import PydanticOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    parser = PydanticOutputParser(pydantic_object=schema)
    prompt = ChatPromptTemplate.from_messages(messages)
    return prompt.partial(format=parser.get_format_instructions()) | model | parser


async def route_intent(model: BaseChatModel | None, text: str, timeout: float) -> str | None:
    """The intent of free text, or None (no model, timeout, error, malformed or unknown reply): use the rules."""
    if model is None or not text.strip():
        return None
    outcome = await call("intent", _chain(INTENT_MESSAGES, model, IntentChoice).ainvoke({"text": text}), timeout)
    return outcome.value.intent if outcome.ok else None


def validate_fields(fields: NeedFields, text: str, policy: NeedsPolicy, buildings: Mapping[str, int | None]) -> dict:
    """The model's fields that fit: a known category id; a building of the worker's subtree (`buildings`: name →
    number, from the caller) whose number the text states; urgency as given. Each one dropped is logged."""
    valid: dict = {}
    if fields.category is not None:
        if fields.category in {c.id for c in policy.categories}:
            valid["category"] = fields.category
        else:
            rejected("prefill", f"category {fields.category!r} is not a policy category")
    if fields.building is not None:
        number = buildings.get(fields.building)
        if number is None:
            rejected("prefill", f"building {fields.building!r} is not in the worker's subtree")
        elif str(number) not in numbers(normalise(text)):
            rejected("prefill", f"building {fields.building!r} is not named in the text")
        else:
            valid["building_no"] = number
    if fields.urgent is not None:
        valid["urgent"] = fields.urgent
    return valid


async def prefill_need(model: BaseChatModel | None, text: str, rules: P, policy: NeedsPolicy,
                       buildings: Mapping[str, int | None], timeout: float) -> P:
    """The rules' prefill with every field the model validly read put in its place (the rules' when none)."""
    if model is None or not text.strip():
        return rules
    categories = json.dumps({c.id: c.label("zh") for c in policy.categories}, ensure_ascii=False)
    work = _chain(PREFILL_MESSAGES, model, NeedFields).ainvoke(
        {"text": text, "categories": categories, "buildings": json.dumps(list(buildings), ensure_ascii=False)})
    outcome = await call("prefill", work, timeout)
    if not outcome.ok:
        return rules
    return replace(rules, **validate_fields(outcome.value, text, policy, buildings))
