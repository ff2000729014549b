"""Reusable reads of tickets: what a user may see, the dispatcher board, which
actions a user may take now and what still stands in the way of closing."""

from __future__ import annotations

from django.db.models import DateTimeField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.apiutils import NotFound
from propdesk.tickets import permissions, workflow
from propdesk.tickets.models import Capability, Instruction, Kind, Status, Ticket

MAX_ID = 2**63 - 1


def with_details(qs: QuerySet) -> QuerySet:
    """Everything the ticket serialiser reads, in a fixed number of queries."""
    return qs.select_related(
        "project",
        "unit",
        "department",
        "assignee__user",
        "created_by",
        "complained_department",
    ).prefetch_related(
        "timers",
        Prefetch("instructions", queryset=Instruction.objects.select_related("given_by", "done_by")),
    )


def tickets_visible_to(user, project=None) -> QuerySet:
    condition = permissions.visibility_filter(user)
    if condition is None:
        return Ticket.objects.none()
    qs = Ticket.objects.filter(condition)
    if project is not None:
        qs = qs.filter(project=project)
    return qs


def ticket_for(user, ticket_id) -> Ticket:
    """The ticket if `user` may see it; else 404, whether it exists or not."""
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        pk = 0
    ticket = None
    if 0 < pk <= MAX_ID:
        ticket = with_details(tickets_visible_to(user)).filter(pk=pk).first()
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


def overdue_condition(now=None) -> Exists:
    """A timer breached, or running past its due time (before the sweeper ran)."""
    from django.contrib.contenttypes.models import ContentType

    from propdesk.sla.models import Timer

    now = now or timezone.now()
    return Exists(
        Timer.objects.filter(content_type=ContentType.objects.get_for_model(Ticket), record_id=OuterRef("pk")).filter(
            Q(state="breached") | Q(state="running", due_at__lt=now)
        )
    )


def next_due_subquery() -> Subquery:
    """The nearest running deadline of the ticket (NULL when none): one probe of
    the partial index timer_running_record_idx per ticket."""
    from django.contrib.contenttypes.models import ContentType

    from propdesk.sla.models import Timer

    nearest = Timer.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), record_id=OuterRef("pk"), state="running"
    ).order_by("due_at")
    return Subquery(nearest.values("due_at")[:1], output_field=DateTimeField())


def board_queryset(project, *, kind=None, severity=None, department=None, building=None, status=None) -> QuerySet:
    """Open tickets of a project, nearest running deadline first (no deadline
    last), with `next_due` and `overdue` annotated. `department` and
    `building` may be objects or codes; `status` narrows to one open status."""
    qs = board_filter(project, kind=kind, severity=severity, department=department, building=building, status=status)
    qs = qs.annotate(next_due=next_due_subquery(), overdue=overdue_condition())
    return with_details(qs).order_by(F("next_due").asc(nulls_last=True), "id")


def board_filter(project, *, kind=None, severity=None, department=None, building=None, status=None) -> QuerySet:
    """The open tickets of the board with its filters, nothing annotated: the
    board page sorts and pages them itself (the `next_due` aggregate groups
    every open ticket, too slow for a page)."""
    qs = Ticket.objects.filter(project=project)
    qs = qs.filter(status=status) if status else qs.filter(status__in=workflow.OPEN)
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if department:
        qs = qs.filter(department__code=department) if isinstance(department, str) else qs.filter(department=department)
    if building:
        qs = (
            qs.filter(unit__building__code=building)
            if isinstance(building, str)
            else qs.filter(unit__building=building)
        )
    return qs


def close_blockers(ticket: Ticket) -> list[str]:
    """What is still missing before the ticket may be closed (销项), one
    sentence each; empty means it can be closed (API.md closing conditions)."""
    return [sentence for _action, sentence in close_conditions(ticket)]


def close_conditions(ticket: Ticket) -> list[tuple[str | None, str]]:
    """(the API action that would supply it, or None; sentence) for each thing
    still missing before the ticket may be closed."""
    status = ticket.status
    if status in (Status.INVALID, Status.CANCELLED):
        return []  # T-8: invalid and cancelled tickets close directly
    if status == Status.CLOSED:
        return [(None, _("The ticket is already closed."))]
    if status == Status.ON_HOLD:
        return [("resume", _("The ticket is on hold; resume it first."))]
    missing = []
    done = status == Status.DONE and ticket.completed_at is not None
    after_done = ticket.completed_at if done else None

    def since_done(at):
        return at is not None and after_done is not None and at >= after_done

    if ticket.kind == Kind.EMERGENCY:
        if ticket.signed_off_at is None:
            missing.append(("signoff", _("The project manager has not signed off.")))  # T-14
    elif ticket.kind == Kind.REPAIR and ticket.capability == Capability.NOT_OFFERED and not done:
        if ticket.answered_at is None:
            missing.append(("answer", _("The resident has not been told that the service is not offered.")))  # T-4
    elif ticket.kind == Kind.REPAIR:
        if not done:
            missing.append(("complete", _("The work is not done yet.")))
        if not since_done(ticket.slip_returned_at):
            missing.append(("return_slip", _("The signed service slip is not back.")))  # T-13
        if not (since_done(ticket.visited_at) and ticket.visit_satisfied):
            missing.append(("visit", _("There is no satisfied follow-up visit.")))  # T-15
    elif ticket.kind == Kind.COMPLAINT:
        if not done:
            missing.append(("complete", _("The work is not done yet.")))
        if not since_done(ticket.answered_at):
            missing.append(("answer", _("The resident has not been told the result.")))  # T-17
        if not since_done(ticket.slip_returned_at):
            missing.append(("return_slip", _("The signed service slip is not back.")))  # T-13
    else:  # inquiries and suggestions: answered at once or called back (T-19)
        if ticket.answered_at is None:
            missing.append(("answer", _("The resident has not been answered.")))
    return missing


def close_refusal(ticket: Ticket) -> str | None:
    blockers = close_blockers(ticket)
    if not blockers:
        return None
    return _("Cannot close: %(missing)s") % {"missing": " ".join(blockers)}


def close_missing_actions(ticket: Ticket) -> list[str]:
    """The API actions that would supply what `close` still misses, in order."""
    return list(dict.fromkeys(action for action, _sentence in close_conditions(ticket) if action))


def action_refusal(ticket: Ticket, action: str) -> str | None:
    """Why `action` is impossible in the ticket's current state, or None.
    Rights are not considered here (see permissions.may)."""
    from propdesk.tickets.display import action_label

    step = workflow.step_for(action)
    if ticket.kind not in step.kinds:
        if action == "triage":
            return _("Only complaints are judged valid or invalid.")
        return _("This action does not apply to this kind of ticket.")
    if action == "close" and ticket.status in step.sources:
        return close_refusal(ticket)
    if ticket.status not in step.sources:
        specific = _STATE_SENTENCES.get((action, ticket.status))
        if specific:
            return str(specific())
        return _("The ticket is %(status)s; you cannot %(action)s now.") % {
            "status": ticket.get_status_display(),
            "action": action_label(action),
        }
    if action == "triage" and ticket.valid is not None:
        return _("This complaint has already been judged.")
    return None


_STATE_SENTENCES = {
    ("complete", Status.NEW): lambda: _("The ticket has not been dispatched yet, so the work cannot be done."),
    ("accept", Status.NEW): lambda: _("The ticket has not been dispatched yet."),
    ("accept", Status.ACCEPTED): lambda: _("The ticket has already been signed for."),
    ("return_slip", Status.NEW): lambda: _("The work is not done yet, so no slip can be returned."),
    ("return_slip", Status.DISPATCHED): lambda: _("The work is not done yet, so no slip can be returned."),
    ("return_slip", Status.ACCEPTED): lambda: _("The work is not done yet, so no slip can be returned."),
    ("visit", Status.NEW): lambda: _("The work is not done yet, so there is nothing to visit."),
    ("visit", Status.DISPATCHED): lambda: _("The work is not done yet, so there is nothing to visit."),
    ("visit", Status.ACCEPTED): lambda: _("The work is not done yet, so there is nothing to visit."),
    ("close", Status.CLOSED): lambda: _("The ticket is already closed."),
    ("close", Status.ON_HOLD): lambda: _("The ticket is on hold; resume it first."),
}


def allowed_actions(ticket: Ticket, user, *, check_acknowledge: bool = True) -> list[str]:
    """Action names `user` may take on `ticket` now (for the page's buttons).
    `acknowledge` asks sla, which may cost a query; lists pass False."""
    if not permissions.can_see(user, ticket):
        return []
    out = []
    for action in workflow.ACTIONS:
        if not permissions.may(user, action, ticket) or action_refusal(ticket, action):
            continue
        if action == "acknowledge":
            if not check_acknowledge:
                continue
            from propdesk.sla import hooks

            if hooks.acknowledge_refusal(ticket=ticket, user=user):
                continue
        out.append(action)
    return out
