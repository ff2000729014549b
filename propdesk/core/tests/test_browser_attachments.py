"""Attachments and slips as a person sees them, in Debian's Chromium: a
technician adds a completion photo from the inbox card on a phone, the desk
sees its thumbnail on the ticket page; a printed slip shows no buttons."""

import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from propdesk.core.models import Attachment, Department, Unit
from propdesk.testing import login
from propdesk.tickets import services

pytestmark = pytest.mark.browser


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_completion_photo_from_the_inbox_card_shows_on_the_ticket_page(page, media):
    from propdesk.core.models import Project

    users = get_user_model().objects
    demo = Project.objects.get(code="DEMO")
    t = services.ticket_create(
        project=demo,
        actor=users.get(username="kefu"),
        kind="repair",
        description="卫生间漏水",
        unit=Unit.objects.get(project=demo, code="1-1-101"),
        reporter_name="张三",
        reporter_phone="13812345678",
    )
    services.ticket_dispatch(
        ticket=t, actor=users.get(username="diaodu"), department=Department.objects.get(project=demo, code="gongcheng")
    )
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "gc")
    page.goto(page.base_url + "/tickets/inbox/")
    card = page.locator(f'[data-ticket="{t.number}"]')
    card.locator('input[type=file][capture="environment"]').set_input_files(
        {"name": "完工.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    card.locator(".att-upload button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "已上传" in page.locator(".messages").inner_text()
    assert Attachment.objects.get(record_id=t.pk).kind == "completion"

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "kefu")
    page.goto(page.base_url + f"/tickets/{t.pk}/")
    thumb = page.locator(".att-item img")
    thumb.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", thumb.element_handle()) == 320
    assert "完工照片" in page.locator(".att-panel").inner_text()

    page.goto(page.base_url + f"/tickets/{t.pk}/slip/service/")
    assert page.locator(".slip-toolbar").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".slip-toolbar").is_visible()
    assert page.locator("article.slip").is_visible() and "第一联" in page.locator(".slip-copies").inner_text()
