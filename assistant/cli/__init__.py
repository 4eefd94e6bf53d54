"""Command line (typer), one module per domain; `assistant = "assistant.cli:app"`.

    knowledge  ask, ingest             bot      run, bot, chat          org       org, invite
    needs      needs, tasks, resources digest   digest                  party     check, checkins, seats, notices
    property   property, owners, evaluations    db       db (upgrade, current, history, backup, restore)
    people     people, audit                    _common  sessions, resolvers, --json
    demo       demo (examples/ org tree + sample needs)

Commands are registered by name in COMMANDS and their module is imported when the command is looked up
(cli/lazy.py): `assistant ask` imports cli/knowledge.py only, while `--help`, completion of a command name and
"did you mean" see every name.
"""
from __future__ import annotations

import typer

from .lazy import LazyGroup

# name: (module in assistant/cli, attribute: a typer.Typer for a group or a function for a command); the order of --help
COMMANDS = {
    "db": ("db", "db_app"),
    "org": ("org", "org_app"),
    "invite": ("org", "invite"),
    "people": ("people", "people_app"),
    "audit": ("people", "audit"),
    "needs": ("needs", "needs_app"),
    "tasks": ("needs", "tasks_app"),
    "resources": ("needs", "resources_app"),
    "property": ("property", "property_app"),
    "owners": ("property", "owners_app"),
    "evaluations": ("property", "evaluations_app"),
    "digest": ("digest", "digest"),
    "ingest": ("knowledge", "ingest"),
    "ask": ("knowledge", "ask"),
    "draft-bank": ("knowledge", "draft_bank"),
    "check": ("party", "check_command"),
    "checkins": ("party", "checkins_command"),
    "seats": ("party", "seats_app"),
    "notices": ("party", "notices_command"),
    "bot": ("bot", "bot"),
    "chat": ("bot", "chat"),
    "run": ("bot", "run"),
    "demo": ("demo", "demo"),
}

app = typer.Typer(help="社区治理助手 — policy Q&A and grassroots workflows (组通〔2020〕15号).", no_args_is_help=True,
                  cls=LazyGroup.of(__name__, COMMANDS))


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        from ..messages import t

        typer.echo(t("cli.version", version=version("assistant")))
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Options before the command: --version."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
