"""Reusable reads of tickets: what a user may see, the dispatcher board, which
actions a user may take now and what still stands in the way of closing."""

from __future__ import annotations

from django.db.models import DateTimeField, F, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _

from propdesk.common.errors import NotFound
from propdesk.common.lists import ListContext
from propdesk.common.rights import as_actor
from propdesk.tickets import workflow
from propdesk.tickets.lists import (
    BOARD_DEFAULTS,
    BOARD_FILTERS,
    TICKET_LIST,
    overdue_condition,  # noqa: F401 (a read the pages share)
)
from propdesk.tickets.models import Instruction, Ticket
from propdesk.tickets.rights import visible_to
from propdesk.tickets.workflow import TICKETS, close_blockers, close_missing_actions, close_refusal  # noqa: F401

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
    condition = visible_to(as_actor(user))
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
    """The open tickets of the board with its filters (the ticket list spec),
    nothing annotated: the board page sorts and pages them itself (the
    `next_due` aggregate groups every open ticket, too slow for a page).
    `department` and `building` may be objects or codes; `status` narrows to
    one status; a bad value is a BadInput naming it."""
    values = {
        "kind": kind,
        "severity": severity,
        "status": status,
        "department": getattr(department, "code", department),
        "building": getattr(building, "code", building),
    }
    bound = TICKET_LIST.bind(
        values, ListContext(project=project), strict=True, only=BOARD_FILTERS, defaults=BOARD_DEFAULTS
    )
    return bound.apply(Ticket.objects.filter(project=project))


def action_refusal(ticket: Ticket, action: str) -> str | None:
    """Why `action` is impossible in the ticket's current state, or None.
    Rights are not considered here (see rights.RIGHTS)."""
    return TICKETS.refusal(ticket, action)


def allowed_actions(ticket: Ticket, user, *, check_acknowledge: bool = True) -> list[str]:
    """Action names `user` may take on `ticket` now (for the page's buttons).
    `acknowledge` asks the deadline rules, which may cost a query; lists pass False."""
    actor = as_actor(user)
    if visible_to(actor) is None:
        return []
    out = []
    for action in TICKETS.allowed(actor, ticket, workflow.ACTIONS):
        if action == "acknowledge":
            if not check_acknowledge:
                continue
            from propdesk.tickets.deadlines import acknowledge_refusal

            if acknowledge_refusal(record=ticket, user=actor.user):
                continue
        out.append(action)
    return out
