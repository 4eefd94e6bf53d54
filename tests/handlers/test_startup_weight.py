"""The bot and the terminal chat start without the libraries only some replies need: matplotlib loads with the
first digest chart, langchain's prompts and parsers with the first call to a configured LLM (together they took
about 1.1 s of every start)."""
from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import assistant.handlers.app, assistant.handlers.terminal, assistant.cli.bot
heavy = ("matplotlib", "langchain_core.prompts", "langchain_core.output_parsers", "langsmith.run_trees")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_the_bot_starts_without_charts_or_llm_libraries():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == []
