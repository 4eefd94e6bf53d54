"""`assistant demo`: the example organisation and a few sample needs, so a newcomer can try everything."""
from __future__ import annotations

import typer

from ..messages import t
from ._common import fail, session, settings


def demo() -> None:
    """Load examples/ (the org tree) and a few sample needs filed by the terminal's local administrator."""
    from ..errors import DomainError
    from ..needs.samples import file_samples
    from ..org.people import LOCAL_OPERATOR_ID, ensure_local_operator, shown_name
    from ..org.tree import OrgImportError, import_org
    from ..storage.db import open_database

    config = settings()
    db = open_database(config)
    try:
        report = import_org(db, config.examples_dir / "org_example.csv")
    except OrgImportError as error:
        fail(error.message())
    finally:
        db.dispose()
    with session() as (s, policies):
        person = ensure_local_operator(s, "terminal", LOCAL_OPERATOR_ID)
        operator = shown_name(person.name)
        try:
            filed = file_samples(s, policies.needs, person.id, config.examples_dir / "needs_example.csv")
        except DomainError as error:
            fail(error.message())
    if not filed:
        typer.echo(t("demo.needs_kept"))
    typer.echo(t("demo.loaded", created=report.created, updated=report.updated, needs=filed, operator=operator))
