"""What reports add to the site (propdesk.web.registry): the review and
report pages for those who read them, the live figures on managers'
dashboards, the reports API."""

from django.utils.translation import gettext_lazy as _

from propdesk.common.rights import FRONT_DESK, MANAGER, SUPERVISOR_OR_ABOVE
from propdesk.web.registry import NavEntry, NavGroup, Part, Widget

# reports.permissions.may_read_reports on the actor: customer service, supervisors and above.
READS_REPORTS = FRONT_DESK | SUPERVISOR_OR_ABOVE


def _live_widget(request):
    """Open / breached now / due within the hour in the current project (two queries)."""
    if request.project is None:
        return None
    from propdesk.reports import selectors

    return {"live": selectors.live_figures(request.project)}


PART = Part(
    app="reports",
    order=40,
    urls="propdesk.reports.urls",
    url_prefix="reports/",
    api_router="propdesk.reports.api:router",
    tones={"carried": "warn"},
    groups=[NavGroup("reports", _("Reviews and reports"), order=40)],
    nav=[
        NavEntry(label, url_name, when=READS_REPORTS, group="reports", order=order, needs_project=True)
        for order, (label, url_name) in enumerate(
            [
                (_("Weekly review"), "reports:weekly"),
                (_("Monthly report"), "reports:monthly"),
                (_("Manager dashboard"), "reports:dashboard"),
            ]
        )
    ],
    widgets=[Widget("reports.live", "reports/_widget_body.html", context=_live_widget, when=MANAGER, order=10)],
)
