"""Review and report endpoints (API.md "Timers, escalation, review"; T-13, T-20).

`GET /reviews/weekly`, `GET /reports/complaints/monthly`,
`POST /reports/complaints/monthly/signoff`. Thin: rights from
reports.rights, figures from reports.selectors, writes via reports.services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from propdesk.common.errors import Forbidden
from propdesk.reports import selectors, services
from propdesk.reports.rights import may_read_reports, may_sign_off, report_project
from propdesk.web.api import idempotent_create

router = Router(tags=["reports"])


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# ---------------------------------------------------------------- schemas


class BreachedTimerOut(Schema):
    metric: str
    state: str
    started_at: dt.datetime | None
    due_at: dt.datetime
    stopped_at: dt.datetime | None


class ReviewNoteOut(Schema):
    at: dt.datetime
    author: str
    week: str
    text: str


class ReviewItemOut(Schema):
    id: int
    number: int
    kind: str
    severity: str
    category: str
    status: str
    unit: str | None
    location: str
    department: str | None
    assignee: str | None
    description: str
    created_at: dt.datetime
    carried_over: bool = Field(description="registered before this week and still open")
    breached: list[BreachedTimerOut]
    breached_timers: list[BreachedTimerOut] = Field(description="the same list as `breached`")
    timers: list[BreachedTimerOut] = Field(description="the ticket's breached timers (same as `breached`)")
    notes: list[ReviewNoteOut] = Field(description="T-13 notes for the manager: cases that cannot be handled")


class WeeklyReviewOut(Schema):
    project: str
    week: str
    from_: dt.date = Field(alias="from", description="Monday of the ISO week (project time zone)")
    to: dt.date = Field(description="Sunday of the ISO week, inclusive")
    items: list[ReviewItemOut]
    count: int
    next_cursor: str | None = Field(None, description="always null: the review is one complete list")


class OnTimeOut(Schema):
    met: int
    breached: int
    rate: float | None = Field(description="met ÷ (met + breached); null when no timer was decided")


class DepartmentOnTimeOut(OnTimeOut):
    name: str


class OnTimeSectionOut(Schema):
    by_metric: dict[str, OnTimeOut]
    by_department: dict[str, DepartmentOnTimeOut]


class TicketCountsOut(Schema):
    opened: int
    closed: int
    still_open: int


class RepeatOut(Schema):
    id: int
    number: int
    unit: str
    category: str
    severity: str
    status: str
    created_at: dt.datetime
    previous_id: int
    previous_number: int
    previous_created_at: dt.datetime


class SignoffOut(Schema):
    project: str
    month: str
    signed_off_by: str
    signed_off_at: dt.datetime
    comment: str
    corrective_action: str


class MonthlyReportOut(Schema):
    project: str
    month: str
    from_: dt.date = Field(alias="from", description="first day of the month (project time zone)")
    to: dt.date = Field(description="last day of the month, inclusive")
    by_kind: dict[str, int] = Field(description="tickets registered in the month, by kind")
    complaints_by_severity: dict[str, int] = Field(description="complaints registered in the month, by class")
    by_severity: dict[str, int] = Field(description="the same as complaints_by_severity")
    opened: int = Field(description="tickets registered in the month")
    closed: int = Field(description="tickets closed (销项) in the month")
    still_open: int = Field(description="tickets open at the month's end, or now while the month runs")
    still_open_at: dt.datetime
    complaints: TicketCountsOut
    on_time: OnTimeSectionOut = Field(
        description=(
            "timers (not cancelled) due in the month or stopped in it; met = state met (stopped on time); "
            "breached = state breached (swept, or stopped late) or running past due; running-not-yet-due and "
            "paused timers are undecided and not counted"
        )
    )
    on_time_rate: dict[str, float | None] = Field(description="by_metric rates alone")
    repeat_complaints: int = Field(
        description=(
            "complaints registered in the month with an earlier complaint on the same unit and category "
            "within the 3 calendar months before it (T-20)"
        )
    )
    repeats: list[RepeatOut]
    signoff: SignoffOut | None


class SignoffIn(Schema):
    project: str = Field(max_length=32)
    month: str = Field(max_length=16)
    comment: str = Field("", max_length=5000)
    corrective_action: str = Field("", max_length=5000, description="optional corrective and preventive action")


# ---------------------------------------------------------------- presenters


def _user_name(user) -> str | None:
    return user.username if user else None


def review_item(ticket, period) -> dict:
    local = period.local
    breached = [
        {
            "metric": t.metric,
            "state": t.state,
            "started_at": local(t.started_at),
            "due_at": local(t.due_at),
            "stopped_at": local(t.stopped_at),
        }
        for t in ticket.breached_timers
    ]
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "kind": ticket.kind,
        "severity": ticket.severity,
        "category": ticket.category,
        "status": ticket.status,
        "unit": ticket.unit.code if ticket.unit_id else None,
        "location": ticket.location,
        "department": ticket.department.code if ticket.department_id else None,
        "assignee": ticket.assignee.user.username if ticket.assignee_id else None,
        "description": ticket.description,
        "created_at": local(ticket.created_at),
        "carried_over": ticket.carried_over,
        "breached": breached,
        "breached_timers": breached,
        "timers": breached,
        "notes": [
            {"at": local(n.at), "author": n.author.username, "week": n.week, "text": n.text} for n in ticket.notes
        ],
    }


def weekly_json(project, period, tickets) -> dict:
    items = [review_item(t, period) for t in tickets]
    return {
        "project": project.code,
        "week": period.label,
        "from": period.first_day,
        "to": period.last_day,
        "items": items,
        "count": len(items),
        "next_cursor": None,
    }


def signoff_json(signoff, period, project) -> dict | None:
    if signoff is None:
        return None
    return {
        "project": project.code,
        "month": period.label,
        "signed_off_by": signoff.signed_off_by.username,
        "signed_off_at": period.local(signoff.signed_off_at),
        "comment": signoff.comment,
        "corrective_action": signoff.corrective_action,
    }


def monthly_json(project, period, report) -> dict:
    local = period.local
    by_metric = report["on_time"]["by_metric"]
    return {
        "project": project.code,
        "month": period.label,
        "from": period.first_day,
        "to": period.last_day,
        "by_kind": report["by_kind"],
        "complaints_by_severity": report["complaints_by_severity"],
        "by_severity": report["complaints_by_severity"],
        "opened": report["opened"],
        "closed": report["closed"],
        "still_open": report["still_open"],
        "still_open_at": local(report["still_open_at"]),
        "complaints": report["complaints"],
        "on_time": report["on_time"],
        "on_time_rate": {m: v["rate"] for m, v in by_metric.items()},
        "repeat_complaints": len(report["repeats"]),
        "repeats": [
            {
                "id": t.pk,
                "number": t.number,
                "unit": t.unit.code,
                "category": t.category,
                "severity": t.severity,
                "status": t.status,
                "created_at": local(t.created_at),
                "previous_id": t.previous_id,
                "previous_number": t.previous_number,
                "previous_created_at": local(t.previous_created_at),
            }
            for t in report["repeats"]
        ],
        "signoff": signoff_json(report["signoff"], period, project),
    }


# ---------------------------------------------------------------- endpoints


def _readable_project(request, code):
    project = report_project(request.user, code)
    if not may_read_reports(request.user):
        raise Forbidden(_("Only customer service, supervisors and managers may read reviews and reports."))
    return project


class WeeklyQuery(Schema):
    project: str
    week: str | None = Field(None, description="ISO week, e.g. 2026-W47; default: the current week")


@router.get("/reviews/weekly", response={200: WeeklyReviewOut, **ERRORS}, by_alias=True, summary="Monday review (T-13)")
def weekly_review(request, filters: Query[WeeklyQuery]):
    """Every ticket registered in the ISO week that is not closed, plus every
    older one still open, each with its breached timers and the review notes
    for the manager. A complete list (the review is bounded by what is open)."""
    project = _readable_project(request, filters.project)
    now = timezone.now()
    period = selectors.week_period(project, filters.week, now)
    return weekly_json(project, period, selectors.weekly_review(project, period, now))


class MonthlyQuery(Schema):
    project: str
    month: str | None = Field(None, description="e.g. 2026-11; default: the current month")


@router.get(
    "/reports/complaints/monthly",
    response={200: MonthlyReportOut, **ERRORS},
    by_alias=True,
    summary="Monthly complaint report (T-20)",
)
def monthly_report(request, filters: Query[MonthlyQuery]):
    project = _readable_project(request, filters.project)
    now = timezone.now()
    period = selectors.month_period(project, filters.month, now)
    return monthly_json(project, period, selectors.monthly_report(project, period, now))


@router.post(
    "/reports/complaints/monthly/signoff",
    response={201: SignoffOut, 409: ErrorOut, **ERRORS},
    summary="The project manager signs the monthly report (T-13, T-20)",
)
def monthly_signoff(request, payload: SignoffIn):
    """Once per project and month; a second sign-off answers 409."""
    project = report_project(request.user, payload.project)
    if not may_sign_off(request.user):
        raise Forbidden(_("Only the project manager or above may sign off the monthly report."))
    period = selectors.month_period(project, payload.month.strip() or "-")  # required: "" is a 400 too

    def create():
        signoff = services.monthly_signoff(
            project=project,
            period=period,
            actor=request.user,
            comment=payload.comment,
            corrective_action=payload.corrective_action,
        )
        return 201, signoff_json(signoff, period, project)

    return Status(*idempotent_create(request, create))
