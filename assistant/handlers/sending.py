"""The bot's one send path: no message, edit or caption Telegram would refuse for its length.

Lengths are counted in UTF-16 code units, as Telegram does (assistant/textlimits.py). A long text is sent as
several messages cut at paragraph or line ends (valid HTML each, when the text is HTML), the keyboard on the
last; an edit or a caption that is too long is cut short with an ellipsis.

It also remembers the last message it sent to each chat (`latest`): a form edits its message in place only while
nothing was sent after it (handlers/common.py `step`).
"""
from __future__ import annotations

from collections import OrderedDict

from telegram import Message
from telegram.constants import ParseMode
from telegram.ext import ExtBot

from ..textlimits import CAPTION_LIMIT, TEXT_LIMIT, split, truncate

LATEST_KEPT = 10_000  # chats whose last message is remembered


def _html(parse_mode) -> bool:
    return isinstance(parse_mode, str) and parse_mode.upper() == ParseMode.HTML


class LimitedBot(ExtBot):
    """An ExtBot whose sends always fit Telegram's limits (every handler's reply_text goes through these)."""

    __slots__ = ("_latest",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._latest: OrderedDict[int, int] = OrderedDict()  # chat id -> id of the last message sent there

    def latest(self, chat_id: int) -> int | None:
        """The id of the last message this process sent to the chat (None: nothing since it started)."""
        return self._latest.get(chat_id)

    def _sent(self, message):
        if isinstance(message, Message):
            self._latest[message.chat_id] = message.message_id
            self._latest.move_to_end(message.chat_id)
            while len(self._latest) > LATEST_KEPT:
                self._latest.popitem(last=False)
        return message

    async def send_message(self, chat_id, text: str, parse_mode=None, **kwargs):
        parts = split(text, TEXT_LIMIT, html=_html(parse_mode))
        markup = kwargs.pop("reply_markup", None)
        for part in parts[:-1]:
            self._sent(await super().send_message(chat_id, part, parse_mode, **kwargs))
        return self._sent(await super().send_message(chat_id, parts[-1], parse_mode, reply_markup=markup, **kwargs))

    async def edit_message_text(self, text: str, *args, parse_mode=None, **kwargs):
        return await super().edit_message_text(truncate(text, TEXT_LIMIT, html=_html(parse_mode)), *args,
                                               parse_mode=parse_mode, **kwargs)

    async def send_photo(self, chat_id, photo, caption: str | None = None, **kwargs):
        return self._sent(await super().send_photo(chat_id, photo, _caption(caption, kwargs), **kwargs))

    async def send_document(self, chat_id, document, caption: str | None = None, **kwargs):
        return self._sent(await super().send_document(chat_id, document, _caption(caption, kwargs), **kwargs))


def _caption(caption: str | None, kwargs: dict) -> str | None:
    return caption and truncate(caption, CAPTION_LIMIT, html=_html(kwargs.get("parse_mode")))
