"""Dockerfile, compose.yaml and deploy/assistant.service cannot run here (no Docker daemon, no systemd as PID 1):
these tests read them and check that every command, setting, path and service they name is real."""
from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

import typer
import yaml
from sqlalchemy.engine import make_url

from assistant.cli import app
from assistant.config import PROJECT_ROOT

from .settings_env import FIELDS

BIN = Path(sys.executable).parent / "assistant"
COMMANDS = set(typer.main.get_command(app).commands)
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
NOT_SETTINGS = {"PYTHONUNBUFFERED", "HOME"}  # the process environment, not the assistant's settings


def assistant_command(args: list[str]) -> None:
    """`assistant <command>`: the installed script and one of its commands."""
    assert args[0] in PYPROJECT["project"]["scripts"] and args[1] in COMMANDS, args


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def docker_env() -> dict[str, str]:
    env = {}
    for instruction, args in dockerfile():
        if instruction == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_dockerfile():
    steps = dockerfile()
    base = next(args for instruction, args in steps if instruction == "FROM")
    assert re.fullmatch(r"python:3\.11-slim-\w+", base) and ">=3.11,<3.12" == PYPROJECT["project"]["requires-python"]
    workdir = PurePosixPath(next(args for instruction, args in steps if instruction == "WORKDIR"))
    ignored = set((PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    copied = {}
    for instruction, args in steps:
        if instruction == "COPY":
            *sources, target = args.split()
            for source in sources:
                assert (PROJECT_ROOT / source).exists() and source not in ignored, source
                copied[source] = workdir / target if target != "./" else workdir / source
    assert {"pyproject.toml", "README.md", "assistant", "docs_corpus"} <= set(copied)
    assert any(i == "RUN" and "pip install --no-cache-dir ." in a for i, a in steps)
    assert any(i == "RUN" and "postgresql-client" in a for i, a in steps)  # pg_dump for `assistant db backup`
    assert not {".venv", "data", ".env"} - ignored

    env = docker_env()
    assert set(env) - NOT_SETTINGS <= set(FIELDS), set(env) - NOT_SETTINGS - set(FIELDS)
    # a non-editable install: the corpus is not beside the package, so the image names where it copied it
    assert PurePosixPath(env["ASSISTANT_CORPUS_DIR"]) == copied["docs_corpus"]
    volume = next(args for instruction, args in steps if instruction == "VOLUME")
    assert volume == env["ASSISTANT_DATA_DIR"] and env["HOME"].startswith(volume + "/")
    assert next(args for instruction, args in steps if instruction == "USER") not in ("root", "0")
    assistant_command(json.loads(next(args for instruction, args in steps if instruction == "CMD")))


def test_compose_bot_and_postgres():
    spec = compose()
    assert set(spec["services"]) == {"bot", "db"} and set(spec["volumes"]) == {"data", "pgdata"}
    db, bot = spec["services"]["db"], spec["services"]["bot"]
    assert bot["build"] == "." and (PROJECT_ROOT / "Dockerfile").is_file()
    assistant_command(bot["command"])
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}} and "pg_isready" in db["healthcheck"]["test"][1]
    # the server's major version is the one of the image's pg_dump (Debian 12's postgresql-client: 15)
    assert db["image"] == "postgres:15" and "python:3.11-slim-bookworm" in dict(dockerfile())["FROM"]

    assert f"data:{docker_env()['ASSISTANT_DATA_DIR']}" in bot["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert set(bot["environment"]) <= set(FIELDS) and bot["env_file"] == ".env"
    url = make_url(bot["environment"]["DATABASE_URL"].replace("${POSTGRES_PASSWORD}", "pw"))
    assert url.drivername == "postgresql+psycopg" and url.host == "db" and url.port == 5432
    assert (url.username, url.database) == (db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"])
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(PROJECT_ROOT / "deploy" / "assistant.service", encoding="utf-8")
    return parser


def test_systemd_unit(tmp_path):
    service = unit()["Service"]
    workdir = Path(service["WorkingDirectory"])
    program, *args = shlex.split(service["ExecStart"])
    venv = re.search(r"^VENV\s*:=\s*(\S+)", (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8"), re.M)[1]
    assert Path(program) == workdir / venv / "bin" / "assistant"  # what `make install` creates there
    assistant_command(["assistant", *args])
    env = dict(item.split("=", 1) for item in shlex.split(service["Environment"]))
    assert set(env) - NOT_SETTINGS <= set(FIELDS)
    assert env["ASSISTANT_DATA_DIR"] == f"/var/lib/{service['StateDirectory']}" == env["HOME"]
    assert service["EnvironmentFile"].lstrip("-").startswith("/etc/")

    # systemd's own check, with the paths of this checkout (its venv exists, /opt/assistant does not)
    if shutil.which("systemd-analyze"):
        text = (PROJECT_ROOT / "deploy" / "assistant.service").read_text(encoding="utf-8")
        text = text.replace(str(workdir / venv / "bin" / "assistant"), str(BIN))
        text = text.replace(f"WorkingDirectory={workdir}", f"WorkingDirectory={PROJECT_ROOT}")
        (tmp_path / "assistant.service").write_text(text, encoding="utf-8")
        done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "assistant.service")],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_commands_named_run(tmp_path):
    """`assistant bot` as the container and the unit start it: without a token it says so and exits 2."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([str(BIN), "bot"], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and "TELEGRAM_BOT_TOKEN" in done.stderr and "Traceback" not in done.stderr
