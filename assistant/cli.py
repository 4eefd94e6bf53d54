"""Command line: `assistant ask`, `assistant ingest`."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from .config import get_settings
from .messages import t

app = typer.Typer(help="社区治理助手 — policy Q&A and grassroots workflows (组通〔2020〕15号).", no_args_is_help=True)


def _setup_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@app.command()
def ingest(paths: list[Path] = typer.Argument(None, help="Files or folders; default: the corpus folder.")) -> None:
    """Index documents (.txt .md .docx .pdf); only changed files are re-read."""
    from .knowledge.index import KnowledgeIndex

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
    if result.confident and result.citations:
        top = result.citations[0]
        lines.append(t("answer.source", result.lang, doc=top.doc, path=top.path))
    return "\n".join(lines)


@app.command()
def ask(
    question: Optional[str] = typer.Argument(None, help="The question; `-` reads one question per line from stdin; none starts a prompt."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per question."),
) -> None:
    """Answer a policy question from the directive, quoting and citing the clause."""
    from .knowledge.answer import answer_question
    from .knowledge.index import open_index

    _setup_logging()
    index = open_index(get_settings())
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
