"""Intake of needs (需求清单, clause 10): validate a draft, number the ticket, route it, spot duplicates, join.

Ticket numbers are the policy prefix, the filing date in the policy's time zone and a per-day sequence
(XQ-20261126-0007) taken from an atomic upsert on `ticket_counters`, so concurrent filings never collide.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..errors import Invalid, InvalidTransition, NotAllowed, now_or
from ..org.people import normalise_phone
from ..org.tree import ancestry
from ..policy import NeedsPolicy
from ..storage.models import Need, NeedEvent, OrgUnit, Person, TicketCounter
from . import pii
from .access import may_submit
from .records import add_event, load_need, load_person
from .tasklist import assignees_for, route_for
from .views import OPEN_STATUSES, NeedView

MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(?:\+?86)?0\d{2,3}\d{7,8}$")  # area code + number, separators removed
NAME_MAX, PHOTO_MAX = 100, 255
ENTRANCE_MAX = 99  # the highest 单元 number of a building


@dataclass(frozen=True)
class NeedDraft:
    """What a resident (or a cadre on their behalf) reports; name and phone are kept only with consent, and so
    are phone and ID-card numbers typed into the description (masked at filing without it, see pii.py)."""

    compound_id: int
    building_id: int | None  # a building (or a household, filed at its building) of the compound, or None
    category: str
    description: str
    urgency: str
    resident_name: str | None = None
    resident_phone: str | None = None
    consent: bool = False
    photo_file_id: str | None = None
    entrance: int | None = None  # the 单元 of the building (1–ENTRANCE_MAX), when given


def valid_phone(phone: str | None) -> bool:
    """A Chinese mobile (1[3-9] + 9 digits) or a landline with its area code (0563-1234567)."""
    digits = normalise_phone(phone) or ""
    return bool(MOBILE.match(digits) or LANDLINE.match(digits))


def description_error(policy: NeedsPolicy, text: str | None) -> str | None:
    """The message key when the (stripped) description is shorter or longer than the policy allows, or has no
    letter or digit at all (emoji or punctuation only), else None."""
    length = len((text or "").strip())
    if length and not any(unicodedata.category(c)[0] in "LN" for c in text):
        return "need.err.description_no_words"
    if length < policy.description_min_chars:
        return "need.err.description_short"
    if length > policy.description_max_chars:
        return "need.err.description_long"
    return None


def name_error(name: str) -> str | None:
    """The message key when a resident's name is empty or longer than NAME_MAX, else None."""
    return "need.err.name" if not 1 <= len((name or "").strip()) <= NAME_MAX else None


def validate_draft(policy: NeedsPolicy, draft: NeedDraft, session: Session | None = None) -> list[tuple[str, str]]:
    """(field, message key) for every problem; with a session also checks the compound and building."""
    errors: list[tuple[str, str]] = []
    if policy.category(draft.category) is None:
        errors.append(("category", "need.err.category"))
    if key := description_error(policy, draft.description):
        errors.append(("description", key))
    if draft.urgency not in policy.urgencies:
        errors.append(("urgency", "need.err.urgency"))
    if draft.resident_phone and draft.resident_phone.strip() and not valid_phone(draft.resident_phone):
        errors.append(("resident_phone", "need.err.phone"))
    if draft.resident_name and name_error(draft.resident_name):
        errors.append(("resident_name", "need.err.name"))
    if draft.entrance is not None and not (1 <= draft.entrance <= ENTRANCE_MAX and draft.building_id):
        errors.append(("entrance", "need.err.entrance"))
    if draft.photo_file_id and len(draft.photo_file_id) > PHOTO_MAX:
        errors.append(("photo_file_id", "need.err.photo"))
    if session is not None:
        errors.extend(_place_errors(session, draft))
    return errors


def _place_errors(session: Session, draft: NeedDraft) -> list[tuple[str, str]]:
    compound = session.get(OrgUnit, draft.compound_id) if draft.compound_id else None
    if compound is None or compound.level != "compound":
        return [("compound_id", "need.err.compound")]
    if draft.building_id is None:
        return []
    building = session.get(OrgUnit, draft.building_id)
    if building is None or building.level not in ("building", "household") or \
            not building.path.startswith(compound.path):
        return [("building_id", "need.err.building")]
    return []


def _weight(keyword: str) -> int:
    """A keyword's weight: its characters in Chinese; an English word counts as two (like a two-character word)."""
    return 2 * len(keyword.split()) if keyword.isascii() else len(keyword)


def suggest_category(policy: NeedsPolicy, text: str) -> str:
    """The category whose keywords cover most of the text (longest total match), else the fallback."""
    lowered = (text or "").lower()
    scores = {c.id: sum(_weight(k) for k in c.keywords if k in lowered) for c in policy.categories}
    best = max(scores, key=lambda cid: scores[cid])
    return best if scores[best] > 0 else policy.fallback_category


def suggest_urgency(policy: NeedsPolicy, text: str, category: str | None = None) -> str:
    """"urgent" when the text names an emergency or says it is urgent (policy urgent_keywords), or the category
    is an emergency one, else "normal"."""
    lowered = (text or "").lower()
    return "urgent" if policy.is_emergency(category) or any(k in lowered for k in policy.urgent_keywords) else "normal"


def _shingles(text: str) -> set[str]:
    chars = [c for c in unicodedata.normalize("NFKC", text or "").lower() if c.isalnum()]
    if len(chars) < 2:
        return set(chars)
    return {a + b for a, b in zip(chars, chars[1:])}


def similarity(a: str, b: str) -> float:
    """Character-bigram Jaccard similarity of two texts (punctuation and spaces ignored), 0–1."""
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def next_ticket(session: Session, policy: NeedsPolicy, now: datetime) -> str:
    """The next ticket number for the day of `now` in the policy's time zone (atomic per-day sequence)."""
    scope = f"{policy.ticket_prefix}-{now.astimezone(policy.zone):%Y%m%d}"
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(TicketCounter).values(scope=scope, seq=1).on_conflict_do_update(
        index_elements=[TicketCounter.scope], set_={"seq": TicketCounter.seq + 1}).returning(TicketCounter.seq)
    return f"{scope}-{session.execute(statement).scalar_one():04d}"


def start_unit(session: Session, policy: NeedsPolicy, compound: OrgUnit, building: OrgUnit | None) -> OrgUnit:
    """The lowest unit of the escalation chain at or above where the need was filed."""
    for unit in reversed(ancestry(session, building or compound)):
        if unit.level in policy.escalation_chain:
            return unit
    return compound


def file_need(session: Session, policy: NeedsPolicy, submitter_person_id: int,
              draft: NeedDraft, now: datetime | None = None) -> NeedView:
    """File a need: check, number, set deadlines from the SLA, route via the task list; events filed+routed.
    Without consent, phone and ID-card numbers in the description are stored masked."""
    now = now_or(now)
    errors = validate_draft(policy, draft, session)
    if errors:
        raise Invalid(errors)
    load_person(session, submitter_person_id)
    compound = session.get(OrgUnit, draft.compound_id)
    if not may_submit(session, submitter_person_id, compound):
        raise NotAllowed("need.err.not_allowed")
    building = session.get(OrgUnit, draft.building_id) if draft.building_id else None
    if building is not None and building.level == "household":
        building = building.parent  # a household's need belongs to its building
    level = start_unit(session, policy, compound, building)
    route = route_for(session, policy, compound.id, draft.category)
    assignee_ids, fallback = assignees_for(session, route, submitter_person_id)
    accept_due, resolve_due = policy.deadlines(draft.urgency, now)
    consent = bool(draft.consent)
    description = draft.description.strip()
    need = Need(
        ticket=next_ticket(session, policy, now), compound=compound, building=building, level_unit=level,
        category=draft.category, description=description if consent else pii.mask(description), urgency=draft.urgency,
        resident_name=((draft.resident_name or "").strip() or None) if consent else None,
        resident_phone=normalise_phone(draft.resident_phone) if consent else None, consent=consent,
        photo_file_id=draft.photo_file_id or None, entrance=draft.entrance, status="new", submitter_id=submitter_person_id,
        party_type=route.party_type, responsible_party=route.party_label,
        accept_due_at=accept_due, resolve_due_at=resolve_due, created_at=now, updated_at=now,
        assignees=[session.get(Person, pid) for pid in assignee_ids],
    )
    session.add(need)
    session.flush()
    add_event(session, need, "filed", now, submitter_person_id, None, category=need.category,
              urgency=need.urgency, level_unit_id=level.id)
    add_event(session, need, "routed", now, None, route.party_label, party_type=route.party_type,
              assignee_ids=list(assignee_ids), source=route.source, fallback=fallback)
    return NeedView.of(need)


def find_duplicates(session: Session, policy: NeedsPolicy, compound_id: int, category: str, description: str,
                    now: datetime | None = None, building_id: int | None = None) -> list[NeedView]:
    """Open needs of the same compound and category filed within the window that are the same place (the same
    building) or whose text (or a joined report) is similar enough: the same place first, then the most
    similar. A re-report in other words of the same building and category is still a duplicate."""
    now = now_or(now)
    candidates = list(session.scalars(select(Need).where(
        Need.compound_id == compound_id, Need.category == category, Need.status.in_(OPEN_STATUSES),
        Need.created_at >= now - policy.duplicate_window, Need.created_at <= now)))
    if not candidates:
        return []
    notes: dict[int, list[str]] = {}
    for need_id, note in session.execute(select(NeedEvent.need_id, NeedEvent.note).where(
            NeedEvent.need_id.in_([n.id for n in candidates]), NeedEvent.kind == "joined",
            NeedEvent.note.is_not(None))):
        notes.setdefault(need_id, []).append(note)
    scored = []
    for need in candidates:
        score = max(similarity(description, text) for text in [need.description, *notes.get(need.id, [])])
        same_place = building_id is not None and need.building_id == building_id
        if same_place or score >= policy.duplicate_similarity:
            scored.append(((same_place, score), need.created_at, need))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [NeedView.of(need) for _, _, need in scored]


def join_need(session: Session, need_id: int, person_id: int, description: str | None = None,
              now: datetime | None = None, *, policy: NeedsPolicy) -> NeedView:
    """Add a person's report of the same problem to an open need (event "joined"); they then follow it.
    A joined report keeps no contact details: its phone and ID-card numbers are stored masked."""
    now = now_or(now)
    need = load_need(session, need_id, lock=True)
    load_person(session, person_id)
    if need.status not in OPEN_STATUSES:
        raise InvalidTransition("need.err.transition", ticket=need.ticket, status=need.status, action="join")
    if not may_submit(session, person_id, need.compound):
        raise NotAllowed("need.err.not_allowed")
    text = (description or "").strip()
    if len(text) > policy.description_max_chars:
        raise Invalid([("description", "need.err.description_long")])
    need.updated_at = now
    add_event(session, need, "joined", now, person_id, pii.mask(text) or None)
    return NeedView.of(need)
