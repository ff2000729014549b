"""Excel export of the monthly complaint report (T-20): one sheet per section,
headers always in Chinese (the sheet is filed with the paper summary)."""

from __future__ import annotations

import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from propdesk.reports.labels import (
    CATEGORY_LABELS,
    KIND_LABELS,
    METRIC_LABELS,
    NO_DEPARTMENT,
    SEVERITY_LABELS,
    STATUS_LABELS,
    label,
)


def _sheet(wb, title, headers, rows):
    ws = wb.create_sheet(title=title[:31])
    ws.append([str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # notes and comments are text: "=..." must not become a formula
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, len(str(header)) * 2 + 4)
    return ws


def _naive_local(period, value):
    # Excel has no time zones: write the project's wall-clock time.
    return period.local(value).replace(tzinfo=None) if value else None


def monthly_workbook(context) -> bytes:
    with translation.override("zh-hans"):
        return _build(context)


def _build(context) -> bytes:
    project, period, report = context["project"], context["period"], context["report"]
    wb = Workbook()
    wb.remove(wb.active)
    signoff = report["signoff"]
    _sheet(
        wb,
        _("Summary"),
        [_("Item"), _("Value")],
        [
            (_("Project"), project.name),
            (_("Month"), period.label),
            (_("Opened in the month"), report["opened"]),
            (_("Closed in the month"), report["closed"]),
            (_("Still open"), report["still_open"]),
            (_("Complaints opened"), report["complaints"]["opened"]),
            (_("Complaints closed"), report["complaints"]["closed"]),
            (_("Complaints still open"), report["complaints"]["still_open"]),
            (_("Repeat complaints"), len(report["repeats"])),
            (
                _("Signed off by"),
                signoff.signed_off_by.get_full_name() or signoff.signed_off_by.username if signoff else "",
            ),
            (_("Signed off at"), _naive_local(period, signoff.signed_off_at) if signoff else ""),
            (_("Manager's comment"), signoff.comment if signoff else ""),
            (_("Corrective and preventive action"), signoff.corrective_action if signoff else ""),
        ],
    )
    _sheet(
        wb,
        _("By kind"),
        [_("Kind"), _("Number of tickets")],
        [(label(KIND_LABELS, k), n) for k, n in report["by_kind"].items()],
    )
    _sheet(
        wb,
        _("Complaints by class"),
        [_("Class"), _("Complaints")],
        [(label(SEVERITY_LABELS, s), n) for s, n in report["complaints_by_severity"].items()],
    )
    _sheet(
        wb,
        _("On time by metric"),
        [_("Metric"), _("Met"), _("Breached"), _("On-time rate")],
        [
            (label(METRIC_LABELS, m), v["met"], v["breached"], v["rate"])
            for m, v in report["on_time"]["by_metric"].items()
        ],
    )
    _sheet(
        wb,
        _("On time by department"),
        [_("Department"), _("Met"), _("Breached"), _("On-time rate")],
        [
            (v["name"] or str(NO_DEPARTMENT), v["met"], v["breached"], v["rate"])
            for v in report["on_time"]["by_department"].values()
        ],
    )
    _sheet(
        wb,
        _("Repeat complaints"),
        [
            _("Number"),
            _("Registered at"),
            _("Unit"),
            _("Category"),
            _("Class"),
            _("Status"),
            _("Earlier complaint"),
            _("Earlier registered at"),
        ],
        [
            (
                t.number,
                _naive_local(period, t.created_at),
                t.unit.code,
                label(CATEGORY_LABELS, t.category),
                label(SEVERITY_LABELS, t.severity),
                label(STATUS_LABELS, t.status),
                t.previous_number,
                _naive_local(period, t.previous_created_at),
            )
            for t in report["repeats"]
        ],
    )
    _sheet(
        wb,
        _("Cases for the manager"),
        [_("Recorded at"), _("Number"), _("Recorded by"), _("Note")],
        [
            (_naive_local(period, n.at), n.ticket.number, n.author.get_full_name() or n.author.username, n.text)
            for n in context["review_notes"]
        ],
    )
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if hasattr(cell.value, "hour"):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, float) and ws.cell(row=1, column=cell.column).value == _("On-time rate"):
                    cell.number_format = "0.0%"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
