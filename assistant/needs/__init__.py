"""The needs list (需求清单, 组通〔2020〕15号 clause 10–11): one import for the channel layer.

Plain functions taking a Session (+ Settings / NeedsPolicy where needed) and returning frozen views that stay
usable after the session closes. Times are timezone-aware UTC; every function that depends on the clock
takes `now`. Errors carry catalogue keys: NotAllowed, InvalidTransition, ValidationError (`.errors`),
NotFound — all NeedError, with `.message(lang)`.

    intake      needs_intake    NeedDraft, validate_draft, suggest_category, file_need, find_duplicates, join_need
    handling    needs_handling  accept, post_progress, resolve, hand_back, record_visit
    reading     needs_queries   mine, todo, detail, list_needs, recipients
    task list   routing         set_route, routes, route_for          (see also resources, escalation)
"""
from __future__ import annotations

from .escalation import EscalationView, escalate_due
from .views import (
                           OPEN_STATUSES,
                           EventView,
                           InvalidTransition,
                           NeedError,
                           NeedView,
                           NotAllowed,
                           NotFound,
                           ValidationError,
)
from .handling import TRANSITIONS, accept, allowed_actions, hand_back, post_progress, record_visit, resolve
from .filing import (
                           NeedDraft,
                           file_need,
                           find_duplicates,
                           join_need,
                           next_ticket,
                           similarity,
                           suggest_category,
                           suggest_urgency,
                           valid_phone,
                           validate_draft,
)
from .queries import NeedDetail, Recipient, VisitView, accounts_for, detail, list_needs, mine, recipients, todo
from .resources import ResourceView, add_resource, deactivate_resource, list_resources, matching_resources
from .tasklist import RouteView, remove_route, route_for, routes, set_route

__all__ = [
    "OPEN_STATUSES", "TRANSITIONS", "EscalationView", "EventView", "InvalidTransition", "NeedDetail", "NeedDraft",
    "NeedError", "NeedView", "NotAllowed", "NotFound", "Recipient", "ResourceView", "RouteView", "ValidationError",
    "VisitView", "accept", "accounts_for", "add_resource", "allowed_actions", "deactivate_resource", "detail", "escalate_due",
    "file_need", "find_duplicates", "hand_back", "join_need", "list_needs", "list_resources", "matching_resources",
    "mine", "next_ticket", "post_progress", "record_visit", "recipients", "remove_route", "resolve", "route_for",
    "routes", "set_route", "similarity", "suggest_category", "suggest_urgency", "todo", "valid_phone",
    "validate_draft",
]
