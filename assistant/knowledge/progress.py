"""How far an ingest is, told to whoever shows it (the CLI draws a rich bar); the knowledge package draws nothing.

A meter is `meter(stage, total) -> advance`: called as a stage starts ("reading" files, "tokenising" chunks,
"embedding" texts) with how many items it has; `advance(n)` is then called as n more are done.
"""
from __future__ import annotations

from collections.abc import Callable

Advance = Callable[[int], None]
Meter = Callable[[str, int], Advance]


def silent(stage: str, total: int) -> Advance:
    """The meter when nobody watches."""
    return lambda n: None


def meter_of(progress) -> Meter:
    """A meter passed as `progress`, or `silent` (progress=True/False: nothing is drawn by the package itself)."""
    return progress if callable(progress) else silent
