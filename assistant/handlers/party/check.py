"""/check: the organisation compliance report for a coordinator's own units (clauses 1–3, 9)."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from ...messages import t
from ...org.permissions import ADMIN, bindings, can
from ...party import compliance
from ..common import as_person, lang_of, reply, runtime
from ..menu import deny

MAX_LINES = 40  # one chat message stays well under Telegram's 4,096 characters


def findings_for(session, policy, person_id: int) -> list[compliance.Finding] | None:
    """Findings under every unit where the person may view reports; None when they may view none."""
    roots = [b.unit for b in bindings(session, person_id)
             if b.role == ADMIN or can(session, person_id, "view_reports", b.unit)]
    if not roots:
        return None
    if any(b.role == ADMIN for b in bindings(session, person_id)):
        return compliance.check(session, policy)
    outermost = [u for u in roots if not any(o is not u and u.path.startswith(o.path) for o in roots)]
    return [f for unit in outermost for f in compliance.check(session, policy, unit.id)]


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/check: every organisation rule broken in my units, citing the clause."""
    lang = lang_of(update)
    policy = runtime(context).policies.party
    found = await as_person(update, context, lambda s, pid: findings_for(s, policy, pid), read_only=True)
    if found is None:
        await deny(update, context, "view_reports")
        return
    if not found:
        await reply(update, "compliance.none")
        return
    lines = [t("compliance.head", lang, count=len(found))] + [f.message(lang) for f in found[:MAX_LINES]]
    if len(found) > MAX_LINES:
        lines.append(t("compliance.more", lang, count=len(found) - MAX_LINES))
    await update.effective_message.reply_text("\n".join(lines))


def build_handler() -> CommandHandler:
    return CommandHandler("check", check)
