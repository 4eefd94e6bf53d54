"""The needs list (需求清单, 组通〔2020〕15号 clause 10–11).

Plain functions taking a Session (+ the NeedsPolicy where needed) and returning frozen views that stay usable
after the session closes. Times are timezone-aware UTC; every function that depends on the clock takes `now`.
Errors are the kernel's (assistant/errors.py), with catalogue keys.

    filing      NeedDraft, validate_draft, suggest_category, file_need, find_duplicates, join_need
    handling    accept, post_progress, resolve, hand_back, record_visit (the state machine)
    queries     mine, todo, detail, list_needs, recipients
    tasklist    任务清单: set_route, routes, route_for, coordinators
    resources   资源清单        escalation  six-level escalation (+ the periodic run)
    freetext    is this text a need or a question, and what can be prefilled from it
    places      the compounds and buildings a worker may file for
    views / records / access   frozen views; loading and the event history; who may file or handle
"""
