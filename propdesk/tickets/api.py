"""Ticket endpoints (API.md "Tickets"): thin. Each endpoint turns codes into
objects, calls one service and shapes the answer; services decide."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer

from propdesk.common.errors import BadInput, Conflict, NotFound
from propdesk.common.paging import keyset_page
from propdesk.core.permissions import project_for
from propdesk.tickets import lists, selectors, services, workflow
from propdesk.tickets.lists import TICKET_LIST
from propdesk.tickets.models import TicketEvent
from propdesk.tickets.schemas import (
    CompleteIn,
    DispatchIn,
    EmptyIn,
    EventList,
    InstructIn,
    NoteIn,
    ReasonIn,
    TicketIn,
    TicketList,
    TicketOut,
    TriageIn,
    VisitIn,
    event_out,
    is_resident_viewer,
    ticket_out,
)
from propdesk.web.api import ERRORS, Action, add_actions, body_doc, idempotent_create, parse_body, required
from propdesk.web.lists import api_bind, query_schema

router = Router(tags=["tickets"])


def _bad(field: str, message: str):
    return BadInput(_("Some fields are missing or invalid."), {field: [message]})


def _code(value: str | None) -> str | None:
    """A code from the request, or None; NUL characters never reach the database."""
    if value is None:
        return None
    value = value.strip()
    return None if not value or "\x00" in value else value


def _project(user, code: str | None):
    code = _code(code)
    if code is None:
        raise NotFound(_("No such project."))
    return project_for(user, code)


# ---------------------------------------------------------------- create, read


@router.post("/tickets", response={201: TicketOut, **ERRORS})
def ticket_create(request, payload: TicketIn):
    """Register a request (T-1 … T-14). `Idempotency-Key` replays the first answer."""
    user = request.user
    missing = {
        f: [_("This field is required.")]
        for f in ("project", "kind", "description")
        if not (getattr(payload, f) or "").strip()
    }
    if missing:
        raise BadInput(_("Some fields are missing or invalid."), missing)
    project = _project(user, payload.project)

    def create():
        unit = None
        if payload.unit is not None and payload.unit.strip():
            unit = services.unit_by_code(project, _code(payload.unit))
            if unit is None:
                raise _bad("unit", _("No such unit in this project."))
        complained_department = None
        if payload.complained_department:
            complained_department = services.department_by_code(project, _code(payload.complained_department))
            if complained_department is None:
                raise _bad("complained_department", _("No such department in this project."))
        ticket = services.ticket_create(
            project=project,
            actor=user,
            kind=payload.kind.strip(),
            description=payload.description,
            severity=payload.severity,
            category=payload.category or "",
            unit=unit,
            location=payload.location,
            reporter_name=payload.reporter_name,
            reporter_phone=payload.reporter_phone,
            channel=payload.channel or "phone",
            requested_by=payload.requested_by,
            urgent=payload.urgent,
            urgent_cause=payload.urgent_cause,
            paid=payload.paid,
            fee=payload.fee,
            reporter_department=payload.reporter_department,
            capability=payload.capability,
            capability_note=payload.capability_note,
            agreed_at=payload.agreed_at,
            event_at=payload.event_at,
            event_place=payload.event_place,
            complained_about=payload.complained_about,
            complained_department=complained_department,
            demand=payload.demand,
        )
        return 201, _fresh(user, ticket.pk)

    status, body = idempotent_create(request, create)
    return Answer(status, body)


def _fresh(user, ticket_id: int) -> dict:
    return ticket_out(user, selectors.ticket_for(user, ticket_id), with_actions=True)


TicketQuery = query_schema(
    TICKET_LIST,
    "TicketQuery",
    extra={"project": (str | None, None), "cursor": (str | None, None), "limit": (int, 50)},
)


@router.get("/tickets", response={200: TicketList, **ERRORS})
def ticket_list(request, filters: Query[TicketQuery]):
    """Tickets the caller may see, newest first, with the ticket list spec's
    filters (a bad value is a 400 naming it); `status=open` means any open status."""
    user = request.user
    project = _project(user, filters.project) if filters.project else None  # empty = every visible project
    bound = api_bind(TICKET_LIST, filters, lists.context(user, project))
    qs = bound.apply(selectors.tickets_visible_to(user, project))
    rows, cursor = keyset_page(
        selectors.with_details(qs), order=bound.order, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [ticket_out(user, t) for t in rows], "next_cursor": cursor}


@router.get("/tickets/{id}", response={200: TicketOut, **ERRORS})
def ticket_detail(request, id: int):
    return _fresh(request.user, id)


class EventFilter(Schema):
    cursor: str | None = None
    limit: int = 100


@router.get("/tickets/{id}/events", response={200: EventList, **ERRORS})
def ticket_events(request, id: int, filters: Query[EventFilter]):
    """The append-only history (T-2), oldest first."""
    ticket = selectors.ticket_for(request.user, id)
    qs = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    rows, cursor = keyset_page(qs, order=("id",), cursor=filters.cursor, limit=filters.limit)
    for_resident = is_resident_viewer(request.user)
    return {"items": [event_out(e, for_resident=for_resident) for e in rows], "next_cursor": cursor}


# ---------------------------------------------------------------- actions


def _department(ticket, code):
    if code is None or not str(code).strip():
        return None
    department = services.department_by_code(ticket.project, _code(code))
    if department is None:
        raise _bad("department", _("No such department in this project."))
    return department


def _assignee(ticket, username):
    if username is None or not str(username).strip():
        return None
    staff = services.staff_by_username(ticket.project, _code(username))
    if staff is None:
        raise _bad("assignee", _("No such person in this project."))
    return staff


def _close(t, user, b):
    """销项: 409 naming what is missing; `errors.missing` lists the actions that would supply it."""
    try:
        return services.ticket_close(ticket=t, actor=user, note=b.note or "")
    except Conflict as exc:
        missing = workflow.close_missing_actions(t)
        if not missing or exc.errors:
            raise
        raise Conflict(f"{exc.detail} [{', '.join(missing)}]", {"missing": missing}) from None


ACTIONS = {
    "triage": Action(
        TriageIn,
        lambda t, user, b: services.ticket_triage(
            ticket=t, actor=user, valid=required(b.valid, "valid"), severity=b.severity, note=b.note or ""
        ),
        "Judge a complaint valid or invalid (T-8).",
    ),
    "dispatch": Action(
        DispatchIn,
        lambda t, user, b: services.ticket_dispatch(
            ticket=t,
            actor=user,
            department=_department(t, b.department),
            assignee=_assignee(t, b.assignee),
            note=b.note or "",
        ),
        "To a department (code) and/or a person (username) (T-11, T-13).",
    ),
    "accept": Action(
        NoteIn,
        lambda t, user, b: services.ticket_accept(ticket=t, actor=user, note=b.note or ""),
        "The department signs for the ticket.",
    ),
    "follow": Action(
        NoteIn,
        lambda t, user, b: services.ticket_follow(ticket=t, actor=user, note=b.note),
        "The dispatcher's follow-up (T-13).",
    ),
    "answer": Action(
        NoteIn,
        lambda t, user, b: services.ticket_answer(ticket=t, actor=user, note=b.note),
        "An answer given to the resident (T-7, T-17, T-19).",
    ),
    "complete": Action(
        CompleteIn,
        lambda t, user, b: services.ticket_complete(ticket=t, actor=user, note=b.note, leak_test_at=b.leak_test_at),
        "The executor reports the work done; leaks give `leak_test_at` (T-15).",
    ),
    "return_slip": Action(
        NoteIn,
        lambda t, user, b: services.ticket_return_slip(ticket=t, actor=user, note=b.note or ""),
        "The signed service-slip copy is back (T-13).",
    ),
    "visit": Action(
        VisitIn,
        lambda t, user, b: services.ticket_visit(
            ticket=t, actor=user, satisfied=required(b.satisfied, "satisfied"), channel=b.channel, note=b.note or ""
        ),
        "Follow-up visit 回访; unsatisfied reopens (T-15, T-16).",
    ),
    "close": Action(
        NoteIn,
        _close,
        "销项: 409 naming what is missing unless the closing conditions hold; the answer's `detail` ends with, "
        "and `errors.missing` lists, the actions that would supply it (e.g. `[return_slip, visit]`).",
    ),
    "hold": Action(
        ReasonIn,
        lambda t, user, b: services.ticket_hold(ticket=t, actor=user, reason=b.reason),
        "Waiting on the developer or an outside party (T-18).",
    ),
    "resume": Action(ReasonIn, lambda t, user, b: services.ticket_resume(ticket=t, actor=user, reason=b.reason)),
    "reopen": Action(ReasonIn, lambda t, user, b: services.ticket_reopen(ticket=t, actor=user, reason=b.reason)),
    "cancel": Action(ReasonIn, lambda t, user, b: services.ticket_cancel(ticket=t, actor=user, reason=b.reason)),
    "acknowledge": Action(
        EmptyIn,
        lambda t, user, b: services.ticket_acknowledge(ticket=t, actor=user),
        "The caller takes an escalation addressed to them (409 when there is none).",
    ),
    "instruct": Action(
        InstructIn,
        lambda t, user, b: services.ticket_instruct(ticket=t, actor=user, instruction=b.instruction),
        "A leader's instruction, tracked as its own item (T-14).",
    ),
    "signoff": Action(
        NoteIn,
        lambda t, user, b: services.ticket_signoff(ticket=t, actor=user, note=b.note or ""),
        "The manager's sign-off (emergencies, T-14).",
    ),
}

add_actions(
    router,
    prefix="/tickets",
    workflow=workflow.TICKETS,
    actions=ACTIONS,
    load=selectors.ticket_for,
    answer=lambda user, t: _fresh(user, t.pk),
    response={200: TicketOut, **ERRORS},
    tag="ticket",
)


@router.post(
    "/tickets/{id}/instructions/{instruction_id}/done",
    response={200: TicketOut, **ERRORS},
    openapi_extra=body_doc(NoteIn),
)
def instruction_done(request, id: int, instruction_id: int):
    """Report a leader's instruction carried out (T-14); 409 when it already is.
    Whoever works on the ticket may report it."""
    user = request.user
    ticket = selectors.ticket_for(user, id)
    workflow.TICKETS.check_rights(user, "instruction_done", ticket)
    body = parse_body(request, NoteIn)
    found = next((i for i in ticket.instructions.all() if i.pk == instruction_id), None)
    if found is None:
        raise NotFound(_("No such instruction on this ticket."))
    found.ticket = ticket
    services.instruction_done(instruction=found, actor=user, note=body.note or "")
    return _fresh(user, ticket.pk)
