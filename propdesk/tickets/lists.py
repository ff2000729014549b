"""The ticket list spec: filters, search, sorts and export columns of every
ticket list — the list page and its Excel export, the dispatcher board, the
department inbox and `GET /api/v1/tickets` (API.md: `status=open` means any
open status)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propdesk.common import excel
from propdesk.common.lists import (
    NEWEST,
    OLDEST,
    Boolean,
    Choice,
    Code,
    Column,
    DateRange,
    ListContext,
    ListSpec,
    Pseudo,
    Search,
)
from propdesk.core.models import Building, Department
from propdesk.core.permissions import mask_phone, sees_personal_data
from propdesk.tickets import workflow
from propdesk.tickets.models import Category, Kind, Severity, Status, Ticket


def _departments(project):
    return Department.objects.filter(project=project).order_by("code").values_list("code", "name")


def _buildings(project):
    rows = Building.objects.filter(project=project).order_by("code").values_list("code", "name")
    return [(code, name or code) for code, name in rows]


def _open(ctx: ListContext) -> Q:
    return Q(status__in=workflow.OPEN)


def _overdue(ctx: ListContext):
    return overdue_condition()


def overdue_condition(now=None) -> Exists:
    """A timer breached, or running past its due time (before the sweeper ran)."""
    from propdesk.sla.models import Timer  # the deadline tables (sla is below tickets)

    now = now or timezone.now()
    return Exists(
        Timer.objects.filter(content_type=ContentType.objects.get_for_model(Ticket), record_id=OuterRef("pk")).filter(
            Q(state="breached") | Q(state="running", due_at__lt=now)
        )
    )


def context(request_or_user, project=None) -> ListContext:
    """A list context for a user: phones are searched by fragment only by
    those who see them in full (the predicate that masks them on screen)."""
    user = getattr(request_or_user, "user", request_or_user)
    if project is None:
        project = getattr(request_or_user, "project", None)
    return ListContext(project=project, user=user, phones_in_full=lambda: sees_personal_data(user))


def _phone(phone: str, ctx: ListContext) -> str:
    return phone if ctx.sees_phones() else mask_phone(phone)


def _name(obj, attr="name"):
    return getattr(obj, attr) if obj is not None else ""


TICKET_LIST = ListSpec(
    filters=(
        Search(
            contains=("description", "reporter_name", "location"),
            prefix=("unit__code",),
            number="number",
            phones=("reporter_phone",),
        ),
        Choice("kind", _("Kind"), Kind),
        Choice("severity", _("Complaint class"), Severity),
        Choice(
            "status",
            pgettext_lazy("ticket field", "Status"),
            Status,
            pseudo={"open": Pseudo(pgettext_lazy("ticket status", "any open status"), _open)},
        ),
        Code("department", _("Department"), "department__code", options=_departments),
        Code("building", _("Building"), "unit__building__code", options=_buildings),
        Code("unit", _("Unit"), "unit__code"),  # the unit page links here with ?unit=<code>
        Choice("category", _("Category"), Category),
        DateRange("date", _("Registered from"), "created_at"),
        Boolean("overdue", _("Overdue"), _overdue),
    ),
    sorts=(NEWEST, OLDEST),
    columns=(
        Column(_("No."), lambda t, ctx: t.number, excel.NUMBER, 8),
        Column(_("Registered at"), lambda t, ctx: t.created_at, excel.DATETIME, 17),
        Column(_("Kind"), lambda t, ctx: t.get_kind_display()),
        Column(_("Complaint class"), lambda t, ctx: t.get_severity_display()),
        Column(_("Category"), lambda t, ctx: t.get_category_display()),
        Column(_("Status"), lambda t, ctx: t.get_status_display()),
        Column(_("Unit"), lambda t, ctx: _name(t.unit, "code"), excel.TEXT),
        Column(_("Location"), lambda t, ctx: t.location, excel.TEXT),
        Column(_("Reporter"), lambda t, ctx: t.reporter_name, excel.TEXT),
        Column(_("Phone"), lambda t, ctx: _phone(t.reporter_phone, ctx), excel.TEXT, 14),
        Column(_("Channel"), lambda t, ctx: t.get_channel_display()),
        Column(_("Description"), lambda t, ctx: t.description, excel.TEXT, 40),
        Column(_("Department"), lambda t, ctx: _name(t.department), excel.TEXT),
        Column(_("Assignee"), lambda t, ctx: _name(t.assignee, "display_name"), excel.TEXT),
        Column(_("Completed at"), lambda t, ctx: t.completed_at, excel.DATETIME, 17),
        Column(_("Closed at"), lambda t, ctx: t.closed_at, excel.DATETIME, 17),
        Column(_("Fee (yuan)"), lambda t, ctx: t.fee if t.paid else None, excel.MONEY),
    ),
    related=("unit", "department", "assignee"),
    sheet=_("Tickets"),
)

# The filters each page offers (the list page offers them all).
BOARD_FILTERS = ("kind", "severity", "status", "department", "building")
INBOX_FILTERS = ("q", "kind", "category")
# The board shows open tickets unless a status is chosen.
BOARD_DEFAULTS = {"status": "open"}
