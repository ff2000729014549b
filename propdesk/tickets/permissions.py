"""Who may see and act on tickets: the one place these rules live.

Decisions (issue 3, API.md):
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
- `acknowledge`: any staff member who sees the ticket, provided sla agrees
  (an escalation is addressed to them); the sla hook gives the refusal.
- Residents (portal) register their own requests and see only their own;
  every staff action is refused to them with 403.
Not visible means 404, whatever the action."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from propdesk.core.models import Department, Rank
from propdesk.core.permissions import resident_of, staff_of

FRONT_DESK_ACTIONS = frozenset(
    {
        "triage",
        "dispatch",
        "follow",
        "answer",
        "return_slip",
        "visit",
        "close",
        "hold",
        "resume",
        "reopen",
        "cancel",
        "acknowledge",
    }
)
DEPARTMENT_ACTIONS = frozenset({"accept", "complete", "follow", "acknowledge"})
MANAGER_ACTIONS = frozenset({"instruct", "signoff"})


@dataclass(frozen=True)
class Who:
    """The facts about a user that ticket rights depend on, read once per request."""

    user_id: int | None
    superuser: bool = False
    staff_id: int | None = None
    rank: int = 0
    department_id: int | None = None
    front_desk: bool = False
    project_ids: frozenset = frozenset()
    person_id: int | None = None  # residents

    @property
    def is_staff(self) -> bool:
        return self.superuser or self.staff_id is not None

    @property
    def is_resident(self) -> bool:
        return self.person_id is not None and not self.is_staff

    @property
    def is_manager(self) -> bool:
        return self.superuser or self.rank >= Rank.MANAGER

    @property
    def sees_all(self) -> bool:
        return self.is_manager or self.front_desk

    def serves(self, project_id: int) -> bool:
        return self.superuser or project_id in self.project_ids


def who(user) -> Who:
    cached = getattr(user, "_ticket_who", None)
    if cached is not None:
        return cached
    if not user or not user.is_authenticated:
        return Who(user_id=None)
    staff = staff_of(user)
    if staff is not None:
        department = staff.department if staff.department_id else None
        result = Who(
            user_id=user.pk,
            superuser=user.is_superuser,
            staff_id=staff.pk,
            rank=staff.rank,
            department_id=staff.department_id,
            front_desk=bool(department and department.kind == Department.Kind.CUSTOMER_SERVICE),
            project_ids=frozenset(staff.projects.values_list("pk", flat=True)),
        )
    else:
        resident = resident_of(user)
        result = Who(user_id=user.pk, superuser=user.is_superuser, person_id=resident.person_id if resident else None)
    user._ticket_who = result
    return result


def visibility_filter(user) -> Q | None:
    """A Q restricting tickets to those `user` may see; None means nothing."""
    w = who(user)
    if w.superuser:
        return Q()
    if w.staff_id is not None:
        in_projects = Q(project_id__in=w.project_ids)
        if w.sees_all:
            return in_projects
        mine = Q(assignee_id=w.staff_id) | Q(created_by_id=w.user_id)
        if w.department_id:
            mine |= Q(department_id=w.department_id)
        return in_projects & mine
    if w.person_id is not None:
        return Q(reporter_id=w.person_id) | Q(created_by_id=w.user_id)
    return None


def can_see(user, ticket) -> bool:
    w = who(user)
    if w.superuser:
        return True
    if w.staff_id is not None:
        if not w.serves(ticket.project_id):
            return False
        return w.sees_all or _is_executor(w, ticket) or ticket.created_by_id == w.user_id
    if w.person_id is not None:
        return ticket.reporter_id == w.person_id or ticket.created_by_id == w.user_id
    return False


def _is_executor(w: Who, ticket) -> bool:
    return (ticket.department_id is not None and ticket.department_id == w.department_id) or (
        ticket.assignee_id is not None and ticket.assignee_id == w.staff_id
    )


def can_create(user, project) -> bool:
    """Any staff member serving the project (a guard may register an
    emergency), and residents for their own project."""
    w = who(user)
    if w.is_staff:
        return w.serves(project.pk)
    return w.is_resident


def may(user, action: str, ticket) -> bool:
    """May `user` take `action` on a ticket they can see (state aside)?"""
    w = who(user)
    if not w.is_staff:
        return False
    if w.is_manager:
        return True
    if action in ("accept", "complete"):
        return _is_executor(w, ticket)
    if action == "instruct":
        return w.front_desk and w.rank >= Rank.SUPERVISOR
    if action in MANAGER_ACTIONS:
        return False
    if w.front_desk:
        return action in FRONT_DESK_ACTIONS
    return action in DEPARTMENT_ACTIONS and _is_executor(w, ticket)
