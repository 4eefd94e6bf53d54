"""`.env.example` lists every setting once, commented out, with its default and a comment line above it."""
from __future__ import annotations

import re
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings

from .settings_env import FIELDS

EXAMPLE = PROJECT_ROOT / ".env.example"
ENTRY = re.compile(r"^# ([A-Z][A-Z0-9_]*)=(.*)$")
COMPOSE_ONLY = "## compose.yaml only"


def entries() -> tuple[list[tuple[str, str, str]], list[str]]:
    """([(variable, value, the comment above)] of the settings, [variables of the compose-only section])."""
    settings, compose, previous, section = [], [], "", ""
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line
        if match := ENTRY.match(line):
            if section.startswith(COMPOSE_ONLY):
                compose.append(match[1])
            else:
                settings.append((match[1], match[2], previous))
        previous = line
    return settings, compose


def comparable(value):
    return PROJECT_ROOT / value if isinstance(value, Path) else value


def test_every_setting_once_with_a_comment():
    listed, _ = entries()
    names = [name for name, _, _ in listed]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert set(names) == set(FIELDS), {"missing": sorted(set(FIELDS) - set(names)),
                                       "unknown": sorted(set(names) - set(FIELDS))}
    for name, _, comment in listed:
        assert comment.startswith("# ") and not ENTRY.match(comment) and len(comment) > 8, name
    assert all(line == "" or line.startswith("#") for line in EXAMPLE.read_text(encoding="utf-8").splitlines()), \
        "every line is a comment: a copy of the file changes nothing"


def test_the_values_shown_are_the_defaults(monkeypatch):
    listed, _ = entries()
    for name, value, _ in listed:
        field = FIELDS[name]
        default = Settings.model_fields[field].default
        if default is None:
            assert value == "", f"{name} is unset by default: show `# {name}=`"
            continue
        for other in FIELDS:  # only this variable, not the caller's environment
            monkeypatch.delenv(other, raising=False)
        monkeypatch.setenv(name, value)
        parsed = getattr(Settings(_env_file=None), field)
        assert comparable(parsed) == comparable(default), (name, value, default)


def test_compose_only_variables_are_the_ones_compose_uses():
    _, compose = entries()
    used = set(re.findall(r"\$\{([A-Z_]+)", (PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8")))
    assert set(compose) == used - set(FIELDS) and compose
