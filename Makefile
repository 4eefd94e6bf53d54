# The two commands of the README: `make run` starts the assistant, `make test` installs everything and
# runs the whole test suite. Both set up a fresh machine from this repository's own files.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# pytest-xdist workers for `make test` (auto: one per core; 0: one process)
TEST_WORKERS ?= auto

.PHONY: run chat demo org-import test install bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# the terminal chat's language: make run CHAT_LANG=en (default zh)
CHAT_LANG ?= zh

run: $(STAMP)
	$(VENV)/bin/assistant run --lang $(CHAT_LANG)

# No venv to activate: each target runs .venv/bin/assistant (any other command: .venv/bin/assistant --help)
chat: $(STAMP)
	$(VENV)/bin/assistant chat --lang $(CHAT_LANG)

demo: $(STAMP)
	$(VENV)/bin/assistant demo

org-import: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make org-import FILE=examples/org_example.csv" >&2; exit 2; }
	$(VENV)/bin/assistant org import "$(FILE)"

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

bench: $(STAMP)
	$(PY) bench/qa_eval.py
	$(PY) bench/scale.py

clean:
	rm -rf $(VENV) data *.egg-info
