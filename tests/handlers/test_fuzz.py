"""Fuzzing (issue 14): a fixed seed, a few thousand random updates sent mid-conversation in every conversation
through the offline bot, by every role inside the example district and by a stranger (tests/helpers/fuzz.py).
Fails on any unhandled exception, any text over 4,096 UTF-16 units or caption over 1,024, any invalid HTML and
any keyboard over 100 buttons. Fewer updates on PostgreSQL (the same code paths, slower commits).

The counts are enough for every conversation to be started and fuzzed a few times over (each round starts every
command once and sends 6 junk updates into it), so every check above sees every conversation; the long runs are
bench/fuzz.py (10,000 per database) and bench/faults.py --section fuzz. ASSISTANT_TEST_FUZZ_UPDATES=N runs N
updates per database here instead (e.g. the former 2000)."""
from __future__ import annotations

import os

from ..helpers import scope
from ..helpers.fuzz import Fuzzer
from ..helpers.offline import OfflineBot

ROUNDS = {"sqlite": 3, "postgresql": 2}  # rounds over every command (see above)
EVERY = os.environ.get("ASSISTANT_TEST_FUZZ_UPDATES")


def test_junk_never_breaks_the_bot(bot_settings, tree):
    inside, outside, _ = scope.build(tree)
    backend = "postgresql" if bot_settings.database_url.startswith("postgresql") else "sqlite"
    with OfflineBot(bot_settings, rate_limit=False) as bot:
        fuzzer = Fuzzer(bot, sorted(inside.all_chats), seed=14)
        updates = int(EVERY) if EVERY else ROUNDS[backend] * len(fuzzer.commands) * 7
        counts = fuzzer.run(updates)
    assert counts["updates"] == updates and len(fuzzer.commands) > 10
    bad = {kind: fuzzer.problems.get(kind) for kind in ("unhandled", "too_long", "bad_html", "too_many_buttons")
           if counts[kind]}
    assert not bad, f"{dict(counts)}: {bad}"
