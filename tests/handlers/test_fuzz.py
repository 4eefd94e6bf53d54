"""Fuzzing (issue 14): a fixed seed, a few thousand random updates sent mid-conversation in every conversation
through the offline bot, by every role inside the example district and by a stranger (tests/helpers/fuzz.py).
Fails on any unhandled exception, any text over 4,096 UTF-16 units or caption over 1,024, any invalid HTML and
any keyboard over 100 buttons. Fewer updates on PostgreSQL (the same code paths, slower commits)."""
from __future__ import annotations

from ..helpers import scope
from ..helpers.fuzz import Fuzzer
from ..helpers.offline import OfflineBot

UPDATES = {"sqlite": 2000, "postgresql": 400}


def test_junk_never_breaks_the_bot(bot_settings, tree):
    inside, outside, _ = scope.build(tree)
    backend = "postgresql" if bot_settings.database_url.startswith("postgresql") else "sqlite"
    with OfflineBot(bot_settings, rate_limit=False) as bot:
        fuzzer = Fuzzer(bot, sorted(inside.all_chats), seed=14)
        counts = fuzzer.run(UPDATES[backend])
    assert counts["updates"] == UPDATES[backend]
    bad = {kind: fuzzer.problems.get(kind) for kind in ("unhandled", "too_long", "bad_html", "too_many_buttons")
           if counts[kind]}
    assert not bad, f"{dict(counts)}: {bad}"
