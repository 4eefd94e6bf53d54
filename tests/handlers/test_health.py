"""/healthz of webhook mode in-process: 503 naming what is missing, nothing served outside webhook mode, the port
closed at shutdown. The 200 of a running bot is checked on `assistant run` in test_run_bot.py."""
from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request

import pytest

from assistant.config import Settings
from assistant.handlers import health
from assistant.handlers.app import build_application
from assistant.runtime import Runtime
from assistant.storage.db import Database

from ..helpers.offline import OfflineRequest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def serve_and_get(rt: Runtime) -> tuple[int, dict] | None:
    """Start the health server as post_init does, GET /healthz (None: nothing listens), stop it; then the port
    must be closed."""
    url = f"http://127.0.0.1:{rt.settings.health_port}/healthz"
    application = build_application(rt, request=OfflineRequest())

    async def scenario():
        await health.start(application)
        try:
            return await asyncio.to_thread(get, url)
        except urllib.error.URLError:
            return None
        finally:
            await health.stop(application)

    result = asyncio.run(scenario())
    with pytest.raises(urllib.error.URLError):
        get(url)
    return result


def webhook_settings(tmp_path, db_url: str, **overrides) -> Settings:
    values = {"webhook_url": "https://bot.example.org/hook", "health_port": free_port(), **overrides}
    return Settings(data_dir=tmp_path / "data", DATABASE_URL=db_url, telegram_bot_token="123456:TEST", **values)


def test_healthz_says_the_index_is_not_loaded_yet(db, db_url, tmp_path):
    rt = Runtime(webhook_settings(tmp_path, db_url), db=db)
    assert serve_and_get(rt) == (503, {"status": "unavailable", "database": True, "index": False})
    assert not rt.index_loaded


def test_healthz_says_the_database_is_unreachable(tmp_path):
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
    rt = Runtime(webhook_settings(tmp_path, unreachable), db=Database.from_url(unreachable))
    try:
        assert serve_and_get(rt) == (503, {"status": "unavailable", "database": False, "index": False})
    finally:
        rt.db.dispose()


def test_no_health_server_outside_webhook_mode_or_with_port_0(db, db_url, tmp_path):
    polling = Settings(data_dir=tmp_path / "data", DATABASE_URL=db_url, telegram_bot_token="123456:TEST",
                       health_port=free_port())
    assert serve_and_get(Runtime(polling, db=db)) is None
    off = webhook_settings(tmp_path, db_url, health_port=0)
    assert off.health_port == 0 and serve_and_get(Runtime(off, db=db)) is None
