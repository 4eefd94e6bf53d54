"""/resource: the resource list (资源清单, clause 10) — see, add and withdraw what units offer.

Kept by the coordinators who see the reports (permission "view_reports": district, street, community,
branch secretary; admin everywhere), the same rule as the task list (services/routing.py MANAGE_ACTION).

```mermaid
stateDiagram-v2
    [*] --> MENU: /resource → active resources of my units
    MENU --> UNIT: ➕ add
    UNIT --> NAME: unit button, or unit name / code typed
    NAME --> TAGS: provider name
    TAGS --> TAGS: category toggled
    TAGS --> CONTACT: done (at least one category)
    CONTACT --> CAPACITY
    CAPACITY --> AVAILABILITY: positive whole number or skip
    AVAILABILITY --> [*]: text or skip → resource added
    MENU --> CONFIRM_OFF: deactivate #id
    CONFIRM_OFF --> [*]: yes → deactivated / no
```
A bad answer re-asks the same step with the reason; /cancel ends the conversation at any step.
"""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from ...errors import DomainError, NotAllowed
from ...messages import t
from ...needs import resources
from ...needs.resources import AVAILABILITY_MAX, CAPACITY_MAX, CONTACT_MAX, NAME_MAX
from ...needs.tasklist import MANAGE_ACTION
from ...org.permissions import can
from ..common import (
    as_person, ask, cancel_command, conversation, finish, for_channel, lang_of, last_number, reply, runtime, step,
)
from ..menu import deny
from ..pickers import not_a_choice, picker

MENU, UNIT, NAME, TAGS = "reslist.menu", "reslist.unit", "reslist.name", "reslist.tags"
CONTACT, CAPACITY, AVAILABILITY, CONFIRM_OFF = ("reslist.contact", "reslist.capacity", "reslist.availability",
                                                "reslist.confirm_off")
CB = "rs:"
FORM = "resource"  # the form's message (common.step)
DRAFT = "resource_draft"
LIST_SHOWN = OFF_BUTTONS = 10
SHOWN_CHARS = 40  # long fields are cut in the list so it stays within one Telegram message (4,096 characters)


def _keyboard(pairs: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=CB + data)] for label, data in pairs])


def _skip(update: Update) -> InlineKeyboardMarkup:
    return _keyboard([(t("resform.skip", lang_of(update)), "skip")])


def _tags_text(policy, tags, lang: str) -> str:
    labels = {c.id: c.label(lang) for c in policy.categories}
    return t("resform.tag_sep", lang).join(labels.get(tag, tag) for tag in tags)


def _cut(text: str | None, unset: str) -> str:
    if not text:
        return unset
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _line(policy, r: resources.ResourceView, lang: str) -> str:
    unset = t("resform.unset", lang)
    return t("resform.line", lang, id=r.id, provider=_cut(r.provider_name, unset), unit=r.unit_name,
             tags=_tags_text(policy, r.tags, lang), contact=_cut(r.contact, unset),
             capacity=r.capacity if r.capacity is not None else unset, availability=_cut(r.availability, unset))


async def start_resource(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/resource: the active resources of my units, with buttons to add or deactivate one."""
    listed = await as_person(update, context, resources.resources_managed_by, registered_only=False)
    if listed is None:
        context.user_data.pop(DRAFT, None)
        await deny(update, context, MANAGE_ACTION)
        return ConversationHandler.END
    lang, policy = lang_of(update), runtime(context).policies.needs
    lines = [t("resform.head", lang, count=len(listed))] if listed else [t("resform.empty", lang)]
    lines += [_line(policy, r, lang) for r in listed[:LIST_SHOWN]]
    if len(listed) > LIST_SHOWN:
        lines.append(t("resform.more", lang, count=len(listed) - LIST_SHOWN))
    buttons = [(t("resform.add_button", lang), "add")]
    buttons += [(t("resform.off_button", lang, id=r.id, provider=_cut(r.provider_name, "")), f"off:{r.id}")
                for r in listed[:OFF_BUTTONS]]
    context.user_data[DRAFT] = {"listed": {str(r.id): r.provider_name for r in listed[:OFF_BUTTONS]}}
    await step(update, context, FORM, "\n".join(lines), _keyboard(buttons))
    return MENU


async def ask_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """➕ pressed: offer the units I may manage."""
    await update.callback_query.answer()
    most = runtime(context).settings.picker_max_units  # paged by the picker
    units = await as_person(update, context, lambda s, pid: resources.manageable_units(s, pid, most)) or []
    if not units:
        await deny(update, context, MANAGE_ACTION)
        return ConversationHandler.END
    context.user_data[DRAFT] = {"tags": []}
    key = "resform.ask_unit_more" if len(units) > most else "resform.ask_unit"
    await ask(update, context, FORM, key, picker(context, [(path, f"unit:{uid}") for uid, path in units[:most]],
                                                lang_of(update), prefix=CB))
    return UNIT


async def _set_unit(update: Update, context, ref: str, typed: bool = False) -> str:
    found, error = await as_person(update, context, lambda s, pid: resources.resource_unit(s, pid, ref, not typed),
                                   registered_only=False)
    if error == "resform.unit_unknown" and typed and await not_a_choice(update, context, ref):
        return UNIT
    if error:
        await reply(update, error)
        return UNIT
    context.user_data[DRAFT].update(unit_id=found[0], unit_path=found[1])
    await ask(update, context, FORM, "resform.ask_name", unit=found[1], limit=NAME_MAX)
    return NAME


async def choose_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Unit button pressed."""
    await update.callback_query.answer()
    return await _set_unit(update, context, update.callback_query.data.rsplit(":", 1)[1])


async def type_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Unit typed by name, code or path; a number is one of the choices shown, never a row id."""
    return await _set_unit(update, context, update.effective_message.text.strip(), typed=True)


async def type_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The provider's name (1–NAME_MAX characters)."""
    name = update.effective_message.text.strip()
    if not name or len(name) > NAME_MAX:
        await reply(update, "resform.bad_name", limit=NAME_MAX)
        return NAME
    context.user_data[DRAFT]["name"] = name
    return await _ask_tags(update, context)


async def _ask_tags(update: Update, context) -> str:
    lang, policy = lang_of(update), runtime(context).policies.needs
    chosen = context.user_data[DRAFT]["tags"]
    pairs = [(("✓ " if c.id in chosen else "") + c.label(lang), f"tag:{c.id}") for c in policy.categories]
    pairs.append((t("resform.tags_done", lang), "done"))
    text = t("resform.ask_tags", lang)
    if chosen:
        text += "\n" + t("resform.tags_chosen", lang, tags=_tags_text(policy, chosen, lang))
    await step(update, context, FORM, text, picker(context, pairs, lang, prefix=CB))
    return TAGS


async def toggle_tag(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """A category button: select or unselect it."""
    query = update.callback_query
    await query.answer()
    tag, chosen = query.data.rsplit(":", 1)[1], context.user_data[DRAFT]["tags"]
    if tag in chosen:
        chosen.remove(tag)
    elif runtime(context).policies.needs.category(tag) is not None:
        chosen.append(tag)
    return await _ask_tags(update, context)


async def tags_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """"Done": at least one category, then the contact."""
    await update.callback_query.answer()
    if not context.user_data[DRAFT]["tags"]:
        await reply(update, "resform.bad_tags")
        return TAGS
    await ask(update, context, FORM, "resform.ask_contact", limit=CONTACT_MAX)
    return CONTACT


async def tags_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Text at the category step: point to the buttons."""
    await reply(update, for_channel(context, "resform.tags_use_buttons"))
    return TAGS


async def type_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Contact (phone or person, 1–CONTACT_MAX characters)."""
    contact = update.effective_message.text.strip()
    if not contact or len(contact) > CONTACT_MAX:
        await reply(update, "resform.bad_contact", limit=CONTACT_MAX)
        return CONTACT
    context.user_data[DRAFT]["contact"] = contact
    await ask(update, context, FORM, "resform.ask_capacity", _skip(update))
    return CAPACITY


async def type_capacity(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Capacity: a positive whole number (or the skip button)."""
    text = update.effective_message.text.strip()
    if not text.isdecimal() or not 0 < int(text) <= CAPACITY_MAX:
        await ask(update, context, FORM, "resform.bad_capacity", _skip(update))
        return CAPACITY
    context.user_data[DRAFT]["capacity"] = int(text)
    return await _ask_availability(update, context)


async def skip_capacity(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """No capacity given."""
    await update.callback_query.answer()
    context.user_data[DRAFT]["capacity"] = None
    return await _ask_availability(update, context)


async def _ask_availability(update: Update, context) -> str:
    await ask(update, context, FORM, "resform.ask_availability", _skip(update), limit=AVAILABILITY_MAX)
    return AVAILABILITY


async def type_availability(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Availability as free text (up to AVAILABILITY_MAX characters)."""
    text = update.effective_message.text.strip()
    if len(text) > AVAILABILITY_MAX:
        await reply(update, "resform.bad_availability", limit=AVAILABILITY_MAX)
        return AVAILABILITY
    return await _create(update, context, text or None)


async def skip_availability(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """No availability given: add the resource."""
    await update.callback_query.answer()
    return await _create(update, context, None)


async def _create(update: Update, context, availability: str | None) -> int:
    draft = context.user_data.pop(DRAFT)
    rt, lang = runtime(context), lang_of(update)

    def create(session, person_id):
        if not can(session, person_id, MANAGE_ACTION, draft["unit_id"]):
            raise NotAllowed("need.err.not_allowed")
        return resources.add_resource(session, draft["name"], draft["unit_id"], draft["tags"], contact=draft["contact"],
                                  capacity=draft.get("capacity"), availability=availability, created_by=person_id,
                                  policy=rt.policies.needs, now=rt.clock())

    try:
        view = await as_person(update, context, create, registered_only=False)
    except NotAllowed:
        await deny(update, context, MANAGE_ACTION)
        return ConversationHandler.END
    except DomainError as err:
        await update.effective_message.reply_text(err.message(lang))
        return ConversationHandler.END
    await finish(update, context, FORM, t("resform.added", lang, id=view.id, provider=view.provider_name,
                                          unit=draft["unit_path"], tags=_tags_text(rt.policies.needs, view.tags, lang)))
    return ConversationHandler.END


async def ask_deactivate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """A deactivate button: confirm first."""
    await update.callback_query.answer()
    resource_id = last_number(update.callback_query.data)
    lang = lang_of(update)
    provider = (context.user_data.get(DRAFT) or {}).get("listed", {}).get(str(resource_id), "")
    buttons = [(t("resform.off_yes", lang), f"offyes:{resource_id}"), (t("resform.off_no", lang), "offno")]
    await ask(update, context, FORM, "resform.ask_off", _keyboard(buttons), id=resource_id, provider=provider)
    return CONFIRM_OFF


async def deactivate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Confirmed: withdraw the resource (it stays on record)."""
    await update.callback_query.answer()
    context.user_data.pop(DRAFT, None)
    resource_id = last_number(update.callback_query.data)
    lang = lang_of(update)
    try:
        view = await as_person(update, context, lambda s, pid: resources.deactivate_resource(s, resource_id, pid))
    except DomainError as err:
        await update.effective_message.reply_text(err.message(lang))
        return ConversationHandler.END
    if view is None:
        await deny(update, context, MANAGE_ACTION)
    else:
        await finish(update, context, FORM, t("resform.deactivated", lang, id=view.id, provider=view.provider_name))
    return ConversationHandler.END


async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Not confirmed: nothing changes."""
    await update.callback_query.answer()
    context.user_data.pop(DRAFT, None)
    await finish(update, context, FORM, t("resform.kept", lang_of(update)))
    return ConversationHandler.END


def build_handler() -> ConversationHandler:
    """The /resource conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CommandHandler("resource", start_resource)],
        states={
            MENU: [CallbackQueryHandler(ask_unit, pattern=rf"^{CB}add$"),
                   CallbackQueryHandler(ask_deactivate, pattern=rf"^{CB}off:\d+$")],
            UNIT: [CallbackQueryHandler(choose_unit, pattern=rf"^{CB}unit:\d+$"), MessageHandler(text, type_unit)],
            NAME: [MessageHandler(text, type_name)],
            TAGS: [CallbackQueryHandler(toggle_tag, pattern=rf"^{CB}tag:"),
                   CallbackQueryHandler(tags_done, pattern=rf"^{CB}done$"), MessageHandler(text, tags_typed)],
            CONTACT: [MessageHandler(text, type_contact)],
            CAPACITY: [CallbackQueryHandler(skip_capacity, pattern=rf"^{CB}skip$"),
                       MessageHandler(text, type_capacity)],
            AVAILABILITY: [CallbackQueryHandler(skip_availability, pattern=rf"^{CB}skip$"),
                           MessageHandler(text, type_availability)],
            CONFIRM_OFF: [CallbackQueryHandler(deactivate, pattern=rf"^{CB}offyes:\d+$"),
                          CallbackQueryHandler(keep, pattern=rf"^{CB}offno$")],
        },
        fallbacks=[cancel_command(DRAFT, form=FORM)],
        name="resource",
        allow_reentry=True,
    )
