"""Every write to tickets: registration and one service per workflow action.

Each action goes through the tickets workflow (`workflow.TICKETS.run`): it
checks the caller may see the ticket (else 404) and may take the action
(else 403), locks the row, checks the step against the *locked* status (so
of two people acting at once one wins and the other gets a 409), applies
the change, writes the append-only event and calls the listeners (deadlines,
notifications) — all in one transaction. Input is cleaned by
propdesk.common.clean, once, with one 400 naming every bad field."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.common.clean import Cleaner
from propdesk.common.errors import BadInput, Conflict
from propdesk.common.rights import as_actor
from propdesk.core.models import Department, Occupancy, Staff, Unit
from propdesk.core.numbering import Numbering
from propdesk.sla import hooks
from propdesk.tickets.models import (
    Capability,
    Category,
    Channel,
    Instruction,
    Kind,
    Severity,
    Status,
    Ticket,
)
from propdesk.tickets.workflow import TICKETS

DESCRIPTION_MAX = 5000
NOTE_MAX = 2000
FEE_MAX = Decimal("99999999.99")
TICKET_NUMBERS = Numbering("ticket")

VISIT_CHANNELS = ("phone", "home")
EXTRA_FIELDS = (
    "reporter_department",
    "capability",
    "capability_note",
    "agreed_at",
    "event_at",
    "event_place",
    "complained_about",
    "complained_department",
    "demand",
)


# ---------------------------------------------------------------- create


def ticket_create(
    *,
    project,
    actor,
    kind,
    description,
    severity=None,
    category="",
    unit=None,
    location="",
    reporter_name="",
    reporter_phone="",
    channel="phone",
    requested_by=None,
    urgent=False,
    urgent_cause="",
    paid=False,
    fee=None,
    reporter=None,
    **extra,
) -> Ticket:
    """Register a request (T-1, T-3 … T-10, T-14). Numbers come from the
    project's counter inside this transaction: sequential, never reused.
    `reporter` is the person picked in the lookup (a resident of the unit)."""
    unknown = set(extra) - set(EXTRA_FIELDS)
    if unknown:
        raise TypeError(f"ticket_create() got unexpected fields {sorted(unknown)}")
    who = as_actor(actor)
    TICKETS.rights.check(who, "create", project, sentence=_("You may not register requests for this project."))
    c = Cleaner()
    kind = c.choice("kind", kind, Kind.values, required=True)
    description = c.text("description", description, max_length=DESCRIPTION_MAX, required=True)
    if kind == Kind.COMPLAINT:
        if not severity:
            c.add("severity", _("A complaint needs its class: major, important or minor."))  # T-7
        severity = c.choice("severity", severity, Severity.values) or ""
    else:
        severity = ""
    category = c.choice("category", category or "", Category.values) or ""
    channel = c.choice("channel", channel or Channel.PHONE, Channel.values) or Channel.PHONE
    location = c.text("location", location, max_length=200)
    reporter_name = c.text("reporter_name", reporter_name, max_length=100)
    urgent = bool(urgent)
    urgent_cause = c.text("urgent_cause", urgent_cause, max_length=500, required=urgent)  # T-6
    if not urgent:
        urgent_cause = ""
    requested_by = c.datetime("requested_by", requested_by, zone=project.time_zone)
    if unit is not None and unit.project_id != project.pk:
        c.add("unit", _("No such unit in this project."))
    if reporter is not None and reporter.project_id != project.pk:
        c.add("reporter", _("No such person in this project."))

    if who.is_resident:
        # A resident files their own request through the portal: they are the reporter.
        reporter = _resident_person(who)
        channel = Channel.APP
        reporter_name, reporter_phone = reporter.name, reporter.phone
        current = _current_units(reporter)
        if unit is None:
            unit = current[0] if current else None
        elif unit.pk not in {u.pk for u in current}:
            c.add("unit", _("You can only report for your own unit."))
    else:
        required = kind != Kind.EMERGENCY  # T-14: emergencies are registered without reporter details
        if required and not reporter_name and not c.has("reporter_name"):
            c.add("reporter_name", _("This field is required."))
        reporter_phone = c.phone("reporter_phone", reporter_phone, required=required)
        if reporter is not None and not reporter_name:
            reporter_name = reporter.name

    paid = bool(paid)
    fee = c.money("fee", fee, max_value=FEE_MAX)
    if paid and fee is None and not c.has("fee"):
        c.add("fee", _("A paid service needs the fee told to the resident up front."))  # T-5
    if not paid:
        fee = None

    details = _clean_extra(c, project, kind, extra)
    c.raise_if_any()

    def store():
        with transaction.atomic():
            now = timezone.now()
            ticket = Ticket.objects.create(
                project=project,
                number=TICKET_NUMBERS.next(project=project, at=now, model=Ticket),
                kind=kind,
                severity=severity,
                category=category,
                status=Status.NEW,
                unit=unit,
                location=location,
                reporter=reporter,
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
                channel=channel,
                description=description,
                requested_by=requested_by,
                urgent=urgent,
                urgent_cause=urgent_cause,
                paid=paid,
                fee=fee,
                created_at=now,
                updated_at=now,
                created_by=who.user if who.user_id else None,
                **details,
            )
            data = {
                "number": ticket.number,
                "kind": kind,
                "severity": severity or None,
                "category": category or None,
                "unit": unit.code if unit else None,
                "channel": channel,
                "urgent": ticket.urgent,
                "paid": paid,
                "fee": str(fee) if fee is not None else None,
                "requested_by": _iso(requested_by),
                "capability": ticket.capability or None,
            }
            TICKETS.record_event(record=ticket, actor=who, action="create", at=now, data=data)
        return ticket

    try:
        return store()
    except IntegrityError as exc:
        # A number already taken: the counter lags behind the numbers stored (a
        # database filled without it). Move it past them and try once more.
        if "number" not in str(exc) and "ticket_number_unique" not in str(exc):
            raise
        TICKET_NUMBERS.resync(project=project, model=Ticket)
        return store()


def _resident_person(who):
    from propdesk.core.models import Person

    return Person.objects.get(pk=who.person_id)


def _current_units(person) -> list[Unit]:
    today = timezone.localdate()
    rows = Occupancy.objects.filter(person=person, unit__project_id=person.project_id).select_related("unit")
    return [o.unit for o in rows.order_by("id") if o.end is None or o.end >= today]


def _clean_extra(c: Cleaner, project, kind, extra: dict) -> dict:
    """T-3 reporter department, T-4 capability answer, T-10 complaint record."""
    zone = project.time_zone
    out = {
        "reporter_department": c.text("reporter_department", extra.get("reporter_department"), max_length=100),
        "capability_note": c.text("capability_note", extra.get("capability_note"), max_length=500),
        "event_place": c.text("event_place", extra.get("event_place"), max_length=200),
        "complained_about": c.text("complained_about", extra.get("complained_about"), max_length=200),
        "demand": c.text("demand", extra.get("demand"), max_length=DESCRIPTION_MAX),
        "event_at": c.datetime("event_at", extra.get("event_at"), zone=zone),
        "agreed_at": c.datetime("agreed_at", extra.get("agreed_at"), zone=zone),
    }
    capability = extra.get("capability") or ""
    if capability and kind != Kind.REPAIR:
        capability = ""
    capability = c.choice("capability", capability, Capability.values) or ""
    if capability == Capability.SCHEDULE and out["agreed_at"] is None and not c.has("agreed_at"):
        c.add("agreed_at", _("Agree a time with the resident when no engineer is free."))  # T-4
    if capability == Capability.NOT_OFFERED and not out["capability_note"]:
        c.add("capability_note", _("Give the reason the service is not offered."))  # T-4
    out["capability"] = capability
    department = extra.get("complained_department")
    if department is not None and department.project_id != project.pk:
        c.add("complained_department", _("No such department in this project."))
    out["complained_department"] = department
    return out


# ---------------------------------------------------------------- helpers of the actions


def _run(ticket, actor, action: str, data: dict, apply: Callable | None = None) -> Ticket:
    return TICKETS.run(record=ticket, actor=actor, action=action, data=data, apply=apply)


def _iso(value):
    return value.isoformat() if value is not None else None


def _note(field: str, value, *, required: bool = False, max_length: int = NOTE_MAX) -> str:
    c = Cleaner()
    text = c.text(field, value, max_length=max_length, required=required)
    c.raise_if_any()
    return text


def _claim_for_executor(ticket: Ticket, actor) -> None:
    """The department member who signs for or completes unassigned work becomes its executor."""
    who = as_actor(actor)
    if ticket.assignee_id is None and who.staff_id and who.in_department(ticket.department_id):
        ticket.assignee_id = who.staff_id


def _set(field: str, value=None) -> Callable:
    """An `apply` that stamps one fact (answered_at, slip_returned_at …) with the action's time."""

    def apply(t, now):
        setattr(t, field, now if value is None else value)
        return None

    return apply


# ---------------------------------------------------------------- one service per action


def ticket_triage(*, ticket, actor, valid, severity=None, note="") -> Ticket:
    """T-8: judge a complaint valid or invalid; an invalid one is still recorded and may close directly."""
    c = Cleaner()
    c.boolean("valid", valid, required=True)
    severity = c.choice("severity", severity, Severity.values)
    note = c.text("note", note, max_length=NOTE_MAX)
    c.raise_if_any()

    def apply(t, now):
        t.valid = valid
        if severity:
            t.severity = severity
        return None if valid else Status.INVALID

    return _run(ticket, actor, "triage", {"valid": valid, "severity": severity or None, "note": note}, apply)


def ticket_dispatch(*, ticket, actor, department=None, assignee=None, note="") -> Ticket:
    """T-11, T-13: to a department and/or a person (a major complaint may go
    straight to the project manager, who has no department)."""
    if department is None and assignee is None:
        raise BadInput(
            _("Some fields are missing or invalid."),
            {"department": [_("Choose a department or a person to dispatch to.")]},
        )
    c = Cleaner()
    if department is not None and department.project_id != ticket.project_id:
        c.add("department", _("No such department in this project."))
    if assignee is not None:
        if not assignee.projects.filter(pk=ticket.project_id).exists():
            c.add("assignee", _("This person does not work for this project."))
        elif department is not None and assignee.department_id not in (None, department.pk):
            c.add("assignee", _("This person is not in the chosen department."))
    note = c.text("note", note, max_length=NOTE_MAX)
    c.raise_if_any()
    if department is None and assignee is not None:
        department = assignee.department if assignee.department_id else None

    def apply(t, now):
        t.department = department
        t.assignee = assignee
        return None

    data = {
        "department": department.code if department else None,
        "assignee": assignee.user.username if assignee else None,
        "note": note,
    }
    return _run(ticket, actor, "dispatch", data, apply)


def ticket_accept(*, ticket, actor, note="") -> Ticket:
    note = _note("note", note)

    def apply(t, now):
        _claim_for_executor(t, actor)
        return None

    return _run(ticket, actor, "accept", {"note": note}, apply)


def ticket_follow(*, ticket, actor, note) -> Ticket:
    """T-13: the dispatcher's follow-up (2 h after registration, then before the day ends)."""
    return _run(ticket, actor, "follow", {"note": _note("note", note, required=True)})


def ticket_answer(*, ticket, actor, note) -> Ticket:
    """T-7, T-17, T-19: an answer given to the resident. After completion it is
    the 'result told' a complaint needs to close; an inquiry answered may close."""
    return _run(ticket, actor, "answer", {"note": _note("note", note, required=True)}, _set("answered_at"))


def ticket_complete(*, ticket, actor, note, leak_test_at=None) -> Ticket:
    """T-15: the executor reports the work done; leak repairs give the leak-test
    time. API.md makes `leak_test_at` optional: without it the leak test counts
    as done at completion (the visit is then due 3 days after completion)."""
    c = Cleaner()
    note = c.text("note", note, max_length=NOTE_MAX, required=True)
    leak_test_at = c.datetime("leak_test_at", leak_test_at, zone=ticket.project.time_zone)
    c.raise_if_any()

    def apply(t, now):
        t.completed_at = now
        t.leak_test_at = leak_test_at
        _claim_for_executor(t, actor)
        return None

    return _run(ticket, actor, "complete", {"note": note, "leak_test_at": _iso(leak_test_at)}, apply)


def ticket_return_slip(*, ticket, actor, note="") -> Ticket:
    """T-13: the executor's signed service-slip copy is back; the dispatcher files it."""
    return _run(ticket, actor, "return_slip", {"note": _note("note", note)}, _set("slip_returned_at"))


def ticket_visit(*, ticket, actor, satisfied, channel, note="") -> Ticket:
    """T-15, T-16: the follow-up visit; unsatisfied reopens the work to the same
    department and executor."""
    c = Cleaner()
    c.boolean("satisfied", satisfied, required=True)
    c.choice("channel", channel, VISIT_CHANNELS, required=True)
    note = c.text("note", note, max_length=NOTE_MAX)
    c.raise_if_any()

    def apply(t, now):
        t.visited_at = now
        t.visit_satisfied = satisfied
        return None if satisfied else Status.REOPENED

    return _run(ticket, actor, "visit", {"satisfied": satisfied, "channel": channel, "note": note}, apply)


def ticket_close(*, ticket, actor, note="") -> Ticket:
    """销项: only when the workflow's close guard is satisfied (409 naming what is missing)."""
    return _run(ticket, actor, "close", {"note": _note("note", note)}, _set("closed_at"))


def ticket_hold(*, ticket, actor, reason) -> Ticket:
    """T-18: waiting on the developer or an outside party; `reason` is the plan told to the resident."""
    reason = _note("reason", reason, required=True)

    def apply(t, now):
        t.held_from = t.status
        return None

    return _run(ticket, actor, "hold", {"reason": reason}, apply)


def ticket_resume(*, ticket, actor, reason) -> Ticket:
    reason = _note("reason", reason, required=True)

    def apply(t, now):
        back = t.held_from or (Status.DISPATCHED if t.department_id or t.assignee_id else Status.NEW)
        t.held_from = ""
        return back

    return _run(ticket, actor, "resume", {"reason": reason}, apply)


def ticket_reopen(*, ticket, actor, reason) -> Ticket:
    """Back to work with the same department and executor (T-16)."""
    reason = _note("reason", reason, required=True)

    def apply(t, now):
        t.closed_at = None
        return None

    return _run(ticket, actor, "reopen", {"reason": reason}, apply)


def ticket_cancel(*, ticket, actor, reason) -> Ticket:
    return _run(ticket, actor, "cancel", {"reason": _note("reason", reason, required=True)})


def ticket_acknowledge(*, ticket, actor) -> Ticket:
    """The caller takes an escalation addressed to them; the deadline rules decide whether there is one."""

    def apply(t, now):
        refusal = hooks.acknowledge_refusal(ticket=t, user=as_actor(actor).user)
        if refusal:
            raise Conflict(str(refusal))
        t.acknowledged_at = now
        return None

    return _run(ticket, actor, "acknowledge", {}, apply)


def ticket_instruct(*, ticket, actor, instruction) -> Ticket:
    """T-14: a leader's instruction, tracked as its own item."""
    text = _note("instruction", instruction, required=True)
    data = {"instruction": text}

    def apply(t, now):
        item = Instruction.objects.create(ticket=t, text=text, given_by=as_actor(actor).user, given_at=now)
        data["instruction_id"] = item.pk  # read by the workflow when it writes the event
        return None

    return _run(ticket, actor, "instruct", data, apply)


def ticket_signoff(*, ticket, actor, note="") -> Ticket:
    """T-14: the manager's sign-off an emergency needs before it closes."""
    return _run(ticket, actor, "signoff", {"note": _note("note", note)}, _set("signed_off_at"))


def instruction_done(*, instruction: Instruction, actor, note="") -> Instruction:
    """Mark a leader's instruction carried out (T-14). Anyone who works on the
    ticket may report it; it is its own event and meets no follow-up timer (T-13)."""
    note = _note("note", note)
    if instruction.done_at is not None:
        raise Conflict(_("This instruction is already marked done."))
    user = as_actor(actor).user

    def apply(t, now):
        updated = Instruction.objects.filter(pk=instruction.pk, done_at__isnull=True).update(
            done_at=now, done_by=user, done_note=note
        )
        if not updated:
            raise Conflict(_("This instruction is already marked done."))
        return None

    _run(instruction.ticket, actor, "instruction_done", {"note": note, "instruction_id": instruction.pk}, apply)
    instruction.refresh_from_db()
    return instruction


# ---------------------------------------------------------------- lookups the API and pages share


def department_by_code(project, code: str | None) -> Department | None:
    if not code:
        return None
    if "\x00" in code:
        return None
    return Department.objects.filter(project=project, code=code).first()


def staff_by_username(project, username: str | None) -> Staff | None:
    if not username or "\x00" in username:
        return None
    return Staff.objects.select_related("user", "department").filter(user__username=username, projects=project).first()


def unit_by_code(project, code: str | None) -> Unit | None:
    if not code or "\x00" in code:
        return None
    return Unit.objects.filter(project=project, code=code).first()
