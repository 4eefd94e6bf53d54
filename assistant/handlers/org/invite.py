"""/invite: a coordinator creates a one-time invite code for someone in their own subtree.

```mermaid
stateDiagram-v2
    [*] --> ROLE: /invite
    ROLE --> UNIT: role button
    UNIT --> NAME: unit button or unit name typed
    NAME --> [*]: name typed or "skip" → code shown
    ROLE --> [*]: /cancel
    UNIT --> [*]: /cancel
    NAME --> [*]: /cancel
```
"""
from __future__ import annotations


from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from ...messages import t, zone_name
from ...org import invites
from ..common import as_person, ask, cancel_command, conversation, finish, keyboard, lang_of, reply, runtime
from ..menu import deny
from ..pickers import not_a_choice, picker

ROLE, UNIT, NAME = "invite.role", "invite.unit", "invite.name"
DRAFT = "invite_draft"
FORM = "invite"  # the form's message (common.step)


async def _as_inviter(update: Update, context, fn):
    """fn(session, person_id) for the sender (person_id None when unregistered)."""
    return await as_person(update, context, fn, registered_only=False)


async def start_invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/invite: offer the roles this user may grant."""
    roles = await _as_inviter(update, context, invites.roles_grantable_by)
    if not roles:
        await deny(update, context, "invite")
        return ConversationHandler.END
    lang = lang_of(update)
    context.user_data[DRAFT] = {}
    await ask(update, context, FORM, "invite.ask_role", keyboard([(t(f"role.{r}", lang), f"inv:role:{r}") for r in roles]))
    return ROLE


async def choose_role(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Role chosen: offer the units where it may be granted."""
    query = update.callback_query
    await query.answer()
    role = query.data.split(":", 2)[2]
    context.user_data[DRAFT] = {"role": role}
    most = runtime(context).settings.picker_max_units  # paged by the picker
    targets = await _as_inviter(update, context, lambda s, pid: invites.targets_for(s, pid, role, most + 1))
    buttons = [(path, f"inv:unit:{unit_id}") for unit_id, path in targets[:most]]
    key = "invite.ask_unit_more" if len(targets) > most else "invite.ask_unit"
    await ask(update, context, FORM, key, picker(context, buttons, lang_of(update)), role=t(f"role.{role}", lang_of(update)))
    return UNIT


async def _set_unit(update: Update, context: ContextTypes.DEFAULT_TYPE, unit_ref: str, typed: bool = False) -> str:
    role = context.user_data[DRAFT]["role"]

    def check(session, person_id):
        try:
            return invites.check_target(session, person_id, role, unit_ref, by_id=not typed), None
        except invites.TargetError as err:
            return None, f"invite.unit_{err.reason}"

    found, error = await _as_inviter(update, context, check)
    if error == "invite.unit_unknown" and typed and await not_a_choice(update, context, unit_ref):
        return UNIT
    if error:
        await reply(update, error)
        return UNIT
    context.user_data[DRAFT].update(unit_id=found[0], unit_path=found[1])
    skip = keyboard([(t("invite.skip_name", lang_of(update)), "inv:skip")])
    await ask(update, context, FORM, "invite.ask_name", skip, unit=found[1])
    return NAME


async def choose_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Unit button pressed."""
    query = update.callback_query
    await query.answer()
    return await _set_unit(update, context, query.data.split(":", 2)[2])


async def type_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Unit typed by name, code (or 街道/社区/小区 path); a number is one of the choices shown, never a row id."""
    return await _set_unit(update, context, update.effective_message.text.strip(), typed=True)


async def _create(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str | None) -> int:
    draft = context.user_data.pop(DRAFT)
    rt = runtime(context)

    def create(session, person_id):
        issued = invites.issue_invite(session, rt.settings, person_id, draft["role"], draft["unit_id"], name=name)
        return issued.code, issued.expires_at

    try:
        code, expires = await _as_inviter(update, context, create)
    except (invites.InviteNotAllowed, invites.TargetError):
        await deny(update, context, "invite")
        return ConversationHandler.END
    lang, zone = lang_of(update), rt.policies.needs.zone
    lines = [t("invite.created", lang, code=code, role=t(f"role.{draft['role']}", lang), unit=draft["unit_path"],
               expires=expires.astimezone(zone).strftime("%Y-%m-%d %H:%M"), zone=zone_name(zone, lang))]
    if name:
        lines.append(t("invite.for_name", lang, name=name))
    lines.append(t("invite.share", lang, code=code))
    await finish(update, context, FORM, "\n".join(lines))
    return ConversationHandler.END


async def type_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The invitee's name."""
    return await _create(update, context, update.effective_message.text.strip()[:100])


async def skip_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """No name: the invitee's Telegram name is used."""
    await update.callback_query.answer()
    return await _create(update, context, None)


def build_handler() -> ConversationHandler:
    """The /invite conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CommandHandler("invite", start_invite)],
        states={
            ROLE: [CallbackQueryHandler(choose_role, pattern=r"^inv:role:")],
            UNIT: [CallbackQueryHandler(choose_unit, pattern=r"^inv:unit:"), MessageHandler(text, type_unit)],
            NAME: [CallbackQueryHandler(skip_name, pattern=r"^inv:skip$"), MessageHandler(text, type_name)],
        },
        fallbacks=[cancel_command(DRAFT, form=FORM)],
        name="invite",
        allow_reentry=True,  # /invite typed again mid-form starts it over (as every form but /need does)
    )
