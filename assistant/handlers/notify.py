"""Telling people about a need: the submitter, the responsible party, the branch, escalation coordinators
(through the outbox: handlers/sender.py)."""
from __future__ import annotations

import asyncio

from telegram.ext import ContextTypes

from ..messages import t
from ..needs import pii, queries
from ..needs.views import NeedView
from ..org.people import shown_name
from .common import runtime
from .sender import notify

RESOURCES_SHOWN = 5


def need_text(policy, view: NeedView, event_kind: str, lang: str, **values) -> str:
    """The notification for one event on a need, in `lang` (numbers in the description and note masked)."""
    category = next((c.label(lang) for c in policy.categories if c.id == view.category), view.category)
    text = t(f"need.notify.{event_kind}", lang, ticket=view.ticket, category=category, compound=view.compound_name,
             urgency=t(f"need.urgency.{view.urgency}", lang), description=view.description,
             note=pii.mask(values.get("note")), actor=values.get("actor") or "")
    return text + "\n" + t("needcard.open_hint", lang, id=view.id)


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
        text = need_text(rt.policies.needs, view, event_kind, lang, note=note, actor=shown_name(actor, lang))
        if resources:  # clause 10: the resource list offered for a new need
            lines = [t("resource.line", lang, provider=r.provider_name, contact=r.contact or "—",
                       availability=r.availability or "—") for r in resources[:RESOURCES_SHOWN]]
            text += "\n" + t("needcard.resources", lang) + "\n" + "\n".join(lines)
        return text

    def visit_button(lang: str) -> list[list[tuple[str, str]]]:  # resolved: the submitter is asked for the visit
        return [[(t("needcard.do.visit", lang), f"nc:visit:{need_id}")]]

    return await notify(context, f"need:{event_kind}", notice.recipients, render,
                        visit_button if event_kind == "resolved" else None)
