"""Attachments on any record (issue 7 item 7): photos and PDF only, the type
read from the bytes, size and pixel limits, re-encoded images with
thumbnails, files visible exactly to those who may see the record."""

import io
import struct
import zlib

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from PIL import Image

from propdesk.core.models import Attachment, Unit
from propdesk.tickets import services
from propdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
A = "/api/v1/attachments"

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def user(name):
    return get_user_model().objects.get(username=name)


def image_bytes(fmt="PNG", size=(60, 40), color=(200, 30, 30), **save):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save)
    return out.getvalue()


def png_claiming(width, height) -> bytes:
    """A tiny PNG whose header claims width × height pixels (a decompression bomb's shape)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def repair(demo, unit="1-1-101", **extra):
    return services.ticket_create(
        project=demo,
        actor=user("kefu"),
        kind="repair",
        description="卫生间漏水",
        unit=Unit.objects.get(project=demo, code=unit),
        reporter_name="张三",
        reporter_phone="13812345678",
        **extra,
    )


def upload(api, record, name, data, content_type="application/octet-stream", headers=None, **fields):
    body = {
        "record_type": "tickets.ticket",
        "record_id": str(record.pk),
        "file": SimpleUploadedFile(name, data, content_type=content_type),
        **fields,
    }
    return api.client.post(A, body, headers=api._headers(headers))


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


# ---------------------------------------------------------------- what is accepted


def test_png_is_stored_re_encoded_with_a_thumbnail_and_served(api_as, demo):
    kefu = api_as("kefu")
    t = repair(demo)
    resp = upload(kefu, t, "漏水.png", image_bytes("PNG"), "image/png")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["content_type"], body["name"], body["record_type"], body["record_id"]) == (
        "image/png",
        "漏水.png",
        "tickets.ticket",
        t.pk,
    )
    assert (body["width"], body["height"]) == (60, 40) and body["thumbnail_url"]
    listed = kefu.get(A, {"record_type": "tickets.ticket", "record_id": t.pk}).json()
    assert [a["id"] for a in listed["items"]] == [body["id"]] and listed["next_cursor"] is None
    file = kefu.get(body["file_url"])
    assert file.status_code == 200 and file["Content-Type"] == "image/png"
    assert file["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(file.streaming_content))).format == "PNG"
    thumb = kefu.get(body["thumbnail_url"])
    assert thumb.status_code == 200 and Image.open(io.BytesIO(b"".join(thumb.streaming_content))).format == "JPEG"


def test_pdf_is_accepted_without_a_thumbnail(api_as, demo):
    kefu = api_as("kefu")
    t = repair(demo)
    resp = upload(kefu, t, "签回服务单.pdf", PDF, "application/pdf", kind="slip")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["content_type"], body["kind"], body["thumbnail_url"]) == ("application/pdf", "slip", None)
    assert kefu.get(f"{A}/{body['id']}/thumbnail").status_code == 404
    file = kefu.get(body["file_url"])
    assert file.status_code == 200 and b"".join(file.streaming_content) == PDF


def test_a_png_named_pdf_is_stored_as_a_png(api_as, demo):
    """The type comes from the bytes, never from the name or the Content-Type."""
    t = repair(demo)
    resp = upload(api_as("kefu"), t, "scan.pdf", image_bytes("PNG"), "application/pdf")
    assert resp.status_code == 201, resp.content
    found = Attachment.objects.get(pk=resp.json()["id"])
    assert found.content_type == "image/png" and found.path.endswith(".png") and found.original_name == "scan.pdf"


def test_jpeg_and_webp_are_accepted(api_as, demo):
    kefu = api_as("kefu")
    t = repair(demo)
    for fmt, content_type in (("JPEG", "image/jpeg"), ("WEBP", "image/webp")):
        resp = upload(kefu, t, f"photo.{fmt.lower()}", image_bytes(fmt), content_type)
        assert resp.status_code == 201 and resp.json()["content_type"] == content_type


def test_photo_location_is_dropped_when_re_encoded(api_as, demo):
    """A phone photo's EXIF (GPS position of the flat) is not kept."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS IFD
    t = repair(demo)
    resp = upload(api_as("kefu"), t, "gps.jpg", image_bytes("JPEG", exif=exif), "image/jpeg")
    assert resp.status_code == 201
    found = Attachment.objects.get(pk=resp.json()["id"])
    from propdesk.core.attachments import stored_path

    assert not Image.open(stored_path(found.path)).getexif()


# ---------------------------------------------------------------- what is refused


@pytest.mark.parametrize(
    "name,data,content_type",
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("photo.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/png"),
        ("report.pdf", b"%PDF-1.4\n<html>not really</html>", "application/pdf"),
        ("photo.jpg", image_bytes("JPEG")[:200], "image/jpeg"),
    ],
    ids=["html-as-jpg", "gif", "pdf-without-trailer", "truncated-jpeg"],
)
def test_other_types_and_damaged_files_are_refused_and_nothing_is_stored(api_as, demo, media, name, data, content_type):
    t = repair(demo)
    resp = upload(api_as("kefu"), t, name, data, content_type)
    assert resp.status_code == 400, resp.content
    assert "file" in resp.json()["errors"]
    assert not Attachment.objects.filter(record_id=t.pk).exists() and stored_files(media) == []


def test_an_oversized_file_is_refused_with_the_limit_named(api_as, demo, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    t = repair(demo)
    big = image_bytes("PNG", size=(1200, 1200), color=(1, 2, 3)) + b"\x00" * (1024 * 1024)
    resp = upload(api_as("kefu"), t, "big.png", big, "image/png")
    assert resp.status_code == 400
    assert "1 MB" in resp.json()["errors"]["file"][0]
    assert stored_files(media) == []


def test_a_decompression_bomb_is_a_400_never_a_500(api_as, demo, media):
    kefu = api_as("kefu")
    t = repair(demo)
    for width, height in ((30000, 30000), (9000, 8000)):  # beyond Pillow's own limit; beyond ours only
        resp = upload(kefu, t, "bomb.png", png_claiming(width, height), "image/png")
        assert resp.status_code == 400, (width, height, resp.content)
        assert "file" in resp.json()["errors"]
    assert stored_files(media) == []


def test_the_pixel_limit_is_a_setting(api_as, demo, settings):
    settings.ATTACHMENT_MAX_PIXELS = 1000
    resp = upload(api_as("kefu"), repair(demo), "small.png", image_bytes("PNG", size=(40, 40)), "image/png")
    assert resp.status_code == 400 and "file" in resp.json()["errors"]


def test_missing_file_and_unknown_record_type_name_the_field(api_as, demo):
    kefu = api_as("kefu")
    t = repair(demo)
    resp = kefu.client.post(A, {"record_type": "tickets.ticket", "record_id": t.pk}, headers=kefu._headers({}))
    assert resp.status_code == 400 and "file" in resp.json()["errors"]
    resp = upload(kefu, t, "a.png", image_bytes(), record_type="nothing.here")
    assert resp.status_code == 400 and "record_type" in resp.json()["errors"]
    resp = upload(kefu, t, "a.png", image_bytes(), kind="selfie")
    assert resp.status_code == 400 and "kind" in resp.json()["errors"]


# ---------------------------------------------------------------- who sees, who adds


def test_other_users_get_404_for_the_list_and_the_files(api_as, client, demo):
    """Residents of other units and staff who do not see the ticket: 404, as for the ticket itself."""
    elsewhere = repair(demo, unit="2-1-101")
    body = upload(api_as("kefu"), elsewhere, "a.png", image_bytes()).json()
    for name in ("yz", "gc"):
        other = api_as(name)
        assert other.get(A, {"record_type": "tickets.ticket", "record_id": elsewhere.pk}).status_code == 404
        assert other.get(body["file_url"]).status_code == 404
        assert other.get(body["thumbnail_url"]).status_code == 404
        assert other.get(f"{A}/{body['id']}").status_code == 404
        assert upload(other, elsewhere, "b.png", image_bytes()).status_code == 404
    client.force_login(user("yz"))
    assert client.get(f"/attachments/{body['id']}/file/").status_code == 404
    assert client.get(f"/attachments/{body['id']}/thumbnail/").status_code == 404
    assert client.get("/attachments/999999999/file/").status_code == 404
    # Once dispatched to engineering, gc sees the ticket and so its photo.
    services.ticket_dispatch(
        ticket=elsewhere, actor=user("diaodu"), department=elsewhere.project.departments.get(code="gongcheng")
    )
    assert api_as("gc").get(body["file_url"]).status_code == 200


def test_the_resident_adds_photos_to_their_own_request(api_as, demo):
    yz = api_as("yz")
    mine = repair(demo)  # registered by the desk for yz's unit 1-1-101: in yz's portal
    resp = upload(yz, mine, "漏水.jpg", image_bytes("JPEG"), "image/jpeg")
    assert resp.status_code == 201, resp.content
    assert resp.json()["uploaded_by"] == "yz"
    assert yz.get(resp.json()["thumbnail_url"]).status_code == 200


def test_idempotency_key_replays_the_first_upload(api_as, demo):
    kefu = api_as("kefu")
    t = repair(demo)
    data = image_bytes()
    first = upload(kefu, t, "a.png", data, headers={"Idempotency-Key": "att-1"})
    again = upload(kefu, t, "a.png", data, headers={"Idempotency-Key": "att-1"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert Attachment.objects.filter(record_id=t.pk).count() == 1
    other = upload(kefu, t, "b.png", image_bytes(color=(0, 0, 255)), headers={"Idempotency-Key": "att-1"})
    assert other.status_code == 409


def test_attachments_are_never_deleted_or_changed(api_as, demo):
    body = upload(api_as("kefu"), repair(demo), "a.png", image_bytes()).json()
    for change in (
        lambda: Attachment.objects.filter(pk=body["id"]).delete(),
        lambda: Attachment.objects.filter(pk=body["id"]).update(path="elsewhere.png"),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert Attachment.objects.get(pk=body["id"]).path.endswith(".png")


def test_delete_is_405(api_as, demo):
    body = upload(api_as("kefu"), repair(demo), "a.png", image_bytes()).json()
    assert api_as("kefu").delete(f"{A}/{body['id']}").status_code == 405


# ---------------------------------------------------------------- pages


def test_ticket_page_shows_thumbnails_and_uploads_with_flat_queries(client, demo):
    t = repair(demo)
    client.force_login(user("kefu"))
    resp = client.post(
        "/attachments/add/",
        {
            "record_type": "tickets.ticket",
            "record_id": t.pk,
            "kind": "slip",
            "file": SimpleUploadedFile("slip.pdf", PDF),
            "next": f"/tickets/{t.pk}/",
        },
    )
    assert resp.status_code == 302 and resp["Location"] == f"/tickets/{t.pk}/"
    client.get(f"/tickets/{t.pk}/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(f"/tickets/{t.pk}/")
        return len(ctx.captured_queries), page.content.decode()

    one, page = count()
    assert 'class="att-panel"' in page and 'name="file"' in page and "slip.pdf" in page
    for i in range(4):
        client.post(
            "/attachments/add/",
            {"record_type": "tickets.ticket", "record_id": t.pk, "file": SimpleUploadedFile(f"{i}.png", image_bytes())},
        )
    five, page = count()
    assert page.count('class="att-item"') == 5 and page.count("/thumbnail/") == 4
    assert five == one, (one, five)


def test_page_upload_refusal_is_a_message_not_a_500(client, demo, media):
    t = repair(demo)
    client.force_login(user("kefu"))
    resp = client.post(
        "/attachments/add/",
        {
            "record_type": "tickets.ticket",
            "record_id": t.pk,
            "file": SimpleUploadedFile("x.jpg", b"<html></html>"),
            "next": f"/tickets/{t.pk}/",
        },
        follow=True,
    )
    assert resp.status_code == 200 and "JPEG" in resp.content.decode()
    assert stored_files(media) == []
    resp = client.post("/attachments/add/", {"record_type": "tickets.ticket", "record_id": 0})
    assert resp.status_code == 404


def test_inbox_card_offers_the_phone_camera(client, demo):
    t = repair(demo)
    services.ticket_dispatch(ticket=t, actor=user("diaodu"), department=demo.departments.get(code="gongcheng"))
    client.force_login(user("gc"))
    page = client.get("/tickets/inbox/").content.decode()
    assert 'accept="image/*" capture="environment"' in page and 'value="completion"' in page


def test_resident_request_with_a_photo(client, demo, media):
    """The portal's request form takes a photo of the leak; a refused photo registers nothing."""
    client.force_login(user("yz"))
    unit = Unit.objects.get(project=demo, code="1-1-101")
    before = Ticket.objects.count()
    resp = client.post(
        "/tickets/mine/",
        {"unit": unit.pk, "description": "厨房漏水", "photo": SimpleUploadedFile("x.jpg", b"<html></html>")},
    )
    assert resp.status_code == 400 and Ticket.objects.count() == before and stored_files(media) == []
    resp = client.post(
        "/tickets/mine/",
        {"unit": unit.pk, "description": "厨房漏水", "photo": SimpleUploadedFile("leak.jpg", image_bytes("JPEG"))},
    )
    assert resp.status_code == 302
    ticket = Ticket.objects.latest("id")
    [photo] = Attachment.objects.filter(record_type="tickets.ticket", record_id=ticket.pk)
    assert (photo.kind, photo.content_type, photo.uploaded_by.username) == ("photo", "image/jpeg", "yz")
    page = client.get(f"/tickets/mine/{ticket.pk}/").content.decode()
    assert f"/attachments/{photo.pk}/thumbnail/" in page and 'capture="environment"' in page
