"""The one message catalogue: every user-visible string, zh-CN by default, English for `en`.

The catalogue is kept in one file per area (`core`, `org_needs`, `party`, …) and merged here; a key
defined twice is an error at import, so the parts behave as one dictionary.
"""
from __future__ import annotations

from importlib import import_module

DEFAULT_LANG = "zh"
LANGS: tuple[str, ...] = (DEFAULT_LANG, "en")
PARTS = ("core", "answers", "org_needs", "party", "evaluations", "llm", "digest", "ops", "people", "chat")


def _merge(parts: tuple[str, ...]) -> dict[str, dict[str, str]]:
    catalogue: dict[str, dict[str, str]] = {}
    for part in parts:
        messages = import_module(f"{__name__}.{part}").MESSAGES
        clash = catalogue.keys() & messages.keys()
        if clash:
            raise RuntimeError(f"message keys defined twice ({part}): {sorted(clash)}")
        catalogue.update(messages)
    return catalogue


CATALOGUE: dict[str, dict[str, str]] = _merge(PARTS)


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The message `key` in `lang` (zh or en; anything else falls back to zh), formatted."""
    entry = CATALOGUE[key]
    lang = "en" if (lang or "").lower().startswith("en") else DEFAULT_LANG
    return entry.get(lang, entry[DEFAULT_LANG]).format(**values)


def zone_name(zone, lang: str | None = None) -> str:
    """How a time zone is named beside the times shown in it: the catalogue's `zone.<key>` (北京时间) or its key."""
    key = f"zone.{zone.key}"
    return t(key, lang) if key in CATALOGUE else zone.key
