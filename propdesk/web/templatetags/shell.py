"""The shell's tags: what the registered apps put on the home pages and in
the top bar (propdesk.web.registry). `{% load shell %}`."""

from django import template
from django.utils.safestring import mark_safe

from propdesk.common.rights import as_actor
from propdesk.web.registry import registry

register = template.Library()


def _render(context, template_name: str, extra: dict) -> str:
    tpl = context.template.engine.get_template(template_name)
    with context.push(**extra):
        return tpl.render(context)


@register.simple_tag(takes_context=True)
def widgets(context, portal):
    """Every widget this user may see on the `portal` home page, in order.
    A widget whose context function returns None has nothing to show."""
    request = context.get("request")
    if request is None:
        return ""
    actor = as_actor(request.user)
    out = []
    for widget in registry.widgets(actor, portal):
        extra = widget.context(request) if widget.context else {}
        if extra is not None:
            out.append(_render(context, widget.template, extra))
    # Rendered templates: their variables were escaped as they were rendered.
    return mark_safe("".join(out))


@register.simple_tag(takes_context=True)
def header_items(context, portal):
    request = context.get("request")
    if request is None:
        return ""
    actor = as_actor(request.user)
    return mark_safe("".join(_render(context, h.template, {}) for h in registry.header_items(actor, portal)))
