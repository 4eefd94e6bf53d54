"""The README's "Using it" as a newcomer copies it: every command line of its code blocks runs as written (no
bare `assistant` before the section says it stands for `.venv/bin/assistant`), and each names a real command."""
from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"
SHORTHAND = "In the examples below, `assistant` stands for `.venv/bin/assistant`."


def _using_it() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Using it"):text.index("## Configuration")]


def _command_lines(text: str) -> list[str]:
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.S)
    return [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines() if line.strip()
            and not line.lstrip().startswith("#")]


def test_the_first_commands_run_without_an_activated_venv():
    section = _using_it()
    assert SHORTHAND in section
    before = _command_lines(section[:section.index(SHORTHAND)])
    assert before and all(line.startswith(("make ", ".venv/bin/assistant ")) for line in before), before


def test_every_command_named_exists():
    makefile = (README.parent / "Makefile").read_text(encoding="utf-8")
    runner = CliRunner()
    for line in _command_lines(_using_it()):
        words = line.split()
        if words[0] == "make":
            assert re.search(rf"^{re.escape(words[1])}:", makefile, flags=re.M), line
            continue
        assert words[0] in {"assistant", ".venv/bin/assistant"}, line
        path = [w for w in words[1:3] if re.fullmatch(r"[a-z]+", w)]
        result = runner.invoke(app, [*path, "--help"])
        if result.exit_code != 0 and len(path) == 2:  # `assistant ask "问题"`: the second word is an argument
            path = path[:1]
            result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (line, result.output)
