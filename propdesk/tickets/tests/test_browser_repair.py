"""The repair flow of DOMAIN.md §1 through the pages, in Debian's Chromium."""

import os

import pytest

from propdesk.testing import login
from propdesk.tickets.models import Ticket

pytestmark = pytest.mark.browser

SHOTS = "/tmp/propdesk-shots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def relogin(page, username):
    page.context.clear_cookies()
    login(page, username)


def status_text(page):
    return page.locator("#ticket-status").inner_text().strip()


@pytest.mark.django_db(transaction=True)
def test_phone_repair_from_intake_to_close(page):
    """T-3, T-4, T-13, T-15: diaodu registers a phone repair for 1-1-101 with
    the lookup and the keyboard, dispatches it to 工程部; gc accepts and
    completes it from the inbox on a phone-sized screen; diaodu records the
    signed slip, a satisfied phone visit, and closes it (已销项)."""
    os.makedirs(SHOTS, exist_ok=True)
    base = page.base_url
    login(page, "diaodu")

    # Intake: unit code in the lookup, Enter picks the occupant, Enter in the description saves.
    page.set_viewport_size(PHONE)
    page.goto(base + "/tickets/new/")
    assert page.evaluate("document.activeElement.id") == "lookup"
    page.keyboard.type("1-1-101")
    page.wait_for_selector("#lookup-results [data-pick]")
    page.screenshot(path=f"{SHOTS}/intake-phone.png", full_page=True)
    page.keyboard.press("Enter")
    assert page.input_value("input[name=unit]") == "1-1-101"
    assert page.input_value("input[name=reporter_name]")
    assert page.is_checked("input[name=kind][value=repair]")
    page.select_option("select[name=category]", "water")
    page.fill("textarea[name=description]", "厨房水龙头漏水，需要更换阀芯")
    page.focus("textarea[name=description]")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/tickets/new/" not in url)
    ticket = Ticket.objects.get(description="厨房水龙头漏水，需要更换阀芯")
    assert page.url.endswith(f"/tickets/{ticket.pk}/")
    assert str(ticket.number) in page.locator("h1").inner_text()
    assert status_text(page) == "已立项"

    # Dispatch to engineering from the ticket page.
    page.set_viewport_size(DESKTOP)
    page.select_option("form[data-action=dispatch] select[name=dispatch-department]", label="工程部")
    page.click("form[data-action=dispatch] button[type=submit]")
    page.wait_for_selector("#ticket-status")
    assert status_text(page) == "已派工"

    page.set_viewport_size(PHONE)
    page.goto(base + "/tickets/board/")
    row = page.locator(f"[data-ticket='{ticket.number}']")
    assert "已派工" in row.inner_text() and "工程部" in row.inner_text()
    page.screenshot(path=f"{SHOTS}/board-phone.png", full_page=True)

    # Engineering on a phone: accept, then report the work done from the inbox.
    relogin(page, "gc")
    page.goto(base + "/tickets/inbox/")
    card = page.locator(f"li[data-ticket='{ticket.number}']")
    assert "已派工" in card.inner_text()
    card.locator("form[action$='/accept/'] button").click()
    page.wait_for_load_state()
    card = page.locator(f"li[data-ticket='{ticket.number}']")
    assert "已接单" in card.inner_text()
    card.locator("textarea[name=complete-note]").fill("已更换阀芯，试水正常")
    card.locator("form[action$='/complete/'] button").click()
    page.wait_for_load_state()
    assert page.locator(f"li[data-ticket='{ticket.number}']").count() == 0
    page.goto(base + f"/tickets/{ticket.pk}/")
    assert status_text(page) == "已完工"

    # The dispatcher: signed slip back, satisfied phone visit, close.
    relogin(page, "diaodu")
    page.set_viewport_size(DESKTOP)
    page.goto(base + f"/tickets/{ticket.pk}/")
    page.fill("form[data-action=return_slip] textarea", "服务单已签回")
    page.click("form[data-action=return_slip] button[type=submit]")
    page.wait_for_selector("#ticket-status")
    assert status_text(page) == "已完工"
    assert page.locator("form[data-action=close]").count() == 0  # no visit yet (T-15)

    page.goto(base + "/tickets/visits/")
    card = page.locator(f"li[data-ticket='{ticket.number}']")
    card.locator("input[name=visit-channel][value=phone]").check()
    card.locator("input[name=visit-satisfied][value='1']").check()
    card.locator("input[name=visit-note]").fill("业主表示满意")
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(f"li[data-ticket='{ticket.number}']").count() == 0

    page.goto(base + f"/tickets/{ticket.pk}/")
    page.click("form[data-action=close] button[type=submit]")
    page.wait_for_selector("#ticket-status")
    assert status_text(page) == "已销项"
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert list(ticket.events.values_list("action", flat=True)) == [
        "ticket.created",
        "ticket.dispatched",
        "ticket.accepted",
        "ticket.completed",
        "ticket.slip_returned",
        "ticket.visited",
        "ticket.closed",
    ]
