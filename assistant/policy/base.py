"""What every policy model shares: PolicyError listing every problem with its path, value types, reading a file."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Self, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError,
                      model_validator)
from pydantic_core import InitErrorDetails, PydanticCustomError

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: ~5x faster

ID = re.compile(r"^[a-z][a-z0-9_]*$")
NonEmpty = Field(min_length=1)


class PolicyError(ValueError):
    """A policy file is unusable. `errors` holds every (source, dotted path, problem) found; `source`, `field`
    and `problem` are the first one's. One line per problem: "needs.yaml: categories[3].id: duplicate …"."""

    def __init__(self, source: Path | str, field_path: str, problem: str,
                 errors: list[tuple[Path, str, str]] | None = None) -> None:
        self.errors = errors or [(Path(source), field_path, problem)]
        self.source, self.field, self.problem = self.errors[0]
        super().__init__("\n".join(f"{s.name}: {f}: {p}" if f else f"{s}: {p}" for s, f, p in self.errors))

    @classmethod
    def joined(cls, failures: list[PolicyError]) -> PolicyError:
        """One error listing the problems of several files."""
        return cls(*failures[0].errors[0], errors=[e for f in failures for e in f.errors])


class Model(BaseModel):
    """A frozen mapping of a policy file with no unknown keys; `source` is the file it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        return self._source

    def __eq__(self, other: object) -> bool:  # the same values from another file are the same policy
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = BaseModel.__hash__

    @classmethod
    def parse(cls, data: Any, source: Path | str = "<memory>") -> Self:
        """Validate parsed YAML; PolicyError listing every problem with its path."""
        try:
            found = cls.model_validate(data)
        except ValidationError as error:
            raise PolicyError(source, "", "", [(Path(source), *_describe(cls, data, e)) for e in error.errors()])
        found._source = Path(source)
        return found

    @classmethod
    def load(cls, path: Path | str) -> Self:
        return cls.parse(read_yaml(Path(path)), path)


_MESSAGES = {"missing": "is missing", "model_type": "must be a mapping", "model_attributes_type": "must be a mapping",
             "dict_type": "must be a mapping", "tuple_type": "must be a list", "list_type": "must be a list"}


def _describe(model: type[BaseModel], data: Any, error: dict) -> tuple[str, str]:
    """(dotted path, problem) of one pydantic error; list indices as [i], mapping keys as .key."""
    kind, ctx = error["type"], error.get("ctx") or {}
    loc = list(error["loc"])
    key = loc[-1:] == ["[key]"]
    loc = loc[:-1] if key else loc
    path, node = "", data
    for seg in loc:
        path += f"[{seg}]" if isinstance(node, list) else f".{seg}" if path else str(seg)
        node = node[seg] if isinstance(node, dict | list) and _has(node, seg) else None
    if kind == "extra_forbidden":
        return path, f"unknown key (known: {', '.join(sorted(_known_keys(model, loc[:-1])))})"
    if kind == "too_short":
        return path, f"must be a non-empty {'mapping' if isinstance(error['input'], dict) else 'list'}"
    if kind == "literal_error":
        return path, f"unknown {'key' if key else 'value'} {error['input']!r} (known: {ctx['expected']})"
    if kind in ("value_error", "policy"):
        return path, str(ctx.get("error") or ctx["problem"])  # our validators' own words
    return path, _MESSAGES.get(kind, error["msg"])


def _has(node: dict | list, seg: Any) -> bool:
    return seg in node if isinstance(node, dict) else isinstance(seg, int) and -len(node) <= seg < len(node)


def _known_keys(model: Any, loc: list) -> list[str]:
    """The keys the model at `loc` (below `model`) accepts."""
    for seg in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            model = next((f.annotation for n, f in model.model_fields.items() if (f.alias or n) == seg), None)
        else:
            model = ([a for a in get_args(model) if a is not Ellipsis] or [None])[-1]
    return [f.alias or n for n, f in model.model_fields.items()] if isinstance(model, type) else []


def read_yaml(path: Path) -> Any:
    """A policy file parsed; PolicyError for a missing, unreadable or malformed one."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except OSError as error:
        raise PolicyError(path, "", f"cannot read the policy file ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        raise PolicyError(path, "", f"not valid YAML: {error}") from None


# ---------------------------------------------------------------- value types with the catalogue's messages


def check(ok: Callable[[Any], bool], message: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not ok(value):
            raise ValueError(message.format(value=value))
        return value
    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty text")
    return value.strip()


def matching(pattern: re.Pattern) -> Any:
    """A non-empty text matching `pattern`."""
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value!r} does not match {pattern.pattern}")
        return value
    return Annotated[str, BeforeValidator(_text), AfterValidator(check)]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


Text = Annotated[str, BeforeValidator(_text)]
Id = matching(ID)
Zone = Annotated[str, BeforeValidator(_text), AfterValidator(_zone)]
Positive = Annotated[float, BeforeValidator(check(lambda v: _number(v) and v > 0,
                                                   "must be a positive number (got {value!r})"))]
NonNegative = Annotated[float, BeforeValidator(check(lambda v: _number(v) and v >= 0,
                                                      "must be a non-negative number (got {value!r})"))]
PositiveInt = Annotated[int, BeforeValidator(check(lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
                                                    "must be a positive whole number (got {value!r})"))]
Share = Annotated[Positive, AfterValidator(check(lambda v: v <= 1, "must be between 0 and 1 (got {value!r})"))]
Day = Annotated[date, BeforeValidator(check(lambda v: isinstance(v, date) and not isinstance(v, datetime),
                                             "must be a date like 2020-06-30 (got {value!r})"))]


class Labelled(Model):
    """An id with zh/en labels; `label(lang)` is the en text for English, else the zh one."""

    id: Id
    zh: Text
    en: Text

    def label(self, lang: str | None = None) -> str:
        return self.en if (lang or "").lower().startswith("en") else self.zh


def problem(message: str, *loc: str | int) -> InitErrorDetails:
    """A problem at `loc` below the value a validator checks (e.g. 3, "id"), for check_all."""
    return InitErrorDetails(type=PydanticCustomError("policy", "{problem}", {"problem": message}), loc=loc, input=None)


def check_all(problems: Iterable[InitErrorDetails]) -> None:
    """Raise every problem at once (a validator's several findings, each at its own path)."""
    if found := list(problems):
        raise ValidationError.from_exception_data("policy", found)


def ordered(low: str, high: str, message: str, at: str) -> Any:
    """A model validator: `low` must not exceed `high` when both are set; `message` formats {low} and {high}."""
    def check(model: Model) -> Model:
        a, b = getattr(model, low), getattr(model, high)
        if a is not None and b is not None and a > b:
            check_all([problem(message.format(low=a, high=b), at)])
        return model
    return model_validator(mode="after")(check)


def duplicates(kind: str, entries: Iterable[tuple[int | tuple, Any]]) -> list[InitErrorDetails]:
    """"duplicate {kind} id 'x'" at loc.id of each (loc, entry) whose id an earlier entry has."""
    seen: set[str] = set()
    found = []
    for loc, entry in entries:
        if entry.id in seen:
            found.append(problem(f"duplicate {kind} id {entry.id!r}", *loc if isinstance(loc, tuple) else [loc], "id"))
        seen.add(entry.id)
    return found


def unique(kind: str) -> AfterValidator:
    """Entries of a list with distinct ids."""
    def check(entries: tuple) -> tuple:
        check_all(duplicates(kind, enumerate(entries)))
        return entries
    return AfterValidator(check)


def with_ids(value: Any) -> Any:
    """Before-validator of a mapping of entries: each entry gets its key as `id`."""
    if not isinstance(value, dict):
        return value
    return {k: {**v, "id": k} if isinstance(v, dict) else v for k, v in value.items()}
