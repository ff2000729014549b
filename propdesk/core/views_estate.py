"""Estate pages for managers: Excel import/export/template and the business
calendar. Thin: checks and reads here, every write through core.services."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from propdesk.core import excel
from propdesk.core.calendar import BusinessCalendar, format_hours
from propdesk.core.models import CalendarDay, WorkingPeriod
from propdesk.core.permissions import may_manage_estate
from propdesk.core.services import (
    CalendarInputError,
    calendar_clear_day,
    calendar_known_until,
    calendar_set_day,
    calendar_set_weekly,
    estate_import,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {"buildings": "楼栋", "units": "房屋", "people": "人员", "occupancies": "入住关系"}


def _managed_project(request):
    project = request.project
    if project is None:
        raise Http404
    if not may_manage_estate(request.user, project):
        raise PermissionDenied
    return project


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@login_required
def template_download(request):
    _managed_project(request)
    return _xlsx(excel.template_workbook(), "estate-template.xlsx")


@login_required
def export_download(request):
    project = _managed_project(request)
    stamp = timezone.localdate().isoformat()
    return _xlsx(excel.export_workbook(project), f"estate-{project.code}-{stamp}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    project = _managed_project(request)
    context = {"project": project, "max_mb": excel.MAX_UPLOAD_BYTES // (1024 * 1024)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        problem = None
        if upload is None:
            problem = _("Choose an .xlsx file to import.")
        elif not upload.name.lower().endswith(".xlsx"):
            problem = _("Only Excel workbooks (.xlsx) can be imported; save the file as .xlsx and try again.")
        elif upload.size > excel.MAX_UPLOAD_BYTES:
            problem = _("The file is larger than %(mb)d MB; split it into several workbooks.") % {
                "mb": context["max_mb"]
            }
        if problem is None:
            try:
                result = estate_import(project=project, actor=request.user, data=upload.read())
            except excel.WorkbookRefused as refused:
                problem = str(refused)
            else:
                context["result"] = result
                context["counts"] = [(KIND_LABELS[k], v) for k, v in result.counts.items()]
                status = 200 if result.ok else 400
        if problem:
            context["problem"] = problem
            status = 400
    return render(request, "core/estate_import.html", context, status=status)


# ---------------------------------------------------------------- calendar

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request):
    project = _managed_project(request)
    year = _year(request)
    status = 200
    errors = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "weekly":
                calendar_set_weekly(
                    project=project,
                    actor=request.user,
                    weekly={d: request.POST.get(f"weekday_{d}", "") for d in range(7)},
                )
                messages.success(request, _("Weekly working hours saved."))
            elif action in ("set_day", "clear_day"):
                try:
                    date = dt.date.fromisoformat(request.POST.get("date", ""))
                except ValueError:
                    raise CalendarInputError(_("Enter the date as YYYY-MM-DD."))
                if action == "set_day":
                    calendar_set_day(
                        project=project,
                        actor=request.user,
                        date=date,
                        kind=request.POST.get("kind", ""),
                        hours=request.POST.get("hours", ""),
                        name=request.POST.get("name", ""),
                    )
                    messages.success(request, _("%(date)s saved.") % {"date": date.isoformat()})
                else:
                    calendar_clear_day(project=project, actor=request.user, date=date)
                    messages.success(
                        request, _("%(date)s follows the weekly hours again.") % {"date": date.isoformat()}
                    )
                year = date.year
            else:
                raise CalendarInputError(_("Unknown action."))
        except CalendarInputError as error:
            errors.append(str(error))
            status = 400
        else:
            return redirect(f"{request.path}?year={year}")
    cal = BusinessCalendar.for_project(project)
    days = CalendarDay.objects.filter(project=project, date__year=year).order_by("date")
    by_date = {d.date: d for d in days}
    weekly = {}
    for wp in WorkingPeriod.objects.filter(project=project).order_by("weekday", "start"):
        weekly.setdefault(wp.weekday, []).append((wp.start, wp.end))
    if not weekly:
        weekly = {d: list(p) for d, p in cal.weekly.items()}
    today = timezone.localdate()
    months = []
    month_cal = pycalendar.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in month_cal.monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                exception = by_date.get(day)
                working = cal.is_working_day(day)
                if exception is not None:
                    kind = exception.kind
                else:
                    kind = "work" if working else "rest"
                cells.append(
                    {
                        "date": day,
                        "kind": kind,
                        "working": working,
                        "today": day == today,
                        "title": exception.name if exception else "",
                    }
                )
            weeks.append(cells)
        months.append(
            {"number": month, "weeks": weeks, "working_days": sum(1 for w in weeks for c in w if c and c["working"])}
        )
    known_until = calendar_known_until()
    context = {
        "project": project,
        "year": year,
        "months": months,
        "exceptions": days,
        "weekly_rows": [(d, _(WEEKDAYS[d]), format_hours(weekly.get(d, ()))) for d in range(7)],
        "kinds": CalendarDay.Kind.choices,
        "errors": errors,
        "post": request.POST if errors else {},
        "year_missing": not by_date,
        "year_unknown": year > known_until,
        "known_until": known_until,
        "next_year_missing": year == today.year
        and not CalendarDay.objects.filter(project=project, date__year=today.year + 1).exists(),
        "next_year": today.year + 1,
        "weekday_names": [
            _(w)[:3] if request.LANGUAGE_CODE == "en" else "一二三四五六日"[i] for i, w in enumerate(WEEKDAYS)
        ],
    }
    return render(request, "core/estate_calendar.html", context, status=status)
