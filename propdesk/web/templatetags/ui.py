"""The component library of the pages: `{% load ui %}`.

    {% status ticket.status ticket.get_status_display %}
    {% deadline timer.due_at stopped_at=timer.stopped_at state=timer.state label=timer.label %}
    {% timeline rows %}                 rows from propdesk.common.history.timeline()
    {% facts items %}                   propdesk.web.components.Fact list
    {% table table %}                   propdesk.web.components.Table
    {% field form.note %}
    {% filters form %}
    {% pager next_cursor %}
    {% actions action_forms %}          propdesk.web.components.action_forms()
    {% chart "status" chart caption %}  propdesk.web.components.Chart
    {% submit_token %}                  in every create/action form (propdesk.web.pages.submit_once)

Every value is escaped by the templates; nothing here marks stored text safe."""

from django import template
from django.utils.html import format_html

from propdesk.web import components
from propdesk.web.pages import TOKEN_FIELD, new_token

register = template.Library()


@register.simple_tag
def submit_token():
    return format_html('<input type="hidden" name="{}" value="{}">', TOKEN_FIELD, new_token())


@register.inclusion_tag("components/status.html")
def status(state, label=None):
    return {"state": state, "label": label if label not in (None, "") else state, "tone": components.tone_of(state)}


@register.inclusion_tag("components/deadline.html")
def deadline(due_at, stopped_at=None, state="", label="", now=None):
    return {"d": components.deadline(due_at, now=now, stopped_at=stopped_at, state=state), "label": label}


@register.inclusion_tag("components/timeline.html")
def timeline(rows, empty=""):
    return {"rows": rows, "empty": empty}


@register.inclusion_tag("components/facts.html")
def facts(items, css=""):
    return {"items": components.facts(items), "css": css}


@register.inclusion_tag("components/table.html")
def table(spec, css=""):
    return {"t": spec, "body": list(spec.body()), "css": css}


@register.inclusion_tag("components/field.html")
def field(bound_field, css=""):
    return {"field": bound_field, "css": css}


@register.inclusion_tag("components/filters.html", takes_context=True)
def filters(context, form, action=""):
    request = context.get("request")
    return {"form": form, "action": action or (request.path if request else ""), "active": bool(form.data)}


@register.inclusion_tag("components/pager.html", takes_context=True)
def pager(context, next_cursor, param="cursor"):
    request = context.get("request")
    more = first = ""
    if request is not None:
        params = request.GET.copy()
        if next_cursor:
            params[param] = next_cursor
            more = params.urlencode()
        if request.GET.get(param):
            params.pop(param, None)
            first = params.urlencode() or "-"
    return {"more": more, "first": first, "path": request.path if request else ""}


@register.inclusion_tag("components/actions.html", takes_context=True)
def actions(context, items, empty=""):
    return {"items": items, "empty": empty, "csrf_token": context.get("csrf_token"), "next": context.get("next_url")}


@register.inclusion_tag("components/chart.html")
def chart(name, spec, caption=""):
    return {
        "id": f"chart-{name}",
        "data_id": f"chart-{name}-data",
        "spec": spec,
        "data": spec.data(),
        "caption": caption,
    }


@register.filter
def when(value):
    """A moment as staff say it, in the current zone (components.when)."""
    return components.when(value)


@register.filter
def percent(rate):
    """0.934 → 93.4%; no rate → a dash."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


@register.filter
def tone(state):
    return components.tone_of(state)
