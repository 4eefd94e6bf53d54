"""Values derived from shipped data (a thesaurus, word sounds, jieba's dictionary), built once and kept as pickles
under ~/.cache/assistant, named by what they were built from."""
from __future__ import annotations

from pathlib import Path

CACHE_DIR = Path.home() / ".cache" / "assistant"


def cached_pickle(name: str, build):
    """build() once per name, kept as a pickle under ~/.cache/assistant (rebuilt when unreadable)."""
    import pickle
    import tempfile

    file = CACHE_DIR / f"{name}.pickle"
    try:
        return pickle.loads(file.read_bytes())
    except Exception:  # missing, partial or from another Python: build it again
        value = build()
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=CACHE_DIR, delete=False) as tmp:
            tmp.write(pickle.dumps(value))
        Path(tmp.name).replace(file)
    except OSError:  # a read-only home: no cache, same answers
        pass
    return value
