"""Display names shared by the pages and the Excel export."""

from django.utils.translation import gettext_lazy as _

from propdesk.sla.metrics import METRIC_LABELS  # noqa: F401 (the one metric label registry)
from propdesk.tickets.models import Category, Kind, Severity, Status

KIND_LABELS = dict(Kind.choices)
SEVERITY_LABELS = dict(Severity.choices)
STATUS_LABELS = dict(Status.choices)
CATEGORY_LABELS = dict(Category.choices)
NO_DEPARTMENT = _("(no department)")


def label(table: dict, key: str | None) -> str:
    if not key:
        return ""
    return str(table.get(key, key))
