"""What tickets add to the site (propdesk.web.registry): the ticket pages in
the staff menu and on the dashboard, "my requests" in the residents'
portal, the ticket API."""

from django.utils.translation import gettext_lazy as _

from propdesk.common.rights import ANY_STAFF, CUSTOMER_SERVICE, Rule
from propdesk.web.registry import RESIDENT, NavEntry, NavGroup, Part, Widget

# A department's members work from their inbox; customer service works from the board.
HAS_INBOX = Rule(lambda a, r: a.department_id is not None and a.department_kind != CUSTOMER_SERVICE, "has_inbox")


def _staff_widget(request):
    from propdesk.common.rights import as_actor

    if request.project is None:
        return None
    return {"has_inbox": HAS_INBOX(as_actor(request.user))}


PART = Part(
    app="tickets",
    order=20,
    urls="propdesk.tickets.urls",
    url_prefix="tickets/",
    api_router="propdesk.tickets.api:router",
    tones={
        "new": "warn",
        "dispatched": "info",
        "accepted": "info",
        "done": "ok",
        "closed": "muted",
        "on_hold": "accent",
        "reopened": "danger",
        "invalid": "muted",
        "cancelled": "muted",
        "urgent": "danger",
    },
    groups=[NavGroup("tickets", _("Service requests"), order=20)],
    nav=[
        NavEntry(_("Register a call"), "tickets:intake", when=ANY_STAFF, group="tickets", order=0, needs_project=True),
        NavEntry(_("Dispatch board"), "tickets:board", when=ANY_STAFF, group="tickets", order=10, needs_project=True),
        NavEntry(_("Department inbox"), "tickets:inbox", when=HAS_INBOX, group="tickets", order=20, needs_project=True),
        NavEntry(
            _("Follow-up visits"), "tickets:visits", when=ANY_STAFF, group="tickets", order=30, needs_project=True
        ),
        NavEntry(_("All tickets"), "tickets:list", when=ANY_STAFF, group="tickets", order=40, needs_project=True),
        NavEntry(_("My requests"), "tickets:mine", portal=RESIDENT, group="home", order=10),
    ],
    widgets=[
        Widget("tickets.desk", "tickets/_dashboard_widget.html", context=_staff_widget, when=ANY_STAFF, order=20),
        Widget("tickets.mine", "tickets/_resident_widget.html", portal=RESIDENT, order=20),
    ],
)
