"""Command line (typer), one module per domain; `assistant = "assistant.cli:app"`.

    knowledge  ask, ingest             bot      run, bot, chat          org       org, invite
    needs      needs, tasks, resources digest   digest                  party     check, checkins, seats, notices
    property   property, owners, evaluations    db       db (upgrade, current, history, backup, restore)
    people     people, audit                    _common  sessions, resolvers, --json
    demo       demo (examples/ org tree + sample needs)
"""
from __future__ import annotations

import typer

from .bot import bot, chat, run
from .db import db_app
from .demo import demo
from .digest import digest as digest_command
from .knowledge import ask, ingest
from .needs import needs_app, resources_app, tasks_app
from .org import invite, org_app
from .party import check_command, checkins_command, notices_command, seats_app
from .people import audit, people_app
from .property import register as register_evaluations

app = typer.Typer(help="社区治理助手 — policy Q&A and grassroots workflows (组通〔2020〕15号).", no_args_is_help=True)


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


app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.command("invite")(invite)
app.add_typer(people_app, name="people")
app.command("audit")(audit)
app.add_typer(needs_app, name="needs")
app.add_typer(tasks_app, name="tasks")
app.add_typer(resources_app, name="resources")
register_evaluations(app)
app.command("digest")(digest_command)
app.command()(ingest)
app.command()(ask)
app.command("check")(check_command)
app.command("checkins")(checkins_command)
app.add_typer(seats_app, name="seats")
app.command("notices")(notices_command)
app.command()(bot)
app.command()(chat)
app.command()(run)
app.command()(demo)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
