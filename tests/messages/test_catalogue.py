"""Every message key the needs services raise, and every status, event and answer they store, has zh and en."""
from __future__ import annotations

import re
from pathlib import Path

from assistant.messages import CATALOGUE
from assistant.needs.handling import TRANSITIONS
from assistant.storage.models import NEED_EVENT_KINDS, NEED_STATUSES, SATISFACTION, URGENCIES

NEEDS = Path(__file__).resolve().parents[2] / "assistant" / "needs"
FILES = [*NEEDS.glob("*.py")]


def test_keys_used_in_code_exist():
    pattern = re.compile(r'"((?:need|resource|escalation)\.[a-z_.]+)"')
    used = {key for path in FILES for key in pattern.findall(path.read_text())}
    assert used and used <= set(CATALOGUE), used - set(CATALOGUE)


def test_labels_for_stored_values():
    keys = [f"need.status.{s}" for s in NEED_STATUSES] + [f"need.event.{k}" for k in NEED_EVENT_KINDS]
    keys += [f"need.urgency.{u}" for u in URGENCIES] + [f"need.satisfaction.{s}" for s in SATISFACTION]
    keys += [f"need.action.{a}" for a in (*TRANSITIONS, "join")]
    for key in keys:
        assert CATALOGUE[key]["zh"] and CATALOGUE[key]["en"], key
