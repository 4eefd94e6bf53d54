"""The `assistant` command as users and the rest of the team run it (real subprocesses; the readable answer and
the bad input, which check only what `ask` prints and exits with, in-process through typer's CliRunner)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import built_corpus
from ..helpers.shared import copy_of
from . import in_process

KEYS = {"question", "answer", "confident", "elapsed_ms", "citations"}
CITATION_KEYS = {"doc", "clause", "path", "text", "score"}
BIN = Path(sys.executable).parent / "assistant"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The module's data dir, its index built: a copy of the run's `built_corpus` (tests/conftest.py)."""
    data = copy_of(built_corpus(tmp_path_factory) / "data", tmp_path_factory.mktemp("cli") / "data")
    return {**os.environ, "ASSISTANT_DATA_DIR": str(data)}


def run(env, *args, stdin=None):
    proc = subprocess.run([str(BIN), *args], input=stdin, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def run_in_process(env, *args, stdin=None):
    """The same command in this process (tests.cli.in_process); a traceback fails the test as in `run`."""
    proc = in_process(args, env, stdin)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def check_contract(obj):
    assert KEYS <= obj.keys()
    assert isinstance(obj["confident"], bool) and isinstance(obj["elapsed_ms"], float)
    for citation in obj["citations"]:
        assert set(citation) == CITATION_KEYS


def test_ask_json_builds_index_on_first_use(tmp_path):
    empty = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}  # no index yet
    proc = run(empty, "ask", "--json", "小区党支部设几名委员？")
    assert proc.returncode == 0
    obj = json.loads(proc.stdout)
    check_contract(obj)
    assert obj["confident"] and obj["citations"][0]["clause"] == "3"
    assert obj["citations"][0]["path"].endswith("3. 建立小区（网格）党支部")


def test_ask_json_stdin_one_object_per_line(env):
    lines = ["小区党支部设几名委员？", "物业费每平方米多少钱", "", "How many members can a community 'big party committee' have at most?"]
    proc = run(env, "ask", "--json", "-", stdin="\n".join(lines) + "\n")
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(out) == len(lines)
    for obj in out:
        check_contract(obj)
    assert [o["confident"] for o in out] == [True, False, False, True]
    assert out[2]["error"] == "ask.empty"
    assert out[3]["citations"][0]["clause"] == "2"
    assert proc.returncode == 1  # every line answered, and the blank one makes the exit code say so
    assert run_in_process(env, "ask", "--json", "-", stdin="小区党支部设几名委员？\n").returncode == 0


def test_ask_readable_and_bad_input(env):
    proc = run_in_process(env, "ask", "在职党员什么时候报到？")
    assert "6月底" in proc.stdout and "出处：组通〔2020〕15号" in proc.stdout
    proc = run_in_process(env, "ask", "问" * 10_000)
    assert proc.returncode == 0 and "问题太长" in proc.stdout
    for empty in ("", "  \t "):
        proc = run_in_process(env, "ask", empty)
        assert proc.returncode == 1 and "请输入一个问题" in proc.stdout
    proc = run_in_process(env, "ask", "--json", "")
    assert proc.returncode == 1 and json.loads(proc.stdout)["error"] == "ask.empty"


def test_ingest_command_reports_skips(env, tmp_path):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF garbage")
    (tmp_path / "ok.md").write_text("一、停车\n\n1. 规范停车。党员要带头规范停车。\n", encoding="utf-8")
    proc = run(env, "ingest", str(tmp_path))
    assert proc.returncode == 1  # a skipped file is a failure a script can see
    assert "bad.pdf" in proc.stderr
    assert "新增 1" in proc.stdout and "跳过 1" in proc.stdout
    (tmp_path / "bad.pdf").unlink()
    proc = run_in_process(env, "ingest", str(tmp_path))  # the same command again: in-process
    assert proc.returncode == 0 and "跳过 0" in proc.stdout


def test_version(env):
    from importlib.metadata import version

    proc = run(env, "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"社区治理助手 assistant {version('assistant')}"


def test_ingest_names_the_limit_a_file_is_over(env, tmp_path):
    (tmp_path / "big.txt").write_text("一、总则\n\n" + "".join(f"{n}. 第{n}项要求。\n\n" for n in range(1, 9)),
                                      encoding="utf-8")
    proc = run({**env, "ASSISTANT_MAX_DOCUMENT_BYTES": "100"}, "ingest", str(tmp_path))
    assert proc.returncode == 1, proc.stderr  # not everything was indexed
    assert "已跳过 big.txt：" in proc.stderr and "超过上限 ASSISTANT_MAX_DOCUMENT_BYTES=100" in proc.stderr
    assert "新增 0" in proc.stdout and "跳过 1" in proc.stdout


def test_ingest_waits_for_another_process_re_indexing_and_says_so(env, tmp_path):
    import threading

    from assistant.knowledge.generations import build_lock

    # content of its own: the module's index is shared, and a document seen before is a duplicate, not new
    (tmp_path / "ok.md").write_text("一、巡查\n\n1. 定期巡查。楼栋长每周巡查一次。\n", encoding="utf-8")
    said, err = threading.Event(), []

    def read(stream) -> None:
        for line in stream:
            err.append(line)
            if "另一个进程正在重建索引" in line:
                said.set()

    with build_lock(Path(env["ASSISTANT_DATA_DIR"]) / "index"):  # as a bot's re-index would hold it
        proc = subprocess.Popen([str(BIN), "ingest", str(tmp_path)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        reader = threading.Thread(target=read, args=(proc.stderr,))
        reader.start()
        assert said.wait(120), "".join(err)
        assert proc.poll() is None  # it cannot finish while the lock is held
    out = proc.stdout.read()
    assert proc.wait(120) == 0 and "Traceback" not in "".join(err), err
    reader.join()
    assert "新增 1" in out


def test_ingest_on_a_terminal_draws_rich_bars_with_the_warnings_above(env, tmp_path):
    """On a terminal (TTY_COMPATIBLE: rich draws as on one) each stage has a bar; the warnings logged meanwhile
    and the skips are printed on stderr too, and a skipped file still makes the exit code 1."""
    (tmp_path / "bad.pdf").write_bytes(b"%PDF garbage")
    (tmp_path / "lights.md").write_text("一、照明\n\n1. 楼道照明。楼栋长每月巡查一次楼道灯。\n", encoding="utf-8")
    proc = run({**env, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "100"}, "ingest", str(tmp_path))
    assert proc.returncode == 1
    assert "读取文件" in proc.stderr and "分词" in proc.stderr  # the bars of the stages that had work
    assert "skipped bad.pdf" in proc.stderr and "已跳过 bad.pdf" in proc.stderr  # as it happened, and in the summary
    assert "\x1b[" in proc.stderr  # drawn with the terminal's escape codes
    assert "新增 1" in proc.stdout and "跳过 1" in proc.stdout
