"""`assistant run` as a user starts it — a real process — serving the Bot API emulator by polling and by webhook."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..helpers.emulator import telegram_emulator  # noqa: F401  (fixture)

BIN = Path(sys.executable).parent / "assistant"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_assistant_run_answers_through_telegram(mode, telegram_emulator, tmp_path, request):
    emu = telegram_emulator
    # polling: a first start (the index built by the bot); webhook: a start with the index built (tests/conftest.py)
    data = request.getfixturevalue("indexed_data_dir") if mode == "webhook" else tmp_path / "data"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "TELEGRAM_BOT_TOKEN": emu.token,
           "TELEGRAM_API_BASE_URL": emu.base_url, "TELEGRAM_FILE_BASE_URL": emu.base_file_url,
           "ASSISTANT_TELEGRAM_POLL_INTERVAL": "0.1"}
    env.pop("DATABASE_URL", None)
    env.pop("ASSISTANT_DATABASE_URL", None)
    health_port = free_port()
    env["ASSISTANT_HEALTH_PORT"] = str(health_port)
    if mode == "webhook":
        port = free_port()
        env |= {"ASSISTANT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook/{emu.token.split(':')[0]}",
                "ASSISTANT_WEBHOOK_PORT": str(port), "ASSISTANT_WEBHOOK_SECRET": "run-bot-secret"}
    log = tmp_path / "bot.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(BIN), "run"], env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        chat = emu.new_chat_id()
        emu.send_message(chat, "小区党支部设几名委员？")  # waits in the emulator until the bot fetches or is pushed it
        answer = emu.wait_for_reply(chat, "3-5 名", timeout=90)
        assert "组通〔2020〕15号" in answer["text"]
        emu.send_command(chat, "/help")
        emu.wait_for_reply(chat, "/ask")  # /help is by role: an unregistered user is not shown /need
        health = f"http://127.0.0.1:{health_port}/healthz"
        if mode == "webhook":  # the index answered the question, so it is loaded
            with urllib.request.urlopen(health, timeout=10) as response:
                assert response.status == 200 and response.headers["Content-Type"] == "application/json"
                assert json.load(response) == {"status": "ok", "database": True, "index": True}
        else:  # polling: no health server
            with pytest.raises(urllib.error.URLError):
                urllib.request.urlopen(health, timeout=10)
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text, text
