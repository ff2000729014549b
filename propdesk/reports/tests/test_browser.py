"""What a manager sees on a phone: the dashboard's ECharts charts draw and the
page does not scroll sideways."""

import datetime as dt

import pytest
from django.utils import timezone

from propdesk.reports.tests import factories as f
from propdesk.testing import login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_manager_dashboard_draws_charts_on_a_phone(page, demo):
    now = timezone.now()
    t = f.ticket(demo, created_at=now, kind="complaint", severity="important", department=f.department(demo))
    f.timer(t, "forward", due_at=now - dt.timedelta(minutes=5), state="running")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "jl")
    page.goto(page.base_url + "/reports/dashboard/")
    assert page.locator("h1").inner_text().startswith("经理看板")
    assert page.locator('[data-figure="breached"]').inner_text() == "1"
    for chart in ("status", "breached", "metric", "department"):
        page.wait_for_selector(f"#chart-{chart} svg")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
