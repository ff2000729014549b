"""A per-sweep memo of slow-changing lookups (calendars, the ladder's people,
policies, webhooks), so a sweep of N due timers costs O(N) small queries, not
O(N) calendar loads. Outside `memo()` nothing is kept."""

from __future__ import annotations

import contextlib
import contextvars

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sla_memo", default=None)


@contextlib.contextmanager
def memo():
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def cached(key, compute):
    store = _memo.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def calendar_of(project):
    from propdesk.core.calendar import BusinessCalendar

    return cached(("calendar", project.pk), lambda: BusinessCalendar.for_project(project))
