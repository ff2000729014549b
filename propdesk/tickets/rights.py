"""Who may see and act on tickets: the visibility filter and the rights table.

Decisions (issue 3, API.md as amended):
- Managers (project manager, deputy GM, GM) see every ticket of the projects
  they serve and may take every action.
- The front desk (customer-service department: agents, dispatchers,
  supervisors) sees every ticket of its projects; it registers, triages,
  dispatches, follows up, answers, records slips and visits, holds/resumes,
  cancels/reopens and closes.
- A department's members see what is dispatched to their department or
  assigned to them (plus what they registered themselves) and accept and
  complete it; the front desk accepts/completes only what is dispatched to
  customer service itself.
- `instruct` (T-14, a leader's instruction): managers and above, and
  customer-service supervisors, who record an instruction a leader phones in
  out of hours (the on-duty supervisor acts for the dispatcher, DOMAIN §0).
- `signoff` (T-14 closing): managers and above only.
- `acknowledge`: any staff member who may follow the ticket, provided an
  escalation is addressed to them (the deadline rules give the refusal).
- Residents see the tickets of their own current units, whoever registered
  them, and those they reported themselves (API.md); every staff action is
  refused to them.
Not visible means 404, whatever the action."""

from __future__ import annotations

from django.db.models import Q

from propdesk.common.rights import (
    ANY_STAFF,
    FRONT_DESK,
    MANAGER,
    RESIDENT,
    SUPERVISOR_OR_ABOVE,
    Actor,
    Rights,
    as_actor,
    rule,
)


def visible_to(actor: Actor) -> Q | None:
    """The one visibility filter for tickets; None means nothing."""
    if actor.superuser:
        return Q()
    if actor.staff_id is not None:
        in_projects = Q(project_id__in=actor.project_ids)
        if actor.is_manager or actor.front_desk:
            return in_projects
        mine = Q(assignee_id=actor.staff_id) | Q(created_by_id=actor.user_id)
        if actor.department_id:
            mine |= Q(department_id=actor.department_id)
        return in_projects & mine
    if actor.person_id is not None:
        return Q(unit_id__in=actor.unit_ids) | Q(reporter_id=actor.person_id) | Q(created_by_id=actor.user_id)
    return None


@rule
def executor(actor: Actor, ticket) -> bool:
    """The department the ticket is dispatched to, or its assignee."""
    if actor.staff_id is None or ticket is None:
        return False
    return actor.in_department(ticket.department_id) or (
        ticket.assignee_id is not None and ticket.assignee_id == actor.staff_id
    )


@rule
def serves_project(actor: Actor, project) -> bool:
    return actor.serves(getattr(project, "pk", None))


DESK = FRONT_DESK | MANAGER
WORKS_ON = FRONT_DESK | executor | MANAGER

RIGHTS = Rights(
    {
        # Any staff member serving the project may register (a guard registers an
        # emergency); residents register their own requests.
        "create": (ANY_STAFF & serves_project) | RESIDENT,
        "triage": DESK,
        "dispatch": DESK,
        "accept": executor | MANAGER,
        "follow": WORKS_ON,
        "answer": DESK,
        "complete": executor | MANAGER,
        "return_slip": DESK,
        "visit": DESK,
        "close": DESK,
        "hold": DESK,
        "resume": DESK,
        "reopen": DESK,
        "cancel": DESK,
        "acknowledge": WORKS_ON,
        "instruct": (FRONT_DESK & SUPERVISOR_OR_ABOVE) | MANAGER,
        "instruction_done": WORKS_ON,
        "signoff": MANAGER,
    }
)


def can_see(user, ticket) -> bool:
    """For code that holds a ticket already (pages): the same rule as `visible_to`."""
    from propdesk.tickets.models import Ticket

    condition = visible_to(as_actor(user))
    return condition is not None and Ticket.objects.filter(condition, pk=ticket.pk).exists()


def may(user, action: str, ticket) -> bool:
    return RIGHTS.may(as_actor(user), action, ticket)
