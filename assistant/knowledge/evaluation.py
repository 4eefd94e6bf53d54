"""Question-set evaluation shared by `bench/qa_eval.py` and the retrieval regression test."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .answer import Answer
from .ingest import squash


def load_questions(path: Path) -> list[dict]:
    """Lines of {"q", "clause": [labels] | [] (any) | null (must refuse), "must": [facts]}."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def judge(item: dict, confident: bool, clause: str | None, answer: str) -> bool:
    """Refusals must refuse; answers must be confident, cite an acceptable clause first and hold every fact."""
    if item["clause"] is None:
        return not confident
    if not confident:
        return False
    if item["clause"] and clause not in item["clause"]:
        return False
    return all(squash(fact) in squash(answer) for fact in item["must"])


def judge_answer(item: dict, result: Answer) -> bool:
    clause = result.citations[0].clause if result.citations else None
    return judge(item, result.confident, clause, result.answer)


@dataclass
class Score:
    """Accuracy over the answerable questions, refusal over the must-refuse ones, and confident-wrong answers."""

    right: int = 0  # answerable questions answered right
    answerable: int = 0
    refused_right: int = 0
    refusals: int = 0  # must-refuse questions
    confident_wrong: int = 0  # a confident answer with the wrong clause, a missing fact, or to a must-refuse question
    misses: list[str] = field(default_factory=list)

    def add(self, item: dict, ok: bool, confident: bool | None = None) -> None:
        if item["clause"] is None:
            self.refusals += 1
            self.refused_right += ok
        else:
            self.answerable += 1
            self.right += ok
        if not ok and confident:
            self.confident_wrong += 1
        if not ok:
            self.misses.append(item.get("id") or item["q"])

    @property
    def total(self) -> int:
        return self.answerable + self.refusals

    @property
    def accuracy(self) -> float:
        return self.right / self.answerable if self.answerable else 1.0

    @property
    def refusal(self) -> float:
        return self.refused_right / self.refusals if self.refusals else 1.0

    @property
    def confident_wrong_rate(self) -> float:
        return self.confident_wrong / self.total if self.total else 0.0
