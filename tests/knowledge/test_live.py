"""A re-index never holds up answering: the previous index answers until the new generation is complete and
swapped in at once — in the same process (the bot, `assistant ask -`) and across processes (`assistant ask`
while another process re-indexes). The re-index is held in the middle by the real e5 model behind a gate."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.knowledge import generations
from assistant.knowledge.answer import answer_question
from assistant.knowledge.index import KnowledgeIndex
from assistant.knowledge.live import LiveIndex

from ..conftest import make_settings
from ..helpers.corpus import NEW_DOC, NEW_QUESTION, GatedEmbeddings, add_document

BIN = Path(sys.executable).parent / "assistant"
OLD_QUESTION = "小区党支部设几名委员？"


@pytest.fixture
def live_setup(built_live, tmp_path):
    """Settings on a corpus of the test's own, a LiveIndex over it (the first generation, copied from
    `built_live` of tests/conftest.py: the same files the first build writes) and the gate of its model."""
    shutil.copytree(built_live, tmp_path, dirs_exist_ok=True)
    settings = make_settings(tmp_path, corpus_dir=tmp_path / "corpus", embed_batch_size=4)
    gate = GatedEmbeddings()
    live = LiveIndex(settings, gate)
    assert generations.listed(settings.index_dir) == [live.current.generation]  # opened the copy, built nothing
    yield settings, gate, live
    gate.release()
    live.close()


def has_new_doc(index: KnowledgeIndex) -> bool:
    return any(c.doc == NEW_DOC for c in index.chunks)


def test_the_old_index_answers_while_the_new_one_is_built_then_it_is_swapped_in(live_setup):
    settings, gate, live = live_setup
    old = live.current
    add_document(settings.corpus_dir)
    gate.arm()
    live.sync()  # returns at once: the re-index runs beside the index that answers
    assert gate.entered.wait(120), "the re-index did not start"
    during = answer_question(live.current, OLD_QUESTION)
    assert live.current is old and not has_new_doc(live.current)
    assert during.confident and during.citations[0].clause == "3"
    assert generations.current(settings.index_dir) == old.generation  # nothing half-built is published
    gate.release()
    assert live.join(120)
    new = live.current
    assert new is not old and new.generation == generations.current(settings.index_dir) != old.generation
    assert has_new_doc(new) and not has_new_doc(old)  # the old object was never changed
    assert answer_question(new, NEW_QUESTION).citations[0].doc == NEW_DOC
    assert answer_question(new, OLD_QUESTION).citations[0].clause == "3"


def test_a_stopped_re_index_publishes_nothing_and_leaves_no_generation_behind(live_setup):
    settings, gate, live = live_setup
    old = live.current.generation
    add_document(settings.corpus_dir, items=12)
    gate.arm()
    live.sync()
    assert gate.entered.wait(120)
    live.stop()  # as `assistant ask` does on exit, or the bot on shutdown
    gate.release()
    assert live.join(120)
    assert live.current.generation == old == generations.current(settings.index_dir)
    assert generations.listed(settings.index_dir) == [old]
    again = KnowledgeIndex(settings)  # the next run builds it after all
    again.ingest([settings.corpus_dir], progress=False)
    assert has_new_doc(again) and generations.listed(settings.index_dir) == sorted([old, again.generation])


def test_a_generation_published_by_another_process_is_loaded_beside_the_one_answering(live_setup):
    settings, _gate, live = live_setup
    old = live.current
    add_document(settings.corpus_dir)
    KnowledgeIndex(settings).ingest([settings.corpus_dir], progress=False)  # as `assistant ingest` does
    assert live.current is old  # still answering from the old one while the new one loads
    assert live.join(120)
    assert has_new_doc(live.current) and live.current.generation == generations.current(settings.index_dir)


def ask(settings, *questions: str) -> list[dict]:
    """`assistant ask --json -` as a process of its own: one answer per question."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir)}
    proc = subprocess.run([str(BIN), "ask", "--json", "-"], input="\n".join(questions) + "\n", env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_assistant_ask_answers_while_another_process_re_indexes(live_setup):
    settings, gate, live = live_setup
    add_document(settings.corpus_dir)
    gate.arm()
    live.sync()
    assert gate.entered.wait(120)  # this process holds the build, mid-way
    new, old = ask(settings, NEW_QUESTION, OLD_QUESTION)
    assert all(c["doc"] != NEW_DOC for c in new["citations"])
    assert old["confident"] and old["citations"][0]["clause"] == "3"
    gate.release()
    assert live.join(120)
    [after] = ask(settings, NEW_QUESTION)  # the generation this process published, read by another one
    assert after["citations"][0]["doc"] == NEW_DOC
