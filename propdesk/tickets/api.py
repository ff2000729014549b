"""Ticket endpoints (API.md "Tickets"): thin. Each endpoint turns codes into
objects, calls one service and shapes the answer; services decide."""

from __future__ import annotations

import json

import pydantic
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer

from propdesk.apiutils import BadInput, Conflict, Forbidden, NotFound, idempotent_create, keyset_page
from propdesk.core.permissions import project_for
from propdesk.tickets import permissions, selectors, services, workflow
from propdesk.tickets.models import Kind, Severity, Status, TicketEvent
from propdesk.tickets.schemas import (
    CompleteIn,
    DispatchIn,
    EmptyIn,
    ErrorOut,
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

router = Router(tags=["tickets"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


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


class TicketFilter(Schema):
    project: str | None = None
    status: str | None = None
    kind: str | None = None
    severity: str | None = None
    department: str | None = None
    overdue: bool | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/tickets", response={200: TicketList, **ERRORS})
def ticket_list(request, filters: Query[TicketFilter]):
    """Tickets the caller may see, newest first; `status=open` means any open status."""
    user = request.user
    project = _project(user, filters.project) if filters.project else None  # empty = every visible project
    qs = selectors.tickets_visible_to(user, project)
    if filters.status:
        if filters.status == "open":
            qs = qs.filter(status__in=[s.value for s in workflow.OPEN])
        elif filters.status in Status.values:
            qs = qs.filter(status=filters.status)
        else:
            raise _bad("status", _("Choose one of: %(choices)s.") % {"choices": ", ".join([*Status.values, "open"])})
    if filters.kind:
        if filters.kind not in Kind.values:
            raise _bad("kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Kind.values)})
        qs = qs.filter(kind=filters.kind)
    if filters.severity:
        if filters.severity not in Severity.values:
            raise _bad("severity", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Severity.values)})
        qs = qs.filter(severity=filters.severity)
    if filters.department:
        qs = qs.filter(department__code=_code(filters.department) or "")
    if filters.overdue is not None:
        condition = selectors.overdue_condition()
        qs = qs.filter(condition) if filters.overdue else qs.exclude(condition)
    rows, cursor = keyset_page(selectors.with_details(qs), order=("-id",), cursor=filters.cursor, limit=filters.limit)
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


def _body(request, schema: type[Schema]):
    """The JSON body as `schema`; an empty body is an empty object (actions like
    `accept` need nothing)."""
    raw = request.body or b""
    data = {}
    if raw.strip():
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise BadInput(_("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise BadInput(_("The request body must be a JSON object."))
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())) or "__all__"
            errors.setdefault(field, []).append(str(err.get("msg", "")))
        raise BadInput(_("Some fields are missing or invalid."), errors) from None


def _act(request, ticket_id: int, action: str, schema: type[Schema], call):
    """Look the ticket up (404 if not visible), refuse callers without the right
    (403) before reading the body, then run the service and answer the ticket."""
    user = request.user
    ticket = selectors.ticket_for(user, ticket_id)
    if not permissions.may(user, action, ticket):
        raise Forbidden(_("You are not permitted to do this on this ticket."))
    body = _body(request, schema)
    updated = call(ticket, body)
    return _fresh(user, updated.pk)


def _body_doc(schema: type[Schema]) -> dict:
    return {"requestBody": {"required": False, "content": {"application/json": {"schema": schema.model_json_schema()}}}}


ACTION_OK = {200: TicketOut, **ERRORS}


@router.post("/tickets/{id}/triage", response=ACTION_OK, openapi_extra=_body_doc(TriageIn))
def ticket_triage(request, id: int):
    """Judge a complaint valid or invalid (T-8)."""

    def call(t, b):
        if b.valid is None:
            raise _bad("valid", _("This field is required."))
        return services.ticket_triage(
            ticket=t, actor=request.user, valid=b.valid, severity=b.severity, note=b.note or ""
        )

    return _act(request, id, "triage", TriageIn, call)


@router.post("/tickets/{id}/dispatch", response=ACTION_OK, openapi_extra=_body_doc(DispatchIn))
def ticket_dispatch(request, id: int):
    """To a department (code) and/or a person (username) (T-11, T-13)."""

    def call(t, b):
        department = assignee = None
        if b.department is not None and b.department.strip():
            department = services.department_by_code(t.project, _code(b.department))
            if department is None:
                raise _bad("department", _("No such department in this project."))
        if b.assignee is not None and b.assignee.strip():
            assignee = services.staff_by_username(t.project, _code(b.assignee))
            if assignee is None:
                raise _bad("assignee", _("No such person in this project."))
        return services.ticket_dispatch(
            ticket=t, actor=request.user, department=department, assignee=assignee, note=b.note or ""
        )

    return _act(request, id, "dispatch", DispatchIn, call)


@router.post("/tickets/{id}/accept", response=ACTION_OK, openapi_extra=_body_doc(NoteIn))
def ticket_accept(request, id: int):
    """The department signs for the ticket."""
    return _act(
        request,
        id,
        "accept",
        NoteIn,
        lambda t, b: services.ticket_accept(ticket=t, actor=request.user, note=b.note or ""),
    )


@router.post("/tickets/{id}/follow", response=ACTION_OK, openapi_extra=_body_doc(NoteIn))
def ticket_follow(request, id: int):
    """The dispatcher's follow-up (T-13)."""
    return _act(
        request, id, "follow", NoteIn, lambda t, b: services.ticket_follow(ticket=t, actor=request.user, note=b.note)
    )


@router.post("/tickets/{id}/answer", response=ACTION_OK, openapi_extra=_body_doc(NoteIn))
def ticket_answer(request, id: int):
    """An answer given to the resident (T-7, T-17, T-19)."""
    return _act(
        request, id, "answer", NoteIn, lambda t, b: services.ticket_answer(ticket=t, actor=request.user, note=b.note)
    )


@router.post("/tickets/{id}/complete", response=ACTION_OK, openapi_extra=_body_doc(CompleteIn))
def ticket_complete(request, id: int):
    """The executor reports the work done; leaks give `leak_test_at` (T-15)."""
    return _act(
        request,
        id,
        "complete",
        CompleteIn,
        lambda t, b: services.ticket_complete(ticket=t, actor=request.user, note=b.note, leak_test_at=b.leak_test_at),
    )


@router.post("/tickets/{id}/return_slip", response=ACTION_OK, openapi_extra=_body_doc(NoteIn))
def ticket_return_slip(request, id: int):
    """The signed service-slip copy is back (T-13)."""
    return _act(
        request,
        id,
        "return_slip",
        NoteIn,
        lambda t, b: services.ticket_return_slip(ticket=t, actor=request.user, note=b.note or ""),
    )


@router.post("/tickets/{id}/visit", response=ACTION_OK, openapi_extra=_body_doc(VisitIn))
def ticket_visit(request, id: int):
    """Follow-up visit 回访; unsatisfied reopens (T-15, T-16)."""

    def call(t, b):
        if b.satisfied is None:
            raise _bad("satisfied", _("This field is required."))
        return services.ticket_visit(
            ticket=t, actor=request.user, satisfied=b.satisfied, channel=b.channel, note=b.note or ""
        )

    return _act(request, id, "visit", VisitIn, call)


@router.post("/tickets/{id}/close", response=ACTION_OK, openapi_extra=_body_doc(NoteIn))
def ticket_close(request, id: int):
    """销项: 409 naming what is missing unless the closing conditions hold; the
    answer's `detail` ends with, and `errors.missing` lists, the actions that
    would supply it (e.g. `[return_slip, visit]`)."""

    def call(t, b):
        try:
            return services.ticket_close(ticket=t, actor=request.user, note=b.note or "")
        except Conflict as exc:
            missing = selectors.close_missing_actions(t)
            if not missing or exc.errors:
                raise
            raise Conflict(f"{exc.detail} [{', '.join(missing)}]", {"missing": missing}) from None

    return _act(request, id, "close", NoteIn, call)


@router.post("/tickets/{id}/hold", response=ACTION_OK, openapi_extra=_body_doc(ReasonIn))
def ticket_hold(request, id: int):
    """Waiting on the developer or an outside party (T-18)."""
    return _act(
        request, id, "hold", ReasonIn, lambda t, b: services.ticket_hold(ticket=t, actor=request.user, reason=b.reason)
    )


@router.post("/tickets/{id}/resume", response=ACTION_OK, openapi_extra=_body_doc(ReasonIn))
def ticket_resume(request, id: int):
    return _act(
        request,
        id,
        "resume",
        ReasonIn,
        lambda t, b: services.ticket_resume(ticket=t, actor=request.user, reason=b.reason),
    )


@router.post("/tickets/{id}/reopen", response=ACTION_OK, openapi_extra=_body_doc(ReasonIn))
def ticket_reopen(request, id: int):
    return _act(
        request,
        id,
        "reopen",
        ReasonIn,
        lambda t, b: services.ticket_reopen(ticket=t, actor=request.user, reason=b.reason),
    )


@router.post("/tickets/{id}/cancel", response=ACTION_OK, openapi_extra=_body_doc(ReasonIn))
def ticket_cancel(request, id: int):
    return _act(
        request,
        id,
        "cancel",
        ReasonIn,
        lambda t, b: services.ticket_cancel(ticket=t, actor=request.user, reason=b.reason),
    )


@router.post("/tickets/{id}/acknowledge", response=ACTION_OK, openapi_extra=_body_doc(EmptyIn))
def ticket_acknowledge(request, id: int):
    """The caller takes an escalation addressed to them (409 when there is none)."""
    return _act(
        request, id, "acknowledge", EmptyIn, lambda t, b: services.ticket_acknowledge(ticket=t, actor=request.user)
    )


@router.post("/tickets/{id}/instruct", response=ACTION_OK, openapi_extra=_body_doc(InstructIn))
def ticket_instruct(request, id: int):
    """A leader's instruction, tracked as its own item (T-14)."""
    return _act(
        request,
        id,
        "instruct",
        InstructIn,
        lambda t, b: services.ticket_instruct(ticket=t, actor=request.user, instruction=b.instruction),
    )


@router.post("/tickets/{id}/signoff", response=ACTION_OK, openapi_extra=_body_doc(NoteIn))
def ticket_signoff(request, id: int):
    """The manager's sign-off (emergencies, T-14)."""
    return _act(
        request,
        id,
        "signoff",
        NoteIn,
        lambda t, b: services.ticket_signoff(ticket=t, actor=request.user, note=b.note or ""),
    )


@router.post("/tickets/{id}/instructions/{instruction_id}/done", response=ACTION_OK, openapi_extra=_body_doc(NoteIn))
def instruction_done(request, id: int, instruction_id: int):
    """Report a leader's instruction carried out (T-14); 409 when it already is.
    Whoever may follow the ticket up may report it."""

    def call(t, b):
        found = next((i for i in t.instructions.all() if i.pk == instruction_id), None)
        if found is None:
            raise NotFound(_("No such instruction on this ticket."))
        found.ticket = t
        services.instruction_done(instruction=found, actor=request.user, note=b.note or "")
        return t

    return _act(request, id, "follow", NoteIn, call)
