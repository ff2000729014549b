"""Excel export of the monthly complaint report (T-20): one sheet per section,
headers always in Chinese (the sheet is filed with the paper summary)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from propdesk.common import excel
from propdesk.reports.labels import (
    CATEGORY_LABELS,
    KIND_LABELS,
    METRIC_LABELS,
    NO_DEPARTMENT,
    SEVERITY_LABELS,
    STATUS_LABELS,
    label,
)

RATE = (None, None, None, excel.PERCENT)  # metric or department, met, breached, on-time rate


def monthly_workbook(context) -> bytes:
    with translation.override("zh-hans"):
        return _build(context)


def _build(context) -> bytes:
    project, period, report = context["project"], context["period"], context["report"]
    signoff = report["signoff"]

    def who(user):
        return user.get_full_name() or user.username

    sheets = [
        excel.Sheet(
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
                (_("Signed off by"), who(signoff.signed_off_by) if signoff else ""),
                (_("Signed off at"), signoff.signed_off_at if signoff else ""),
                (_("Manager's comment"), signoff.comment if signoff else ""),
                (_("Corrective and preventive action"), signoff.corrective_action if signoff else ""),
            ],
        ),
        excel.Sheet(
            _("By kind"),
            [_("Kind"), _("Number of tickets")],
            [(label(KIND_LABELS, k), n) for k, n in report["by_kind"].items()],
        ),
        excel.Sheet(
            _("Complaints by class"),
            [_("Class"), _("Complaints")],
            [(label(SEVERITY_LABELS, s), n) for s, n in report["complaints_by_severity"].items()],
        ),
        excel.Sheet(
            _("On time by metric"),
            [_("Metric"), _("Met"), _("Breached"), _("On-time rate")],
            [
                (label(METRIC_LABELS, m), v["met"], v["breached"], v["rate"])
                for m, v in report["on_time"]["by_metric"].items()
            ],
            kinds=RATE,
        ),
        excel.Sheet(
            _("On time by department"),
            [_("Department"), _("Met"), _("Breached"), _("On-time rate")],
            [
                (v["name"] or str(NO_DEPARTMENT), v["met"], v["breached"], v["rate"])
                for v in report["on_time"]["by_department"].values()
            ],
            kinds=RATE,
        ),
        excel.Sheet(
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
                    t.created_at,
                    t.unit.code,
                    label(CATEGORY_LABELS, t.category),
                    label(SEVERITY_LABELS, t.severity),
                    label(STATUS_LABELS, t.status),
                    t.previous_number,
                    t.previous_created_at,
                )
                for t in report["repeats"]
            ],
        ),
        excel.Sheet(
            _("Cases for the manager"),
            [_("Recorded at"), _("Number"), _("Recorded by"), _("Note")],
            [(n.at, n.ticket.number, who(n.author), n.text) for n in context["review_notes"]],
        ),
    ]
    # Excel has no time zones: times are written as the project's wall clock.
    return excel.workbook_bytes(sheets, zone=period.start.tzinfo)
