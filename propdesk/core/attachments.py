"""Attachments on any record: photos (JPEG, PNG, WebP) and PDF files only.

- The type is sniffed from the bytes, never taken from the file name or the
  upload's Content-Type: Pillow must open an image as one of the three
  formats; a PDF must start with its header and end with its trailer.
- Size-limited (`ATTACHMENT_MAX_BYTES`, default 10 MB) and pixel-limited
  (`ATTACHMENT_MAX_PIXELS`: a decompression bomb — a small file that unpacks
  to billions of pixels — is refused before it is decoded).
- Images are re-encoded (which drops EXIF, e.g. the GPS position of a
  resident's flat, and anything hidden after the image data), turned upright
  and scaled to at most MAX_SIDE; a JPEG thumbnail is made for the page.
- Stored under the media root (`MEDIA_ROOT`, env PROPDESK_MEDIA_ROOT), served
  only through views that check the record's own visibility (the record
  type's `visible` filter in propdesk.common.records): not visible → 404.
- Rows are never changed or deleted (append-only table).

Rights: whoever may see the record may see its attachments; staff who may see
it may add; residents may add to the record types that allow it
(`allow_residents(Ticket)`: a resident's own requests)."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from propdesk.common import records
from propdesk.common.clean import Cleaner
from propdesk.common.errors import BadInput, Forbidden, NotFound
from propdesk.common.rights import Actor, as_actor
from propdesk.core.models import Attachment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 64_000_000
MAX_SIDE = 4096  # a larger photo is scaled down when re-encoded
THUMB_SIDE = 320
IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
PDF_TYPE = ("application/pdf", "pdf")
PDF_HEADER = re.compile(rb"^%PDF-\d\.\d")

_RESIDENT_TYPES: set[str] = set()


def allow_residents(model) -> None:
    """Residents may add attachments to the records of this type they may see."""
    _RESIDENT_TYPES.add(model._meta.label_lower)


def max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def may_add(actor: Actor, record_type: records.RecordType) -> bool:
    """Asked after visibility: staff who see the record, residents where the type allows."""
    return actor.is_staff or (actor.is_resident and record_type.key in _RESIDENT_TYPES)


# ---------------------------------------------------------------- checking the bytes


@dataclass(frozen=True)
class Checked:
    content_type: str
    ext: str
    data: bytes  # what is stored (re-encoded for images)
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def _refused(message: str) -> BadInput:
    return BadInput(_("The file cannot be attached."), {"file": [message]})


def _not_allowed() -> BadInput:
    return _refused(_("Only photos (JPEG, PNG, WebP) and PDF files can be attached."))


def no_file() -> BadInput:
    return _refused(_("Choose a file to attach."))


def _too_many_pixels() -> BadInput:
    return _refused(
        _("The image is too large (more than %(n)d million pixels).") % {"n": max(1, max_pixels() // 1_000_000)}
    )


def check_file(data: bytes) -> Checked:
    """What the bytes are, by their content; BadInput (naming `file`) if not allowed."""
    if data.startswith(b"%PDF-"):
        return _check_pdf(data)
    return _check_image(data)


def _check_pdf(data: bytes) -> Checked:
    # A real PDF starts with its version header and ends with the %%EOF trailer
    # (incremental saves may leave a few bytes after it).
    if not PDF_HEADER.match(data) or b"%%EOF" not in data[-2048:] or b"obj" not in data:
        raise _refused(_("The PDF file is damaged or incomplete."))
    return Checked(PDF_TYPE[0], PDF_TYPE[1], data)


def _check_image(data: bytes) -> Checked:
    Image.MAX_IMAGE_PIXELS = max_pixels()  # Pillow's own bomb check, same figure
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_TYPES))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise _not_allowed() from None
        fmt = image.format
        width, height = image.size
        if width * height > max_pixels():  # checked on the header, before decoding
            raise _too_many_pixels()
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
            if max(image.size) > MAX_SIDE:
                image.thumbnail((MAX_SIDE, MAX_SIDE))
            stored = _encode(image, fmt)
            thumbnail = _thumbnail(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception:  # Pillow raises many kinds on damaged data: a refusal, never a 500
            raise _refused(_("The image is damaged or incomplete.")) from None
    content_type, ext = IMAGE_TYPES[fmt]
    return Checked(content_type, ext, stored, thumbnail, image.width, image.height)


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if thumb.mode in ("RGBA", "LA", "PA") or (thumb.mode == "P" and "transparency" in thumb.info):
        rgba = thumb.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        thumb = flat
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


# ---------------------------------------------------------------- service


def _read(upload) -> bytes:
    """The upload's bytes, refusing more than the limit without reading it all."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    too_big = _refused(_("The file is larger than %(n)s MB.") % {"n": _megabytes(limit)})
    if size is not None and size > limit:
        raise too_big
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_big
    if not data:
        raise _refused(_("The file is empty."))
    return data


def _megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"


def _original_name(upload) -> str:
    name = Path(str(getattr(upload, "name", "") or "")).name
    name = name.encode("utf-8", "ignore").decode("utf-8")  # a lone surrogate cannot be stored
    return "".join(ch for ch in name if ch.isprintable())[:255]


def _write(relative: str, data: bytes) -> None:
    path = media_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as f:
        f.write(data)


def attachment_add(*, record, actor, upload, kind: str = Attachment.Kind.PHOTO) -> Attachment:
    """Attach an uploaded photo or PDF to `record` (any registered record type).
    404 if the actor may not see the record, 403 if they may not add to it,
    400 naming `file` or `kind` if the upload is refused; nothing stored then."""
    actor = as_actor(actor)
    record_type = records.of(record)
    if not record_type.queryset(actor).filter(pk=record.pk).exists():
        raise NotFound(_("No such %(what)s.") % {"what": record_type.label})
    if not may_add(actor, record_type):
        raise Forbidden(_("You may not add files to this record."))
    c = Cleaner()
    kind = c.choice("kind", kind, Attachment.Kind.values, default=Attachment.Kind.PHOTO)
    c.raise_if_any()
    checked = check_file(_read(upload))
    now = timezone.now()
    stem = f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"
    path = f"{stem}.{checked.ext}"
    thumbnail_path = f"{stem}-thumb.jpg" if checked.thumbnail else ""
    written = []
    try:
        _write(path, checked.data)
        written.append(path)
        if checked.thumbnail:
            _write(thumbnail_path, checked.thumbnail)
            written.append(thumbnail_path)
        with transaction.atomic():
            return Attachment.objects.create(
                record_type=record_type.key,
                record_id=record.pk,
                kind=kind,
                uploaded_by=actor.user,
                created_at=now,
                original_name=_original_name(upload),
                content_type=checked.content_type,
                size=len(checked.data),
                sha256=hashlib.sha256(checked.data).hexdigest(),
                path=path,
                thumbnail_path=thumbnail_path,
                width=checked.width,
                height=checked.height,
            )
    except BaseException:
        # No row, no file. (A caller's own transaction rolled back later leaves
        # unreferenced files behind: harmless, and never served.)
        for relative in written:
            (media_root() / relative).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- reads


def record_of(actor, record_type_key: str | None, record_id) -> tuple[records.RecordType, object]:
    """The record an API call names, if the actor may see it (404 otherwise);
    a record type that does not exist is a 400 naming `record_type`."""
    c = Cleaner()
    key = c.code("record_type", record_type_key, required=True)
    c.raise_if_any()
    try:
        record_type = records.get(key)
    except LookupError:
        raise BadInput(
            _("Some fields are missing or invalid."),
            {"record_type": [_("Not a record type (e.g. tickets.ticket).")]},
        ) from None
    return record_type, record_type.get(as_actor(actor), record_id)


def attachments_of(record, *, qs=None):
    """The record's attachments, oldest first, with their uploaders (one query)."""
    base = Attachment.objects.all() if qs is None else qs
    return base.filter(record_type=records.of(record).key, record_id=record.pk).select_related("uploaded_by")


def attachment_for(actor, pk) -> Attachment:
    """The attachment if the actor may see its record; else 404 (never told apart)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        number = 0
    found = Attachment.objects.filter(pk=number).first() if 0 < number <= records.MAX_ID else None
    if found is not None:
        try:
            record_type = records.get(found.record_type)
        except LookupError:
            record_type = None
        if record_type is not None and record_type.queryset(as_actor(actor)).filter(pk=found.record_id).exists():
            return found
    raise NotFound(_("No such file."))


def stored_path(relative: str) -> Path | None:
    """The file on disk, if it is there and inside the media root."""
    root = media_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path
