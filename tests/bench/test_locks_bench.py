"""bench/locks.py with small numbers on both databases: a real `assistant needs list --json` process reads
every need while the bot registers users one update after the other — nothing lost, nothing locked."""
from __future__ import annotations

from . import load_bench


def test_a_long_cli_read_while_the_bot_writes(db_url, tree, tmp_path):
    lines: list[str] = []
    result = load_bench("locks").run_backend("smoke", db_url, tmp_path / "data", 500, 400, say=lines.append)
    text = "\n".join(lines)
    assert result.cli_ok and result.updates > 0, text
    assert (result.lost, result.locked) == (0, 0), text
    assert lines[-1] == result.line() and lines[-1].startswith("RESULT backend=smoke needs=500 updates=")
