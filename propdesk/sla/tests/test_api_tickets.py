"""Through the public API: POST /api/v1/tickets and its actions drive the
timers, the sweep escalates, the recipient sees and acknowledges it."""

import datetime as dt

import pytest
import time_machine

from propdesk.sla.sweep import run_sweep
from propdesk.sla.tests.helpers import cst

pytestmark = pytest.mark.django_db

MON = (2026, 11, 23)


def _timers(body):
    return {t["metric"]: t for t in body["timers"]}


def _at(value):
    return dt.datetime.fromisoformat(value)


def test_api_major_complaint_timers_escalation_and_acknowledge(api_as):
    kefu, jl = api_as("kefu"), api_as("jl")
    with time_machine.travel(cst(*MON, 10, 0), tick=False):
        resp = kefu.post(
            "/api/v1/tickets",
            {
                "project": "DEMO",
                "kind": "complaint",
                "severity": "major",
                "unit": "1-1-101",
                "reporter_name": "张三",
                "reporter_phone": "13800001111",
                "description": "电梯多次故障无人处理",
            },
        )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    timers = _timers(body)
    assert set(timers) == {"forward", "answer", "resolve", "follow_1", "follow_2"}
    assert set(timers["forward"]) == {"metric", "started_at", "due_at", "stopped_at", "state"}
    assert _at(timers["forward"]["due_at"]) == cst(*MON, 17, 30)
    assert _at(timers["answer"]["due_at"]) == cst(2026, 11, 25, 10, 0)
    assert _at(timers["resolve"]["due_at"]) == cst(2026, 12, 3, 10, 0)
    assert _at(timers["follow_1"]["due_at"]) == cst(*MON, 12, 0)
    assert {t["state"] for t in timers.values()} == {"running"}
    ticket_id = body["id"]

    run_sweep(now=cst(*MON, 12, 1))  # follow_1 breached: not dispatched → customer-service supervisor
    assert api_as("kefu_zg").get("/api/v1/notifications").json()["items"][0]["ticket"] == ticket_id
    with time_machine.travel(cst(*MON, 12, 5), tick=False):
        refused = kefu.post(f"/api/v1/tickets/{ticket_id}/acknowledge")  # nothing addressed to her
        assert refused.status_code == 409 and "确认" in refused.json()["detail"]
        assert jl.post(f"/api/v1/tickets/{ticket_id}/acknowledge").status_code == 200
    timers = _timers(jl.get(f"/api/v1/tickets/{ticket_id}").json())
    assert timers["forward"]["state"] == "met"  # acknowledged by the project manager
    assert _at(timers["forward"]["stopped_at"]) == cst(*MON, 12, 5)
    assert timers["follow_1"]["state"] == "breached"


def test_api_emergency_notifies_the_project_manager_at_once(api_as):
    with time_machine.travel(cst(*MON, 10, 0), tick=False):
        resp = api_as("diaodu").post(
            "/api/v1/tickets",
            {"project": "DEMO", "kind": "emergency", "location": "3栋地下车库", "description": "车库起火"},
        )
    assert resp.status_code == 201, resp.content
    items = api_as("jl").get("/api/v1/notifications").json()["items"]
    assert [(i["ticket"], i["kind"]) for i in items] == [(resp.json()["id"], "emergency")]
    assert _at(_timers(resp.json())["forward"]["due_at"]) == cst(*MON, 10, 10)
