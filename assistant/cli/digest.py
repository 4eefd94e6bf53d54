"""`assistant digest --unit … --period … [--png F] [--xlsx F]`: the digest a coordinator would get, printed,
with the chart and the needs workbook written on request. Registered in cli/__init__.py with `app.command("digest")`."""
from __future__ import annotations

from pathlib import Path

import typer

from ..errors import Invalid
from ..messages import LANGS, t
from ._common import BadChoice, choice, did_you_mean, echo_json
from ._common import fail as _fail
from ._common import session as _session
from ._common import settings as get_settings
from ._common import unit as _unit


def _period(value: str) -> str:
    from ..digest.context import PERIODS, parse_period

    try:
        return parse_period(value)
    except Invalid as error:
        raise BadChoice(error.message() + did_you_mean(value, PERIODS)) from None


def _complete_period(incomplete: str) -> list[str]:
    from ..digest.context import PERIODS

    return [p for p in PERIODS if p.startswith(incomplete)]


def digest(
    unit: str = typer.Option(..., "--unit", help="Unit id, code, name or path (e.g. 澄江街道/梅园社区)."),
    period: str = typer.Option("today", "--period", parser=_period, autocompletion=_complete_period,
                               help="today, yesterday, week, lastweek, month, lastmonth, quarter (calendar), last7, "
                               "last30 (rolling), 本月/上月/… or a range 2026-11-01..2026-11-30."),
    since: str | None = typer.Option(None, "--from", help="First day of a date range (YYYY-MM-DD); with --to."),
    until: str | None = typer.Option(None, "--to", help="Last day of a date range (YYYY-MM-DD); with --from."),
    png: Path | None = typer.Option(None, "--png", help="Write the chart here (PNG)."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the period's needs with their history here."),
    lang: str = choice("zh", "--lang", LANGS, help="The digest's language."),
    as_json: bool = typer.Option(False, "--json", help="Print the digest's figures as one JSON object (no "
                                 "narrative); file notices go to stderr."),
) -> None:
    """Print the digest of a unit and its subtree for a period (numbers as of now)."""
    from ..digest import build as digests
    from ..digest.charts import digest_png
    from ..digest.context import parse_period
    from ..digest.export import export_needs_xlsx
    from ..llm.narrative import narrator
    from ..storage.models import utcnow

    if since or until:
        try:
            period = parse_period(since or until, until or since)
        except Invalid as error:
            raise BadChoice(error.message(lang)) from None  # a usage error, like a bad --period
    settings = get_settings()
    with _session(read_only=True) as (session, policies):
        policy = policies.needs
        found = _unit(session, unit)
        now = utcnow()
        try:
            d = digests.build(session, found.id, period, now, policies,
                              top_n=settings.digest_top_n, hotspot_min=settings.digest_hotspot_min)
        except Invalid as error:
            _fail(error.message(lang))
        from ..llm.provider import chat_model

        if as_json:
            echo_json(d)
        else:
            story = digests.narrative(d, lang, narrator(chat_model(settings), settings.llm_timeout))
            typer.echo(digests.render(d, lang, policy, story))
        if png is not None:
            chart = digest_png(d, lang, policy, settings.digest_font_file, empty=True)  # scripts find the file
            png.write_bytes(chart)
            typer.echo(t("digest.cli.written", lang, path=png), err=as_json)
        if xlsx is not None:
            export_needs_xlsx(session, found.id, period, now, policy, xlsx, lang, settings.digest_export_max_rows)
            typer.echo(t("digest.cli.written", lang, path=xlsx), err=as_json)
