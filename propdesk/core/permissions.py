"""Who may see and do what in core: the one place these rules live.

Other apps ask here for the project-level facts (which projects a user
serves, what rank, whether personal data may be shown in full) and keep their
own action rules in their own permissions module."""

from __future__ import annotations

from django.http import Http404

from propdesk.common.rights import as_actor
from propdesk.core import zones
from propdesk.core.models import Department, Project, Rank, ResidentAccount, Staff


def staff_of(user) -> Staff | None:
    if not user or not user.is_authenticated:
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None


def resident_of(user) -> ResidentAccount | None:
    if not user or not user.is_authenticated:
        return None
    try:
        return user.resident
    except ResidentAccount.DoesNotExist:
        return None


def visible_projects(user):
    """Projects a user may open. Staff: the projects they serve. Residents: the
    project of their own person record. Superusers: all."""
    if not user or not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.filter(is_active=True)
    staff = staff_of(user)
    if staff is not None:
        return staff.projects.filter(is_active=True)
    resident = resident_of(user)
    if resident is not None:
        return Project.objects.filter(pk=resident.person.project_id)
    return Project.objects.none()


def project_for(user, code: str | None) -> Project:
    """The project with this code if the user may see it, else 404 (a project
    the user cannot see does not exist for them)."""
    if not code or "\x00" in code:  # PostgreSQL refuses NUL in text: such a code names no project
        raise Http404
    project = visible_projects(user).filter(code=code).first()
    if project is None:
        raise Http404
    zones.learn(project)  # the API request's time zone is this project's (core.zones)
    return project


def is_staff_in(user, project: Project) -> bool:
    return as_actor(user).serves(project.pk) and (as_actor(user).is_staff)


def rank_of(user) -> int:
    actor = as_actor(user)
    return Rank.GM if actor.superuser else actor.rank


def is_manager(user) -> bool:
    """Project manager or above (物业经理, 主管副总, 总经理)."""
    return as_actor(user).is_manager


def in_department_kind(user, kind: str) -> bool:
    actor = as_actor(user)
    return actor.staff_id is not None and actor.department_kind == kind


def is_front_desk(user) -> bool:
    """Customer-service staff (front desk, dispatcher, duty officer)."""
    return in_department_kind(user, Department.Kind.CUSTOMER_SERVICE)


def sees_phones(user) -> bool:
    """Full phone numbers for the staff who must call people back: customer
    service (front desk, dispatchers, the duty supervisor). Everyone else sees
    them masked, except the assignee on their own ticket (`shown_phone(record=)`).
    API.md conventions as amended."""
    actor = as_actor(user)
    return actor.superuser or (actor.staff_id is not None and actor.front_desk)


def sees_id_numbers(user) -> bool:
    """Full ID numbers for the desk that checks identities (key loans, claims,
    move-ins); every full view is recorded (`shown_id_number`)."""
    return sees_phones(user)


# Kept for callers that ask the general question.
sees_personal_data = sees_phones


def may_manage_estate(user, project: Project) -> bool:
    """Import/edit buildings, units and people; edit the calendar."""
    actor = as_actor(user)
    if actor.superuser:
        return True
    senior_front_desk = actor.front_desk and actor.rank >= Rank.SUPERVISOR
    return actor.serves(project.pk) and actor.is_staff and (actor.is_manager or senior_front_desk)


def mask_phone(phone: str | None) -> str:
    """138****1234; short numbers keep only their last two digits."""
    if not phone:
        return phone or ""
    digits = phone.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_id_number(value: str | None) -> str:
    """110101********1234 style: region prefix and last four kept."""
    if not value:
        return value or ""
    if len(value) > 10:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return "*" * max(len(value) - 2, 0) + value[-2:]


def shown_phone(user, phone: str | None, *, record=None) -> str:
    """The phone as `user` may see it; `record` (a ticket) shows it in full to
    its assignee, who calls the resident about it."""
    if sees_phones(user):
        return phone or ""
    assignee_id = getattr(record, "assignee_id", None)
    if assignee_id is not None and assignee_id == as_actor(user).staff_id:
        return phone or ""
    return mask_phone(phone)


def shown_id_number(user, value: str | None, *, person_id=None) -> str:
    """The ID number as `user` may see it; a full view is recorded in the audit
    trail (API.md: every full view of an ID number is recorded)."""
    if not value or not sees_id_numbers(user):
        return mask_id_number(value)
    from propdesk.core.services import id_number_viewed

    id_number_viewed(user=user, person_id=person_id)
    return value
