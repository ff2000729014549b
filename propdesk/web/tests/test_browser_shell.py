"""In Chromium on a 390-px phone: the menu of every page folds away behind
the menu button (the manager pages once kept it open: a report's `.sections`
grid took the menu's class), no page scrolls sideways, and a form sent with a
double click registers once."""

import pytest

from propdesk.testing import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    "path", ["/", "/reports/weekly/", "/reports/monthly/", "/reports/dashboard/", "/sla/notifications/"]
)
def test_the_menu_is_folded_on_a_phone_on_manager_pages(page, path):
    page.set_viewport_size(PHONE)
    login(page, "jl")
    page.goto(page.base_url + path)
    menu = page.locator("nav.sections")
    assert not menu.is_visible()
    page.locator(".nav-toggle").click()
    assert menu.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_double_click_on_register_makes_one_ticket(page, demo):
    from propdesk.tickets.models import Ticket

    login(page, "kefu")
    page.goto(page.base_url + "/tickets/new/")
    page.fill("input[name=unit]", "1-1-101")
    page.fill("input[name=reporter_name]", "双击先生")
    page.fill("input[name=reporter_phone]", "13900002222")
    page.check("input[name=kind][value=repair]")
    page.select_option("select[name=category]", "water")
    page.fill("textarea[name=description]", "浏览器里双击立项")
    page.locator("#intake button[type=submit]").first.dblclick()
    page.wait_for_url(lambda url: "/tickets/new/" not in url)
    assert Ticket.objects.filter(description="浏览器里双击立项").count() == 1
