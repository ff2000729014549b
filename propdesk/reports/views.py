"""Review and report pages: the Monday review (T-13), the monthly complaint
report with Excel export and sign-off (T-13, T-20), the manager dashboard.
Thin: rights from reports.rights, figures from reports.selectors,
writes via reports.services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from propdesk.common.errors import BadInput, DomainError
from propdesk.reports import excel, selectors, services
from propdesk.reports.labels import (
    KIND_LABELS,
    METRIC_LABELS,
    NO_DEPARTMENT,
    SEVERITY_LABELS,
    STATUS_LABELS,
    label,
)
from propdesk.reports.rights import may_read_reports, may_sign_off, may_write_review_note, report_project
from propdesk.tickets.models import Ticket
from propdesk.web.components import DANGER, OK, Chart, Column, Table
from propdesk.web.pages import submit_once
from propdesk.web.templatetags.ui import percent


def _project(request):
    """The current project: 404 unless the user is staff of it (residents do not
    learn these pages exist), 403 unless they may read reports."""
    if request.project is None:
        raise Http404
    project = report_project(request.user, request.project.code)
    if not may_read_reports(request.user):
        raise PermissionDenied(_("Only customer service, supervisors and managers may read reviews and reports."))
    return project


def _period(request, parse, project, name):
    try:
        return parse(project, request.GET.get(name) or None), None
    except BadInput as exc:
        return parse(project, None), exc.errors.get(name, [exc.detail])[0]


# ---------------------------------------------------------------- weekly review


@login_required
def weekly(request):
    project = _project(request)
    now = timezone.now()
    period, error = _period(request, selectors.week_period, project, "week")
    tickets = selectors.weekly_review(project, period, now)
    for t in tickets:
        for timer in t.breached_timers:
            timer.label = label(METRIC_LABELS, timer.metric)
    previous = selectors.week_period(project, _iso(period, -7))
    following = selectors.week_period(project, _iso(period, 7))
    return render(
        request,
        "reports/weekly.html",
        {
            "project": project,
            "period": period,
            "tickets": tickets,
            "error": error,
            "previous": previous.label,
            "following": following.label,
            "counts": selectors.review_counts(project, period),
            "may_note": may_write_review_note(request.user),
        },
        status=400 if error else 200,
    )


def _iso(period, days) -> str:
    year, week, _day = (period.first_day + dt.timedelta(days=days)).isocalendar()
    return f"{year:04d}-W{week:02d}"


@login_required
@require_POST
@submit_once
def weekly_note(request, ticket_id: int):
    project = _project(request)
    if not may_write_review_note(request.user):
        raise PermissionDenied(_("Only customer service and managers may record review notes."))
    ticket = get_object_or_404(Ticket, pk=ticket_id, project=project)
    period, _error = _period(request, selectors.week_period, project, "week")
    week = request.POST.get("week") or period.label
    try:
        week = selectors.week_period(project, week).label
        services.review_note_add(ticket=ticket, actor=request.user, week=week, text=request.POST.get("text", ""))
        error = None
    except DomainError as exc:
        error = next(iter(exc.errors.values()), [exc.detail])[0]
    if request.headers.get("HX-Request"):
        notes = ticket.review_notes.select_related("author").order_by("id")
        return render(
            request,
            "reports/_review_notes.html",
            {"ticket": ticket, "notes": notes, "week": week, "may_note": True, "note_error": error},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The note was recorded for the manager."))
    return redirect(reverse("reports:weekly") + "?" + urlencode({"week": week}))


# ---------------------------------------------------------------- monthly report


def _monthly_context(request, project, period):
    report = selectors.monthly_report(project, period)
    metrics = [{"metric": m, "label": label(METRIC_LABELS, m), **v} for m, v in report["on_time"]["by_metric"].items()]
    departments = [
        {"code": code, "label": v["name"] or str(NO_DEPARTMENT), **v}
        for code, v in report["on_time"]["by_department"].items()
    ]
    return {
        "project": project,
        "period": period,
        "report": report,
        "metrics": metrics,
        "departments": departments,
        "kind_labels": KIND_LABELS,
        "severity_labels": SEVERITY_LABELS,
        "review_notes": selectors.review_notes_in(project, period),
    }


@login_required
def monthly(request):
    project = _project(request)
    period, error = _period(request, selectors.month_period, project, "month")
    context = _monthly_context(request, project, period)
    report = context["report"]
    count = Column(_("Number of tickets"), "n", css="num")
    context.update(
        {
            "error": error,
            "may_sign": may_sign_off(request.user),
            "by_kind": Table(
                [Column(_("Kind"), "label"), count],
                [{"label": label(KIND_LABELS, k), "n": n} for k, n in report["by_kind"].items()],
            ),
            "by_severity": Table(
                [Column(_("Class"), "label"), Column(_("Complaints"), "n", css="num")],
                [{"label": label(SEVERITY_LABELS, k), "n": n} for k, n in report["complaints_by_severity"].items()],
            ),
            "by_metric": Table(_rate_columns(_("Metric")), context["metrics"]),
            "by_department": Table(_rate_columns(_("Department")), context["departments"]),
        }
    )
    return render(request, "reports/monthly.html", context, status=400 if error else 200)


def _rate_columns(first):
    return [
        Column(first, "label"),
        Column(_("Met"), "met", css="num"),
        Column(_("Breached"), "breached", css="num"),
        Column(_("On-time rate"), lambda row: percent(row["rate"]), css="num"),
    ]


@login_required
def monthly_export(request):
    project = _project(request)
    try:
        period = selectors.month_period(project, request.GET.get("month") or None)
    except BadInput as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    context = _monthly_context(request, project, period)
    body = excel.monthly_workbook(context)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="complaints-{project.code}-{period.label}.xlsx"'
    return response


@login_required
@require_http_methods(["POST"])
@submit_once
def monthly_signoff(request):
    project = _project(request)
    if not may_sign_off(request.user):
        raise PermissionDenied(_("Only the project manager or above may sign off the monthly report."))
    month = request.POST.get("month", "")
    try:
        period = selectors.month_period(project, month.strip() or "-")
        services.monthly_signoff(
            project=project,
            period=period,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            corrective_action=request.POST.get("corrective_action", ""),
        )
    except DomainError as exc:
        messages.error(request, " ".join([exc.detail, *[m for ms in exc.errors.values() for m in ms]]))
    else:
        messages.success(request, _("The monthly report for %(month)s is signed off.") % {"month": period.label})
    return redirect(reverse("reports:monthly") + "?" + urlencode({"month": month}))


# ---------------------------------------------------------------- dashboard


@login_required
def dashboard(request):
    project = _project(request)
    now = timezone.now()
    period = selectors.month_period(project, None, now)
    live = selectors.live_figures(project, now)
    on_time = selectors.on_time(project, period, now)
    breached = selectors.breached_by_metric(project, now)
    by_metric = [{"label": label(METRIC_LABELS, m), **v} for m, v in on_time["by_metric"].items()]
    by_department = [{"label": v["name"] or str(NO_DEPARTMENT), **v} for v in on_time["by_department"].values()]
    tickets_list = reverse("tickets:list")
    charts = {
        "status": Chart(
            labels=[label(STATUS_LABELS, s) for s in live["open_by_status"]],
            values=list(live["open_by_status"].values()),
            name=_("tickets"),
            links=[f"{tickets_list}?{urlencode({'status': s})}" for s in live["open_by_status"]],
            empty=_("No open tickets."),
        ),
        "breached": Chart(
            labels=[label(METRIC_LABELS, m) for m in breached],
            values=list(breached.values()),
            name=_("time limits"),
            tone=DANGER,
            empty=_("No time limit is breached now."),
        ),
        "metric": Chart(
            labels=[row["label"] for row in by_metric],
            values=[_pct(row["rate"]) for row in by_metric],
            name=_("on-time rate"),
            percent=True,
            tone=OK,
            empty=_("No time limit fell due this month yet."),
        ),
        "department": Chart(
            labels=[row["label"] for row in by_department],
            values=[_pct(row["rate"]) for row in by_department],
            name=_("on-time rate"),
            percent=True,
            tone=OK,
            empty=_("No time limit fell due this month yet."),
        ),
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "project": project,
            "period": period,
            "live": live,
            "charts": charts,
            "by_metric": Table(_rate_columns(_("Metric")), by_metric, empty="—"),
            "by_department": Table(_rate_columns(_("Department")), by_department, empty="—"),
            "now": now,
            "month": period.label,
        },
    )


def _pct(rate):
    return None if rate is None else round(rate * 100, 1)


@login_required
def dashboard_live(request):
    """The live tiles alone, polled by htmx every minute (one sweep interval)."""
    project = _project(request)
    return render(request, "reports/_live_tiles.html", {"live": selectors.live_figures(project)})
