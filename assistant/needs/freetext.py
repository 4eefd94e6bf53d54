"""Rules that read a worker's free text: is it a need, and which form fields can be prefilled from it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..policy.intake import SHIPPED_INTAKE_RULES, IntakeRules, load_intake_rules
from ..policy.loader import NeedsPolicy
from . import pii
from .filing import ENTRANCE_MAX, suggest_category, suggest_urgency

POLICY_FILE = SHIPPED_INTAKE_RULES
CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}
BUILDING_RE = re.compile(r"([0-9一二三四五六七八九十]{1,3})\s*(?:号楼|号栋|栋|幢|座|号(?=楼))"
                         r"|(?:building|bldg\.?|block)\s*(?:no\.?\s*)?([0-9]{1,3})\b", re.IGNORECASE)
UNIT_RE = re.compile(r"([0-9一二三四五六七八九十]{1,2})\s*单元|\b(?:unit|entrance)\s*(?:no\.?\s*)?([0-9]{1,2})\b",
                     re.IGNORECASE)
ROOM_RE = re.compile(r"(?<![0-9])([0-9]{3,4})\s*(?:室|号房|房间)")


@dataclass
class Prefill:
    """What the text says; every field is shown to the worker to confirm."""

    building_no: int | None = None
    unit_no: int | None = None
    room: str | None = None
    category: str | None = None
    urgent: bool = False
    phone: str | None = None


@lru_cache
def load_rules(path: Path | None = None) -> IntakeRules:
    """The intake rules (`path`, else the intake_policy_file setting, else the shipped intake.yaml), validated:
    a bad file is a PolicyError listing every problem."""
    return load_intake_rules(path)


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + CN_DIGITS[text[1]]
    if text.endswith("十"):
        return CN_DIGITS[text[0]] * 10
    if "十" in text:
        tens, ones = text.split("十")
        return CN_DIGITS[tens] * 10 + CN_DIGITS[ones]
    return int("".join(str(CN_DIGITS[c]) for c in text))


def building_number(name: str) -> int | None:
    """The number in a building's name: "3栋", "3号楼", "三幢" → 3."""
    if match := BUILDING_RE.search(unicodedata.normalize("NFKC", name)):
        return _number(match.group(1) or match.group(2))
    match = re.search(r"\d+", name)
    return int(match.group(0)) if match else None


def entrance_number(text: str) -> int | None:
    """The 单元 (entrance) the text names: "2单元", "二单元", "unit 2", "entrance 2" → 2; a bare number typed at the
    entrance step ("2") too. None when there is none or it is out of range (1–ENTRANCE_MAX)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if m := UNIT_RE.search(text):
        number = _number(m.group(1) or m.group(2))
    elif text.isdigit():
        number = int(text)
    else:
        return None
    return number if 1 <= number <= ENTRANCE_MAX else None


def reads_like_problem(text: str, policy: NeedsPolicy, rules: IntakeRules) -> bool:
    """Any sign that the text reports a problem (a need score above 0, below the offer's threshold too): a
    refused question that reads so is offered for filing beside the refusal."""
    return need_score(text, policy, rules) > 0


def reads_like_question(text: str, policy: NeedsPolicy, rules: IntakeRules) -> bool:
    """True when text typed in the middle of a form is a policy question to answer (a question mark, or the
    intake rules' question cues outweigh its need cues)."""
    return text.rstrip().endswith(("?", "？")) or need_score(text, policy, rules) < 0


def prefill(text: str, policy: NeedsPolicy) -> Prefill:
    """Fields read from the text: building/unit/room numbers, category and urgency (the policy's keywords), phone."""
    text = unicodedata.normalize("NFKC", text)
    result = Prefill()
    if m := BUILDING_RE.search(text):
        result.building_no = _number(m.group(1) or m.group(2))
    result.unit_no = entrance_number(text)
    if m := ROOM_RE.search(text):
        result.room = m.group(1)
    result.phone = next(iter(pii.phones(text)), None)
    if _keywords_found(text, policy):  # only a real keyword match is offered, never the fallback category
        result.category = suggest_category(policy, text)
    result.urgent = suggest_urgency(policy, text, result.category) == "urgent"
    return result


def _keywords_found(text: str, policy: NeedsPolicy) -> bool:
    lowered = text.lower()
    return any(k in lowered for c in policy.categories for k in c.keywords)


def need_score(text: str, policy: NeedsPolicy, rules: IntakeRules) -> int:
    """How much the text reads like a report of a problem (see intake.yaml)."""
    text = unicodedata.normalize("NFKC", text).lower()
    score = sum(cue in text for cue in rules.need_cues)
    score += _keywords_found(text, policy)
    score += bool(BUILDING_RE.search(text) or UNIT_RE.search(text) or ROOM_RE.search(text))
    score -= sum(cue in text for cue in rules.question_cues) + ("?" in text)
    return score


def looks_like_need(text: str, policy: NeedsPolicy, rules: IntakeRules) -> bool:
    """True when free text should be offered as a new need rather than answered as a policy question."""
    return need_score(text, policy, rules) >= rules.need_threshold
