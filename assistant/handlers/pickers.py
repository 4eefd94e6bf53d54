"""Inline keyboards that Telegram accepts however many choices there are: one button per row, paged (◀ ▶) when
there are more than `picker_page_size`. Every picker in handlers/ is built here.

A paged picker keeps its choices in the user's data under a short id; its ◀ ▶ buttons (`pg:<id>:<page>`) are
answered here, before any conversation sees them, by showing that page in place.
"""
from __future__ import annotations

from uuid import uuid4

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, ContextTypes

from ..errors import Unreadable
from ..messages import t
from ..textlimits import preview
from .common import for_channel, lang_of, number, reply, runtime

PICKERS = "pickers"  # user_data: picker id -> {"rows": [[label, data]...], "extra": [[label, data]...]}
KEPT = 5             # paged pickers remembered per user (older ones' page buttons say the button is stale)
PAGE_CB = "pg:"


def picker(context, pairs, lang: str, extra=(), prefix: str = "") -> InlineKeyboardMarkup | None:
    """One button per row from (label, callback data) `pairs` (`prefix` put before each data), paged when there
    are many; `extra` pairs (a back button) under every page. None when there are no buttons at all."""
    rows = [[label, prefix + data] for label, data in pairs]
    extra = [[label, prefix + data] for label, data in extra]
    size = runtime(context).settings.picker_page_size
    if len(rows) <= size:
        return _markup(rows + extra)
    store = context.user_data.setdefault(PICKERS, {})
    picker_id = uuid4().hex[:8]
    store[picker_id] = {"rows": rows, "extra": extra}
    for old in list(store)[:-KEPT]:
        del store[old]
    return _page(picker_id, store[picker_id], 0, size, lang)


def _markup(rows: list) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in rows]) \
        if rows else None


def _page(picker_id: str, kept: dict, page: int, size: int, lang: str) -> InlineKeyboardMarkup:
    rows = kept["rows"]
    pages = -(-len(rows) // size)
    page = min(max(page, 0), pages - 1)
    shown = _markup(rows[page * size:(page + 1) * size] + kept["extra"]).inline_keyboard
    nav = [InlineKeyboardButton(t("picker.page", lang, page=page + 1, pages=pages),
                                callback_data=f"{PAGE_CB}{picker_id}:{page}")]
    if page > 0:
        nav.insert(0, InlineKeyboardButton(t("picker.prev", lang), callback_data=f"{PAGE_CB}{picker_id}:{page - 1}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(t("picker.next", lang), callback_data=f"{PAGE_CB}{picker_id}:{page + 1}"))
    return InlineKeyboardMarkup([*shown[:len(shown) - len(kept["extra"])], nav, *shown[len(shown) - len(kept["extra"]):]])


async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ / ▶ / the page label: show that page of the picker in place (a forgotten picker: a stale button)."""
    query = update.callback_query
    picker_id, _, page = query.data[len(PAGE_CB):].partition(":")
    kept = (context.user_data or {}).get(PICKERS, {}).get(picker_id)
    try:
        page_no = number(page)
    except Unreadable:
        kept = None
    if kept is None:
        raise Unreadable()  # answered by the error handler, which also stops the update here
    await query.answer()
    size = runtime(context).settings.picker_page_size
    await query.edit_message_reply_markup(_page(picker_id, kept, page_no, size, lang_of(update)))
    raise ApplicationHandlerStop  # no conversation sees a page button


async def not_a_choice(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> bool:
    """A number typed at a picker that names nothing (no unit has it as its code or name): say it is none of the
    choices shown (the terminal numbers them; a typed number is never a row id) and keep the step; True when
    `text` was such a number."""
    if not text.isdecimal():
        return False
    await reply(update, for_channel(context, "picker.not_a_choice"),
                value=preview(text, runtime(context).settings.preview_chars))
    return True


def page_handler() -> CallbackQueryHandler:
    """Registered in a group before the conversations (app.py)."""
    return CallbackQueryHandler(on_page, pattern=f"^{PAGE_CB}")
