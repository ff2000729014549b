"""Reads behind the weekly review (T-13), the monthly complaint report (T-20)
and the manager dashboard. Every figure is one SQL aggregate over tickets and
timers; nothing loops over rows in Python to count, so the number of queries
does not grow with the data."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.common.errors import BadInput
from propdesk.core.models import Project
from propdesk.reports.models import MonthlySignoff, ReviewNote
from propdesk.sla.models import Timer, TimerState
from propdesk.tickets.models import OPEN_STATUSES, Kind, Severity, Status, Ticket

# The metrics of the default policy (API.md), always listed even when no timer
# of that metric fell in the period; other metrics a project adds appear too.
METRICS = ("forward", "answer", "resolve", "follow_1", "follow_2", "visit")
# T-20 / §7 KPI: no repeat complaint on the same issue within 3 months.
REPEAT_WINDOW_MONTHS = 3

WEEK_RE = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
# Periods outside these years are refused (400): they cannot hold records and
# would overflow datetime arithmetic at the edges of the calendar.
YEARS = range(1970, 3000)


def project_zone(project: Project) -> ZoneInfo:
    try:
        return ZoneInfo(project.time_zone or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Period:
    """A calendar period in the project's time zone: [start, end) as aware datetimes."""

    label: str  # "2026-W47" or "2026-11"
    first_day: dt.date
    last_day: dt.date
    start: dt.datetime
    end: dt.datetime

    def local(self, value: dt.datetime | None):
        return value.astimezone(self.start.tzinfo) if value else None


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def week_period(project: Project, week: str | None, now: dt.datetime | None = None) -> Period:
    """ISO week `2026-W47` (Monday to Sunday in the project's time zone);
    None or empty means the current week there."""
    zone = project_zone(project)
    if not week:
        today = (now or timezone.now()).astimezone(zone).date()
        year, number, _weekday = today.isocalendar()
    else:
        match = WEEK_RE.match(week.strip())
        if not match:
            raise BadInput(_("The week is not valid."), {"week": [_("Use an ISO week such as 2026-W47.")]})
        year, number = int(match[1]), int(match[2])
    if year not in YEARS:
        raise BadInput(_("The week is not valid."), {"week": [_("The year is out of range.")]})
    try:
        monday = dt.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise BadInput(_("The week is not valid."), {"week": [_("This year has no such week.")]}) from None
    sunday = monday + dt.timedelta(days=6)
    label = f"{year:04d}-W{number:02d}"
    return Period(label, monday, sunday, _midnight(monday, zone), _midnight(sunday + dt.timedelta(days=1), zone))


def month_period(project: Project, month: str | None, now: dt.datetime | None = None) -> Period:
    """Calendar month `2026-11` in the project's time zone; None or empty
    means the current month there."""
    zone = project_zone(project)
    if not month:
        today = (now or timezone.now()).astimezone(zone).date()
        year, number = today.year, today.month
    else:
        match = MONTH_RE.match(month.strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise BadInput(_("The month is not valid."), {"month": [_("Use a month such as 2026-11.")]})
        year, number = int(match[1]), int(match[2])
        if year not in YEARS:
            raise BadInput(_("The month is not valid."), {"month": [_("The year is out of range.")]})
    first = dt.date(year, number, 1)
    following = dt.date(year + (number == 12), number % 12 + 1, 1)
    return Period(
        f"{year:04d}-{number:02d}",
        first,
        following - dt.timedelta(days=1),
        _midnight(first, zone),
        _midnight(following, zone),
    )


# ---------------------------------------------------------------- timer outcomes


def met_q() -> Q:
    """A timer met on time. The sla service decides when it stops a timer
    (late = breached; a paused timer's clock was stopped), so its state is
    taken as it is."""
    return Q(state=TimerState.MET)


def breached_q(now: dt.datetime) -> Q:
    """A timer that missed its limit: breached (by the sweeper, or stopped
    late), or still running past due (the sweeper may not have run yet).
    Paused timers are not counted: their clock is stopped."""
    return Q(state=TimerState.BREACHED) | Q(state=TimerState.RUNNING, due_at__lt=now)


def _rate(met: int, breached: int) -> float | None:
    total = met + breached
    return round(met / total, 4) if total else None


# ---------------------------------------------------------------- weekly review (T-13)


def weekly_review(project: Project, period: Period, now: dt.datetime | None = None) -> list[Ticket]:
    """T-13 Monday review: every ticket registered in the week that is not
    closed, plus every older one still open; each with `breached_timers` and
    `notes`. Three queries whatever the number of tickets."""
    now = now or timezone.now()
    return list(
        _review_queryset(project, period)
        .annotate(
            carried_over=Case(
                When(created_at__lt=period.start, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .select_related("unit", "department", "assignee__user")
        .prefetch_related(
            Prefetch(
                "timers",
                queryset=Timer.objects.filter(breached_q(now)).order_by("due_at", "id"),
                to_attr="breached_timers",
            ),
            Prefetch(
                "review_notes", queryset=ReviewNote.objects.select_related("author").order_by("id"), to_attr="notes"
            ),
        )
        .order_by("created_at", "id")
    )


def _review_queryset(project: Project, period: Period):
    in_week = Q(created_at__gte=period.start, created_at__lt=period.end) & ~Q(status=Status.CLOSED)
    carried = Q(created_at__lt=period.start, status__in=OPEN_STATUSES)
    return Ticket.objects.filter(project=project).filter(in_week | carried)


def review_counts(project: Project, period: Period) -> dict:
    """How many cases the review holds, and how many are carried over: one aggregate."""
    return _review_queryset(project, period).aggregate(
        total=Count("id"), carried=Count("id", filter=Q(created_at__lt=period.start))
    )


# ---------------------------------------------------------------- monthly report (T-20)


class MonthsBefore(Func):
    """`value` minus n calendar months, counted in a time zone (SQLite and
    PostgreSQL; the repeat-complaint window of T-20)."""

    output_field = DateTimeField()

    def __init__(self, expression, *, months: int, zone: ZoneInfo):
        super().__init__(expression)
        self.months = int(months)
        self.zone = zone

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"((({sql}) AT TIME ZONE %s) - %s::interval) AT TIME ZONE %s",
            [*params, self.zone.key, f"{self.months} months", self.zone.key],
        )

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        offset = timezone.now().astimezone(self.zone).utcoffset()  # China keeps one offset all year
        minutes = int(offset.total_seconds() // 60) if offset else 0
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; whole seconds keep
        # the comparison inclusive at the exact boundary, as on PostgreSQL.
        return (
            f"strftime('%%Y-%%m-%%d %%H:%%M:%%S', {sql}, %s, %s, %s)",
            [*params, f"{minutes:+d} minutes", f"-{self.months} months", f"{-minutes:+d} minutes"],
        )


def repeat_complaints(project: Project, period: Period):
    """T-20: complaints registered in the month with another complaint about
    the same unit and category in the 3 calendar months before it. One query;
    each row carries the earlier complaint it repeats."""
    zone = project_zone(project)
    earlier = (
        Ticket.objects.filter(
            project_id=OuterRef("project_id"),
            kind=Kind.COMPLAINT,
            unit_id=OuterRef("unit_id"),
            category=OuterRef("category"),
            created_at__gte=MonthsBefore(OuterRef("created_at"), months=REPEAT_WINDOW_MONTHS, zone=zone),
        )
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
        .order_by("-created_at", "-id")
    )
    return (
        Ticket.objects.filter(
            project=project,
            kind=Kind.COMPLAINT,
            unit__isnull=False,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .exclude(category="")
        .annotate(
            previous_id=Subquery(earlier.values("id")[:1]),
            previous_number=Subquery(earlier.values("number")[:1]),
            previous_created_at=Subquery(earlier.values("created_at")[:1]),
        )
        .filter(previous_id__isnull=False)
        .select_related("unit")
        .order_by("created_at", "id")
    )


def ticket_counts(project: Project, period: Period, now: dt.datetime) -> dict:
    """Counts by kind and class, opened / closed / still open: one aggregate.

    Still open = registered before the cut-off (the month's end, or now while
    the month runs) and at the cut-off not closed: open now, or closed only
    after the cut-off."""
    cutoff = min(period.end, max(now, period.start))
    opened = Q(created_at__gte=period.start, created_at__lt=period.end)
    closed = Q(closed_at__gte=period.start, closed_at__lt=period.end)
    still_open = Q(created_at__lt=cutoff) & (
        Q(status__in=OPEN_STATUSES) | Q(status=Status.CLOSED, closed_at__gte=cutoff)
    )
    complaint = Q(kind=Kind.COMPLAINT)
    figures = {
        "opened": Count("id", filter=opened),
        "closed": Count("id", filter=closed),
        "still_open": Count("id", filter=still_open),
        "c_opened": Count("id", filter=opened & complaint),
        "c_closed": Count("id", filter=closed & complaint),
        "c_still_open": Count("id", filter=still_open & complaint),
    }
    for kind in Kind.values:
        figures[f"kind_{kind}"] = Count("id", filter=opened & Q(kind=kind))
    for severity in Severity.values:
        figures[f"severity_{severity}"] = Count("id", filter=opened & complaint & Q(severity=severity))
    row = Ticket.objects.filter(project=project).aggregate(**figures)
    return {
        "by_kind": {kind: row[f"kind_{kind}"] for kind in Kind.values},
        "complaints_by_severity": {s: row[f"severity_{s}"] for s in Severity.values},
        "opened": row["opened"],
        "closed": row["closed"],
        "still_open": row["still_open"],
        "complaints": {"opened": row["c_opened"], "closed": row["c_closed"], "still_open": row["c_still_open"]},
        "still_open_at": cutoff,
    }


def on_time(project: Project, period: Period, now: dt.datetime) -> dict:
    """On-time rate = met ÷ (met + breached) over the timers (not cancelled)
    that fell due in the period or were stopped in it; null when there are
    none. Running timers not yet due and paused timers are undecided and left
    out. Two grouped queries: per metric and per department of the ticket."""
    scope = (
        Timer.objects.filter(ticket__project=project)
        .exclude(state=TimerState.CANCELLED)
        .filter(
            Q(due_at__gte=period.start, due_at__lt=period.end)
            | Q(stopped_at__gte=period.start, stopped_at__lt=period.end)
        )
    )
    outcome = {"met": Count("id", filter=met_q()), "breached": Count("id", filter=breached_q(now))}
    by_metric = {m: {"met": 0, "breached": 0, "rate": None} for m in METRICS}
    for row in scope.values("metric").annotate(**outcome).order_by("metric"):
        by_metric[row["metric"]] = {
            "met": row["met"],
            "breached": row["breached"],
            "rate": _rate(row["met"], row["breached"]),
        }
    by_department = {}
    dept_rows = scope.values("ticket__department__code", "ticket__department__name").annotate(**outcome)
    for row in dept_rows.order_by("ticket__department__code"):
        code = row["ticket__department__code"] or ""
        by_department[code] = {
            "name": row["ticket__department__name"] or "",
            "met": row["met"],
            "breached": row["breached"],
            "rate": _rate(row["met"], row["breached"]),
        }
    return {"by_metric": by_metric, "by_department": by_department}


def review_notes_in(project: Project, period: Period) -> list[ReviewNote]:
    """T-13: the cases the dispatcher recorded for the manager in the period."""
    return list(
        ReviewNote.objects.filter(project=project, at__gte=period.start, at__lt=period.end)
        .select_related("ticket", "author")
        .order_by("at", "id")
    )


def signoff_for(project: Project, period: Period) -> MonthlySignoff | None:
    return (
        MonthlySignoff.objects.select_related("signed_off_by").filter(project=project, month=period.first_day).first()
    )


def monthly_report(project: Project, period: Period, now: dt.datetime | None = None) -> dict:
    """T-20 monthly complaint report: six queries whatever the data."""
    now = now or timezone.now()
    counts = ticket_counts(project, period, now)
    return {
        **counts,
        "on_time": on_time(project, period, now),
        "repeats": list(repeat_complaints(project, period)),
        "signoff": signoff_for(project, period),
    }


# ---------------------------------------------------------------- manager dashboard


def live_figures(project: Project, now: dt.datetime | None = None) -> dict:
    """Open tickets, breached now, due within the hour: two queries."""
    now = now or timezone.now()
    open_timers = Timer.objects.filter(ticket__project=project, ticket__status__in=OPEN_STATUSES)
    breached_now = Q(state=TimerState.BREACHED) | Q(state=TimerState.RUNNING, due_at__lt=now)
    due_soon = Q(state=TimerState.RUNNING, due_at__gte=now, due_at__lt=now + dt.timedelta(hours=1))
    timers = open_timers.aggregate(
        breached_timers=Count("id", filter=breached_now),
        breached_tickets=Count("record_id", filter=breached_now, distinct=True),
        due_soon_timers=Count("id", filter=due_soon),
        due_soon_tickets=Count("record_id", filter=due_soon, distinct=True),
    )
    by_status = dict.fromkeys((s.value for s in OPEN_STATUSES), 0)
    for row in (
        Ticket.objects.filter(project=project, status__in=OPEN_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
        .order_by("status")
    ):
        by_status[row["status"]] = row["n"]
    return {"open_by_status": by_status, "open": sum(by_status.values()), **timers}


def breached_by_metric(project: Project, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    rows = (
        Timer.objects.filter(ticket__project=project, ticket__status__in=OPEN_STATUSES)
        .filter(Q(state=TimerState.BREACHED) | Q(state=TimerState.RUNNING, due_at__lt=now))
        .values("metric")
        .annotate(n=Count("id"))
        .order_by("metric")
    )
    return {row["metric"]: row["n"] for row in rows}
