"""Telling people about a need: the submitter, the responsible party, the branch, escalation coordinators."""
from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from ..messages import t
from ..needs import pii, queries
from ..needs.views import NeedView
from .common import runtime

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
TELEGRAM = "telegram"
RESOURCES_SHOWN = 5


def need_text(policy, view: NeedView, event_kind: str, lang: str, **values) -> str:
    """The notification for one event on a need, in `lang` (numbers in the description and note masked)."""
    category = next((c.label(lang) for c in policy.categories if c.id == view.category), view.category)
    text = t(f"need.notify.{event_kind}", lang, ticket=view.ticket, category=category, compound=view.compound_name,
             urgency=t(f"need.urgency.{view.urgency}", lang), description=view.description,
             note=pii.mask(values.get("note")), actor=values.get("actor") or "")
    return text + "\n" + t("needcard.open_hint", lang, id=view.id)


async def send_to(context: ContextTypes.DEFAULT_TYPE, recipients, render, buttons=None) -> int:
    """Send `render(lang)` (with `buttons(lang)`, if given) to every Telegram recipient; failures are logged,
    never raised. Returns the count sent."""
    rt = runtime(context)
    sent = 0
    for r in recipients:
        if r.channel != rt.channel or rt.channel != TELEGRAM:
            continue
        try:
            lang = r.language_code or "zh"
            await context.bot.send_message(chat_id=int(r.external_id), text=render(lang),
                                           reply_markup=buttons(lang) if buttons else None)
            sent += 1
        except (TelegramError, ValueError) as err:
            log.warning("could not notify %s:%s: %s", r.channel, r.external_id, err)
    return sent


async def notify_need(context: ContextTypes.DEFAULT_TYPE, need_id: int, event_kind: str, *,
                      actor_id: int | None = None, note: str | None = None) -> int:
    """Notify everybody concerned with `event_kind` on the need (not the actor)."""
    rt = runtime(context)

    def load():
        with rt.db.session() as session:
            return queries.need_notice(session, need_id, event_kind, actor_id)

    notice = await asyncio.to_thread(load)
    view, actor, resources = notice.view, notice.actor_name, notice.resources

    def render(lang: str) -> str:
        text = need_text(rt.policies.needs, view, event_kind, lang, note=note, actor=actor)
        if resources:  # clause 10: the resource list offered for a new need
            lines = [t("resource.line", lang, provider=r.provider_name, contact=r.contact or "—",
                       availability=r.availability or "—") for r in resources[:RESOURCES_SHOWN]]
            text += "\n" + t("needcard.resources", lang) + "\n" + "\n".join(lines)
        return text

    def visit_button(lang: str) -> InlineKeyboardMarkup:  # resolved: the submitter is asked for the return visit
        return InlineKeyboardMarkup([[InlineKeyboardButton(t("needcard.do.visit", lang), callback_data=f"nc:visit:{need_id}")]])

    return await send_to(context, notice.recipients, render, visit_button if event_kind == "resolved" else None)
