"""One flow through the real ticket and sla services: a complaint registered
through the API, left undispatched past its 30 minutes, appears in the Monday
review with its breached `forward` timer and counts in the month's on-time rate."""

import pytest
import time_machine
from django.core.management import call_command

from propdesk.reports.tests import factories as f


@pytest.mark.django_db
def test_t13_t20_breached_forward_of_an_api_complaint_reaches_review_and_report(api_as, demo):
    kefu = api_as("kefu")
    with time_machine.travel(f.local(2026, 11, 17, 10, 0), tick=False):  # Tuesday, working hours
        resp = kefu.post(
            "/api/v1/tickets",
            {
                "project": "DEMO",
                "kind": "complaint",
                "severity": "important",
                "category": "noise",
                "unit": "1-1-101",
                "reporter_name": "张三",
                "reporter_phone": "13800001111",
                "description": "楼上装修噪音",
            },
        )
        assert resp.status_code == 201, resp.content
        ticket_id = resp.json()["id"]
    with time_machine.travel(f.local(2026, 11, 17, 10, 45), tick=False):
        call_command("sla_sweep")
        review = api_as("diaodu").get("/api/v1/reviews/weekly", {"project": "DEMO", "week": "2026-W47"}).json()
        report = api_as("jl").get("/api/v1/reports/complaints/monthly", {"project": "DEMO", "month": "2026-11"}).json()
    [item] = [i for i in review["items"] if i["id"] == ticket_id]
    assert "forward" in [b["metric"] for b in item["breached"]]
    assert report["complaints_by_severity"]["important"] == 1
    assert report["on_time"]["by_metric"]["forward"]["breached"] == 1
