"""What every command module shares: settings, the database session with the policies, resolvers that exit
with a catalogue message, options of a closed set (`choice`), progress bars and --json output. The CLI is
trusted: it acts as no person."""
from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from difflib import get_close_matches
from typing import Any
from zoneinfo import ZoneInfo

import typer

from ..config import get_settings
from ..errors import Invalid
from ..messages import t



def settings():
    """The process's settings (tests replace `get_settings` here)."""
    return get_settings()


def fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def load_policies(config=None):
    """The policy bundle named by the settings; a bad file prints its error and exits with 1."""
    from ..policies import Policies
    from ..policy import PolicyError

    try:
        return Policies.load(config or settings())
    except (PolicyError, ValueError) as error:
        fail(str(error))


@contextmanager
def session(read_only: bool = False):
    """(session, policies) on the configured database; commits on success (`read_only`: a report that takes
    no write lock on SQLite)."""
    from ..storage.db import open_database

    config = settings()
    policies = load_policies(config)
    db = open_database(config)
    try:
        with db.session(read_only) as s:
            yield s, policies
    finally:
        db.dispose()


def error_text(error) -> str:
    """A domain error as catalogue text (every field of an Invalid)."""
    keys = [key for _, key in error.errors] if isinstance(error, Invalid) else [error.key]
    lines = []
    for key in dict.fromkeys(keys):
        try:
            lines.append(t(key, **error.values))
        except KeyError:  # a key whose placeholders the error does not carry
            lines.append(t("need.err.invalid"))
    return "\n".join(lines)


def unit(s, ref: str):
    """The unit by id, code, name or path, else exit with the candidates or 'not found'."""
    from ..org import tree as org

    try:
        found = org.find_unit(s, ref)
    except org.AmbiguousUnit as error:
        lines = [t("org.candidate", id=u.id, path=org.breadcrumb(s, u)) for u in error.candidates]
        fail(t("org.unit_ambiguous", unit=ref, candidates="\n".join(lines)))
    if found is None:
        fail(t("org.unit_not_found", unit=ref))
    return found


def compound(s, ref: str):
    from ..org.tree import breadcrumb, level_name

    found = unit(s, ref)
    if found.level != "compound":
        fail(t("cli.tasks.not_compound", unit=breadcrumb(s, found), level=level_name(found.level)))
    return found


def person(s, ref: str):
    """The person by id, phone or name — the same for every `--person` (and `--liaison`, `--provider-person`,
    `people show …`) — else exit with the candidates or 'not found, import them with `assistant people import`';
    nobody is created from a typed name."""
    from ..org.directory import ambiguous_text
    from ..org.people import AmbiguousPerson, find_person

    try:
        found = find_person(s, ref)
    except AmbiguousPerson as error:
        fail(ambiguous_text(s, None, error))
    if found is None:
        fail(t("cli.person_not_found", person=ref))
    return found


def when(at: datetime | None, zone: ZoneInfo) -> str:
    """A moment as the deployment's local time (`zone`: the needs policy's)."""
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else t("cli.needs.unset")


class BadChoice(typer.BadParameter):
    """A value outside an option's set: the catalogue's words alone (exit code 2, like every usage error)."""

    def format_message(self) -> str:
        return self.message


def did_you_mean(value: str, known: Sequence[str]) -> str:
    """'您是不是要输入“in_progress”？' for the nearest known value, else ''."""
    near = get_close_matches(value.lower(), known, n=1)
    return t("cli.did_you_mean", value=near[0]) if near else ""


def bad_choice_text(option: str, value: str, known: Sequence[str]) -> str:
    """'--status 的值“in_progres”无效，可选：…。您是不是要输入“in_progress”？'"""
    return t("cli.bad_choice", option=option, value=value, choices=", ".join(known)) + did_you_mean(value, known)


def choice(default: Any, name: str, values: Sequence[str] | Callable[[], Sequence[str]], help: str, **kwargs):
    """A typer option taking one value of a closed set: `values` the domain's tuple, or a function returning a
    policy's ids (read only when a value is checked or completed). The shell completes it; a bad value exits
    with 2 and 'did you mean' the nearest value."""
    def known() -> tuple[str, ...]:
        return tuple(values() if callable(values) else values)

    def parse(value: str) -> str:
        if value not in known():
            raise BadChoice(bad_choice_text(name, value, known()))
        return value

    metavar = None if callable(values) else "[" + "|".join(values) + "]"
    return typer.Option(default, name, parser=parse, metavar=metavar, help=help,
                        autocompletion=lambda incomplete: [v for v in known() if v.startswith(incomplete)], **kwargs)


class Bar:
    """A progress bar (rich) on stderr for a domain function's `track(items, stage)` or `meter(stage, total)`;
    nothing when stderr is not a terminal (scripts, tests). What is printed to stderr meanwhile — warnings logged,
    `print` — appears above the bar."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.console = Console(stderr=True)
        self._progress = Progress(console=self.console, disable=not self.console.is_terminal)
        self._streams: list[tuple[logging.StreamHandler, Any]] = []

    def __enter__(self) -> Bar:
        before = sys.stderr
        self._progress.start()  # on a terminal sys.stderr now prints above the bar: the log handlers write there too
        for handler in logging.getLogger().handlers:
            if type(handler) is logging.StreamHandler and handler.stream is before and before is not sys.stderr:
                self._streams.append((handler, handler.setStream(sys.stderr)))
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()
        for handler, stream in self._streams:
            handler.setStream(stream)
        self._streams.clear()

    def print(self, text: str) -> None:
        """A line above the bar (on stderr)."""
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def meter(self, stage: str, total: int) -> Callable[[int], None]:
        """The knowledge package's progress callback (knowledge/progress.py): one bar per stage."""
        task = self._progress.add_task(t(f"cli.progress.{stage}"), total=total)
        return lambda n: self._progress.advance(task, n)

    def track(self, items: Sequence, stage: str) -> Iterable:
        return self._progress.track(items, total=len(items), description=t(f"cli.progress.{stage}"))


def jsonable(value: Any) -> Any:
    """Dataclasses as dicts, times and days in ISO 8601 (times with their UTC offset), lists for tuples."""
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # a time zone, a path


def json_option():
    """The `--json` flag of a list command."""
    return typer.Option(False, "--json", help="Print JSON instead (times and days in ISO 8601; no personal data "
                        "the lines do not show).")


def echo_json(value: Any, omit: Sequence[str] = ()) -> None:
    """`--json`: one JSON document on stdout; `omit` drops those keys of each object (personal data the
    readable output does not show)."""
    value = jsonable(value)
    if omit:
        value = [{k: v for k, v in item.items() if k not in omit} for item in value] if isinstance(value, list) \
            else {k: v for k, v in value.items() if k not in omit}
    typer.echo(json.dumps(value, ensure_ascii=False))
