from django import template

from propdesk.core.permissions import is_manager
from propdesk.reports import selectors
from propdesk.reports.rights import may_read_reports

register = template.Library()


@register.inclusion_tag("reports/_widget_body.html", takes_context=True)
def reports_widget(context):
    """Open / breached now / due within the hour for the current project, for
    managers on the home dashboard (two queries)."""
    request = context.get("request")
    project = getattr(request, "project", None)
    if request is None or project is None or not (request.user.is_superuser or is_manager(request.user)):
        return {"show": False}
    return {"show": True, "live": selectors.live_figures(project)}


@register.filter
def percent(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def reads_reports(user) -> bool:
    return bool(user and user.is_authenticated and may_read_reports(user))
