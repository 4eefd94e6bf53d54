"""The order the workers take the tests in: the longest first, spread over the xdist workers, so that no worker is
left running a long test alone at the end (worksteal hands each worker a contiguous share of the collection and
lets an idle one steal from the end of another's).

How long a test takes: what the last run on this checkout measured (pytest's cache, key DURATIONS, written at the
end of each run by the controller), else the seconds in tests/conftest.py's LONG (measured; a prefix of node ids).
Tests known to be short keep their collection order."""
from __future__ import annotations

import os

DURATIONS = "assistant/durations"
LONG_ENOUGH = 2.0  # seconds: shorter tests are not moved


def expected(items, long: dict[str, float], measured: dict[str, float]) -> dict[str, float]:
    out = {}
    for item in items:
        seconds = measured.get(item.nodeid)
        if seconds is None:
            seconds = max((s for prefix, s in long.items() if item.nodeid.startswith(prefix)), default=0.0)
        if seconds >= LONG_ENOUGH:
            out[item.nodeid] = seconds
    return out


def reorder(items: list, seconds: dict[str, float], workers: int) -> None:
    """`items` in place: each worker's share (as worksteal cuts it) starts with its long tests, longest first, the
    long tests dealt to the share with the least expected time so far; the other tests fill the shares in order."""
    if workers < 1 or not seconds:
        return
    long = sorted((i for i in items if i.nodeid in seconds), key=lambda i: -seconds[i.nodeid])
    short = [i for i in items if i.nodeid not in seconds]
    sizes, left = [], len(items)
    for k in range(workers, 0, -1):  # worksteal's first deal: len(pending) // nodes remaining, node by node
        sizes.append(left // k)
        left -= sizes[-1]
    shares: list[list] = [[] for _ in sizes]
    load = [0.0] * workers
    for item in long:
        open_ = [k for k in range(workers) if len(shares[k]) < sizes[k]]
        k = min(open_, key=lambda k: load[k])
        shares[k].append(item)
        load[k] += seconds[item.nodeid]
    rest = iter(short)
    for k, share in enumerate(shares):
        share.extend(next(rest) for _ in range(sizes[k] - len(share)))
    items[:] = [item for share in shares for item in share]


def workers() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


class Recorder:
    """Adds up setup + call + teardown per test on the controller and stores them in the cache at the end."""

    def __init__(self, config) -> None:
        self.config, self.seconds = config, {}

    def pytest_runtest_logreport(self, report) -> None:
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self, session, exitstatus) -> None:
        cache = getattr(self.config, "cache", None)
        if cache is None or not self.seconds:
            return
        stored = cache.get(DURATIONS, {})
        stored.update({k: round(v, 2) for k, v in self.seconds.items()})
        cache.set(DURATIONS, stored)
