"""The attachments component: `{% attachment_panel record %}` (thumbnails and
the upload form, one query) and `{% attachment_upload record kind="completion" %}`
(the upload form alone, no query: for a card in a list)."""

from django import template

from propdesk.common import records
from propdesk.common.rights import as_actor
from propdesk.core import attachments
from propdesk.core.models import Attachment

register = template.Library()


def _form_context(context, record, *, kind, camera, compact):
    request = context.get("request")
    actor = as_actor(getattr(request, "user", None))
    record_type = records.of(record)
    return {
        "record": record,
        "record_type": record_type.key,
        "may_add": attachments.may_add(actor, record_type),
        "next": request.get_full_path() if request is not None else "",
        "kind": kind,
        "kinds": Attachment.Kind.choices if not kind else [],
        "camera": camera,
        "compact": compact,
        "csrf_token": context.get("csrf_token"),
        "max_mb": attachments.max_bytes() // (1024 * 1024),
    }


@register.inclusion_tag("core/_attachment_panel.html", takes_context=True)
def attachment_panel(context, record, kind="", camera=False):
    """The record's attachments as thumbnails, and a form to add one (if the
    user may). The caller has shown the record, so the user may see it."""
    out = _form_context(context, record, kind=kind, camera=camera, compact=False)
    out["items"] = list(attachments.attachments_of(record))
    return out


@register.inclusion_tag("core/_attachment_upload.html", takes_context=True)
def attachment_upload(context, record, kind="", camera=True, compact=True):
    return _form_context(context, record, kind=kind, camera=camera, compact=compact)
