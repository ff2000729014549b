"""API.md "Timers, escalation, review": the default policy table computed at fixed
instants in Asia/Shanghai, escalation, `sla_sweep`, notifications."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from propdesk.contract.tests.util import T, act, create, cst, parse, timers

TUE_10 = cst(2026, 11, 17, 10, 0)  # Tuesday, working hours
FRI_17 = cst(2026, 11, 20, 17, 0)  # Friday, half an hour before the end of the day
FRI_18 = cst(2026, 11, 20, 18, 0)  # Friday after hours
SAT_10 = cst(2026, 11, 21, 10, 0)  # Saturday
TUE_07 = cst(2026, 11, 17, 7, 0)  # Tuesday before hours
MAKEUP_SUN = cst(2025, 9, 28, 10, 0)  # make-up working Sunday (调休)
NATIONAL_DAY = cst(2025, 10, 3, 10, 0)  # National Day holiday 2025-10-01 … 10-08

# "end of the working day" for each instant
EOD = {
    TUE_10: cst(2026, 11, 17, 17, 30),
    FRI_17: cst(2026, 11, 20, 17, 30),
    FRI_18: cst(2026, 11, 23, 17, 30),
    SAT_10: cst(2026, 11, 23, 17, 30),
    TUE_07: cst(2026, 11, 18, 17, 30),  # before hours: outside working hours → the next working day
    MAKEUP_SUN: cst(2025, 9, 28, 17, 30),
    NATIONAL_DAY: cst(2025, 10, 9, 17, 30),
}
INSTANTS = list(EOD)
IDS = ["tue10", "fri17", "fri18", "sat10", "tue07", "makeup_sun", "national_day"]


def _made_at(api, at, **fields):
    with time_machine.travel(at, tick=False):
        return create(api, **fields)


def _due(ticket, metric):
    return parse(timers(ticket)[metric]["due_at"])


def _started(ticket, metric):
    return parse(timers(ticket)[metric]["started_at"])


@pytest.mark.parametrize("at", INSTANTS, ids=IDS)
def test_forward_important_complaint_created_plus_30_min(api_as, at):
    t = _made_at(api_as("kefu"), at, kind="complaint", severity="important")
    assert _started(t, "forward") == at
    assert _due(t, "forward") == at + dt.timedelta(minutes=30)


@pytest.mark.parametrize("at", INSTANTS, ids=IDS)
def test_forward_major_complaint_end_of_the_working_day(api_as, at):
    t = _made_at(api_as("kefu"), at, kind="complaint", severity="major")
    assert _due(t, "forward") == EOD[at]


@pytest.mark.parametrize("at", INSTANTS, ids=IDS)
def test_forward_emergency_created_plus_10_min(api_as, at):
    t = _made_at(api_as("kefu"), at, kind="emergency", reporter_name=None, reporter_phone=None)
    assert _due(t, "forward") == at + dt.timedelta(minutes=10)


@pytest.mark.parametrize("at", INSTANTS, ids=IDS)
def test_answer_major_complaint_plus_2_calendar_days(api_as, at):
    t = _made_at(api_as("kefu"), at, kind="complaint", severity="major")
    assert _due(t, "answer") == at + dt.timedelta(days=2)


@pytest.mark.parametrize("severity,days", [("major", 10), ("important", 3), ("minor", 2)])
@pytest.mark.parametrize("at", INSTANTS, ids=IDS)
def test_resolve_complaint_plus_10_3_2_calendar_days(api_as, at, severity, days):
    t = _made_at(api_as("kefu"), at, kind="complaint", severity=severity)
    assert _due(t, "resolve") == at + dt.timedelta(days=days)
    assert "answer" not in timers(t) or severity == "major"


def test_resolve_minor_complaint_requested_by(api_as):
    deadline = cst(2026, 11, 25, 9, 0)
    t = _made_at(api_as("kefu"), TUE_10, kind="complaint", severity="minor", requested_by=deadline.isoformat())
    assert _due(t, "resolve") == deadline


@pytest.mark.parametrize("kind", ["repair", "complaint", "emergency"])
@pytest.mark.parametrize("at", INSTANTS, ids=IDS)
def test_follow_1_plus_2_h_and_follow_2_end_of_the_working_day(api_as, at, kind):
    extra = {"severity": "minor"} if kind == "complaint" else {}
    t = _made_at(api_as("kefu"), at, kind=kind, **extra)
    assert _due(t, "follow_1") == at + dt.timedelta(hours=2)
    assert _due(t, "follow_2") == EOD[at]


@pytest.mark.parametrize("kind", ["inquiry", "suggestion"])
def test_every_ticket_but_inquiries_suggestions_have_follow_timers(api_as, kind):
    t = _made_at(api_as("kefu"), TUE_10, kind=kind)
    assert "follow_1" not in timers(t) and "follow_2" not in timers(t)


def test_which_metrics_each_kind_starts_with(api_as):
    kefu = api_as("kefu")
    assert set(timers(_made_at(kefu, TUE_10))) == {"follow_1", "follow_2"}
    assert set(timers(_made_at(kefu, TUE_10, kind="complaint", severity="major"))) == {
        "forward",
        "answer",
        "resolve",
        "follow_1",
        "follow_2",
    }
    assert set(timers(_made_at(kefu, TUE_10, kind="complaint", severity="important"))) == {
        "forward",
        "resolve",
        "follow_1",
        "follow_2",
    }
    assert set(timers(_made_at(kefu, TUE_10, kind="complaint", severity="minor"))) == {
        "resolve",
        "follow_1",
        "follow_2",
    }
    assert set(timers(_made_at(kefu, TUE_10, kind="emergency"))) == {"forward", "follow_1", "follow_2"}


def test_forward_important_met_by_dispatch(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10, kind="complaint", severity="important")
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=20), tick=False):
        t = act(kefu, t["id"], "dispatch", {"department": "gongcheng"})
    assert timers(t)["forward"]["state"] == "met"
    assert parse(timers(t)["forward"]["stopped_at"]) == TUE_10 + dt.timedelta(minutes=20)


def test_forward_major_met_by_dispatch_to_the_project_manager(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10, kind="complaint", severity="major")
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=5), tick=False):
        t = act(kefu, t["id"], "dispatch", {"department": "gongcheng"})
    assert timers(t)["forward"]["state"] == "running", "a dispatch elsewhere does not meet it"
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=10), tick=False):
        t = act(kefu, t["id"], "dispatch", {"assignee": "jl"})
    assert timers(t)["forward"]["state"] == "met"


def test_forward_major_met_by_acknowledge_by_the_project_manager(api_as):
    t = _made_at(api_as("kefu"), TUE_10, kind="complaint", severity="major")
    with time_machine.travel(TUE_10 + dt.timedelta(hours=1), tick=False):
        t = act(api_as("jl"), t["id"], "acknowledge")
    assert timers(t)["forward"]["state"] == "met"


@pytest.mark.parametrize("who", ["jl", "fz", "zjl"])
def test_forward_emergency_met_by_acknowledge_by_the_project_manager_or_above(api_as, who):
    t = _made_at(api_as("kefu"), TUE_10, kind="emergency")
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=3), tick=False):
        t = act(api_as(who), t["id"], "acknowledge")
    assert timers(t)["forward"]["state"] == "met"


def test_answer_met_by_answer(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10, kind="complaint", severity="major")
    with time_machine.travel(TUE_10 + dt.timedelta(days=1), tick=False):
        t = act(kefu, t["id"], "answer", {"note": "已答复"})
    assert timers(t)["answer"]["state"] == "met"


def test_resolve_met_by_complete_and_follow_met_by_follow(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    t = _made_at(kefu, TUE_10, kind="complaint", severity="important")
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=10), tick=False):
        act(kefu, t["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    with time_machine.travel(TUE_10 + dt.timedelta(hours=1), tick=False):
        t = act(kefu, t["id"], "follow", {"note": "跟进"})
    assert timers(t)["follow_1"]["state"] == "met" and timers(t)["follow_2"]["state"] == "running"
    with time_machine.travel(TUE_10 + dt.timedelta(days=1), tick=False):
        t = act(gc, t["id"], "complete", {"note": "完成"})
    assert timers(t)["resolve"]["state"] == "met"
    assert timers(t)["follow_2"]["state"] in ("met", "breached")


def test_follow_timers_met_by_complete(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    t = _made_at(kefu, TUE_10)
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=30), tick=False):
        act(kefu, t["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
        t = act(gc, t["id"], "complete", {"note": "完成"})
    assert timers(t)["follow_1"]["state"] == "met" and timers(t)["follow_2"]["state"] == "met"


def test_visit_repairs_starts_at_complete_plus_2_days(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    t = _made_at(kefu, TUE_10)
    assert "visit" not in timers(t)
    done_at = TUE_10 + dt.timedelta(hours=3)
    with time_machine.travel(done_at, tick=False):
        act(kefu, t["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
        t = act(gc, t["id"], "complete", {"note": "完成"})
    assert _started(t, "visit") == done_at
    assert _due(t, "visit") == done_at + dt.timedelta(days=2)
    with time_machine.travel(done_at + dt.timedelta(days=1), tick=False):
        t = act(kefu, t["id"], "visit", {"satisfied": True, "channel": "phone"})
    assert timers(t)["visit"]["state"] == "met"


def test_visit_leak_leak_test_at_plus_3_days(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    t = _made_at(kefu, TUE_10, category="leak")
    leak_test = cst(2026, 11, 18, 15, 0)
    with time_machine.travel(TUE_10 + dt.timedelta(hours=3), tick=False):
        act(kefu, t["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
        t = act(gc, t["id"], "complete", {"note": "已补漏", "leak_test_at": leak_test.isoformat()})
    assert _due(t, "visit") == leak_test + dt.timedelta(days=3)


# ---------------------------------------------------------------- escalation and sla_sweep


def _notes(api):
    resp = api.get("/api/v1/notifications")
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert set(data) >= {"items", "next_cursor"}
    return data["items"]


def _sweep(at):
    with time_machine.travel(at, tick=False):
        call_command("sla_sweep", verbosity=0)


def test_notifications_item_shape(api_as):
    t = _made_at(api_as("kefu"), TUE_10, kind="emergency")
    items = _notes(api_as("jl"))
    assert items, "emergencies notify the project manager at creation"
    item = items[0]
    assert set(item) >= {"id", "at", "kind", "ticket", "message", "read"}
    assert item["ticket"] == t["id"] and item["read"] is False
    assert isinstance(item["message"], str) and item["message"]
    assert isinstance(item["kind"], str) and item["kind"]
    parse(item["at"])
    assert "13812341234" not in item["message"], "phones are masked in every response"


def test_notifications_are_the_callers_own(api_as):
    _made_at(api_as("kefu"), TUE_10, kind="emergency")
    assert _notes(api_as("jl"))
    assert _notes(api_as("kefu")) == [] and _notes(api_as("gc")) == [] and _notes(api_as("yz")) == []


def test_breached_timer_notifies_once_the_next_person_up_from_the_responsible_one(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10)
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=5), tick=False):
        act(kefu, t["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    _sweep(TUE_10 + dt.timedelta(hours=2, minutes=1))  # follow_1 breached
    got = [n for n in _notes(api_as("gc_zg")) if n["ticket"] == t["id"]]
    assert len(got) == 1, "assignee gc → department supervisor gc_zg"
    assert timers(kefu.get(f"{T}/{t['id']}").json())["follow_1"]["state"] == "breached"
    assert [n for n in _notes(api_as("gc")) if n["ticket"] == t["id"]] == []
    assert [n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]] == []
    _sweep(TUE_10 + dt.timedelta(hours=2, minutes=2))
    assert len([n for n in _notes(api_as("gc_zg")) if n["ticket"] == t["id"]]) == 1, "never twice"


def test_sla_sweep_is_idempotent_no_notification_is_ever_sent_twice(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10, kind="complaint", severity="important")
    later = TUE_10 + dt.timedelta(minutes=40)
    _sweep(later)
    counts = {u: len(_notes(api_as(u))) for u in ("kefu_zg", "jl", "fz", "zjl", "gc_zg")}
    assert sum(counts.values()) >= 1
    for _ in range(3):
        _sweep(later)
    assert {u: len(_notes(api_as(u))) for u in counts} == counts
    assert timers(kefu.get(f"{T}/{t['id']}").json())["forward"]["state"] == "breached"


def test_each_further_breach_of_the_same_ticket_climbs_one_level(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10, kind="complaint", severity="important")  # not dispatched: front desk responsible
    _sweep(TUE_10 + dt.timedelta(minutes=31))  # forward breached → customer-service supervisor
    assert len([n for n in _notes(api_as("kefu_zg")) if n["ticket"] == t["id"]]) == 1
    assert [n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]] == []
    act(api_as("kefu_zg"), t["id"], "acknowledge")
    _sweep(TUE_10 + dt.timedelta(hours=2, minutes=1))  # follow_1 breached → one level up: project manager
    assert len([n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]]) == 1
    assert len([n for n in _notes(api_as("kefu_zg")) if n["ticket"] == t["id"]]) == 1


def test_unacknowledged_escalation_climbs_after_1_hour_others(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10, kind="complaint", severity="important")
    _sweep(TUE_10 + dt.timedelta(minutes=31))
    assert len([n for n in _notes(api_as("kefu_zg")) if n["ticket"] == t["id"]]) == 1
    _sweep(TUE_10 + dt.timedelta(minutes=31 + 58))
    assert [n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]] == []
    _sweep(TUE_10 + dt.timedelta(minutes=31 + 61))
    assert len([n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]]) == 1


def test_follow_2_breached_with_the_ticket_not_yet_done_notifies_the_project_manager(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10)
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=5), tick=False):
        act(kefu, t["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
        act(kefu, t["id"], "follow", {"note": "一次跟进"})
    _sweep(cst(2026, 11, 17, 17, 31))
    assert timers(kefu.get(f"{T}/{t['id']}").json())["follow_2"]["state"] == "breached"
    assert len([n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]]) == 1


def test_emergencies_notify_the_project_manager_at_creation_and_climb_to_deputy_gm_then_gm(api_as):
    t = _made_at(api_as("kefu"), TUE_10, kind="emergency")
    assert len([n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]]) == 1
    assert [n for n in _notes(api_as("fz")) if n["ticket"] == t["id"]] == []
    _sweep(TUE_10 + dt.timedelta(minutes=5, seconds=1))
    assert len([n for n in _notes(api_as("fz")) if n["ticket"] == t["id"]]) == 1
    assert [n for n in _notes(api_as("zjl")) if n["ticket"] == t["id"]] == []
    _sweep(TUE_10 + dt.timedelta(minutes=10, seconds=2))
    _sweep(TUE_10 + dt.timedelta(minutes=10, seconds=3))
    assert len([n for n in _notes(api_as("zjl")) if n["ticket"] == t["id"]]) == 1
    assert len([n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]]) == 1
    assert len([n for n in _notes(api_as("fz")) if n["ticket"] == t["id"]]) == 1


def test_acknowledged_emergency_does_not_climb(api_as):
    t = _made_at(api_as("kefu"), TUE_10, kind="emergency")
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=2), tick=False):
        act(api_as("jl"), t["id"], "acknowledge")
    _sweep(TUE_10 + dt.timedelta(minutes=30))
    assert [n for n in _notes(api_as("fz")) if n["ticket"] == t["id"]] == []
    assert [n for n in _notes(api_as("zjl")) if n["ticket"] == t["id"]] == []


def test_sla_sweep_applies_all_due_escalations_exits_and_is_idempotent(api_as):
    t = _made_at(api_as("kefu"), TUE_10, kind="complaint", severity="important")  # forward due 10:30

    def told():
        return [n for name in ("kefu_zg", "jl", "fz", "zjl") for n in _notes(api_as(name)) if n["ticket"] == t["id"]]

    _sweep(TUE_10 + dt.timedelta(minutes=20))  # nothing due yet: the command still exits
    assert told() == []
    _sweep(TUE_10 + dt.timedelta(minutes=40))  # the breach is applied, once, and the command exits
    first = told()
    assert len(first) == 1 and first[0]["kind"]
    _sweep(TUE_10 + dt.timedelta(minutes=41))
    assert told() == first  # idempotent: nobody is told twice


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_sla_sweep_safe_to_run_concurrently_no_notification_twice(demo):
    import threading

    from django.contrib.auth import get_user_model
    from django.db import connection

    from propdesk.core.demo import seed_demo
    from propdesk.sla.models import Notification
    from propdesk.tickets import services

    project = seed_demo()
    kefu = get_user_model().objects.get(username="kefu")
    with time_machine.travel(TUE_10, tick=False):
        ids = [
            services.ticket_create(
                project=project,
                actor=kefu,
                kind="complaint",
                severity="important",
                description=f"并发{i}",
                reporter_name="张三",
                reporter_phone="13800001111",
            ).pk
            for i in range(20)
        ]
    errors = []

    def run():
        try:
            call_command("sla_sweep", verbosity=0)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(TUE_10 + dt.timedelta(minutes=40), tick=False):
        threads = [threading.Thread(target=run) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert not errors
    rows = list(Notification.objects.filter(ticket_id__in=ids).values_list("recipient_id", "ticket_id", "kind"))
    assert len(rows) == len(set(rows))
    assert len({r[1] for r in rows}) == 20


def test_breach_with_the_supervisor_as_assignee_notifies_the_project_manager(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10)
    with time_machine.travel(TUE_10 + dt.timedelta(minutes=5), tick=False):
        act(kefu, t["id"], "dispatch", {"department": "gongcheng", "assignee": "gc_zg"})
    _sweep(TUE_10 + dt.timedelta(hours=2, minutes=1))
    assert len([n for n in _notes(api_as("jl")) if n["ticket"] == t["id"]]) == 1
    assert [n for n in _notes(api_as("gc_zg")) if n["ticket"] == t["id"]] == []


def test_sweep_before_due_notifies_nobody(api_as):
    kefu = api_as("kefu")
    t = _made_at(kefu, TUE_10, kind="complaint", severity="important")
    _sweep(TUE_10 + dt.timedelta(minutes=29))
    for username in ("kefu_zg", "jl", "fz", "zjl"):
        assert [n for n in _notes(api_as(username)) if n["ticket"] == t["id"]] == []
    assert timers(kefu.get(f"{T}/{t['id']}").json())["forward"]["state"] == "running"
