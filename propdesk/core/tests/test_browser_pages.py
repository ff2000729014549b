"""Issue 2, item 10: in Debian's Chromium, `kefu` logs in and finds the owner
of 1-1-101 through the search box; the shell is usable on a 390-px phone.
Screenshots go to /tmp/propdesk-shots/ for a human look at the layout."""

from pathlib import Path

import pytest

from propdesk.core.models import Occupancy
from propdesk.testing import login

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/propdesk-shots")
PHONE = {"width": 390, "height": 844}


def owner_name() -> str:
    return Occupancy.objects.get(
        unit__project__code="DEMO", unit__code="1-1-101", role=Occupancy.Role.OWNER, end__isnull=True
    ).person.name


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def phone_page(browser, live_server, transactional_db):
    from propdesk.core.demo import seed_demo

    seed_demo()
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.base_url = live_server.url
    yield pg
    context.close()


def test_kefu_finds_the_owner_of_1_1_101_through_the_search_box(page):
    name = owner_name()
    page.goto(page.base_url + "/login/")
    shot(page, "desktop-login")
    login(page, "kefu")
    assert page.locator("h1").inner_text() == "您好，李娜"
    shot(page, "desktop-dashboard")

    box = page.locator("#global-q")
    box.click()
    box.press_sequentially("1-1-101", delay=40)  # typed: htmx fetches the results as you type
    result = page.locator("#search-popup a.result", has_text="1-1-101").first
    result.wait_for()
    assert name in result.inner_text()
    assert "业主" in result.inner_text()
    shot(page, "desktop-search-popup")
    box.press("ArrowDown")  # the keyboard reaches the results too
    assert page.evaluate("document.activeElement.classList.contains('result')")

    result.click()
    page.wait_for_url("**/units/*/")
    assert page.locator("h1").inner_text() == "房屋 1-1-101"
    current = page.locator("section.card", has=page.locator("h2", has_text="当前住户"))
    owner_row = current.locator("tr", has_text=name)
    assert owner_row.count() == 1
    assert "业主" in owner_row.inner_text()
    shot(page, "desktop-unit")

    page.goto(page.base_url + "/search/?q=1-1")
    page.locator("#search-results a.result").first.wait_for()
    shot(page, "desktop-search-page")


def test_search_page_updates_as_you_type(page):
    name = owner_name()
    login(page, "kefu")
    page.goto(page.base_url + "/search/")
    page.locator("#page-q").press_sequentially(name, delay=40)
    page.locator("#search-results a.result", has_text=name).first.wait_for()
    assert "q=" in page.url  # the typed search is in the address, so back/forward and reload keep it


def test_navigation_is_usable_on_a_phone(phone_page):
    pg = phone_page
    name = owner_name()
    pg.goto(pg.base_url + "/login/")
    shot(pg, "phone-login")
    login(pg, "kefu")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    shot(pg, "phone-dashboard")

    search_link = pg.locator("nav.sections a", has_text="搜索")
    assert not search_link.is_visible()  # collapsed behind the menu button
    toggle = pg.locator(".nav-toggle")
    assert toggle.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert search_link.is_visible()
    assert pg.locator("button", has_text="退出登录").is_visible()
    assert pg.locator("#project-select").is_visible()
    shot(pg, "phone-menu-open")
    last = pg.locator("nav.sections a").last  # the whole menu can be reached, however long it is
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    search_link.scroll_into_view_if_needed()
    search_link.click()
    pg.wait_for_url("**/search/")

    pg.locator("#page-q").press_sequentially("1-1-101", delay=40)
    result = pg.locator("#search-results a.result", has_text="1-1-101").first
    result.wait_for()
    assert name in result.inner_text()
    shot(pg, "phone-search")
    result.click()
    pg.wait_for_url("**/units/*/")
    assert pg.locator("tr", has_text=name).first.is_visible()
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the unit page scrolls sideways on a phone ({width}px)"
    shot(pg, "phone-unit")
    pg.locator("tr", has_text=name).first.locator("a").click()
    pg.wait_for_url("**/people/*/")
    assert pg.locator("h1").inner_text() == name
    facts = pg.locator("dl.facts").inner_text()
    assert "****" not in facts  # the front desk calls people and checks identities: in full (API.md as amended)
    shot(pg, "phone-person")


def test_a_long_menu_can_be_scrolled_on_a_small_screen(phone_page):
    pg = phone_page
    login(pg, "jl")  # the manager has the most sections
    pg.set_viewport_size({"width": 390, "height": 560})
    pg.locator(".nav-toggle").click()
    last = pg.locator("nav.sections a").last
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 560
    href = last.get_attribute("href")
    last.click()
    pg.wait_for_url("**" + href.split("?")[0] + "*")


def test_resident_home_on_a_phone(phone_page):
    pg = phone_page
    login(pg, "yz")
    assert owner_name() in pg.locator("h1").inner_text()
    assert pg.locator("#global-q").count() == 0
    assert pg.locator("a.btn", has_text="我的报事").is_visible()
    shot(pg, "phone-resident-home")
