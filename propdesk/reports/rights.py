"""Who may read the reviews and reports and who writes on them (T-13, T-20):
the reports app's rights table, checked in its services and asked by pages."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from propdesk.common.rights import FRONT_DESK, MANAGER, SUPERVISOR_OR_ABOVE, Rights, as_actor
from propdesk.core.models import Project
from propdesk.core.permissions import project_for

RIGHTS = Rights(
    {
        # Customer service (front desk, dispatchers: they hold the review),
        # supervisors of any department (their on-time rates) and managers.
        "read": FRONT_DESK | SUPERVISOR_OR_ABOVE | MANAGER,
        # T-13: the dispatcher records the cases that cannot be handled; front-desk
        # colleagues on duty and managers may too.
        "review_note": FRONT_DESK | MANAGER,
        # T-13: the project manager (or above) comments on and signs the monthly summary.
        "signoff": MANAGER,
    }
)

REFUSALS = {
    "read": _("Only customer service, supervisors and managers may read reviews and reports."),
    "review_note": _("Only customer service and managers may record cases for the manager."),
    "signoff": _("Only the project manager or above may sign off the monthly report."),
}


def check(user, action: str) -> None:
    RIGHTS.check(as_actor(user), action, sentence=str(REFUSALS[action]))


def report_project(user, code: str | None) -> Project:
    """The project of a review or report, 404 when the caller is not staff of
    it: residents and other projects' staff do not learn that it exists."""
    if code and "\x00" in code:
        raise Http404  # PostgreSQL refuses NUL in text: such a code names no project
    project = project_for(user, code)
    actor = as_actor(user)
    if not (actor.superuser or (actor.staff_id is not None and actor.serves(project.pk))):
        raise Http404
    return project


def may_read_reports(user) -> bool:
    return RIGHTS.may(as_actor(user), "read")


def may_write_review_note(user) -> bool:
    return RIGHTS.may(as_actor(user), "review_note")


def may_sign_off(user) -> bool:
    return RIGHTS.may(as_actor(user), "signoff")
