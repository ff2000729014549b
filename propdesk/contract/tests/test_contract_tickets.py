"""API.md "Tickets (T-1 … T-20)": create, read, list filters, events, actions, closing, residents."""

import datetime as dt

import pytest
import time_machine

from propdesk.contract.tests.util import T, act, assert_error, body, create, cst, parse, timers

TICKET_FIELDS = {
    "id",
    "number",
    "project",
    "kind",
    "severity",
    "category",
    "status",
    "unit",
    "location",
    "reporter_name",
    "reporter_phone",
    "channel",
    "description",
    "created_at",
    "department",
    "assignee",
    "valid",
    "timers",
}
TIMER_STATES = {"running", "paused", "met", "breached", "cancelled"}


def events(api, ticket_id) -> list[dict]:
    resp = api.get(f"{T}/{ticket_id}/events")
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert set(data) >= {"items", "next_cursor"}
    return data["items"]


def actions_of(api, ticket_id) -> list[str]:
    return [e["action"] for e in events(api, ticket_id)]


# ---------------------------------------------------------------- create


def test_post_tickets_response_201_with_the_ticket_fields(api_as):
    made = create(api_as("kefu"), category="water", location="厨房", channel="visit")
    assert set(made) >= TICKET_FIELDS
    assert made["project"] == "DEMO" and made["kind"] == "repair" and made["category"] == "water"
    assert made["status"] == "new" and made["unit"] == "1-1-101" and made["location"] == "厨房"
    # The front desk sees the callback number in full (API.md as amended).
    assert made["reporter_name"] == "张三" and made["reporter_phone"] == "13812341234"
    assert made["channel"] == "visit" and made["description"] == "厨房水龙头漏水"
    assert made["department"] is None and made["assignee"] is None
    assert isinstance(made["id"], int) and isinstance(made["number"], int)
    parse(made["created_at"])


def test_valid_is_null_until_judged(api_as):
    kefu = api_as("kefu")
    made = create(kefu, kind="complaint", severity="minor")
    assert made["valid"] is None
    assert act(kefu, made["id"], "triage", {"valid": True})["valid"] is True


def test_timers_list_of_metric_started_at_due_at_stopped_at_state(api_as):
    made = create(api_as("kefu"))
    assert made["timers"], "a repair has follow-up timers"
    for timer in made["timers"]:
        assert set(timer) >= {"metric", "started_at", "due_at", "stopped_at", "state"}
        assert timer["state"] in TIMER_STATES
        assert timer["stopped_at"] is None and timer["state"] == "running"


def test_channel_default_phone(api_as):
    assert create(api_as("kefu"))["channel"] == "phone"


@pytest.mark.parametrize("channel", ["phone", "visit", "letter", "fax", "app"])
def test_channel_values(api_as, channel):
    assert create(api_as("kefu"), channel=channel)["channel"] == channel


@pytest.mark.parametrize("kind", ["repair", "complaint", "inquiry", "suggestion", "emergency"])
def test_kind_values(api_as, kind):
    made = create(api_as("kefu"), kind=kind, severity="important" if kind == "complaint" else None)
    assert made["kind"] == kind


@pytest.mark.parametrize(
    "category",
    [
        "leak",
        "safety",
        "power",
        "water",
        "elevator",
        "noise",
        "cleaning",
        "greening",
        "security",
        "parking",
        "fee",
        "other",
    ],
)
def test_category_values(api_as, category):
    assert create(api_as("kefu"), category=category)["category"] == category


@pytest.mark.parametrize("severity", ["major", "important", "minor"])
def test_severity_required_for_complaints(api_as, severity):
    kefu = api_as("kefu")
    assert create(kefu, kind="complaint", severity=severity)["severity"] == severity
    assert "severity" in assert_error(kefu.post(T, body(kind="complaint")), 400)["errors"]


def test_severity_else_ignored(api_as):
    made = create(api_as("kefu"), kind="repair", severity="major")
    assert made["severity"] in (None, "")


def test_unit_optional_public_areas(api_as):
    made = create(api_as("kefu"), unit=None, location="3栋大堂")
    assert made["unit"] is None and made["location"] == "3栋大堂"


def test_reporter_name_and_phone_required_except_for_emergencies(api_as):
    kefu = api_as("kefu")
    for missing in ("reporter_name", "reporter_phone"):
        assert missing in assert_error(kefu.post(T, body(**{missing: None})), 400)["errors"]
    made = create(kefu, kind="emergency", reporter_name=None, reporter_phone=None, description="2栋起火")
    assert made["kind"] == "emergency"


def test_requested_by_urgent_paid_fee_accepted(api_as):
    kefu = api_as("kefu")
    made = create(kefu, kind="complaint", severity="minor", requested_by="2030-01-01T12:00:00+08:00")
    assert made["requested_by"] is None or parse(made["requested_by"]) == parse("2030-01-01T12:00:00+08:00")
    create(kefu, urgent=True, urgent_cause="整栋停水")  # API.md as amended: T-6 needs the cause
    paid = create(kefu, paid=True, fee="120.50")
    assert paid.get("paid", True) is True


def test_number_sequential_per_project_never_reused(api_as):
    kefu = api_as("kefu")
    first = create(kefu)
    act(kefu, first["id"], "cancel", {"reason": "重复登记"})
    second = create(kefu)
    third = create(kefu, kind="inquiry")
    assert second["number"] == first["number"] + 1
    assert third["number"] == second["number"] + 1


# ---------------------------------------------------------------- read


def test_get_ticket_by_id(api_as):
    kefu = api_as("kefu")
    made = create(kefu)
    got = kefu.get(f"{T}/{made['id']}")
    assert got.status_code == 200
    assert set(got.json()) >= TICKET_FIELDS
    assert got.json()["id"] == made["id"] and got.json()["number"] == made["number"]


def test_get_events_append_only_at_actor_action_data(api_as):
    kefu = api_as("kefu")
    made = create(kefu)
    first = events(kefu, made["id"])
    assert len(first) == 1
    event = first[0]
    assert set(event) >= {"at", "actor", "action", "data"}
    assert event["action"] == "create" and event["actor"] == "kefu" and isinstance(event["data"], dict)
    parse(event["at"])
    act(kefu, made["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    act(kefu, made["id"], "follow", {"note": "已催"})
    later = events(kefu, made["id"])
    assert later[: len(first)] == first, "earlier events never change"
    assert [e["action"] for e in later] == ["create", "dispatch", "follow"]
    assert later[1]["data"].get("department") == "gongcheng"


def test_there_is_no_delete_delete_answers_405(api_as):
    kefu = api_as("kefu")
    made = create(kefu)
    assert kefu.delete(f"{T}/{made['id']}").status_code == 405
    assert kefu.delete(f"{T}/{made['id']}/events").status_code == 405
    assert kefu.get(f"{T}/{made['id']}").status_code == 200


# ---------------------------------------------------------------- list filters


def _ids(api, **params):
    resp = api.get(T, {"project": "DEMO", **params})
    assert resp.status_code == 200, resp.content
    return {t["id"] for t in resp.json()["items"]}


def test_list_filters_project_status_kind_severity_department(api_as):
    kefu = api_as("kefu")
    repair = create(kefu)
    major = create(kefu, kind="complaint", severity="major")
    minor = create(kefu, kind="complaint", severity="minor")
    act(kefu, repair["id"], "dispatch", {"department": "gongcheng"})
    assert {repair["id"], major["id"], minor["id"]} <= _ids(kefu)
    assert _ids(kefu, kind="complaint") >= {major["id"], minor["id"]} and repair["id"] not in _ids(
        kefu, kind="complaint"
    )
    assert major["id"] in _ids(kefu, severity="major") and minor["id"] not in _ids(kefu, severity="major")
    assert repair["id"] in _ids(kefu, status="dispatched") and major["id"] not in _ids(kefu, status="dispatched")
    assert major["id"] in _ids(kefu, status="new")
    assert _ids(kefu, department="gongcheng") == {repair["id"]}
    assert _ids(kefu, department="baoan") == set()


def test_list_filter_overdue_true(api_as):
    kefu = api_as("kefu")
    with time_machine.travel(cst(2026, 11, 17, 10, 0), tick=False):
        late = create(kefu)
    fresh = create(kefu)
    overdue = _ids(kefu, overdue="true")
    assert late["id"] in overdue and fresh["id"] not in overdue


def test_list_only_visible_tickets(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    mine = create(kefu)
    other = create(kefu)
    act(kefu, mine["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    seen = _ids(gc)
    assert mine["id"] in seen and other["id"] not in seen


# ---------------------------------------------------------------- actions


def _repair_done(kefu, gc, **extra):
    made = create(kefu, **extra)
    t = act(kefu, made["id"], "dispatch", {"department": "gongcheng", "assignee": "gc", "note": "请尽快"})
    assert t["status"] == "dispatched" and t["department"] == "gongcheng" and t["assignee"] == "gc"
    assert act(gc, made["id"], "accept", {"note": "收到"})["status"] == "accepted"
    done = act(gc, made["id"], "complete", {"note": "已换阀芯"})
    assert done["status"] == "done"
    return made


def test_repair_flow_new_dispatched_accepted_done_closed(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = _repair_done(kefu, gc)
    act(kefu, made["id"], "return_slip", {"note": "回单已收"})
    visited = act(kefu, made["id"], "visit", {"satisfied": True, "channel": "phone", "note": "满意"})
    assert visited["status"] == "done"
    closed = act(kefu, made["id"], "close", {"note": "销项"})
    assert closed["status"] == "closed"
    assert actions_of(kefu, made["id"]) == ["create", "dispatch", "accept", "complete", "return_slip", "visit", "close"]


def test_dispatch_to_a_department_only(api_as):
    made = create(api_as("kefu"))
    t = act(api_as("kefu"), made["id"], "dispatch", {"department": "gongcheng"})
    assert t["department"] == "gongcheng" and t["assignee"] is None and t["status"] == "dispatched"


def test_dispatch_unknown_department_is_400(api_as):
    made = create(api_as("kefu"))
    assert_error(api_as("kefu").post(f"{T}/{made['id']}/dispatch", {"department": "nope"}), 400)
    assert_error(api_as("kefu").post(f"{T}/{made['id']}/dispatch", {}), 400)


def test_follow_needs_note_and_keeps_status(api_as):
    kefu = api_as("kefu")
    made = create(kefu)
    assert_error(kefu.post(f"{T}/{made['id']}/follow", {}), 400)
    assert act(kefu, made["id"], "follow", {"note": "已联系工程部"})["status"] == "new"
    assert actions_of(kefu, made["id"])[-1] == "follow"


def test_answer_needs_note(api_as):
    kefu = api_as("kefu")
    made = create(kefu, kind="inquiry")
    assert_error(kefu.post(f"{T}/{made['id']}/answer", {}), 400)
    act(kefu, made["id"], "answer", {"note": "物业费可在APP缴纳"})
    assert actions_of(kefu, made["id"])[-1] == "answer"


def test_complete_needs_note(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = create(kefu)
    act(kefu, made["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    assert_error(gc.post(f"{T}/{made['id']}/complete", {}), 400)


def test_complete_leak_test_at_optional_for_non_leak_and_given_for_leak(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = create(kefu, category="leak")
    act(kefu, made["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    done = act(gc, made["id"], "complete", {"note": "已补漏", "leak_test_at": "2030-01-02T10:00:00+08:00"})
    assert done["status"] == "done"


def test_visit_unsatisfied_reopens(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = _repair_done(kefu, gc)
    t = act(kefu, made["id"], "visit", {"satisfied": False, "channel": "home", "note": "仍漏水"})
    assert t["status"] == "reopened"
    assert t["department"] == "gongcheng"


def test_visit_channel_phone_or_home(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = _repair_done(kefu, gc)
    assert_error(kefu.post(f"{T}/{made['id']}/visit", {"satisfied": True, "channel": "fax"}), 400)
    assert_error(kefu.post(f"{T}/{made['id']}/visit", {"channel": "phone"}), 400)


def test_hold_and_resume_with_reason(api_as):
    kefu = api_as("kefu")
    made = create(kefu)
    act(kefu, made["id"], "dispatch", {"department": "gongcheng"})
    assert_error(kefu.post(f"{T}/{made['id']}/hold", {}), 400)
    held = act(kefu, made["id"], "hold", {"reason": "等待开发商维修"})
    assert held["status"] == "on_hold"
    assert all(t["state"] in ("paused", "met", "breached", "cancelled") for t in held["timers"])
    assert act(kefu, made["id"], "resume", {"reason": "开发商已到场"})["status"] == "dispatched"


def test_reopen_and_cancel_with_reason(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = create(kefu)
    assert_error(kefu.post(f"{T}/{made['id']}/cancel", {}), 400)
    cancelled = act(kefu, made["id"], "cancel", {"reason": "重复"})
    assert cancelled["status"] == "cancelled"
    assert all(t["state"] == "cancelled" for t in cancelled["timers"])
    assert act(kefu, made["id"], "close", {})["status"] == "closed", "cancelled tickets close directly"
    other = _repair_done(kefu, gc)
    assert_error(kefu.post(f"{T}/{other['id']}/reopen", {}), 400)
    assert act(kefu, other["id"], "reopen", {"reason": "业主反映仍有问题"})["status"] == "reopened"


def test_triage_valid_invalid_judgement_of_a_complaint(api_as):
    kefu = api_as("kefu")
    made = create(kefu, kind="complaint", severity="minor")
    judged = act(kefu, made["id"], "triage", {"valid": True, "severity": "important", "note": "属实"})
    assert judged["valid"] is True and judged["severity"] == "important"
    other = create(kefu, kind="complaint", severity="minor")
    invalid = act(kefu, other["id"], "triage", {"valid": False, "note": "不属物业责任"})
    assert invalid["valid"] is False and invalid["status"] == "invalid"
    assert act(kefu, other["id"], "close", {})["status"] == "closed", "invalid tickets close directly"
    assert_error(kefu.post(f"{T}/{create(kefu, kind='complaint', severity='minor')['id']}/triage", {}), 400)


def test_instruct_a_leaders_instruction_tracked_as_its_own_item(api_as):
    kefu, jl = api_as("kefu"), api_as("jl")
    made = create(kefu, kind="emergency", reporter_name=None, reporter_phone=None, description="地下车库进水")
    assert_error(jl.post(f"{T}/{made['id']}/instruct", {}), 400)
    t = act(jl, made["id"], "instruct", {"instruction": "立即关闭总阀并报告"})
    assert any("立即关闭总阀" in str(i) for i in t.get("instructions", [t]))
    assert actions_of(kefu, made["id"])[-1] == "instruct"
    assert_error(api_as("gc").post(f"{T}/{made['id']}/instruct", {"instruction": "x"}), 404)


def test_acknowledge_the_caller_takes_an_escalation_addressed_to_them(api_as):
    kefu, jl = api_as("kefu"), api_as("jl")
    made = create(kefu, kind="emergency", reporter_name=None, reporter_phone=None, description="电梯困人")
    assert_error(kefu.post(f"{T}/{made['id']}/acknowledge", {}), 409)
    t = act(jl, made["id"], "acknowledge")
    assert timers(t)["forward"]["state"] == "met"
    assert actions_of(kefu, made["id"])[-1] == "acknowledge"


# ---------------------------------------------------------------- closing conditions


def test_close_409_unless_its_conditions_hold_repair(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = create(kefu)
    new_detail = assert_error(kefu.post(f"{T}/{made['id']}/close", {}), 409)["detail"]
    made = _repair_done(kefu, gc)
    d1 = assert_error(kefu.post(f"{T}/{made['id']}/close", {}), 409)["detail"]
    act(kefu, made["id"], "return_slip")
    d2 = assert_error(kefu.post(f"{T}/{made['id']}/close", {}), 409)["detail"]
    act(kefu, made["id"], "visit", {"satisfied": True, "channel": "home"})
    act(kefu, made["id"], "close")
    assert len({new_detail, d1, d2}) == 3, "detail names what is missing"
    assert all(a in new_detail for a in ("complete", "return_slip", "visit"))
    assert "return_slip" in d1 and "visit" in d1 and "complete" not in d1
    assert "visit" in d2 and "return_slip" not in d2
    assert kefu.get(f"{T}/{made['id']}").json()["status"] == "closed"


def test_close_complaint_needs_work_done_answer_after_completion_and_slip(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = create(kefu, kind="complaint", severity="important")
    act(kefu, made["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    act(kefu, made["id"], "answer", {"note": "已安排处理"})  # before completion: does not count
    act(gc, made["id"], "complete", {"note": "已整改"})
    act(kefu, made["id"], "return_slip")
    refused = assert_error(kefu.post(f"{T}/{made['id']}/close", {}), 409)
    assert "answer" in refused["detail"] and refused["errors"].get("missing") == ["answer"]
    act(kefu, made["id"], "answer", {"note": "已电话告知业主处理结果"})
    assert act(kefu, made["id"], "close")["status"] == "closed"


def test_close_complaint_without_slip_409(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    made = create(kefu, kind="complaint", severity="minor")
    act(kefu, made["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    act(gc, made["id"], "complete", {"note": "已整改"})
    act(kefu, made["id"], "answer", {"note": "已告知结果"})
    assert_error(kefu.post(f"{T}/{made['id']}/close", {}), 409)
    act(kefu, made["id"], "return_slip")
    assert act(kefu, made["id"], "close")["status"] == "closed"


def test_close_emergency_needs_the_managers_signoff(api_as):
    kefu, jl = api_as("kefu"), api_as("jl")
    made = create(kefu, kind="emergency", reporter_name=None, reporter_phone=None, description="燃气泄漏")
    assert "signoff" in assert_error(kefu.post(f"{T}/{made['id']}/close", {}), 409)["detail"]
    assert_error(kefu.post(f"{T}/{made['id']}/signoff", {}), 403)
    act(jl, made["id"], "signoff", {"note": "处置完毕"})
    assert act(kefu, made["id"], "close")["status"] == "closed"


def test_closed_ticket_cannot_close_again(api_as):
    kefu = api_as("kefu")
    made = create(kefu)
    act(kefu, made["id"], "cancel", {"reason": "x"})
    act(kefu, made["id"], "close")
    assert_error(kefu.post(f"{T}/{made['id']}/close", {}), 409)
    assert_error(kefu.post(f"{T}/{made['id']}/dispatch", {"department": "gongcheng"}), 409)


# ---------------------------------------------------------------- residents


def test_residents_own_requests_are_app_and_they_see_own_tickets_only(api_as):
    kefu, yz = api_as("kefu"), api_as("yz")
    others = create(kefu, unit="2-1-101")
    mine = yz.post(T, {"project": "DEMO", "kind": "repair", "description": "门锁坏了", "channel": "phone"})
    assert mine.status_code == 201, mine.content
    mine = mine.json()
    assert mine["channel"] == "app" and mine["unit"] == "1-1-101"
    listed = yz.get(T, {"project": "DEMO"})
    assert listed.status_code == 200
    assert {t["id"] for t in listed.json()["items"]} == {mine["id"]}
    assert yz.get(f"{T}/{mine['id']}").status_code == 200
    assert_error(yz.get(f"{T}/{others['id']}"), 404)
    assert_error(yz.get(f"{T}/{others['id']}/events"), 404)
    assert_error(yz.post(f"{T}/{others['id']}/close", {}), 404)


@pytest.mark.parametrize(
    "action,data",
    [
        ("triage", {"valid": True}),
        ("dispatch", {"department": "gongcheng"}),
        ("accept", {}),
        ("follow", {"note": "x"}),
        ("answer", {"note": "x"}),
        ("complete", {"note": "x"}),
        ("return_slip", {}),
        ("visit", {"satisfied": True, "channel": "phone"}),
        ("close", {}),
        ("hold", {"reason": "x"}),
        ("resume", {"reason": "x"}),
        ("reopen", {"reason": "x"}),
        ("cancel", {"reason": "x"}),
        ("acknowledge", {}),
        ("instruct", {"instruction": "x"}),
        ("signoff", {}),
    ],
)
def test_residents_staff_actions_403(api_as, action, data):
    yz = api_as("yz")
    mine = yz.post(T, {"project": "DEMO", "kind": "complaint", "severity": "minor", "description": "噪音扰民"})
    assert mine.status_code == 201, mine.content
    assert_error(yz.post(f"{T}/{mine.json()['id']}/{action}", data), 403)


def test_resident_phone_masked_in_own_ticket(api_as):
    yz = api_as("yz")
    mine = yz.post(T, {"project": "DEMO", "kind": "repair", "description": "灯不亮"}).json()
    phone = mine["reporter_phone"]
    assert "****" in phone and len(phone) == 11


def test_created_at_is_now(api_as):
    with time_machine.travel(cst(2026, 11, 17, 10, 0), tick=False):
        made = create(api_as("kefu"))
    assert parse(made["created_at"]) == cst(2026, 11, 17, 10, 0)
    assert parse(made["created_at"]).utcoffset() is not None
    assert dt.timedelta(0) == parse(made["created_at"]) - cst(2026, 11, 17, 10, 0)


def test_residents_see_their_own_tickets_events(api_as):
    yz = api_as("yz")
    mine = yz.post(T, {"project": "DEMO", "kind": "repair", "description": "窗户关不上"}).json()
    act(api_as("kefu"), mine["id"], "dispatch", {"department": "gongcheng"})
    got = events(yz, mine["id"])
    assert [e["action"] for e in got] == ["create", "dispatch"]


def test_resident_cannot_report_for_another_unit(api_as):
    resp = api_as("yz").post(T, {"project": "DEMO", "kind": "repair", "unit": "3-2-602", "description": "x"})
    assert resp.status_code in (400, 403), resp.content
    assert_error(resp, resp.status_code)


def test_events_append_only_the_database_refuses_update_and_delete(api_as):
    from django.db import DatabaseError, transaction

    from propdesk.tickets.models import TicketEvent

    made = create(api_as("kefu"))
    for change in (lambda qs: qs.update(data={}), lambda qs: qs.delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            change(TicketEvent.objects.filter(ticket_id=made["id"]))
    assert [e["action"] for e in events(api_as("kefu"), made["id"])] == ["create"]


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_number_sequential_per_project_under_concurrent_creates(demo):
    import threading

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from propdesk.core.demo import seed_demo
    from propdesk.core.models import ApiToken

    seed_demo()
    token = ApiToken.issue(get_user_model().objects.get(username="kefu"))
    results, lock = [], threading.Lock()

    def post(i):
        try:
            resp = Client().post(
                T,
                body(description=f"并发{i}"),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            with lock:
                results.append((resp.status_code, resp.json().get("number")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert {status for status, _ in results} == {201}, results
    numbers = sorted(n for _, n in results)
    assert numbers == list(range(numbers[0], numbers[0] + 8))
