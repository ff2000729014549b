"""Display names shared by the pages and the Excel export."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propdesk.tickets.models import Category, Kind, Severity, Status

METRIC_LABELS = {
    "forward": pgettext_lazy("timer metric", "forwarding"),
    "answer": pgettext_lazy("timer metric", "answer to the resident"),
    "resolve": pgettext_lazy("timer metric", "resolution"),
    "follow_1": pgettext_lazy("timer metric", "first follow-up"),
    "follow_2": pgettext_lazy("timer metric", "second follow-up"),
    "visit": pgettext_lazy("timer metric", "follow-up visit"),
}
KIND_LABELS = dict(Kind.choices)
SEVERITY_LABELS = dict(Severity.choices)
STATUS_LABELS = dict(Status.choices)
CATEGORY_LABELS = dict(Category.choices)
NO_DEPARTMENT = _("(no department)")


def label(table: dict, key: str | None) -> str:
    if not key:
        return ""
    return str(table.get(key, key))
