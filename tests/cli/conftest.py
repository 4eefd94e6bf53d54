"""`assistant` as a real subprocess on the test's own database (SQLite or PostgreSQL) with the example tree:
the `assistant` fixture runs one command and returns the finished process (never a traceback)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "assistant"


@pytest.fixture
def assistant_env(tree, db_url, tmp_path) -> dict[str, str]:
    return {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": db_url}


@pytest.fixture
def assistant(assistant_env):
    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(BIN), *map(str, args)], env={**assistant_env, **(env or {})}, capture_output=True,
                              text=True, timeout=120)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    return run


@pytest.fixture
def assistant_in_process(assistant_env):
    """The same as `assistant`, run by typer's CliRunner in the test's process (see tests.cli.in_process)."""
    from . import in_process

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
        proc = in_process(args, {**assistant_env, **(env or {})}, stdin)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    return run
