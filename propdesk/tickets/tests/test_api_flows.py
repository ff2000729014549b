"""The request flows of DOMAIN.md §1 end to end through the API, as the demo
users of API.md: register, dispatch, accept, complete, slip, visit, close."""

import pytest

from propdesk.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

T = "/api/v1/tickets"


def repair_body(**extra):
    body = {
        "project": "DEMO",
        "kind": "repair",
        "category": "water",
        "unit": "1-1-101",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        "description": "厨房水龙头漏水",
    }
    body.update(extra)
    return body


def complaint_body(**extra):
    body = {
        "project": "DEMO",
        "kind": "complaint",
        "severity": "important",
        "unit": "1-1-102",
        "reporter_name": "李四",
        "reporter_phone": "13912345678",
        "description": "保安态度恶劣",
        "event_at": "2026-11-20T09:30:00+08:00",
        "event_place": "东门岗亭",
        "complained_about": "夜班保安",
        "complained_department": "baoan",
        "demand": "当面道歉",
    }
    body.update(extra)
    return body


def ok(resp, status=200):
    assert resp.status_code == status, resp.content.decode()
    return resp.json()


def test_repair_flow_end_to_end(api_as):
    """T-1, T-13, T-15: kefu registers, diaodu dispatches, gc accepts and
    completes, diaodu records the slip and a satisfied visit and closes."""
    kefu, diaodu, gc = api_as("kefu"), api_as("diaodu"), api_as("gc")
    t = ok(kefu.post(T, repair_body()), 201)
    assert t["status"] == "new" and t["project"] == "DEMO" and t["unit"] == "1-1-101"
    assert t["reporter_phone"] == "13812345678"  # the front desk calls back: in full (API.md as amended)
    assert t["severity"] is None and t["valid"] is None and t["department"] is None and t["assignee"] is None
    assert isinstance(t["timers"], list)
    tid = t["id"]

    t = ok(diaodu.post(f"{T}/{tid}/dispatch", {"department": "gongcheng", "note": "请尽快"}))
    assert (t["status"], t["department"], t["assignee"]) == ("dispatched", "gongcheng", None)
    t = ok(diaodu.post(f"{T}/{tid}/follow", {"note": "已电话催办"}))
    assert t["status"] == "dispatched"

    t = ok(gc.post(f"{T}/{tid}/accept"))
    assert (t["status"], t["assignee"]) == ("accepted", "gc")
    t = ok(gc.post(f"{T}/{tid}/complete", {"note": "更换阀芯"}))
    assert t["status"] == "done" and t["completed_at"]

    t = ok(diaodu.post(f"{T}/{tid}/return_slip", {"note": "服务单已签回"}))
    t = ok(diaodu.post(f"{T}/{tid}/visit", {"satisfied": True, "channel": "phone"}))
    assert t["status"] == "done" and t["close_blockers"] == []
    assert "close" in t["actions"]
    t = ok(diaodu.post(f"{T}/{tid}/close", {}))
    assert t["status"] == "closed" and t["closed_at"]

    events = ok(kefu.get(f"{T}/{tid}/events"))
    assert [e["action"] for e in events["items"]] == [
        "create",
        "dispatch",
        "follow",
        "accept",
        "complete",
        "return_slip",
        "visit",
        "close",
    ]
    assert events["next_cursor"] is None
    first, dispatched = events["items"][0], events["items"][1]
    assert first["actor"] == "kefu" and first["code"] == "ticket.created"
    assert dispatched["code"] == "ticket.dispatched" and dispatched["data"]["department"] == "gongcheng"
    assert dispatched["label"] == "已派工"
    assert set(first) >= {"at", "actor", "action", "data", "code"}


def test_complaint_flow_end_to_end(api_as):
    """T-7, T-8, T-10, T-11, T-17: a complaint is judged, dispatched to the
    department complained about, done, answered after completion, slip back, closed."""
    kefu, diaodu, ba = api_as("kefu"), api_as("diaodu"), api_as("ba_zg")
    t = ok(kefu.post(T, complaint_body()), 201)
    assert t["severity"] == "important" and t["complained_department"] == "baoan"
    assert t["event_place"] == "东门岗亭" and t["demand"] == "当面道歉" and t["complained_about"] == "夜班保安"
    tid = t["id"]
    t = ok(diaodu.post(f"{T}/{tid}/triage", {"valid": True}))
    assert t["valid"] is True and t["status"] == "new"
    t = ok(diaodu.post(f"{T}/{tid}/dispatch", {"department": "baoan"}))
    ok(ba.post(f"{T}/{tid}/accept", {"note": "已签收呈报单"}))
    # An answer before completion is not the result (T-17).
    ok(diaodu.post(f"{T}/{tid}/answer", {"note": "已告知正在处理"}))
    t = ok(ba.post(f"{T}/{tid}/complete", {"note": "已批评教育当事保安并道歉"}))
    ok(diaodu.post(f"{T}/{tid}/return_slip"))
    resp = diaodu.post(f"{T}/{tid}/close")
    assert resp.status_code == 409
    assert "尚未将处理结果告知业主" in resp.json()["detail"]
    ok(diaodu.post(f"{T}/{tid}/answer", {"note": "已电话告知处理结果"}))
    t = ok(diaodu.post(f"{T}/{tid}/close"))
    assert t["status"] == "closed"


def test_emergency_flow_needs_manager_signoff(api_as):
    """T-14: registered without reporter details; instructions tracked; closes only after jl's signoff."""
    diaodu, jl = api_as("diaodu"), api_as("jl")
    t = ok(
        diaodu.post(
            T, {"project": "DEMO", "kind": "emergency", "location": "2栋地下车库", "description": "车库起火，有烟雾"}
        ),
        201,
    )
    tid = t["id"]
    assert t["reporter_name"] == ""
    resp = diaodu.post(f"{T}/{tid}/close")
    assert resp.status_code == 409 and "经理" in resp.json()["detail"]
    t = ok(jl.post(f"{T}/{tid}/instruct", {"instruction": "保安队长立即到场疏散"}))
    t = ok(jl.post(f"{T}/{tid}/instruct", {"instruction": "工程部切断车库电源"}))
    assert [i["text"] for i in t["instructions"]] == ["保安队长立即到场疏散", "工程部切断车库电源"]
    assert t["instructions"][0]["given_by"] == "jl" and t["instructions"][0]["done_at"] is None
    assert diaodu.post(f"{T}/{tid}/signoff").status_code == 403
    ok(jl.post(f"{T}/{tid}/signoff", {"note": "现场已处置完毕"}))
    t = ok(diaodu.post(f"{T}/{tid}/close"))
    assert t["status"] == "closed"
    events = ok(diaodu.get(f"{T}/{tid}/events"))["items"]
    assert [e["action"] for e in events].count("instruct") == 2


def test_close_without_conditions_names_each_missing_one(api_as):
    """API.md closing conditions: a repair needs complete, return_slip and a satisfied visit; 409 names them."""
    kefu = api_as("kefu")
    tid = ok(kefu.post(T, repair_body()), 201)["id"]
    resp = kefu.post(f"{T}/{tid}/close")
    assert resp.status_code == 409
    body = resp.json()
    assert body["detail"].startswith("不能销项")
    for words in ("尚未完工", "服务单尚未签回", "满意回访"):
        assert words in body["detail"]
    assert Ticket.objects.get(pk=tid).status == "new"
    assert TicketEvent.objects.filter(ticket_id=tid).count() == 1


def test_major_complaint_dispatched_straight_to_manager(api_as):
    """T-7: a major complaint goes to the project manager, who has no department."""
    kefu = api_as("kefu")
    tid = ok(kefu.post(T, complaint_body(severity="major")), 201)["id"]
    t = ok(kefu.post(f"{T}/{tid}/dispatch", {"assignee": "jl"}))
    assert (t["department"], t["assignee"], t["status"]) == (None, "jl", "dispatched")


def test_detail_and_list_show_the_contract_fields(api_as):
    kefu = api_as("kefu")
    created = ok(kefu.post(T, repair_body(paid=True, fee="80", requested_by="2026-12-01T10:00:00+08:00")), 201)
    t = ok(kefu.get(f"{T}/{created['id']}"))
    for field in (
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
    ):
        assert field in t
    assert t["paid"] is True and str(t["fee"]) in ("80.00", "80")
    assert t["channel"] == "phone" and t["category"] == "water"
    listed = ok(kefu.get(T, {"project": "DEMO"}))
    assert listed["items"][0]["id"] == created["id"]


def test_timers_are_listed_in_the_contract_shape(api_as):
    """API.md: `timers` lists {"metric","started_at","due_at","stopped_at","state"} as sla keeps them."""
    kefu = api_as("kefu")
    t = ok(kefu.post(T, complaint_body()), 201)
    forward = [x for x in t["timers"] if x["metric"] == "forward"]
    assert len(forward) == 1 and forward[0]["state"] == "running" and forward[0]["stopped_at"] is None
    assert set(forward[0]) == {"metric", "started_at", "due_at", "stopped_at", "state"}
    t = ok(kefu.post(f"{T}/{t['id']}/dispatch", {"department": "baoan"}))
    forward = [x for x in t["timers"] if x["metric"] == "forward"][0]
    assert forward["state"] == "met" and forward["stopped_at"]


def test_overdue_filter_finds_breached_tickets(api_as):
    from propdesk.sla.models import Timer

    kefu = api_as("kefu")
    late = ok(kefu.post(T, complaint_body()), 201)
    on_time = ok(kefu.post(T, complaint_body()), 201)
    Timer.objects.filter(ticket_id=late["id"], metric="forward").update(state="breached")
    overdue = {x["id"] for x in ok(kefu.get(T, {"project": "DEMO", "overdue": "true"}))["items"]}
    assert late["id"] in overdue and on_time["id"] not in overdue


def test_t14_instruction_is_tracked_until_carried_out(api_as):
    """T-14: each leader's instruction is its own item, reported done once."""
    diaodu, jl = api_as("diaodu"), api_as("jl")
    tid = ok(diaodu.post(T, {"project": "DEMO", "kind": "emergency", "description": "电梯困人"}), 201)["id"]
    item = ok(jl.post(f"{T}/{tid}/instruct", {"instruction": "电梯班长十分钟内到场"}))["instructions"][0]
    url = f"{T}/{tid}/instructions/{item['id']}/done"
    t = ok(diaodu.post(url, {"note": "班长已到场放人"}))
    done = t["instructions"][0]
    assert done["done_by"] == "diaodu" and done["done_at"] and done["done_note"] == "班长已到场放人"
    assert diaodu.post(url, {}).status_code == 409
    assert diaodu.post(f"{T}/{tid}/instructions/999999/done", {}).status_code == 404
    assert api_as("yz").post(url, {}).status_code == 404
