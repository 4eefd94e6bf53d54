"""A directory built once per test run and shared by the xdist workers: the first worker to ask builds it under a
file lock, the others wait for it and reuse it (without xdist: once per session). Tests copy it, never write in it.

Used for the knowledge indexes every worker needs (each build is seconds of e5 embedding and Chroma writes)."""
from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """`<run's temp dir>/shared-<name>`, filled by `build(path)` the first time any worker of this run asks."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # pytest-N/popen-gwK -> pytest-N: the run's, not the worker's
    target, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(target, ignore_errors=True)  # a build that failed half-way
                target.mkdir()
                build(target)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def copy_of(source: Path, into: Path) -> Path:
    """`into` holding a copy of `source` (created, or merged into an existing folder)."""
    shutil.copytree(source, into, dirs_exist_ok=True)
    return into
