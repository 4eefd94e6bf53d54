"""Terminal chat: the same Application and handlers, with the Bot API answered locally.

Bot API calls never leave the process: `TerminalRequest` prints what the bot sends (inline buttons as
numbered choices) and returns the objects Telegram would. Lines typed become Updates from the local
operator; typing a number presses the matching button of the last message.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import sys
import time
from typing import TextIO

from telegram import Update
from telegram.request import BaseRequest, RequestData

OPERATOR_ID = 1
BOT_USER = {"id": 1000, "is_bot": True, "first_name": "社区治理助手", "username": "assistant_terminal_bot"}
TAGS_RE = re.compile(r"</?(?:b|i|u|s|code|pre|blockquote|a)[^>]*>")


def _plain(text: str, parse_mode: str | None) -> str:
    if parse_mode != "HTML":
        return text
    from html import unescape

    return unescape(TAGS_RE.sub("", text))


class TerminalRequest(BaseRequest):
    """A Bot API 'server' in the process: prints messages and remembers the last buttons."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.ids = itertools.count(1)
        self.buttons: list[tuple[str, str, int]] = []  # (label, callback data, message id)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _message(self, params: dict) -> dict:
        return {"message_id": next(self.ids), "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": int(params.get("chat_id", OPERATOR_ID)), "type": "private"},
                "text": params.get("text", "")}

    def _show(self, params: dict) -> dict:
        message = self._message(params)
        text = params.get("text") or params.get("caption") or ""
        for key in ("photo", "document"):
            if key in params:
                text = f"[{key}] {text}".strip()
        print(_plain(text, params.get("parse_mode")), file=self.out)
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard") or []
        if rows:
            self.buttons = [(b["text"], b.get("callback_data", ""), message["message_id"]) for row in rows for b in row]
            for n, (label, _, _) in enumerate(self.buttons, 1):
                print(f"  [{n}] {label}", file=self.out)
        print(file=self.out)
        self.out.flush()
        return message

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if endpoint == "getMe":
            result: object = BOT_USER
        elif endpoint in {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}:
            result = self._show(params)
        elif endpoint == "getUpdates":
            result = []
        else:  # setMyCommands, answerCallbackQuery, sendChatAction, deleteWebhook …
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


class TerminalChat:
    """Turns typed lines into Updates from the local operator and feeds them to the Application."""

    def __init__(self, application, request: TerminalRequest, language_code: str = "zh") -> None:
        self.app = application
        self.request = request
        self.user = {"id": OPERATOR_ID, "is_bot": False, "first_name": "operator", "language_code": language_code}
        self.chat = {"id": OPERATOR_ID, "type": "private"}
        self.update_ids = itertools.count(int(time.time() * 1000))

    def _update(self, line: str) -> Update:
        update_id = next(self.update_ids)
        if line.isdigit() and 1 <= int(line) <= len(self.request.buttons):
            _, data, message_id = self.request.buttons[int(line) - 1]
            message = {"message_id": message_id, "date": int(time.time()), "chat": self.chat, "from": BOT_USER, "text": ""}
            payload = {"update_id": update_id, "callback_query": {
                "id": str(update_id), "from": self.user, "chat_instance": "terminal", "data": data, "message": message}}
        else:
            message = {"message_id": next(self.request.ids), "date": int(time.time()), "chat": self.chat,
                       "from": self.user, "text": line}
            if line.startswith("/"):
                command = line.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            payload = {"update_id": update_id, "message": message}
        return Update.de_json(payload, self.app.bot)

    async def send(self, line: str) -> None:
        """Process one typed line to completion."""
        await self.app.process_update(self._update(line))

    async def run(self, lines: TextIO = sys.stdin, prompt: str = "> ") -> None:
        """Read lines until end of input or /quit."""
        async with self.app:
            await self.app.start()
            try:
                while True:
                    line = await asyncio.to_thread(_read_line, lines, prompt)
                    if line is None or line.strip() in {"/quit", "/exit"}:
                        break
                    if line.strip():
                        await self.send(line.strip())
            finally:
                await self.app.stop()


def _read_line(stream: TextIO, prompt: str) -> str | None:
    if stream is sys.stdin and sys.stdin.isatty():
        try:
            return input(prompt)
        except EOFError:
            return None
    line = stream.readline()
    return line if line else None
