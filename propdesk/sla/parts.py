"""What sla adds to the site (propdesk.web.registry): notifications in the
menu and the top bar, the time-limit and delivery pages for managers, the
sla API and the sweeper that runs every minute."""

from django.utils.translation import gettext_lazy as _

from propdesk.common.rights import ANY_STAFF, MANAGER
from propdesk.scheduler import Job
from propdesk.web.registry import HeaderItem, NavEntry, NavGroup, Part

PART = Part(
    app="sla",
    order=30,
    urls="propdesk.sla.urls",
    url_prefix="sla/",
    api_router="propdesk.sla.api:router",
    tones={
        "breach": "danger",
        "climb": "warn",
        "follow_2": "warn",
        "emergency": "danger",
        "pending": "warn",
        "sent": "ok",
        "failed": "danger",
    },
    groups=[NavGroup("sla", _("Notifications and time limits"), order=30)],
    nav=[
        NavEntry(_("Notifications"), "sla:notifications", when=ANY_STAFF, group="sla", order=0),
        NavEntry(_("Time limit settings"), "sla:policy", when=MANAGER, group="sla", order=10, needs_project=True),
        NavEntry(_("Deliveries"), "sla:deliveries", when=MANAGER, group="sla", order=20),
    ],
    header=[HeaderItem("sla/_header.html", when=ANY_STAFF)],
    jobs=[Job("sla_sweep", 60, "propdesk.sla.sweep:run_sweep")],
)
