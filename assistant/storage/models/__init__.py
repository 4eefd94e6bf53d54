"""ORM models, one module per area, re-exported here so `from assistant.storage.models import X` works.

Importing this package registers every table on `Base.metadata` (Alembic's env relies on that).
Changing a model needs a new Alembic revision in `storage/migrations/versions/`.
"""
from assistant.storage.models.base import (
    CHANNELS,
    LEVELS,
    NAMING,
    ROLES,
    Base,
    UTCDateTime,
    utcnow,
)
from assistant.storage.models.audit import AuditEvent
from assistant.storage.models.digest import (
    DELIVERY_STATUSES,
    DigestDelivery,
    DigestRun,
    DigestSubscription,
)
from assistant.storage.models.notices import OutboxNotice
from assistant.storage.models.evaluations import (
    OWNERS_ROLES,
    Evaluation,
    EvaluationScore,
    EvaluationVeto,
    OwnersCommitteeMember,
    PropertyCompany,
    ServiceContract,
)
from assistant.storage.models.needs import (
    DEADLINE_KINDS,
    NEED_EVENT_KINDS,
    NEED_STATUSES,
    SATISFACTION,
    URGENCIES,
    Escalation,
    Need,
    NeedEvent,
    Resource,
    ReturnVisit,
    TaskRoute,
    TicketCounter,
    need_assignees,
    task_route_persons,
)
from assistant.storage.models.org import (
    ChannelAccount,
    Invite,
    InviteFailure,
    KeyValue,
    OrgUnit,
    Person,
    ProcessedUpdate,
    RoleBinding,
    TelegramAccount,
)
from assistant.storage.models.party import (
    CASE_EVENT_KINDS,
    CASE_STATUSES,
    CHECKIN_STATUSES,
    ORGAN_LEVELS,
    ORGAN_POSITIONS,
    POSITIONS,
    CaseEvent,
    CheckIn,
    CommitteeSeat,
    NegativeCase,
    PartyGroup,
    PointEntry,
)

__all__ = [
    "CHANNELS", "LEVELS", "NAMING", "ROLES", "Base", "UTCDateTime", "utcnow",
    "DEADLINE_KINDS", "NEED_EVENT_KINDS", "NEED_STATUSES", "SATISFACTION", "URGENCIES", "Escalation", "Need",
    "NeedEvent", "Resource", "ReturnVisit", "TaskRoute", "TicketCounter", "need_assignees", "task_route_persons",
    "ChannelAccount", "Invite", "InviteFailure", "KeyValue", "OrgUnit", "Person", "ProcessedUpdate", "RoleBinding",
    "TelegramAccount",
    "CASE_EVENT_KINDS", "CASE_STATUSES", "CHECKIN_STATUSES", "ORGAN_LEVELS", "ORGAN_POSITIONS", "POSITIONS",
    "CaseEvent", "CheckIn", "CommitteeSeat", "NegativeCase", "PartyGroup", "PointEntry",
    "OWNERS_ROLES", "Evaluation", "EvaluationScore", "EvaluationVeto", "OwnersCommitteeMember", "PropertyCompany",
    "ServiceContract",
    "DELIVERY_STATUSES", "DigestDelivery", "DigestRun", "DigestSubscription", "OutboxNotice",
    "AuditEvent",
]
