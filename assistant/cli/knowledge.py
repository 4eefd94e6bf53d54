"""Policy questions and the index: `assistant ask`, `assistant ingest`, `assistant draft-bank`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from ..logs import console_logging
from ..messages import t
from ._common import Bar, settings


def ingest(paths: list[Path] = typer.Argument(None, help="Files or folders; default: the corpus folder.")) -> None:
    """Index documents (.txt .md .docx .pdf); only changed files are re-read. Exit code 1 when a file was skipped."""
    from ..knowledge.index import KnowledgeIndex

    console_logging()
    config = settings()
    with Bar() as bar:  # a bar per stage on a terminal; warnings logged meanwhile print above it
        report = KnowledgeIndex(config).ingest(paths or [config.corpus_dir], progress=bar.meter,
                                               on_wait=lambda: bar.print(t("ingest.waiting")))
    for name, reason in report.skipped:
        typer.echo(t("ingest.skipped", name=name, reason=reason), err=True)
    for name, existing in report.duplicates:
        typer.echo(t("ingest.duplicate", name=name, existing=existing), err=True)
    typer.echo(t(
        "ingest.summary", added=len(report.added), updated=len(report.updated), unchanged=len(report.unchanged),
        removed=len(report.removed), skipped=len(report.skipped), chunks=report.chunks,
    ))
    if report.skipped:
        raise typer.Exit(1)  # scripts see that not everything was indexed


def draft_bank(
    document: Path = typer.Argument(..., exists=True, dir_okay=False, help="The document (.txt .md .docx .pdf)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write the draft (default: <stem>.questions.draft.jsonl beside it)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing draft."),
) -> None:
    """Draft a document's question bank with the configured LLM, for a person to review (never loaded as is).
    Exit code 1 when no clause could be drafted."""
    import asyncio

    from ..knowledge.bank import BANK_SUFFIX
    from ..knowledge.ingest import sidecar
    from ..llm.bank_draft import draft_bank as draft, draft_path
    from ..llm.provider import chat_model

    console_logging()
    config = settings()
    model = chat_model(config)
    if model is None:
        typer.echo(t("llm.draft_needs_model"), err=True)
        raise typer.Exit(2)
    target = out or draft_path(document)
    if target.exists() and not force:
        typer.echo(t("llm.draft_exists", path=target), err=True)
        raise typer.Exit(2)
    report = asyncio.run(draft(model, document, config.llm_draft_timeout, out=target, max_chunk_chars=config.max_chunk_chars))
    for clause, key, values in report.dropped:
        typer.echo(t("llm.draft_dropped", clause=clause, reason=t(key, **values)), err=True)
    for clause, reason in report.failed:
        typer.echo(t("llm.draft_failed", clause=clause, reason=reason), err=True)
    typer.echo(t("llm.draft_summary", path=report.path, entries=len(report.entries), questions=report.questions,
                 dropped=len(report.dropped), failed=len(report.failed), bank=sidecar(document, BANK_SUFFIX).name))
    if not report.entries:
        raise typer.Exit(1)


def _render(result, as_json: bool) -> str:
    if as_json:
        return json.dumps(result.to_json(), ensure_ascii=False)
    lines = [result.answer]
    if result.mode == "llm":  # the model's words, then the exact text they rest on
        lines.append(f"「{result.quote}」")
    if result.confident and result.citations:
        from ..knowledge.answer import source_line

        lines.append(source_line(result.citations[0], result.lang))
    if result.mode == "llm":
        lines.append(t("llm.answer_note", result.lang))
    return "\n".join(lines)


def ask(
    question: Optional[str] = typer.Argument(None, help="The question; `-` reads one question per line from stdin; none starts a prompt."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per question."),
) -> None:
    """Answer a policy question from the directive, quoting and citing the clause. Exit code 1 when a question
    was empty."""
    from ..knowledge.live import LiveIndex
    from ..llm.answer import answer_sync
    from ..llm.provider import chat_model, embeddings

    console_logging()
    config = settings()
    live = LiveIndex(config, embeddings(config), progress=sys.stderr.isatty())
    if not live.sync(wait=config.reindex_wait_seconds).join(0):
        typer.echo(t("ask.reindexing"), err=True)  # answered from the previous index; the new one is not complete
    model = chat_model(config)  # None unless LLM_BASE_URL and LLM_MODEL are set

    empty = []

    def answer_question(text):
        result = answer_sync(live.current, model, text)
        if result.error == "ask.empty":
            empty.append(result)
        return result

    try:
        if question is not None:
            questions = sys.stdin if question == "-" else [question]  # `-`: one answer per line, blank lines included
            for text in questions:
                typer.echo(_render(answer_question(text), as_json))
            if empty:
                raise typer.Exit(1)
            return
        while True:  # interactive prompt
            try:
                line = input(t("cli.prompt"))
            except (EOFError, KeyboardInterrupt):
                break
            if not line.strip():
                break
            typer.echo(_render(answer_question(line), as_json))
    finally:
        live.close()
