"""What a manager sees in the browser (Chromium): the unread count in the page
header, loaded by htmx, and the notification centre."""

import pytest

from propdesk.sla.tests.helpers import cst, make_ticket
from propdesk.testing import login

pytestmark = pytest.mark.browser


def test_manager_sees_the_emergency_in_the_header_and_centre(page, demo):
    from propdesk.core.models import Project

    project = Project.objects.get(code="DEMO")
    ticket = make_ticket(project, at=cst(2026, 11, 23, 10, 0), kind="emergency")
    login(page, "jl")
    badge = page.locator("header .sla-bell .badge")
    badge.wait_for()  # fetched by htmx after the page loaded
    assert badge.inner_text() == "1"
    page.click("header .sla-bell")
    row = page.locator("table.sla-notifications tr.unread")
    assert "紧急事件" in row.inner_text() and str(ticket) in row.inner_text()
    page.click("text=标为已读")
    assert page.locator("table.sla-notifications tr.unread").count() == 0
    page.wait_for_function("!document.querySelector('header .sla-bell .badge')")
