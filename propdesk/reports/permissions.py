"""Who may read the reviews and reports and who signs them (T-13, T-20)."""

from __future__ import annotations

from django.http import Http404

from propdesk.core.models import Project, Rank
from propdesk.core.permissions import is_front_desk, is_manager, is_staff_in, project_for, rank_of, staff_of


def report_project(user, code: str | None) -> Project:
    """The project of a review or report, 404 when the caller is not staff of
    it: residents and other projects' staff do not learn that it exists."""
    if code and "\x00" in code:
        raise Http404  # PostgreSQL refuses NUL in text: such a code names no project
    project = project_for(user, code)
    if not user.is_superuser and (staff_of(user) is None or not is_staff_in(user, project)):
        raise Http404
    return project


def may_read_reports(user) -> bool:
    """Customer service (front desk, dispatchers: they hold the review),
    supervisors of any department (their on-time rates) and managers."""
    return user.is_superuser or is_front_desk(user) or rank_of(user) >= Rank.SUPERVISOR


def may_write_review_note(user) -> bool:
    """T-13: the dispatcher records the cases that cannot be handled; front-desk
    colleagues on duty and managers may too."""
    return user.is_superuser or is_front_desk(user) or is_manager(user)


def may_sign_off(user) -> bool:
    """T-13: the project manager (or above) comments on and signs the monthly summary."""
    return user.is_superuser or is_manager(user)
