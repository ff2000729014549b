"""What core adds to the site (propdesk.web.registry): the home and search
pages, the estate pages for those who manage the estate, the residents'
home links, the core API and the catch-all URLs (included last)."""

from django.utils.translation import gettext_lazy as _

from propdesk.common.rights import FRONT_DESK, MANAGER, SUPERVISOR_OR_ABOVE
from propdesk.web.registry import RESIDENT, NavEntry, NavGroup, Part

# core.permissions.may_manage_estate on the actor (the current project is one the actor serves).
MANAGES_ESTATE = MANAGER | (FRONT_DESK & SUPERVISOR_OR_ABOVE)

PART = Part(
    app="core",
    order=0,
    urls="propdesk.core.urls",
    url_prefix="",
    api_router=("propdesk.core.api:router", "propdesk.core.api_attachments:router"),
    tones={"occupied": "ok", "vacant": "muted", "rented": "info", "renovating": "warn"},
    groups=[NavGroup("home", "", order=0), NavGroup("estate", _("Estate"), order=90)],
    nav=[
        NavEntry(_("Dashboard"), "core:dashboard", group="home", order=0),
        NavEntry(_("Search"), "core:search", group="home", order=10),
        NavEntry(_("Estate import"), "core:estate-import", when=MANAGES_ESTATE, group="estate", needs_project=True),
        NavEntry(
            _("Business calendar"), "core:estate-calendar", when=MANAGES_ESTATE, group="estate", needs_project=True
        ),
        NavEntry(_("Home"), "core:dashboard", portal=RESIDENT, group="home", order=0),
        NavEntry(
            _("My details"),
            "core:person",
            portal=RESIDENT,
            group="home",
            order=90,
            url_args=lambda actor: (actor.person_id,),
        ),
    ],
)
