"""Every write to tickets: registration and one service per workflow action.

Each action goes through `transition()`: it checks the caller may see the
ticket (else 404) and may take the action (else 403), locks the row, checks
the workflow table against the *locked* status (so of two people acting at
once one wins and the other gets a 409), applies the change, writes the
append-only event and tells sla — all in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.apiutils import BadInput, Conflict, Forbidden, NotFound
from propdesk.core.models import Department, Occupancy, Staff, Unit
from propdesk.core.services import counter_next
from propdesk.sla import hooks
from propdesk.tickets import permissions, selectors, workflow
from propdesk.tickets.models import (
    Capability,
    Category,
    Channel,
    Instruction,
    Kind,
    Severity,
    Status,
    Ticket,
    TicketEvent,
)

DESCRIPTION_MAX = 5000
NOTE_MAX = 2000
FEE_MAX = Decimal("99999999.99")
# Datetimes outside this range are typos (and overflow on conversion).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)

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


class Errors:
    """Collects field errors; `raise_if_any` raises one 400 naming them all."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise BadInput(_("Some fields are missing or invalid."), self.errors)


def clean_text(errors: Errors, field: str, value, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        errors.add(field, _("Contains a character that is not allowed."))
        return ""
    if required and not text:
        errors.add(field, _("This field is required."))
    elif len(text) > max_length:
        errors.add(field, _("At most %(n)d characters.") % {"n": max_length})
    return text


def clean_datetime(errors: Errors, field: str, value, project=None):
    if value is None or value == "":
        return None
    if not isinstance(value, dt.datetime):
        errors.add(field, _("Not a date and time."))
        return None
    try:
        if timezone.is_naive(value):
            zone = ZoneInfo(project.time_zone) if project is not None else timezone.get_current_timezone()
            value = value.replace(tzinfo=zone)
        if not (EARLIEST <= value < LATEST):
            raise ValueError
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        errors.add(field, _("The date is out of range."))
        return None


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
    **extra,
) -> Ticket:
    """Register a request (T-1, T-3 … T-10, T-14). Numbers come from the
    project's counter inside this transaction: sequential, never reused."""
    unknown = set(extra) - set(EXTRA_FIELDS)
    if unknown:
        raise TypeError(f"ticket_create() got unexpected fields {sorted(unknown)}")
    if not permissions.can_create(actor, project):
        raise Forbidden(_("You may not register requests for this project."))
    w = permissions.who(actor)
    errors = Errors()

    if kind not in Kind.values:
        errors.add("kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Kind.values)})
    description = clean_text(errors, "description", description, max_length=DESCRIPTION_MAX, required=True)
    if kind == Kind.COMPLAINT:
        if not severity:
            errors.add("severity", _("A complaint needs its class: major, important or minor."))  # T-7
        elif severity not in Severity.values:
            errors.add("severity", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Severity.values)})
    else:
        severity = ""
    category = category or ""
    if category not in Category.values and category != "":
        errors.add("category", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Category.values)})
    channel = channel or Channel.PHONE
    if channel not in Channel.values:
        errors.add("channel", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Channel.values)})
    location = clean_text(errors, "location", location, max_length=200)
    reporter_name = clean_text(errors, "reporter_name", reporter_name, max_length=100)
    reporter_phone = clean_text(errors, "reporter_phone", reporter_phone, max_length=32)
    urgent_cause = clean_text(errors, "urgent_cause", urgent_cause, max_length=500)
    requested_by = clean_datetime(errors, "requested_by", requested_by, project)
    if unit is not None and unit.project_id != project.pk:
        errors.add("unit", _("No such unit in this project."))

    reporter = None
    if w.is_resident:
        # A resident files their own request through the portal: they are the reporter.
        reporter = permissions.resident_of(actor).person
        channel = Channel.APP
        reporter_name, reporter_phone = reporter.name, reporter.phone
        current = _current_units(reporter)
        if unit is None:
            unit = current[0] if current else None
        elif unit.pk not in {u.pk for u in current}:
            errors.add("unit", _("You can only report for your own unit."))
    elif kind != Kind.EMERGENCY:  # T-14: emergencies are registered without reporter details
        if not reporter_name:
            errors.add("reporter_name", _("This field is required."))
        if not reporter_phone:
            errors.add("reporter_phone", _("This field is required."))

    paid = bool(paid)
    if fee is not None:
        try:
            fee = Decimal(str(fee))
            if not fee.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.add("fee", _("Not an amount."))
            fee = None
    if fee is not None and (fee < 0 or fee > FEE_MAX):
        errors.add("fee", _("The fee must be between 0 and %(max)s.") % {"max": FEE_MAX})
    elif fee is not None:
        fee = fee.quantize(Decimal("0.01"))
    if paid and fee is None and "fee" not in errors.errors:
        errors.add("fee", _("A paid service needs the fee told to the resident up front."))  # T-5
    if not paid:
        fee = None

    details = _clean_extra(errors, project, kind, extra)
    errors.raise_if_any()

    with transaction.atomic():
        now = timezone.now()
        ticket = Ticket.objects.create(
            project=project,
            number=counter_next(project=project, name="ticket"),
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
            urgent=bool(urgent),
            urgent_cause=urgent_cause,
            paid=paid,
            fee=fee,
            created_at=now,
            updated_at=now,
            created_by=actor if actor and actor.is_authenticated else None,
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
        _record(ticket, actor, "create", now, data)
    return ticket


def _current_units(person) -> list[Unit]:
    today = timezone.localdate()
    rows = Occupancy.objects.filter(person=person, unit__project_id=person.project_id).select_related("unit")
    return [o.unit for o in rows.order_by("id") if o.end is None or o.end >= today]


def _clean_extra(errors: Errors, project, kind, extra: dict) -> dict:
    """T-3 reporter department, T-4 capability answer, T-10 complaint record."""
    out = {
        "reporter_department": clean_text(
            errors, "reporter_department", extra.get("reporter_department"), max_length=100
        ),
        "capability_note": clean_text(errors, "capability_note", extra.get("capability_note"), max_length=500),
        "event_place": clean_text(errors, "event_place", extra.get("event_place"), max_length=200),
        "complained_about": clean_text(errors, "complained_about", extra.get("complained_about"), max_length=200),
        "demand": clean_text(errors, "demand", extra.get("demand"), max_length=DESCRIPTION_MAX),
        "event_at": clean_datetime(errors, "event_at", extra.get("event_at"), project),
        "agreed_at": clean_datetime(errors, "agreed_at", extra.get("agreed_at"), project),
    }
    capability = extra.get("capability") or ""
    if capability and kind != Kind.REPAIR:
        capability = ""
    if capability not in Capability.values and capability != "":
        errors.add("capability", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Capability.values)})
    if capability == Capability.SCHEDULE and out["agreed_at"] is None and "agreed_at" not in errors.errors:
        errors.add("agreed_at", _("Agree a time with the resident when no engineer is free."))  # T-4
    if capability == Capability.NOT_OFFERED and not out["capability_note"]:
        errors.add("capability_note", _("Give the reason the service is not offered."))  # T-4
    out["capability"] = capability
    department = extra.get("complained_department")
    if department is not None and department.project_id != project.pk:
        errors.add("complained_department", _("No such department in this project."))
    out["complained_department"] = department
    return out


# ---------------------------------------------------------------- the one transition helper


def transition(
    *,
    ticket: Ticket,
    actor,
    action: str,
    data: dict | None = None,
    apply: Callable[[Ticket, dt.datetime], str | None] | None = None,
) -> Ticket:
    """Run `action` on `ticket` as `actor`. `apply(locked, now)` changes the
    locked row and may return the target status when it depends on the
    request; otherwise the workflow table's target (or no change) holds."""
    step = workflow.step_for(action)
    with transaction.atomic():
        # Lock first, then judge everything on the locked row: a concurrent
        # action that committed before us is seen here, and its effect decides.
        locked = Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
        if locked is None or not permissions.can_see(actor, locked):
            raise NotFound(_("No such ticket."))
        if not permissions.may(actor, action, locked):
            raise Forbidden(_("You are not permitted to do this on this ticket."))
        refusal = selectors.action_refusal(locked, action)
        if refusal:
            raise Conflict(refusal)
        now = timezone.now()
        old = locked.status
        target = apply(locked, now) if apply else None
        locked.status = target or step.to or old
        locked.updated_at = now
        locked.save()
        event_data = dict(data or {})
        if locked.status != old:
            event_data["status"] = {"from": old, "to": locked.status}
        _record(locked, actor, action, now, event_data)
    return locked


def _record(ticket: Ticket, actor, action: str, at, data: dict) -> TicketEvent:
    """The append-only event (T-2), then sla's hook, in the same transaction."""
    step = workflow.step_for(action)
    user = actor if actor is not None and actor.is_authenticated else None
    event = TicketEvent.objects.create(ticket=ticket, at=at, actor=user, action=step.code, data=data)
    hooks.on_ticket_event(ticket=ticket, action=action, actor=user, at=at, data=data)
    return event


def _iso(value):
    return value.isoformat() if value is not None else None


def _required_note(field: str, value, *, max_length: int = NOTE_MAX) -> str:
    errors = Errors()
    text = clean_text(errors, field, value, max_length=max_length, required=True)
    errors.raise_if_any()
    return text


def _optional_note(field: str, value, *, max_length: int = NOTE_MAX) -> str:
    errors = Errors()
    text = clean_text(errors, field, value, max_length=max_length)
    errors.raise_if_any()
    return text


def _claim_for_executor(ticket: Ticket, actor) -> None:
    """The department member who signs for or completes unassigned work becomes its executor."""
    w = permissions.who(actor)
    if ticket.assignee_id is None and w.staff_id and w.department_id and w.department_id == ticket.department_id:
        ticket.assignee_id = w.staff_id


# ---------------------------------------------------------------- one service per action


def ticket_triage(*, ticket, actor, valid, severity=None, note="") -> Ticket:
    """T-8: judge a complaint valid or invalid; an invalid one is still recorded and may close directly."""
    if not isinstance(valid, bool):
        raise BadInput(_("Some fields are missing or invalid."), {"valid": [_("Say true or false.")]})
    if severity and severity not in Severity.values:
        raise BadInput(
            _("Some fields are missing or invalid."),
            {"severity": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Severity.values)}]},
        )
    note = _optional_note("note", note)

    def apply(t, now):
        t.valid = valid
        if severity:
            t.severity = severity
        return None if valid else Status.INVALID

    return transition(
        ticket=ticket,
        actor=actor,
        action="triage",
        apply=apply,
        data={"valid": valid, "severity": severity or None, "note": note},
    )


def ticket_dispatch(*, ticket, actor, department=None, assignee=None, note="") -> Ticket:
    """T-11, T-13: to a department and/or a person (a major complaint may go
    straight to the project manager, who has no department)."""
    if department is None and assignee is None:
        raise BadInput(
            _("Some fields are missing or invalid."),
            {"department": [_("Choose a department or a person to dispatch to.")]},
        )
    errors = Errors()
    if department is not None and department.project_id != ticket.project_id:
        errors.add("department", _("No such department in this project."))
    if assignee is not None:
        if not assignee.projects.filter(pk=ticket.project_id).exists():
            errors.add("assignee", _("This person does not work for this project."))
        elif department is not None and assignee.department_id not in (None, department.pk):
            errors.add("assignee", _("This person is not in the chosen department."))
    note = clean_text(errors, "note", note, max_length=NOTE_MAX)
    errors.raise_if_any()
    if department is None and assignee is not None:
        department = assignee.department if assignee.department_id else None

    def apply(t, now):
        t.department = department
        t.assignee = assignee
        return None

    return transition(
        ticket=ticket,
        actor=actor,
        action="dispatch",
        apply=apply,
        data={
            "department": department.code if department else None,
            "assignee": assignee.user.username if assignee else None,
            "note": note,
        },
    )


def ticket_accept(*, ticket, actor, note="") -> Ticket:
    note = _optional_note("note", note)

    def apply(t, now):
        _claim_for_executor(t, actor)
        return None

    return transition(ticket=ticket, actor=actor, action="accept", apply=apply, data={"note": note})


def ticket_follow(*, ticket, actor, note) -> Ticket:
    """T-13: the dispatcher's follow-up (2 h after registration, then before the day ends)."""
    note = _required_note("note", note)
    return transition(ticket=ticket, actor=actor, action="follow", data={"note": note})


def ticket_answer(*, ticket, actor, note) -> Ticket:
    """T-7, T-17, T-19: an answer given to the resident. After completion it is
    the 'result told' a complaint needs to close; an inquiry answered may close."""
    note = _required_note("note", note)

    def apply(t, now):
        t.answered_at = now
        return None

    return transition(ticket=ticket, actor=actor, action="answer", apply=apply, data={"note": note})


def ticket_complete(*, ticket, actor, note, leak_test_at=None) -> Ticket:
    """T-15: the executor reports the work done; leak repairs give the leak-test
    time. API.md makes `leak_test_at` optional: without it the leak test counts
    as done at completion (the visit is then due 3 days after completion)."""
    errors = Errors()
    note = clean_text(errors, "note", note, max_length=NOTE_MAX, required=True)
    leak_test_at = clean_datetime(errors, "leak_test_at", leak_test_at)
    errors.raise_if_any()

    def apply(t, now):
        t.completed_at = now
        t.leak_test_at = leak_test_at
        _claim_for_executor(t, actor)
        return None

    return transition(
        ticket=ticket,
        actor=actor,
        action="complete",
        apply=apply,
        data={"note": note, "leak_test_at": _iso(leak_test_at)},
    )


def ticket_return_slip(*, ticket, actor, note="") -> Ticket:
    """T-13: the executor's signed service-slip copy is back; the dispatcher files it."""
    note = _optional_note("note", note)

    def apply(t, now):
        t.slip_returned_at = now
        return None

    return transition(ticket=ticket, actor=actor, action="return_slip", apply=apply, data={"note": note})


def ticket_visit(*, ticket, actor, satisfied, channel, note="") -> Ticket:
    """T-15, T-16: the follow-up visit; unsatisfied reopens the work to the same
    department and executor."""
    errors = Errors()
    if not isinstance(satisfied, bool):
        errors.add("satisfied", _("Say true or false."))
    if channel not in VISIT_CHANNELS:
        errors.add("channel", _("Choose one of: %(choices)s.") % {"choices": ", ".join(VISIT_CHANNELS)})
    note = clean_text(errors, "note", note, max_length=NOTE_MAX)
    errors.raise_if_any()

    def apply(t, now):
        t.visited_at = now
        t.visit_satisfied = satisfied
        return None if satisfied else Status.REOPENED

    return transition(
        ticket=ticket,
        actor=actor,
        action="visit",
        apply=apply,
        data={"satisfied": satisfied, "channel": channel, "note": note},
    )


def ticket_close(*, ticket, actor, note="") -> Ticket:
    """销项: only when selectors.close_blockers is empty (409 naming what is missing)."""
    note = _optional_note("note", note)

    def apply(t, now):
        t.closed_at = now
        return None

    return transition(ticket=ticket, actor=actor, action="close", apply=apply, data={"note": note})


def ticket_hold(*, ticket, actor, reason) -> Ticket:
    """T-18: waiting on the developer or an outside party; `reason` is the plan told to the resident."""
    reason = _required_note("reason", reason)

    def apply(t, now):
        t.held_from = t.status
        return None

    return transition(ticket=ticket, actor=actor, action="hold", apply=apply, data={"reason": reason})


def ticket_resume(*, ticket, actor, reason) -> Ticket:
    reason = _required_note("reason", reason)

    def apply(t, now):
        back = t.held_from or (Status.DISPATCHED if t.department_id or t.assignee_id else Status.NEW)
        t.held_from = ""
        return back

    return transition(ticket=ticket, actor=actor, action="resume", apply=apply, data={"reason": reason})


def ticket_reopen(*, ticket, actor, reason) -> Ticket:
    """Back to work with the same department and executor (T-16)."""
    reason = _required_note("reason", reason)

    def apply(t, now):
        t.closed_at = None
        return None

    return transition(ticket=ticket, actor=actor, action="reopen", apply=apply, data={"reason": reason})


def ticket_cancel(*, ticket, actor, reason) -> Ticket:
    reason = _required_note("reason", reason)
    return transition(ticket=ticket, actor=actor, action="cancel", data={"reason": reason})


def ticket_acknowledge(*, ticket, actor) -> Ticket:
    """The caller takes an escalation addressed to them; sla decides whether there is one."""

    def apply(t, now):
        refusal = hooks.acknowledge_refusal(ticket=t, user=actor)
        if refusal:
            raise Conflict(str(refusal))
        t.acknowledged_at = now
        return None

    return transition(ticket=ticket, actor=actor, action="acknowledge", apply=apply, data={})


def ticket_instruct(*, ticket, actor, instruction) -> Ticket:
    """T-14: a leader's instruction, tracked as its own item."""
    text = _required_note("instruction", instruction)
    data = {"instruction": text}

    def apply(t, now):
        item = Instruction.objects.create(ticket=t, text=text, given_by=actor, given_at=now)
        data["instruction_id"] = item.pk  # read by transition() when it writes the event
        return None

    return transition(ticket=ticket, actor=actor, action="instruct", apply=apply, data=data)


def ticket_signoff(*, ticket, actor, note="") -> Ticket:
    """T-14: the manager's sign-off an emergency needs before it closes."""
    note = _optional_note("note", note)

    def apply(t, now):
        t.signed_off_at = now
        return None

    return transition(ticket=ticket, actor=actor, action="signoff", apply=apply, data={"note": note})


def instruction_done(*, instruction: Instruction, actor, note="") -> Instruction:
    """Mark a leader's instruction carried out (T-14). Anyone who may follow the
    ticket up may report it; the ticket's history records it as a follow-up."""
    note = _optional_note("note", note)
    if instruction.done_at is not None:
        raise Conflict(_("This instruction is already marked done."))

    def apply(t, now):
        updated = Instruction.objects.filter(pk=instruction.pk, done_at__isnull=True).update(
            done_at=now, done_by=actor, done_note=note
        )
        if not updated:
            raise Conflict(_("This instruction is already marked done."))
        return None

    transition(
        ticket=instruction.ticket,
        actor=actor,
        action="follow",
        apply=apply,
        data={"note": note, "instruction_id": instruction.pk, "instruction_done": True},
    )
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
