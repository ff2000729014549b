"""Attachment pages: the file and thumbnail of an attachment (only for users
who may see its record; else 404) and the upload form's target. Thin: every
check is in core.attachments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from propdesk.common.errors import DomainError, NotFound
from propdesk.common.rights import as_actor
from propdesk.core import attachments
from propdesk.core.models import Attachment
from propdesk.web.pages import submit_once


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """The stored bytes with their sniffed type. Never guessed again by the
    browser (nosniff); images are also sandboxed (no script can run)."""
    relative = attachment.thumbnail_path if thumbnail else attachment.path
    path = attachments.stored_path(relative) if relative else None
    if path is None:
        raise NotFound(_("No such file."))
    content_type = "image/jpeg" if thumbnail else attachment.content_type
    response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 - FileResponse closes it
    name = attachment.original_name or f"attachment-{attachment.pk}"
    response["Content-Disposition"] = content_disposition_header(False, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    if content_type.startswith("image/"):
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _serve(request, pk, *, thumbnail: bool):
    try:
        return file_response(attachments.attachment_for(request.user, pk), thumbnail=thumbnail)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def attachment_file(request, pk):
    return _serve(request, pk, thumbnail=False)


@login_required
@require_GET
def attachment_thumbnail(request, pk):
    return _serve(request, pk, thumbnail=True)


@login_required
@require_POST
@submit_once
def attachment_add(request):
    """The upload form of the attachments component: back to where it was
    posted from, with the sentence of a refusal."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    try:
        record_type, record = attachments.record_of(
            request.user, request.POST.get("record_type"), request.POST.get("record_id")
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(target or "core:dashboard")
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise attachments.no_file()
        found = attachments.attachment_add(
            record=record, actor=request.user, upload=upload, kind=request.POST.get("kind") or "photo"
        )
    except DomainError as exc:
        reasons = [m for messages_ in exc.errors.values() for m in messages_]
        messages.error(request, " ".join([exc.detail, *reasons]))
    else:
        messages.success(request, _("Attached: %(name)s.") % {"name": found.original_name or found.get_kind_display()})
    return redirect(target or record_type.link_for(as_actor(request.user), record))
