"""Shapes of tickets in the API (API.md "Tickets"). Input fields are loosely
typed on purpose: the services check them and answer in the user's language,
naming each bad field. Output is built by `ticket_out`, which masks phones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from propdesk.core.permissions import shown_phone
from propdesk.tickets import display, selectors


class TicketIn(Schema):
    project: str | None = Field(None, description="Project code (required).")
    kind: str | None = Field(None, description="repair | complaint | inquiry | suggestion | emergency (required).")
    severity: str | None = Field(None, description="major | important | minor: required for complaints (T-7).")
    category: str | None = None
    unit: str | None = Field(None, description="Unit code of the project, e.g. 1-1-101.")
    location: str | None = None
    reporter_name: str | None = Field(None, description="Required except for emergencies and residents' own.")
    reporter_phone: str | None = None
    reporter_department: str | None = Field(None, description="Office buildings: the reporter's department (T-3).")
    channel: str | None = Field(None, description="phone | visit | letter | fax | app; default phone.")
    description: str | None = Field(None, description="Required, 1–5000 characters.")
    requested_by: dt.datetime | None = Field(None, description="The resident's own deadline.")
    urgent: bool = Field(False, description="Work-stopping issue (T-6).")
    urgent_cause: str | None = Field(None, description="The cause of the stoppage (T-6).")
    paid: bool = Field(False, description="Paid special repair (T-5); needs `fee`.")
    fee: Decimal | None = None
    capability: str | None = Field(None, description="T-4 check: available | schedule | not_offered.")
    capability_note: str | None = Field(None, description="Reason the service is not offered (T-4).")
    agreed_at: dt.datetime | None = Field(None, description="Time agreed when no engineer is free (T-4).")
    event_at: dt.datetime | None = Field(None, description="Complaint: when it happened (T-10).")
    event_place: str | None = None
    complained_about: str | None = Field(None, description="Complaint: the person complained about (T-10).")
    complained_department: str | None = Field(None, description="Complaint: department code (T-10, T-11).")
    demand: str | None = Field(None, description="Complaint: the resident's demand (T-10).")


class TriageIn(Schema):
    valid: bool | None = None
    severity: str | None = None
    note: str | None = None


class DispatchIn(Schema):
    department: str | None = Field(None, description="Department code.")
    assignee: str | None = Field(None, description="Username of the executor.")
    note: str | None = None


class NoteIn(Schema):
    note: str | None = None


class CompleteIn(Schema):
    note: str | None = None
    leak_test_at: dt.datetime | None = None


class VisitIn(Schema):
    satisfied: bool | None = None
    channel: str | None = Field(None, description="phone | home")
    note: str | None = None


class ReasonIn(Schema):
    reason: str | None = None


class InstructIn(Schema):
    instruction: str | None = None


class EmptyIn(Schema):
    pass


class TimerOut(Schema):
    metric: str
    started_at: dt.datetime
    due_at: dt.datetime
    stopped_at: dt.datetime | None
    state: str


class InstructionOut(Schema):
    id: int
    text: str
    given_by: str | None
    given_at: dt.datetime
    done_at: dt.datetime | None
    done_by: str | None
    done_note: str


class TicketOut(Schema):
    id: int
    number: int
    project: str
    kind: str
    severity: str | None
    category: str | None
    status: str
    unit: str | None
    location: str
    reporter_name: str
    reporter_phone: str
    reporter_department: str
    channel: str
    description: str
    created_at: dt.datetime
    created_by: str | None
    department: str | None
    assignee: str | None
    valid: bool | None
    requested_by: dt.datetime | None
    urgent: bool
    urgent_cause: str
    paid: bool
    fee: Decimal | None
    capability: str | None
    capability_note: str
    capability_sentence: str
    agreed_at: dt.datetime | None
    event_at: dt.datetime | None
    event_place: str
    complained_about: str
    complained_department: str | None
    demand: str
    completed_at: dt.datetime | None
    leak_test_at: dt.datetime | None
    answered_at: dt.datetime | None
    slip_returned_at: dt.datetime | None
    visited_at: dt.datetime | None
    visit_satisfied: bool | None
    signed_off_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    closed_at: dt.datetime | None
    updated_at: dt.datetime
    timers: list[TimerOut]
    instructions: list[InstructionOut]
    close_blockers: list[str]
    actions: list[str] | None = Field(None, description="Actions the caller may take now (single-ticket answers).")


class TicketList(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class EventOut(Schema):
    at: dt.datetime
    actor: str | None
    action: str
    code: str
    label: str
    data: dict


class EventList(Schema):
    items: list[EventOut]
    next_cursor: str | None


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def _username(user):
    return user.username if user is not None else None


def ticket_out(user, t, *, with_actions: bool = False) -> dict:
    """The ticket as the API shows it to `user` (phones masked unless their role
    needs them in full). Reads only what selectors.with_details prefetched."""
    return {
        "id": t.pk,
        "number": t.number,
        "project": t.project.code,
        "kind": t.kind,
        "severity": t.severity or None,
        "category": t.category or None,
        "status": t.status,
        "unit": t.unit.code if t.unit_id else None,
        "location": t.location,
        "reporter_name": t.reporter_name,
        "reporter_phone": shown_phone(user, t.reporter_phone, record=t),
        "reporter_department": t.reporter_department,
        "channel": t.channel,
        "description": t.description,
        "created_at": t.created_at,
        "created_by": _username(t.created_by) if t.created_by_id else None,
        "department": t.department.code if t.department_id else None,
        "assignee": t.assignee.user.username if t.assignee_id else None,
        "valid": t.valid,
        "requested_by": t.requested_by,
        "urgent": t.urgent,
        "urgent_cause": t.urgent_cause,
        "paid": t.paid,
        "fee": t.fee,
        "capability": t.capability or None,
        "capability_note": t.capability_note,
        "capability_sentence": display.capability_sentence(t),
        "agreed_at": t.agreed_at,
        "event_at": t.event_at,
        "event_place": t.event_place,
        "complained_about": t.complained_about,
        "complained_department": t.complained_department.code if t.complained_department_id else None,
        "demand": t.demand,
        "completed_at": t.completed_at,
        "leak_test_at": t.leak_test_at,
        "answered_at": t.answered_at,
        "slip_returned_at": t.slip_returned_at,
        "visited_at": t.visited_at,
        "visit_satisfied": t.visit_satisfied,
        "signed_off_at": t.signed_off_at,
        "acknowledged_at": t.acknowledged_at,
        "closed_at": t.closed_at,
        "updated_at": t.updated_at,
        "timers": [
            {
                "metric": x.metric,
                "started_at": x.started_at,
                "due_at": x.due_at,
                "stopped_at": x.stopped_at,
                "state": x.state,
            }
            for x in t.timers.all()
        ],
        "instructions": [
            {
                "id": i.pk,
                "text": i.text,
                "given_by": _username(i.given_by),
                "given_at": i.given_at,
                "done_at": i.done_at,
                "done_by": _username(i.done_by) if i.done_by_id else None,
                "done_note": i.done_note,
            }
            for i in t.instructions.all()
        ]
        if not is_resident_viewer(user)
        else [],  # leaders' instructions are internal
        "close_blockers": selectors.close_blockers(t),
        "actions": selectors.allowed_actions(t, user) if with_actions else None,
    }


# A resident reads the notes of the events addressed to them (the answer,
# their own visit, their registration); other notes are internal.
RESIDENT_READABLE = frozenset({"ticket.created", "ticket.answered", "ticket.visited"})


def is_resident_viewer(user) -> bool:
    """A portal user (not staff). Memoised on the user object: a missing
    one-to-one is not cached by Django, and lists call this once per row."""
    from propdesk.core.permissions import resident_of, staff_of

    if user is None:
        return False
    cached = getattr(user, "_propdeskis_resident_viewer", None)
    if cached is None:
        cached = not user.is_superuser and staff_of(user) is None and resident_of(user) is not None
        user._propdeskis_resident_viewer = cached
    return cached


def event_out(e, *, for_resident: bool = False) -> dict:
    from propdesk.common.history import labels, resident_view
    from propdesk.tickets.workflow import CODE_TO_ACTION

    data = e.data
    if for_resident:
        data = resident_view(data, readable=e.action in RESIDENT_READABLE)
    return {
        "at": e.at,
        "actor": e.actor.username if e.actor_id else None,
        "action": CODE_TO_ACTION.get(e.action, e.action),
        "code": e.action,
        "label": labels.label(e.action),
        "data": data,
    }
