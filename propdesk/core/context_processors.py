from propdesk.core.permissions import resident_of, staff_of, visible_projects


def shell(request):
    """What the page shell needs: the current project, the switcher list, and
    which sections this user has (absent sections are not shown at all)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "current_project": getattr(request, "project", None),
        "switcher_projects": visible_projects(user).order_by("code"),
        "current_staff": staff_of(user),
        "current_resident": resident_of(user),
    }
