"""Index generations on disk. A build writes a new generation — its state file here and vector collections of its
own — and publishes it when complete by replacing one pointer file, so a reader opens the old index or the new
one, never a mix. One process builds at a time (a file lock); the next build removes every generation but the
one it publishes and the one that was current before it.

    <index dir>/CURRENT              the published generation's name
    <index dir>/<generation>/chunks.json
    <index dir>/<generation>/vectors.npz    its vectors (row ids beside them), read by answering instead of Chroma
    <index dir>/build.lock
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)
POINTER = "CURRENT"
STATE_FILE = "chunks.json"
VECTORS_FILE = "vectors.npz"
LOCK_FILE = "build.lock"
PREFIX = "g"


def current(index_dir: Path) -> str | None:
    """The published generation, or None before the first build."""
    try:
        return (index_dir / POINTER).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def new_name() -> str:
    """A fresh generation name (names sort by creation time)."""
    return f"{PREFIX}{time.time_ns():x}"


def state_path(index_dir: Path, generation: str) -> Path:
    return index_dir / generation / STATE_FILE


def read_state(index_dir: Path, generation: str) -> dict | None:
    path = state_path(index_dir, generation)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (a reader sees the old content or the new, durable once replaced)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def write_state(index_dir: Path, generation: str, state: dict) -> None:
    path = state_path(index_dir, generation)
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace(path, json.dumps(state, ensure_ascii=False))


def write_vectors(index_dir: Path, generation: str, vectors: dict) -> None:
    """Store a generation's vectors beside its state, atomically: `vectors` maps a kind to (row ids, matrix)."""
    import numpy as np

    path = index_dir / generation / VECTORS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for kind, (ids, matrix) in vectors.items():
        arrays[f"{kind}_ids"] = np.asarray(ids, dtype=str)
        arrays[kind] = np.asarray(matrix, dtype=np.float32)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def read_vectors(index_dir: Path, generation: str, ids: dict[str, list[str]]) -> dict | None:
    """A generation's vectors by kind, or None when the file is missing, unreadable or its rows are not `ids`
    (kind → row ids, in order)."""
    import numpy as np

    try:
        with np.load(index_dir / generation / VECTORS_FILE, allow_pickle=False) as stored:
            if any(stored[f"{kind}_ids"].tolist() != list(rows) for kind, rows in ids.items()):
                log.warning("vectors of generation %s do not match its rows", generation)
                return None
            return {kind: stored[kind] for kind in ids}
    except (OSError, KeyError, ValueError):
        return None


def publish(index_dir: Path, generation: str) -> None:
    """Make `generation` the one every process opens from now on."""
    _replace(index_dir / POINTER, generation + "\n")


def listed(index_dir: Path) -> list[str]:
    """Every generation with a folder here, published or not (a build that died leaves one)."""
    if not index_dir.exists():
        return []
    return sorted(p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(PREFIX))


def remove_folder(index_dir: Path, generation: str) -> None:
    shutil.rmtree(index_dir / generation, ignore_errors=True)


@contextmanager
def build_lock(index_dir: Path, wait: bool = True, on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold the build lock (True); with `wait=False`, False at once when another process or thread holds it,
    else `on_wait()` is called and the lock waited for."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            log.info("another process is re-indexing; waiting for it to finish")
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
