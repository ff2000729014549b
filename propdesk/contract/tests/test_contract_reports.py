"""API.md: the Monday weekly review and the monthly complaint report with its sign-off (T-13, T-20)."""

import datetime as dt

import time_machine
from django.core.management import call_command

from propdesk.contract.tests.util import act, assert_error, create, cst

WEEKLY = "/api/v1/reviews/weekly"
MONTHLY = "/api/v1/reports/complaints/monthly"
SIGNOFF = "/api/v1/reports/complaints/monthly/signoff"


def _at(api, at, **fields):
    with time_machine.travel(at, tick=False):
        return create(api, **fields)


def test_weekly_review_every_ticket_registered_that_iso_week_not_closed_plus_every_older_one_still_open(api_as):
    kefu = api_as("kefu")
    in_week = _at(kefu, cst(2026, 11, 17, 10, 0), kind="complaint", severity="important")  # 2026-W47 Tuesday
    in_week_cancelled = _at(kefu, cst(2026, 11, 18, 10, 0))
    with time_machine.travel(cst(2026, 11, 18, 11, 0), tick=False):
        act(kefu, in_week_cancelled["id"], "cancel", {"reason": "重复"})
    in_week_closed = _at(kefu, cst(2026, 11, 19, 10, 0))
    with time_machine.travel(cst(2026, 11, 19, 11, 0), tick=False):
        act(kefu, in_week_closed["id"], "cancel", {"reason": "重复"})
        act(kefu, in_week_closed["id"], "close")
    older_open = _at(kefu, cst(2026, 11, 3, 10, 0))
    older_cancelled = _at(kefu, cst(2026, 11, 4, 10, 0))
    act(kefu, older_cancelled["id"], "cancel", {"reason": "x"})
    later = _at(kefu, cst(2026, 11, 23, 9, 0))  # 2026-W48
    with time_machine.travel(cst(2026, 11, 23, 9, 30), tick=False):
        call_command("sla_sweep", verbosity=0)
    resp = kefu.get(WEEKLY, {"project": "DEMO", "week": "2026-W47"})
    assert resp.status_code == 200, resp.content
    data = resp.json()
    ids = {item["id"] for item in data["items"]}
    assert in_week["id"] in ids and older_open["id"] in ids
    assert in_week_cancelled["id"] in ids, "registered that week and not closed"
    assert in_week_closed["id"] not in ids and older_cancelled["id"] not in ids
    assert later["id"] not in ids
    item = next(i for i in data["items"] if i["id"] == in_week["id"])
    breached = {b["metric"] for b in item["breached"]}
    assert "forward" in breached, "with its breached timers"


def test_weekly_review_bad_week_400_unknown_project_404_resident_denied(api_as):
    kefu = api_as("kefu")
    assert_error(kefu.get(WEEKLY, {"project": "DEMO", "week": "2026-W99"}), 400)
    assert_error(kefu.get(WEEKLY, {"project": "NOPE", "week": "2026-W47"}), 404)
    assert api_as("yz").get(WEEKLY, {"project": "DEMO", "week": "2026-W47"}).status_code in (403, 404)


def test_monthly_report_counts_by_kind_and_severity_opened_closed_still_open(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    a = _at(kefu, cst(2026, 11, 2, 10, 0), kind="complaint", severity="major", unit="1-1-102", category="noise")
    _at(kefu, cst(2026, 11, 3, 10, 0), kind="complaint", severity="minor")
    r = _at(kefu, cst(2026, 11, 4, 10, 0))
    _at(kefu, cst(2026, 10, 20, 10, 0), kind="complaint", severity="minor")  # October
    with time_machine.travel(cst(2026, 11, 4, 11, 0), tick=False):
        act(kefu, r["id"], "cancel", {"reason": "x"})
        act(kefu, r["id"], "close")
    with time_machine.travel(cst(2026, 11, 2, 11, 0), tick=False):  # forward met: to the PM the same day
        act(kefu, a["id"], "dispatch", {"assignee": "jl"})
    late = _at(kefu, cst(2026, 11, 6, 10, 0), kind="complaint", severity="important")
    with time_machine.travel(cst(2026, 11, 6, 11, 0), tick=False):  # forward breached: 1 h > 30 min
        act(kefu, late["id"], "dispatch", {"department": "gongcheng"})
    del gc
    resp = kefu.get(MONTHLY, {"project": "DEMO", "month": "2026-11"})
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert data["by_kind"].get("complaint") == 3 and data["by_kind"].get("repair") == 1
    assert data["by_severity"].get("major") == 1 and data["by_severity"].get("minor") == 1
    assert data["by_severity"].get("important") == 1
    assert data["opened"] == 4
    assert data["closed"] == 1
    assert data["still_open"] >= 3
    assert "forward" in data["on_time_rate"] or "forward" in data.get("on_time", {}).get("by_metric", {})
    rate = data["on_time_rate"]["forward"]
    assert rate == 0.5, "one forward met, one breached"


def test_monthly_report_repeat_complaints_same_unit_and_category_within_3_months(api_as):
    kefu = api_as("kefu")
    _at(kefu, cst(2026, 9, 10, 10, 0), kind="complaint", severity="minor", unit="2-1-101", category="noise")
    _at(kefu, cst(2026, 11, 9, 10, 0), kind="complaint", severity="minor", unit="2-1-101", category="noise")
    _at(kefu, cst(2026, 11, 10, 10, 0), kind="complaint", severity="minor", unit="2-1-102", category="noise")
    _at(kefu, cst(2026, 11, 11, 10, 0), kind="complaint", severity="minor", unit="2-1-101", category="parking")
    data = kefu.get(MONTHLY, {"project": "DEMO", "month": "2026-11"}).json()
    assert data["repeat_complaints"] == 1


def test_monthly_report_signoff_by_the_project_manager(api_as):
    jl, kefu = api_as("jl"), api_as("kefu")
    assert_error(kefu.post(SIGNOFF, {"project": "DEMO", "month": "2026-11", "comment": "x"}), 403)
    assert_error(api_as("kefu_zg").post(SIGNOFF, {"project": "DEMO", "month": "2026-11", "comment": "x"}), 403)
    resp = jl.post(SIGNOFF, {"project": "DEMO", "month": "2026-11", "comment": "本月投诉处理及时"})
    assert resp.status_code in (200, 201), resp.content
    assert resp.json()["comment"] == "本月投诉处理及时"
    report = kefu.get(MONTHLY, {"project": "DEMO", "month": "2026-11"}).json()
    assert report["signoff"]["signed_off_by"] == "jl"
    assert_error(jl.post(SIGNOFF, {"project": "DEMO", "month": "2026-13", "comment": "x"}), 400)
    assert_error(jl.post(SIGNOFF, {"project": "NOPE", "month": "2026-11", "comment": "x"}), 404)


def test_monthly_report_bad_month_400(api_as):
    assert_error(api_as("kefu").get(MONTHLY, {"project": "DEMO", "month": "2026-13"}), 400)
    assert_error(api_as("kefu").get(MONTHLY, {"project": "DEMO", "month": "nov"}), 400)


def test_monthly_report_times_in_project_zone(api_as):
    kefu = api_as("kefu")
    # 2026-11-30 23:30 in Shanghai is still November there (15:30 UTC).
    _at(kefu, cst(2026, 11, 30, 23, 30), kind="inquiry")
    _at(kefu, cst(2026, 11, 1, 0, 30), kind="inquiry")  # 2026-10-31 16:30 UTC
    data = kefu.get(MONTHLY, {"project": "DEMO", "month": "2026-11"}).json()
    assert data["by_kind"].get("inquiry") == 2
    assert dt.date.fromisoformat(data["from"]) == dt.date(2026, 11, 1)


def test_weekly_review_older_on_hold_and_reopened_are_still_open_invalid_of_the_week_listed(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    held = _at(kefu, cst(2026, 11, 5, 10, 0))
    act(kefu, held["id"], "hold", {"reason": "等开发商"})
    reopened = _at(kefu, cst(2026, 11, 6, 10, 0))
    act(kefu, reopened["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    act(gc, reopened["id"], "complete", {"note": "x"})
    act(kefu, reopened["id"], "visit", {"satisfied": False, "channel": "phone"})
    invalid = _at(kefu, cst(2026, 11, 18, 10, 0), kind="complaint", severity="minor")
    act(kefu, invalid["id"], "triage", {"valid": False})
    older_invalid = _at(kefu, cst(2026, 11, 7, 10, 0), kind="complaint", severity="minor")
    act(kefu, older_invalid["id"], "triage", {"valid": False})
    ids = {i["id"] for i in kefu.get(WEEKLY, {"project": "DEMO", "week": "2026-W47"}).json()["items"]}
    assert {held["id"], reopened["id"], invalid["id"]} <= ids
    assert older_invalid["id"] not in ids
