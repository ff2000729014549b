from django.utils.functional import SimpleLazyObject

from propdesk.common.rights import as_actor
from propdesk.core.permissions import may_manage_estate, resident_of, staff_of, visible_projects
from propdesk.web.registry import navigation, portal_of


def shell(request):
    """What the page shell needs: the current project, the switcher list, the
    portal (staff or resident) and its menu from the registered apps (absent
    sections are not shown at all). Computed only when a template uses them."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    project = getattr(request, "project", None)
    return {
        "current_project": project,
        "manages_estate": SimpleLazyObject(lambda: project is not None and may_manage_estate(user, project)),
        "switcher_projects": visible_projects(user).order_by("code"),
        "current_staff": staff_of(user),
        "current_resident": resident_of(user),
        "portal": SimpleLazyObject(lambda: portal_of(as_actor(user)) or ""),
        "nav": SimpleLazyObject(lambda: navigation(request, as_actor(user))),
    }
