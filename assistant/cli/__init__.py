"""Command line: `assistant ask`, `assistant ingest`."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from ..config import get_settings
from ..errors import DomainError
from ..messages import t
from .digest import digest as digest_command
from .needs import needs_app, resources_app, tasks_app
from .org import db_app, invite, org_app
from .property import register as register_evaluations

app = typer.Typer(help="社区治理助手 — policy Q&A and grassroots workflows (组通〔2020〕15号).", no_args_is_help=True)


app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.command("invite")(invite)
app.add_typer(needs_app, name="needs")
app.add_typer(tasks_app, name="tasks")
app.add_typer(resources_app, name="resources")
register_evaluations(app)
app.command("digest")(digest_command)


def _setup_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@app.command()
def ingest(paths: list[Path] = typer.Argument(None, help="Files or folders; default: the corpus folder.")) -> None:
    """Index documents (.txt .md .docx .pdf); only changed files are re-read."""
    from ..knowledge.index import KnowledgeIndex

    _setup_logging()
    settings = get_settings()
    report = KnowledgeIndex(settings).ingest(paths or [settings.corpus_dir], progress=True)
    for name, reason in report.skipped:
        typer.echo(t("ingest.skipped", name=name, reason=reason), err=True)
    typer.echo(t(
        "ingest.summary", added=len(report.added), updated=len(report.updated), unchanged=len(report.unchanged),
        removed=len(report.removed), skipped=len(report.skipped), chunks=report.chunks,
    ))


def _render(result, as_json: bool) -> str:
    if as_json:
        return json.dumps(result.to_json(), ensure_ascii=False)
    lines = [result.answer]
    if result.mode == "llm":  # the model's words, then the exact text they rest on
        lines.append(f"「{result.quote}」")
    if result.confident and result.citations:
        top = result.citations[0]
        lines.append(t("answer.source", result.lang, doc=top.doc, path=top.path))
    if result.mode == "llm":
        lines.append(t("llm.answer_note", result.lang))
    return "\n".join(lines)


@app.command()
def ask(
    question: Optional[str] = typer.Argument(None, help="The question; `-` reads one question per line from stdin; none starts a prompt."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per question."),
) -> None:
    """Answer a policy question from the directive, quoting and citing the clause."""
    from ..knowledge.index import open_index
    from ..llm.answer import answer_sync
    from ..llm.provider import chat_model

    _setup_logging()
    index = open_index(get_settings())
    model = chat_model(get_settings())  # None unless LLM_BASE_URL and LLM_MODEL are set

    def answer_question(index, text):
        return answer_sync(index, model, text)

    if question == "-":
        for line in sys.stdin:  # one answer per input line, blank lines included, so outputs align
            typer.echo(_render(answer_question(index, line), as_json))
        return
    if question is not None:
        typer.echo(_render(answer_question(index, question), as_json))
        return
    while True:  # interactive prompt
        try:
            line = input(t("cli.prompt"))
        except (EOFError, KeyboardInterrupt):
            break
        if not line.strip():
            break
        typer.echo(_render(answer_question(index, line), as_json))


@app.command("check")
def check_command(
    unit: Optional[str] = typer.Option(None, "--unit", help="Only this unit's subtree (id, code, name or path)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array of findings."),
) -> None:
    """Organisation compliance (clauses 1–3, 9): every rule broken, per unit, citing the clause."""
    from dataclasses import asdict

    from ..party import compliance
    from ..policy.loader import load_party_policy

    settings = get_settings()
    with _admin_session() as session:
        root = _unit_or_exit(session, unit).id if unit else None
        findings = compliance.check(session, load_party_policy(settings.party_policy_file), root)
    if as_json:
        typer.echo(json.dumps([{**asdict(f), "message": f.message()} for f in findings], ensure_ascii=False))
    elif not findings:
        typer.echo(t("compliance.none"))
    else:
        typer.echo("\n".join([t("compliance.head", count=len(findings))] + [f.message() for f in findings]))


seats_app = typer.Typer(help="Committee seats (大工委, 大党委, 支部委员会) and party groups, for the compliance check.",
                        no_args_is_help=True)
app.add_typer(seats_app, name="seats")


@seats_app.command("add")
def seats_add(
    unit: str = typer.Option(..., "--unit", help="The street, community or compound (id, code, name or path)."),
    person: str = typer.Option(..., "--person", help="The person's name, phone or id (created when unknown)."),
    organ: str = typer.Option(..., "--organ", help="street_committee, community_committee or branch_committee."),
    position: str = typer.Option(..., "--position", help="part_time_member, first_secretary, secretary, "
                                 "deputy_secretary, community_party_member or member."),
    from_unit: Optional[str] = typer.Option(None, "--from-unit", help="The resident or partner unit they come from."),
) -> None:
    """Seat a person on a committee."""
    from ..org.people import find_person, get_or_create_person
    from ..party.seats import add_seat

    with _admin_session() as session:
        found = _unit_or_exit(session, unit)
        who = find_person(session, person) or get_or_create_person(session, person, party_member=True)
        try:
            seat = add_seat(session, None, found.id, who.id, organ, position, from_unit)
        except DomainError as err:
            typer.echo(err.message(), err=True)
            raise typer.Exit(1)
    typer.echo(t("cli.seats.added", name=seat.person_name, unit=found.name,
                 position=t(f"compliance.position.{seat.position}")))


@seats_app.command("group")
def seats_group(building: str = typer.Option(..., "--building", help="The building (id, code or path).")) -> None:
    """Record a building's party group (党小组)."""
    from ..party.seats import add_party_group

    with _admin_session() as session:
        found = _unit_or_exit(session, building)
        try:
            add_party_group(session, None, found.id)
        except DomainError as err:
            typer.echo(err.message(), err=True)
            raise typer.Exit(1)
    typer.echo(t("cli.seats.group", unit=found.name))


def _admin_session():
    from ..storage.db import open_database

    return open_database(get_settings()).session()


def _unit_or_exit(session, ref: str):
    from ..org.tree import AmbiguousUnit, find_unit

    try:
        found = find_unit(session, ref)
    except AmbiguousUnit:
        found = None
    if found is None:
        typer.echo(t("cli.check.unknown_unit", unit=ref), err=True)
        raise typer.Exit(1)
    return found


@app.command("notices")
def notices_command(
    unit: Optional[str] = typer.Option(None, "--unit", help="Only cases under this unit."),
    unsent: bool = typer.Option(False, "--unsent", help="Only notices not yet sent to a registered contact."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the notices to this UTF-8 text file."),
) -> None:
    """Notices of unrectified negative-behaviour cases (clause 8), for the members' work-unit party organisations."""
    from ..party import cases
    from ..policy.loader import load_party_policy

    settings = get_settings()
    with _admin_session() as session:
        path = _unit_or_exit(session, unit).path if unit else None
        notices = cases.notice_board(session, load_party_policy(settings.party_policy_file), path, unsent)
    text = "\n\n".join(n.text() for n in notices) if notices else t("cli.notices.none")
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(t("cli.notices.written", count=len(notices), path=str(out)))
    else:
        typer.echo(text)


@app.command()
def bot() -> None:
    """Serve Telegram (needs TELEGRAM_BOT_TOKEN): polling, or webhook mode when ASSISTANT_WEBHOOK_URL is set."""
    from ..handlers.app import run_bot
    from ..runtime import Runtime

    _setup_logging()
    settings = get_settings()
    if not settings.telegram_bot_token:
        typer.echo(t("cli.no_token"), err=True)
        raise typer.Exit(2)
    run_bot(Runtime(settings))


@app.command()
def chat() -> None:
    """Chat in the terminal with the same handlers as Telegram, no network (you are the local admin)."""
    from ..handlers.app import run_terminal
    from ..runtime import Runtime

    _setup_logging()
    run_terminal(Runtime(get_settings(), channel="terminal"))


@app.command()
def run() -> None:
    """Start the assistant: the Telegram bot when a token is configured, otherwise the terminal chat."""
    if get_settings().telegram_bot_token:
        bot()
    else:
        chat()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
