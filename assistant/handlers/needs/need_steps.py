"""The steps of the /need form as plain functions: prompt, apply a button or text, next step.

The draft is a JSON-able dict kept in user_data (so it survives restarts); nothing here imports telegram.
"""
from __future__ import annotations

import re

from ...messages import t
from ...needs import filing, pii, places
from ...needs.freetext import entrance_number
from ...needs.views import place_text
from ...textlimits import preview as cut
from ..common import channel_key, number

COMPOUND, BUILDING, CATEGORY, DESCRIPTION = "need.compound", "need.building", "need.category", "need.description"
URGENCY, CONSENT, NAME, PHONE, PHOTO = "need.urgency", "need.consent", "need.name", "need.phone", "need.photo"
ENTRANCE, CONFIRM, DUPLICATE = "need.entrance", "need.confirm", "need.duplicate"
ORDER = [COMPOUND, BUILDING, ENTRANCE, CATEGORY, DESCRIPTION, URGENCY, CONSENT, NAME, PHONE, PHOTO, CONFIRM]
ALL_STEPS = ORDER + [DUPLICATE]
TEXT_STEPS = {ENTRANCE, DESCRIPTION, NAME, PHONE}
EDITABLE = [COMPOUND, BUILDING, ENTRANCE, CATEGORY, DESCRIPTION, URGENCY, CONSENT, PHOTO]
FIELDS = {COMPOUND: "compound_id", BUILDING: "building_id", CATEGORY: "category", DESCRIPTION: "description",
          URGENCY: "urgency", CONSENT: "consent"}  # what each step sets and the later steps rely on
BUTTONS = {COMPOUND: "c", BUILDING: "b", ENTRANCE: "e", CATEGORY: "k", DESCRIPTION: "d", URGENCY: "u", CONSENT: "y",
           PHONE: "p", PHOTO: "ph"}  # the kind of button each step offers (callback data "kind:value")
BACK_WORDS = {"返回", "上一步", "back"}
HINTS = {DESCRIPTION: "needform.description_expected", PHOTO: "needform.photo_expected"}  # else: press a button
MARK = "✓ "


def is_question(text: str) -> bool:
    """A policy question typed in the middle of the form."""
    return text.rstrip().endswith(("?", "？"))


def _category_label(policy, category_id: str | None, lang: str) -> str:
    for c in policy.categories:
        if c.id == category_id:
            return c.label(lang)
    return "—"


def emergency_notice(policy, lang: str) -> str:
    """The numbers to call first in an emergency (the policy's emergency_numbers)."""
    lines = [t("needform.emergency_line", lang, label=n.label(lang), number=n.number) for n in policy.emergency_numbers]
    return "\n".join([t("needform.emergency", lang)] + lines)


def summary(session, policy, draft: dict, lang: str, preview: int | None = None) -> str:
    """The form as it stands, for the confirm step (the description as it will be kept: without consent, its
    phone and ID-card numbers masked; cut to `preview` characters)."""
    compound = places.compound_path(session, draft["compound_id"])
    building = "—"
    if draft.get("building_id"):
        building = place_text(places.unit_name(session, draft["building_id"]), None, draft.get("entrance"), lang)
    resident, description = "—", draft.get("description", "")
    if draft.get("consent"):
        resident = f"{draft.get('resident_name') or '—'} {draft.get('resident_phone') or ''}".strip()
    else:
        description = pii.mask(description)
    return t("needform.summary", lang, compound=compound, building=building,
             category=_category_label(policy, draft.get("category"), lang),
             description=cut(description, preview),
             urgency=t(f"needform.urgency.{draft.get('urgency', 'normal')}", lang), resident=resident,
             photo=t("needform.yes" if draft.get("photo_file_id") else "needform.no", lang))


def prompt(session, policy, draft: dict, step: str, lang: str, preview: int | None = None,
           channel: str = "telegram") -> tuple[str, list[tuple[str, str]]]:
    """(text, [(button label, data)]) asking for `step` in `channel`'s words; what the user typed is echoed cut to
    `preview` characters."""
    pre = draft.get("prefill", {})
    if step == COMPOUND:
        return t("needform.ask_compound", lang), [((MARK if cid == pre.get("compound_id") else "") + path, f"c:{cid}")
                                                 for cid, path in places.compounds_for(session, draft["person_id"])]
    if step == BUILDING:
        buildings = places.buildings_of(session, draft["compound_id"])
        named = pre.get("building_no")
        guess = places.match_building(buildings, named)
        buttons = [((MARK if bid == guess else "") + name, f"b:{bid}") for bid, name in buildings]
        text = t("needform.ask_building", lang)
        if named is not None and guess is None:  # named in the text but not in the tree: say so, never drop it
            text = t("needform.no_such_building", lang, compound=places.unit_name(session, draft["compound_id"]),
                     n=named) + "\n" + text
        return text, buttons + [(t("needform.no_building", lang), "b:0")]
    if step == ENTRANCE:
        guess = draft.get("entrance")
        buttons = [(MARK + t("need.entrance", lang, n=guess), f"e:{guess}")] if guess else []
        return t(channel_key("needform.ask_entrance", channel), lang), buttons + [(t("needform.no_entrance", lang), "e:0")]
    if step == CATEGORY:
        buttons = [((MARK if c.id == pre.get("category") else "") + c.label(lang), f"k:{c.id}") for c in policy.categories]
        return t("needform.ask_category", lang), buttons
    if step == DESCRIPTION:
        if draft.get("text"):
            return (t("needform.ask_description_text", lang, text=cut(draft["text"], preview)),
                    [(t("needform.use_text", lang), "d:text")])
        return t("needform.ask_description", lang), []
    if step == URGENCY:
        guess = "urgent" if pre.get("urgent") or policy.is_emergency(draft.get("category")) else "normal"
        return t("needform.ask_urgency", lang), [((MARK if u == guess else "") + t(f"needform.urgency.{u}", lang), f"u:{u}")
                                                 for u in ("urgent", "normal")]
    if step == CONSENT:
        text = t("needform.ask_consent", lang)
        if pii.find(draft.get("description")):  # the numbers typed into the description wait for this answer
            text += "\n" + t("needform.consent_numbers", lang)
        return text, [(t("needform.consent_yes", lang), "y:1"), (t("needform.consent_no", lang), "y:0")]
    if step == NAME:
        return t("needform.ask_name", lang), []
    if step == PHONE:
        phone = pre.get("phone")
        return t("needform.ask_phone", lang), ([(phone, f"p:{phone}")] if phone else []) + [(t("needform.skip", lang), "p:")]
    if step == PHOTO:
        return t(channel_key("needform.ask_photo", channel), lang), [(t("needform.skip", lang), "ph:skip")]
    edit = [(t("needform.edit", lang, field=t(f"needform.field.{s.split('.')[1]}", lang)), f"edit:{s}") for s in EDITABLE
            if s != ENTRANCE or draft.get("building_id")]  # an entrance belongs to a building
    return summary(session, policy, draft, lang, preview), [(t("needform.submit", lang), "submit")] + edit


def apply_button(session, policy, draft: dict, data: str) -> str | None:
    """Store a pressed button's value; an error message key when it does not fit (a button of another step:
    an older message, or one answered before a crash lost that step)."""
    kind, _, value = data.partition(":")
    if kind != BUTTONS.get(draft["step"]):
        return "needform.bad_choice"
    if kind == "c":
        compound_id = number(value)
        if compound_id not in dict(places.compounds_for(session, draft["person_id"])):
            return "bot.denied"
        if draft.get("compound_id") != compound_id:
            draft.pop("building_id", None)
        draft["compound_id"] = compound_id
    elif kind == "b":
        bid = number(value) or None
        if bid and bid not in dict(places.buildings_of(session, draft["compound_id"])):
            return "needform.bad_choice"
        if draft.get("building_id") not in (None, bid):  # another building: its entrance is not known
            draft.pop("entrance", None)
        draft["building_id"] = bid
    elif kind == "e":
        return _set_entrance(draft, value)
    elif kind == "k":
        if value not in {c.id for c in policy.categories}:
            return "needform.bad_choice"
        draft["category"] = value
    elif kind == "d" and draft.get("text"):
        return apply_text(session, policy, draft, draft["text"])
    elif kind == "u" and value in ("urgent", "normal"):
        draft["urgency"] = value
    elif kind == "y":
        draft["consent"] = value == "1"
        if not draft["consent"]:
            draft.pop("resident_name", None)
            draft.pop("resident_phone", None)
    elif kind == "p":
        return _set_phone(policy, draft, value)
    elif kind == "ph":
        draft.pop("photo_file_id", None)
    else:
        return "needform.bad_choice"
    return None


def _set_phone(policy, draft: dict, value: str) -> str | None:
    value = re.sub(r"[\s-]", "", value)
    if value and not filing.valid_phone(value):
        return "needform.bad_phone"
    draft["resident_phone"] = value or None
    return None


def _set_entrance(draft: dict, value: str) -> str | None:
    if value.strip() in ("", "0"):
        draft.pop("entrance", None)
        return None
    entrance = entrance_number(value)
    if entrance is None:
        return "needform.bad_entrance"
    draft["entrance"] = entrance
    return None


def apply_text(session, policy, draft: dict, text: str) -> str | None:
    """Store typed text for a text step; an error message key when it is not valid."""
    step = draft["step"]
    if step == ENTRANCE:
        return _set_entrance(draft, text)
    if step == DESCRIPTION:
        if error := filing.description_error(policy, text):  # the needs domain's checks; the form's own wording
            return "needform.bad_description_words" if error == "need.err.description_no_words" \
                else "needform.bad_description"
        draft["description"] = text.strip()
        if "entrance" not in draft and (entrance := entrance_number(text)):  # "2单元…" fills the entrance too
            draft["entrance"] = entrance
        if found := pii.phones(text):  # offered as the resident's phone once the resident consents
            draft.setdefault("prefill", {})["phone"] = found[0]
    elif step == NAME:
        if filing.name_error(text):  # the needs domain's bound (filing.NAME_MAX)
            return "needform.bad_name"
        draft["resident_name"] = text.strip()
    elif step == PHONE:
        return _set_phone(policy, draft, text)
    return None


def after(draft: dict, step: str) -> str:
    """The step that follows `step`; back to the summary once an edited field is done."""
    following = _after(draft, step)
    if following == PHOTO and draft.get("photo_file_id"):  # sent with the description already
        return after(draft, PHOTO)
    return following


def _after(draft: dict, step: str) -> str:
    if step == COMPOUND:
        return BUILDING  # a (new) compound always needs its building
    if step == CONSENT and draft.get("consent"):
        return NAME
    if step == NAME:
        return PHONE
    if draft.get("editing") or step == PHOTO:
        draft.pop("editing", None)
        return CONFIRM
    if step == CONSENT:
        return PHOTO  # no resident details without consent
    following = ORDER[ORDER.index(step) + 1]
    return CATEGORY if following == ENTRANCE else following  # the entrance is asked only as an edit


def to_need_draft(draft: dict) -> "filing.NeedDraft":
    """The service-layer draft."""
    consent = bool(draft.get("consent"))
    return filing.NeedDraft(
        compound_id=draft["compound_id"], building_id=draft.get("building_id"), category=draft["category"],
        description=draft["description"], urgency=draft.get("urgency", "normal"),
        resident_name=draft.get("resident_name") if consent else None,
        resident_phone=draft.get("resident_phone") if consent else None,
        consent=consent, photo_file_id=draft.get("photo_file_id"),
        entrance=draft.get("entrance") if draft.get("building_id") else None,
    )
