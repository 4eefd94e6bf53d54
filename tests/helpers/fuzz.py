"""Fuzzing the offline bot (issue 14): random updates, from a fixed seed, sent mid-conversation in every
conversation — texts (emoji, huge, HTML-ish), forged callbacks, commands with junk arguments, photos, stickers,
edited messages, channel posts — and every call the bot makes checked against what Telegram accepts.

Counted (`Fuzzer.counts`): updates sent; unhandled = the error handler reached with anything but a DomainError
(its "update … failed" log record); too_long = a text over 4,096 UTF-16 units, a caption over 1,024, an empty
text, or a callback answer over 200 characters; bad_html = text sent in HTML parse mode that is not valid
Telegram HTML (tests/helpers/telegram_html.py); too_many_buttons = a keyboard over 100 buttons or callback
data over 64 bytes. `problems` keeps the first examples of each.
"""
from __future__ import annotations

import json
import logging
import random
import re
import time
from collections import Counter

from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from assistant.textlimits import utf16_len

from .offline import callback_update, message_update
from .telegram_html import html_error

EXAMPLES = 5  # problems kept per kind
JUNK_TEXTS = ["", " ", "返回", "back", "0", "-1", "99999999999999999999999999", "abc", "1.5", "2026-02-30",
              "13812345678", "34180219900307123X", "<b>粗体</i> &amp; <script>alert(1)</script>", "&lt;&", "<a href=x>",
              "👨‍👩‍👧‍👦" * 3, "\u200b\u202e反向", "1栋电梯坏了，住户电话13812345678", "小区党支部设几名委员？", "是", "否",
              "/", "//", "@bot", "\x00\x01", "宣城市教育局", "测试某某"]
HUGE_PIECES = ["字", "😀", "<b>", "&", "a ", "\n", "电梯坏了", "👨‍👩‍👧"]
JUNK_ARGS = ["abc", "999999999999999999999999", "-5", "0", "😀" * 50, "<b>x</b>", "x" * 300, "1 2 3", "nf:join:1"]
EXTRA_PREFIXES = ["nf:join:", "nf:b:", "nf:c:", "nf:k:", "nf:edit:", "nc:accept:", "nc:show:", "nc:progress:",
                  "nc:visit:", "pg:", "pg:abc:", "zz:"]  # inside the handlers' own prefixes
JUNK_DATA = ["abc", "x", "", "999999999999999999999999", "-1", "1:2:3", "😀", "join:x", "b:x", "c:abc", "show:",
             "v:", "v:9", "ok:abc", "reply:", "p:abc", "0", "1", "edit:need.nosuch", "submit", "join:999999999999"]


def _callbacks(handler):
    yield handler
    if isinstance(handler, ConversationHandler):
        for inner in [*handler.entry_points, *handler.fallbacks, *(h for hs in handler.states.values() for h in hs)]:
            yield from _callbacks(inner)


class _ErrorRecords(logging.Handler):
    """The error handler's "update … failed" records (DomainErrors are logged as refusals, at WARNING)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Fuzzer:
    """`Fuzzer(bot, chats, seed).run(n)` → counts (module docstring); `problems` lists examples."""

    def __init__(self, bot, chats: list[int], seed: int = 14, stranger: int = 3999) -> None:
        self.bot, self.rng = bot, random.Random(seed)
        self.chats = [*chats, stranger]
        every = [h for group in bot.app.handlers.values() for top in group for h in _callbacks(top)]
        self.commands = sorted({c for h in every if isinstance(h, CommandHandler) for c in h.commands})
        self.prefixes = sorted({re.match(r"\^?([\w:]*)", h.pattern.pattern).group(1) for h in every
                                if isinstance(h, CallbackQueryHandler) and isinstance(getattr(h.pattern, "pattern", None), str)})
        self.keyboards: dict[int, list[str]] = {}  # chat -> callback data of the last keyboard it was shown
        self.seen_data: list[str] = []  # every callback data the bot sent anyone
        self.counts: Counter = Counter()
        self.problems: dict[str, list[str]] = {}
        self._errors = _ErrorRecords()

    # ------------------------------------------------------------------ updates
    def _huge(self) -> str:
        return "".join(self.rng.choice(HUGE_PIECES) for _ in range(self.rng.randint(2000, 6000)))

    def _text(self) -> str:
        r = self.rng.random()
        return self._huge() if r < 0.1 else self.rng.choice(JUNK_TEXTS)

    def _forged(self) -> str:
        r = self.rng.random()
        if r < 0.3 and self.seen_data:  # a real button, its numbers changed
            data = self.rng.choice(self.seen_data)
            return "".join(self.rng.choice(["abc", "999999999999999999999", "0", "7"]) if ch.isdigit() else ch
                           for ch in data) if any(ch.isdigit() for ch in data) else data + ":x"
        prefix = self.rng.choice(self.prefixes + EXTRA_PREFIXES)  # a handler's own prefix (nc:, cs:ok:, …)
        return prefix + self.rng.choice(JUNK_DATA + ["1", "2", "3", "7", "12"])  # small ids name real rows

    def _update(self, chat: int) -> dict:
        r = self.rng.random()
        if r < 0.40 and self.keyboards.get(chat):
            return callback_update(chat, self.rng.choice(self.keyboards[chat]))
        if r < 0.55:
            return callback_update(chat, self._forged())
        if r < 0.65:
            args = " ".join(self.rng.choice(JUNK_ARGS) for _ in range(self.rng.randint(0, 2)))
            command = self.rng.choice([*self.commands, "need_999999999999999999999999", "need_0", "need_7", "nosuch"])
            return message_update(chat, f"/{command} {args}".strip())
        if r < 0.72:
            return self._photo(chat)
        if r < 0.76:
            return self._other(chat)
        return message_update(chat, self._text())

    def _photo(self, chat: int) -> dict:
        update = message_update(chat, "")
        message = update["message"]
        del message["text"]
        n = update["update_id"]
        message["photo"] = [{"file_id": f"fuzz-{n}", "file_unique_id": f"f{n}", "width": 10, "height": 10}]
        if self.rng.random() < 0.7:
            message["caption"] = self._text()
        return update

    def _other(self, chat: int) -> dict:
        """A sticker, an edited message, or a channel post reading like a need."""
        update = message_update(chat, self._text() or "x")
        message = update["message"]
        kind = self.rng.choice(["sticker", "edited", "channel"])
        if kind == "sticker":
            del message["text"]
            message["sticker"] = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
                                  "is_video": False, "type": "regular", "emoji": "😀"}
            return update
        if kind == "edited":
            message["edit_date"] = int(time.time())
            return {"update_id": update["update_id"], "edited_message": message}
        del message["from"]
        message["chat"] = {"id": -1001234567890, "type": "channel", "title": "小区公告"}
        message["text"] = "1栋电梯坏了两天了，老人上下楼很不方便，请尽快处理"
        message["sender_chat"] = message["chat"]
        return {"update_id": update["update_id"], "channel_post": message}

    # ------------------------------------------------------------------ checks
    def _problem(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        examples = self.problems.setdefault(kind, [])
        if len(examples) < EXAMPLES:
            examples.append(text[:300])

    def _check(self, call: dict, what: str) -> None:
        method = call["method"]
        text = call.get("text") if method in ("sendMessage", "editMessageText") else call.get("caption")
        limit = 4096 if method in ("sendMessage", "editMessageText") else 1024 if method in ("sendPhoto", "sendDocument") \
            else 200 if method == "answerCallbackQuery" else None
        if method in ("sendMessage", "editMessageText") and not (text or "").strip():
            self._problem("too_long", f"{method} with an empty text after {what}")
        if limit and text and utf16_len(text) > limit:
            self._problem("too_long", f"{method} of {utf16_len(text)} units after {what}: {text[:80]!r}")
        if text and str(call.get("parse_mode") or "").upper() == "HTML" and (error := html_error(text)):
            self._problem("bad_html", f"{error} after {what}: {text[:200]!r}")
        markup = call.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        buttons = [b for row in (markup or {}).get("inline_keyboard", []) for b in row]
        if len(buttons) > 100 or any(len(b.get("callback_data", "").encode()) > 64 for b in buttons):
            self._problem("too_many_buttons", f"{method} with {len(buttons)} buttons after {what}")
        if buttons and call.get("chat_id") is not None:
            data = [b["callback_data"] for b in buttons if "callback_data" in b]
            self.keyboards[int(call["chat_id"])] = data
            self.seen_data.extend(d for d in data if len(self.seen_data) < 2000)

    def send(self, update: dict) -> None:
        calls, errors = self.bot.request.calls, self._errors.records
        before, failed = len(calls), len(errors)
        self.bot.process(update)
        self.counts["updates"] += 1
        what = json.dumps({k: v for k, v in update.items() if k != "update_id"}, ensure_ascii=False)[:200]
        for call in calls[before:]:
            self._check(call, what)
        for record in errors[failed:]:
            where = ""
            if record.exc_info and (tb := record.exc_info[2]):
                while tb.tb_next:
                    tb = tb.tb_next
                where = f" at {tb.tb_frame.f_code.co_filename.rsplit('/', 2)[-1]}:{tb.tb_lineno}"
            self._problem("unhandled", f"{record.getMessage()}{where} after {what}: "
                          f"{record.exc_info and record.exc_info[1]!r}")

    def run(self, n: int, per_conversation: int = 6) -> Counter:
        """`n` updates: each conversation's command started by a random chat, then fuzzed for a few updates."""
        log = logging.getLogger("assistant.handlers")
        log.addHandler(self._errors)
        try:
            self.counts.update(updates=0, unhandled=0, too_long=0, bad_html=0, too_many_buttons=0)
            commands = list(self.commands)
            while self.counts["updates"] < n:
                self.rng.shuffle(commands)
                for command in commands:
                    chat = self.rng.choice(self.chats)
                    self.send(message_update(chat, f"/{command}"))
                    for _ in range(per_conversation):
                        if self.counts["updates"] >= n:
                            break
                        self.send(self._update(chat))
                    if self.counts["updates"] >= n:
                        break
        finally:
            log.removeHandler(self._errors)
        return self.counts
