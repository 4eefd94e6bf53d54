"""An offline bot: the real Application and handlers, Bot API calls answered in-process.

Any Bot API method the harness does not know fails the test, so nothing can reach the network.
"""
from __future__ import annotations

import asyncio
import io
import json
import itertools
import time

from openpyxl import load_workbook

from telegram import Update
from telegram.ext import AIORateLimiter, Application

from assistant.handlers.app import build_application
from assistant.handlers.terminal import BOT_USER, TerminalRequest
from assistant.runtime import Runtime

KNOWN = {"getMe", "sendMessage", "editMessageText", "answerCallbackQuery", "setMyCommands", "sendChatAction",
         "sendPhoto", "sendDocument", "editMessageReplyMarkup", "deleteWebhook", "getUpdates"}
SHOWN = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}
_update_ids = itertools.count(1)


class OfflineRequest(TerminalRequest):
    """Records what the bot sends; fails on any method it does not know."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.sent: list[dict] = []
        self.calls: list[dict] = []  # every Bot API call with its parameters (setMyCommands too)
        self.keyboards: dict[tuple[int, int], list[str]] = {}  # (chat, message id) -> its buttons' data, last changed last

    async def do_request(self, url, method, request_data=None, **kwargs):
        endpoint = url.rsplit("/", 1)[-1]
        assert endpoint in KNOWN, f"unexpected Bot API call: {endpoint}"
        status, body = await super().do_request(url, method, request_data, **kwargs)
        self.calls.append({"method": endpoint, **(request_data.parameters if request_data else {})})
        if endpoint in SHOWN | {"editMessageReplyMarkup"}:
            self._keep_keyboard(endpoint, request_data.parameters if request_data else {}, json.loads(body).get("result"))
        if endpoint in SHOWN:
            result = json.loads(body).get("result")
            sent_id = {"message_id": result["message_id"]} if isinstance(result, dict) and "message_id" in result else {}
            files = {"files": request_data.multipart_data} if request_data and request_data.contains_files else {}
            self.sent.append({"method": endpoint, **(request_data.parameters if request_data else {}), **sent_id,
                              **files})  # files: {field: (file name, bytes, mime type)}
        return status, body


    def _keep_keyboard(self, endpoint: str, params: dict, result) -> None:
        message_id = params.get("message_id")
        if message_id is None and isinstance(result, dict):
            message_id = result.get("message_id")
        if message_id is None or "chat_id" not in params:
            return
        key = (int(params["chat_id"]), int(message_id))
        markup = params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        self.keyboards.pop(key, None)
        self.keyboards[key] = [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]

    def message_with(self, chat_id: int, data: str) -> int | None:
        """The id of the message last shown to the chat with a button whose callback data is `data`."""
        return next((mid for (chat, mid), buttons in reversed(self.keyboards.items())
                     if chat == chat_id and data in buttons), None)


def user(user_id: int, lang: str = "zh") -> dict:
    return {"id": user_id, "is_bot": False, "first_name": f"user{user_id}", "language_code": lang}


def message_update(user_id: int, text: str, lang: str = "zh", update_id: int | None = None) -> dict:
    message = {"message_id": next(_update_ids), "date": int(time.time()), "chat": {"id": user_id, "type": "private"},
               "from": user(user_id, lang), "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id or next(_update_ids), "message": message}


def callback_update(user_id: int, data: str, lang: str = "zh", message_id: int = 1) -> dict:
    """A button press on the bot's message `message_id`."""
    message = {"message_id": message_id, "date": int(time.time()), "chat": {"id": user_id, "type": "private"}, "from": BOT_USER}
    uid = next(_update_ids)
    return {"update_id": uid, "callback_query": {"id": str(uid), "from": user(user_id, lang), "chat_instance": "x",
                                                 "data": data, "message": message}}


class OfflineBot:
    """`with OfflineBot(settings) as bot: bot.send(7, "/start")` → the texts the bot sent back.

    `rate_limit=False` lifts Telegram's 30 messages/s (the same code path, no waiting) for tests that send
    thousands of updates."""

    def __init__(self, settings, channel: str = "telegram", rate_limit: bool = True) -> None:
        self.runtime = Runtime(settings, channel=channel)
        self.request = OfflineRequest()
        self.app = build_application(self.runtime, request=self.request)
        if not rate_limit:
            self.app.bot._rate_limiter = AIORateLimiter(overall_max_rate=0, overall_time_period=0, group_max_rate=0,
                                                        group_time_period=0, max_retries=0)
        self.loop = asyncio.new_event_loop()

    def __enter__(self) -> OfflineBot:
        self.loop.run_until_complete(self.app.initialize())
        self.loop.run_until_complete(self.app.start())
        return self

    def __exit__(self, *exc) -> None:
        self.loop.run_until_complete(self.app.stop())  # flushes persistence, as a clean restart does
        self.loop.run_until_complete(self.app.shutdown())
        self.loop.close()
        self.runtime.db.dispose()

    def process(self, payload: dict) -> list[dict]:
        before = len(self.request.sent)
        self.loop.run_until_complete(self.app.process_update(Update.de_json(payload, self.app.bot)))
        return self.request.sent[before:]

    def process_unsaved(self, payload: dict) -> list[dict]:
        """Handle an update as a process killed right after its handler returned does: the handler's own
        writes and replies happen, its step (conversation state, user data, the handled mark) is never saved.
        Call `crash` next."""
        before = len(self.request.sent)
        update = Update.de_json(payload, self.app.bot)
        self.loop.run_until_complete(Application.process_update(self.app, update))  # not the durable step
        return self.request.sent[before:]

    def crash(self) -> None:
        """End as a kill -9 does: nothing more runs or is written (no stop, no flush of the persistence)."""
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:  # the persistence's interval loop, the update fetcher: cancelled, not stopped
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()
        self.runtime.db.dispose()

    def send(self, user_id: int, text: str, lang: str = "zh") -> list[str]:
        return [m.get("text", "") for m in self.process(message_update(user_id, text, lang))]

    def press(self, user_id: int, data: str, lang: str = "zh", message_id: int | None = None) -> list[dict]:
        """Press the button `data` on the message last shown with it, as a user does (`message_id`: on that
        message; a button shown nowhere — stale, forged — is pressed on message 1)."""
        if message_id is None:
            message_id = self.request.message_with(user_id, data) or 1
        return self.process(callback_update(user_id, data, lang, message_id))

    def menu(self, chat_id: int | None = None) -> list[str] | None:
        """The commands last set for this chat (`BotCommandScopeChat`), or for every chat when chat_id is None."""
        for call in reversed(self.request.calls):
            scope = call.get("scope") or {"type": "default"}
            if call["method"] == "setMyCommands" and (
                    scope == {"type": "chat", "chat_id": chat_id} if chat_id is not None else scope["type"] == "default"):
                return [c["command"] for c in call["commands"]]
        return None

    def buttons(self, message: dict) -> list[tuple[str, str]]:
        markup = message.get("reply_markup") or {}
        return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


def texts_of(message: dict) -> list[str]:
    """Every piece of text a sent message puts before its recipient: text, caption, buttons (label and data),
    and the cells of an XLSX file it carries."""
    texts = [message.get("text") or "", message.get("caption") or ""]
    markup = message.get("reply_markup") or {}
    texts += [b.get("text", "") + " " + b.get("callback_data", "")
              for row in markup.get("inline_keyboard", []) for b in row]
    for name, content, _ in (message.get("files") or {}).values():
        if str(name).endswith(".xlsx"):
            book = load_workbook(io.BytesIO(content))
            texts += [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c]
    return texts
