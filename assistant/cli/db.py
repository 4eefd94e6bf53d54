"""The database: `assistant db upgrade / current / history / backup FILE / restore FILE`."""
from __future__ import annotations

from pathlib import Path

import typer

from ..messages import t
from ._common import fail, settings

db_app = typer.Typer(help="The database (SQLite by default, PostgreSQL via DATABASE_URL): schema revisions, "
                          "backup and restore.", no_args_is_help=True)


def _url() -> str:
    return settings().sqlalchemy_url


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or upgrade it to the latest schema."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..storage.backup import shown
    from ..storage.db import current_revision, open_database, reason

    try:
        db = open_database(settings())
    except SQLAlchemyError as error:
        fail(t("db.unreachable", url=shown(_url()), error=reason(error)))
    typer.echo(t("db.upgraded", revision=current_revision(db.engine), url=db.url))
    db.dispose()


def _revision(url: str) -> str | None:
    """The database's revision, creating and migrating nothing; exits with a message when unreachable."""
    from ..storage.backup import BackupError, revision

    try:
        return revision(url)
    except BackupError as error:
        fail(error.message())


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision the database is at (nothing is created or migrated)."""
    from ..storage.backup import shown
    from ..storage.db import revisions

    url = _url()
    revision, known = _revision(url), [r for r, _ in revisions()]
    if revision is None:
        typer.echo(t("db.current.none", url=shown(url)))
        return
    state = (t("db.current.head") if revision == known[0] else t("db.current.behind", head=known[0])
             if revision in known else t("db.current.unknown"))
    typer.echo(t("db.current", revision=revision, state=state, url=shown(url)))


@db_app.command("history")
def db_history() -> None:
    """List the schema revisions, newest first; `*` marks the database's own."""
    from ..storage.db import revisions

    current = _revision(_url())
    for revision, doc in revisions():
        typer.echo(t("db.history.line", marker="*" if revision == current else " ", revision=revision, doc=doc))


@db_app.command("backup")
def db_backup(file: Path = typer.Argument(..., dir_okay=False, help="The backup file to write (must not exist).")) -> None:
    """Back up the whole database to FILE: SQLite by its online backup API (safe while the bot runs),
    PostgreSQL with pg_dump (custom format)."""
    from ..storage.backup import BackupError, backup

    try:
        revision = backup(_url(), file)
    except BackupError as error:
        fail(error.message())
    typer.echo(t("db.backup.done", revision=revision, path=file))


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., dir_okay=False, help="A file written by `assistant db backup`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Replace everything in the database with the backup FILE (stop the bot first). PostgreSQL: in one
    transaction, with pg_restore and psql."""
    from ..storage.backup import BackupError, restore, shown
    from ..storage.db import revisions

    url = _url()
    if not yes and not typer.confirm(t("db.restore.confirm", path=file, url=shown(url))):
        raise typer.Exit(1)
    try:
        revision = restore(url, file)
    except BackupError as error:
        fail(error.message())
    typer.echo(t("db.restore.done", path=file, revision=revision))
    head = revisions()[0][0]
    if revision != head:
        typer.echo(t("db.restore.older", head=head))
