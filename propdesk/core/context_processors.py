from propdesk.core.permissions import may_manage_estate, resident_of, staff_of, visible_projects


def shell(request):
    """What the page shell needs: the current project, the switcher list, and
    which sections this user has (absent sections are not shown at all)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    project = getattr(request, "project", None)
    return {
        "current_project": project,
        "manages_estate": project is not None and may_manage_estate(user, project),
        "switcher_projects": visible_projects(user).order_by("code"),
        "current_staff": staff_of(user),
        "current_resident": resident_of(user),
    }
