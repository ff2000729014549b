"""Attachment endpoints: add a photo or PDF to any record, list a record's
attachments, download a file or its thumbnail. Whoever may see the record may
see its attachments (else 404); see core.attachments for the checks."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, UploadedFile

from propdesk.common.errors import BadInput
from propdesk.common.paging import keyset_page
from propdesk.core import attachments
from propdesk.core.models import Attachment
from propdesk.core.views_attachments import file_response
from propdesk.web.api import ERRORS, created

router = Router(tags=["attachments"])

BINARY = {
    "responses": {
        200: {
            "description": "The stored bytes (image/jpeg, image/png, image/webp or application/pdf).",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class AttachmentOut(Schema):
    id: int
    record_type: str
    record_id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    created_at: dt.datetime
    uploaded_by: str
    file_url: str
    thumbnail_url: str | None


class AttachmentList(Schema):
    items: list[AttachmentOut]
    next_cursor: str | None


def attachment_out(a: Attachment) -> dict:
    return {
        "id": a.pk,
        "record_type": a.record_type,
        "record_id": a.record_id,
        "kind": a.kind,
        "name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "width": a.width,
        "height": a.height,
        "created_at": a.created_at,
        "uploaded_by": a.uploaded_by.username,
        "file_url": reverse("api:attachment_file", args=[a.pk]),
        "thumbnail_url": reverse("api:attachment_thumbnail", args=[a.pk]) if a.thumbnail_path else None,
    }


@router.post("/attachments", response={201: AttachmentOut, **ERRORS})
def attachment_create(
    request,
    record_type: Form[str],
    record_id: Form[str],
    file: File[UploadedFile] = None,
    kind: Form[str] = "photo",
):
    """Attach a photo (JPEG, PNG, WebP) or a PDF to a record (`record_type`
    e.g. `tickets.ticket`, `record_id`), multipart. The type is read from the
    bytes; over the size limit, another type, a damaged file or an image of
    too many pixels is a 400 naming `file`. `Idempotency-Key` replays the
    first answer."""
    _type, record = attachments.record_of(request.user, record_type, record_id)
    if file is None:
        raise attachments.no_file()
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    body = f"{record_type}|{record_id}|{kind}|{digest.hexdigest()}".encode("utf-8", "surrogatepass")

    def create():
        found = attachments.attachment_add(record=record, actor=request.user, upload=file, kind=kind)
        return attachment_out(Attachment.objects.select_related("uploaded_by").get(pk=found.pk))

    return created(request, create, digest=hashlib.sha256(body).hexdigest())


class AttachmentFilter(Schema):
    record_type: str | None = None
    record_id: str | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/attachments", response={200: AttachmentList, **ERRORS})
def attachment_list(request, filters: Query[AttachmentFilter]):
    """A record's attachments, oldest first (404 if the record is not visible)."""
    if not filters.record_id:
        raise BadInput(_("Some fields are missing or invalid."), {"record_id": [_("This field is required.")]})
    _type, record = attachments.record_of(request.user, filters.record_type, filters.record_id)
    rows, cursor = keyset_page(
        attachments.attachments_of(record), order=("id",), cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [attachment_out(a) for a in rows], "next_cursor": cursor}


@router.get("/attachments/{id}", response={200: AttachmentOut, **ERRORS})
def attachment_detail(request, id: int):
    found = attachments.attachment_for(request.user, id)
    return attachment_out(Attachment.objects.select_related("uploaded_by").get(pk=found.pk))


@router.get("/attachments/{id}/file", response=ERRORS, url_name="attachment_file", openapi_extra=BINARY)
def attachment_file(request, id: int):
    return file_response(attachments.attachment_for(request.user, id))


@router.get("/attachments/{id}/thumbnail", response=ERRORS, url_name="attachment_thumbnail", openapi_extra=BINARY)
def attachment_thumbnail(request, id: int):
    """A JPEG thumbnail of a photo (404 for a PDF: it has none)."""
    return file_response(attachments.attachment_for(request.user, id), thumbnail=True)
