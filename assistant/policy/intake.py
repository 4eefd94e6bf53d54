"""intake.yaml (clause 10, 需求清单): the cues that tell a need from a question in free text."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, model_validator

from .base import Model, NonEmpty, PositiveInt, Text, check_all, problem

SHIPPED_INTAKE_RULES = Path(__file__).resolve().parent / "intake.yaml"


def _distinct(cues: tuple[str, ...]) -> tuple[str, ...]:
    check_all(problem(f"{cue!r} is listed twice (it would count twice)", i)
              for i, cue in enumerate(cues) if cue in cues[:i])
    return cues


Cues = Annotated[tuple[Text, ...], NonEmpty, AfterValidator(_distinct)]


class IntakeRules(Model):
    """Need cues count +1, question cues -1; a text scoring `need_threshold` or more is offered as a need."""

    need_cues: Cues
    question_cues: Cues
    need_threshold: PositiveInt

    @model_validator(mode="after")
    def _apart(self) -> IntakeRules:
        check_all(problem(f"{cue!r} is also a question cue", "need_cues", i)
                  for i, cue in enumerate(self.need_cues) if cue in self.question_cues)
        return self


def load_intake_rules(path: str | Path | None = None, settings=None) -> IntakeRules:
    """The intake rules from `path`, else `settings.intake_policy_file` (process settings when omitted), else the
    shipped intake.yaml. Raises PolicyError for a missing, unreadable or invalid file."""
    if path is None:
        if settings is None:
            from ..config import get_settings

            settings = get_settings()
        path = settings.intake_policy_file or SHIPPED_INTAKE_RULES
    return IntakeRules.load(path)
