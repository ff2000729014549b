"""Timers per API.md's table on the project's business calendar (seeded from
chinese-calendar): due times on a normal working day, after hours, at the
weekend, on a make-up working day (调休) and in the National Day holiday."""

import datetime as dt

import pytest
import time_machine

from propdesk.sla.models import Timer
from propdesk.sla.policy import DEFAULT_FIGURES
from propdesk.sla.services import policy_create_version
from propdesk.sla.tests.helpers import act, cst, make_ticket, timers, user

pytestmark = pytest.mark.django_db

MON = (2026, 11, 23)  # an ordinary Monday


def due(ticket):
    return {m: t.due_at.astimezone(cst(2026, 1, 1).tzinfo) for m, t in timers(ticket).items()}


def test_t7_major_complaint_timers_on_a_working_day(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="major")
    assert due(t) == {
        "forward": cst(*MON, 17, 30),  # T-7: to the project manager the same day
        "answer": cst(2026, 11, 25, 10, 0),  # T-7: a clear answer within 2 days
        "resolve": cst(2026, 12, 3, 10, 0),  # T-7: resolved within 10 days
        "follow_1": cst(*MON, 12, 0),  # T-13: first follow-up 2 h after registration
        "follow_2": cst(*MON, 17, 30),  # T-13: second before the end of the working day
    }
    assert {x.state for x in timers(t).values()} == {"running"}
    assert all(x.started_at == cst(*MON, 10, 0) for x in timers(t).values())


def test_t7_important_and_minor_complaint_timers(demo):
    important = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    assert due(important)["forward"] == cst(*MON, 10, 30)  # T-7: forwarded within 30 minutes
    assert due(important)["resolve"] == cst(2026, 11, 26, 10, 0)  # handled within 3 days
    assert "answer" not in due(important)
    minor = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="minor")
    assert set(due(minor)) == {"resolve", "follow_1", "follow_2"}
    assert due(minor)["resolve"] == cst(2026, 11, 25, 10, 0)  # within 2 days
    own = make_ticket(
        demo, at=cst(*MON, 10, 0), kind="complaint", severity="minor", requested_by=cst(2026, 11, 24, 9, 0)
    )
    assert due(own)["resolve"] == cst(2026, 11, 24, 9, 0)  # or by the resident's own deadline


def test_t14_emergency_forward_is_ten_minutes(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    assert due(t) == {"forward": cst(*MON, 10, 10), "follow_1": cst(*MON, 12, 0), "follow_2": cst(*MON, 17, 30)}


def test_inquiries_and_suggestions_have_no_timers(demo):
    for kind in ("inquiry", "suggestion"):
        assert not timers(make_ticket(demo, at=cst(*MON, 10, 0), kind=kind))


@pytest.mark.parametrize(
    ("created", "follow_1", "end_of_day"),
    [
        # after hours on a working day: the end of the next working day
        (cst(*MON, 19, 0), cst(*MON, 21, 0), cst(2026, 11, 24, 17, 30)),
        # before opening on a working day: also the next working day (outside working hours)
        (cst(*MON, 7, 0), cst(*MON, 9, 0), cst(2026, 11, 24, 17, 30)),
        # Saturday: Monday's end
        (cst(2026, 11, 28, 10, 0), cst(2026, 11, 28, 12, 0), cst(2026, 11, 30, 17, 30)),
        # make-up working days (调休): Sunday 2025-09-28 and Sunday 2026-01-04 are working days
        (cst(2025, 9, 28, 10, 0), cst(2025, 9, 28, 12, 0), cst(2025, 9, 28, 17, 30)),
        (cst(2026, 1, 4, 16, 0), cst(2026, 1, 4, 18, 0), cst(2026, 1, 4, 17, 30)),
        # National Day holiday 2025-10-01 … 08: the first working day after it
        (cst(2025, 10, 3, 10, 0), cst(2025, 10, 3, 12, 0), cst(2025, 10, 9, 17, 30)),
        # the evening before the holiday
        (cst(2025, 9, 30, 18, 0), cst(2025, 9, 30, 20, 0), cst(2025, 10, 9, 17, 30)),
    ],
)
def test_t13_follow_ups_and_end_of_working_day_on_the_calendar(demo, created, follow_1, end_of_day):
    t = make_ticket(demo, at=created, kind="complaint", severity="major")
    d = due(t)
    assert d["follow_1"] == follow_1  # +2 clock hours
    assert d["follow_2"] == end_of_day  # T-13: end of the working day
    assert d["forward"] == end_of_day  # T-7: major complaint to the manager the same working day
    assert d["answer"] == created + dt.timedelta(days=2)  # "days" are calendar days, holidays included


def test_t7_days_are_calendar_days_through_the_national_day_holiday(demo):
    t = make_ticket(demo, at=cst(2025, 9, 30, 10, 0), kind="complaint", severity="important")
    assert due(t)["resolve"] == cst(2025, 10, 3, 10, 0)
    assert due(t)["forward"] == cst(2025, 9, 30, 10, 30)


def test_t15_visit_starts_at_completion(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    assert "visit" not in due(t)
    act(t, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng", "assignee": "gc"})
    act(t, "complete", at=cst(*MON, 11, 30), actor="gc", status="done", completed_at=cst(*MON, 11, 30))
    tm = timers(t)
    assert tm["visit"].started_at == cst(*MON, 11, 30)
    assert tm["visit"].due_at == cst(2026, 11, 25, 11, 30)  # T-15: within 2 days
    assert (tm["follow_1"].state, tm["follow_2"].state) == ("met", "met")  # complete meets the follow-ups
    act(
        t,
        "visit",
        at=cst(2026, 11, 24, 9, 0),
        actor="kefu",
        status="done",
        visited_at=cst(2026, 11, 24, 9, 0),
        visit_satisfied=True,
        data={"satisfied": True, "channel": "phone"},
    )
    visit = timers(t)["visit"]
    assert (visit.state, visit.stopped_at) == ("met", cst(2026, 11, 24, 9, 0))


def test_t15_leak_visit_counts_from_the_leak_test(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair", category="leak")
    act(
        t,
        "complete",
        at=cst(*MON, 15, 0),
        actor="gc",
        status="done",
        completed_at=cst(*MON, 15, 0),
        leak_test_at=cst(2026, 11, 24, 9, 0),
        data={"leak_test_at": "2026-11-24T09:00:00+08:00"},
    )
    assert timers(t)["visit"].due_at == cst(2026, 11, 27, 9, 0)  # T-15: leak test + 3 days


def test_forward_met_by_dispatch_for_important_and_by_manager_for_major(demo):
    important = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    act(important, "dispatch", at=cst(*MON, 10, 20), data={"department": "gongcheng"})
    assert (timers(important)["forward"].state, timers(important)["forward"].stopped_at) == ("met", cst(*MON, 10, 20))

    major = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="major")
    act(major, "dispatch", at=cst(*MON, 10, 20), data={"department": "gongcheng", "assignee": "gc"})
    assert timers(major)["forward"].state == "running"  # a dispatch to the technician does not inform the manager
    act(major, "acknowledge", at=cst(*MON, 11, 0), actor="jl")
    assert timers(major)["forward"].state == "met"  # acknowledged by the project manager

    other = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="major")
    act(other, "dispatch", at=cst(*MON, 10, 20), data={"department": "gongcheng", "assignee": "jl"})
    assert timers(other)["forward"].state == "met"  # dispatched to the project manager


def test_t14_emergency_forward_met_only_by_manager_or_above(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    act(t, "acknowledge", at=cst(*MON, 10, 2), actor="kefu_zg")
    assert timers(t)["forward"].state == "running"
    act(t, "acknowledge", at=cst(*MON, 10, 4), actor="fz")
    assert timers(t)["forward"].state == "met"


def test_t13_follow_meets_first_then_second_follow_up(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    act(t, "follow", at=cst(*MON, 11, 0), data={"note": "已催"})
    assert (timers(t)["follow_1"].state, timers(t)["follow_2"].state) == ("met", "running")
    act(t, "follow", at=cst(*MON, 16, 0), data={"note": "再催"})
    assert timers(t)["follow_2"].state == "met"


def test_t13_late_registration_first_follow_is_still_the_first_follow_up(demo):
    t = make_ticket(demo, at=cst(*MON, 16, 30), kind="repair")  # follow_2 17:30 is due before follow_1 18:30
    act(t, "follow", at=cst(*MON, 17, 0), data={"note": "已催"})
    assert (timers(t)["follow_1"].state, timers(t)["follow_2"].state) == ("met", "running")
    act(t, "follow", at=cst(*MON, 17, 20), data={"note": "再催"})
    assert timers(t)["follow_2"].state == "met"


def test_late_event_on_breached_timer_keeps_breached_with_stop_time(demo):
    from propdesk.sla.sweep import run_sweep

    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    run_sweep(now=cst(*MON, 12, 1))
    assert timers(t)["follow_1"].state == "breached"
    assert timers(t)["follow_1"].stopped_at is None
    act(t, "follow", at=cst(*MON, 13, 0), data={"note": "迟到的跟进"})
    f1 = timers(t)["follow_1"]
    assert (f1.state, f1.stopped_at) == ("breached", cst(*MON, 13, 0))
    assert timers(t)["follow_2"].state == "running"  # the late follow-up is the first one


def test_an_event_after_the_due_time_is_a_breach_even_before_the_sweep(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    act(t, "dispatch", at=cst(*MON, 10, 45), data={"department": "gongcheng"})
    assert timers(t)["forward"].state == "breached"


def test_t18_hold_pauses_and_resume_shifts_due(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    act(t, "hold", at=cst(*MON, 10, 10), status="on_hold", data={"reason": "等开发商"})
    tm = timers(t)
    assert {x.state for x in tm.values()} == {"paused"}
    assert tm["forward"].paused_at == cst(*MON, 10, 10)
    from propdesk.sla.sweep import run_sweep

    assert run_sweep(now=cst(*MON, 13, 0)).breached == 0  # paused timers do not breach
    act(t, "resume", at=cst(*MON, 13, 10), status="new", data={"reason": "开发商已答复"})
    tm = timers(t)
    assert tm["forward"].state == "running"
    assert tm["forward"].due_at == cst(*MON, 13, 30)  # 10:30 + 3 h paused
    assert tm["resolve"].due_at == cst(2026, 11, 26, 13, 0)
    assert tm["forward"].paused_at is None


def test_cancel_and_invalid_cancel_running_timers(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="major")
    act(t, "follow", at=cst(*MON, 11, 0), data={"note": "x"})
    act(t, "cancel", at=cst(*MON, 11, 30), status="cancelled", data={"reason": "重复登记"})
    tm = timers(t)
    assert tm["follow_1"].state == "met"
    assert {tm[m].state for m in ("forward", "answer", "resolve", "follow_2")} == {"cancelled"}
    assert tm["resolve"].stopped_at == cst(*MON, 11, 30)

    inv = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="minor")
    act(inv, "triage", at=cst(*MON, 10, 5), status="invalid", valid=False, data={"valid": False})
    assert {x.state for x in timers(inv).values()} == {"cancelled"}


def test_triage_changing_the_class_recomputes_class_timers(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="minor")
    act(t, "triage", at=cst(*MON, 10, 5), valid=True, severity="major", data={"valid": True, "severity": "major"})
    d = due(t)
    assert d["forward"] == cst(*MON, 17, 30)
    assert d["answer"] == cst(2026, 11, 25, 10, 0)
    assert d["resolve"] == cst(2026, 12, 3, 10, 0)


def test_close_stops_whatever_is_left(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    act(t, "signoff", at=cst(*MON, 10, 5), actor="jl", signed_off_at=cst(*MON, 10, 5))
    act(t, "close", at=cst(*MON, 10, 8), actor="jl", status="closed", closed_at=cst(*MON, 10, 8))
    assert all(x.stopped_at == cst(*MON, 10, 8) for x in timers(t).values())
    assert {x.state for x in timers(t).values()} == {"met"}


def test_t16_unsatisfied_visit_starts_a_fresh_cycle(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    act(t, "complete", at=cst(*MON, 15, 0), status="done", completed_at=cst(*MON, 15, 0))
    assert timers(t)["resolve"].state == "met"
    act(t, "reopen", at=cst(2026, 11, 24, 9, 0), status="reopened", data={"reason": "业主不满意"})
    resolve = timers(t)["resolve"]
    assert (resolve.state, resolve.started_at, resolve.due_at) == (
        "running",
        cst(2026, 11, 24, 9, 0),
        cst(2026, 11, 27, 9, 0),
    )

    repair = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    act(repair, "complete", at=cst(*MON, 15, 0), status="done", completed_at=cst(*MON, 15, 0))
    act(
        repair,
        "visit",
        at=cst(*MON, 16, 0),
        status="reopened",
        visit_satisfied=False,
        data={"satisfied": False, "channel": "home"},
    )
    assert timers(repair)["visit"].state == "met"
    act(repair, "complete", at=cst(2026, 11, 24, 11, 0), status="done", completed_at=cst(2026, 11, 24, 11, 0))
    visit = timers(repair)["visit"]
    assert (visit.state, visit.due_at) == ("running", cst(2026, 11, 26, 11, 0))


def test_a_ticket_keeps_the_policy_version_it_started_with(demo):
    old = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    figures = {**DEFAULT_FIGURES, "forward_important": "1h", "visit": "3d"}
    with time_machine.travel(cst(*MON, 10, 1), tick=False):
        policy = policy_create_version(project=demo, actor=user("jl"), figures=figures)
    assert policy.version >= 2
    new = make_ticket(demo, at=cst(*MON, 10, 2), kind="complaint", severity="important")
    assert due(old)["forward"] == cst(*MON, 10, 30)
    assert due(new)["forward"] == cst(*MON, 11, 2)  # DOMAIN T-7: "one document says 1 hour"
    assert Timer.objects.filter(ticket=old).values_list("policy__version", flat=True).distinct().get() == 1
    repair = make_ticket(demo, at=cst(*MON, 9, 0), kind="repair")
    Timer.objects.filter(ticket=repair).update(policy=Timer.objects.filter(ticket=old).first().policy)
    act(repair, "complete", at=cst(*MON, 15, 0), status="done", completed_at=cst(*MON, 15, 0))
    assert due(repair)["visit"] == cst(2026, 11, 25, 15, 0)  # the old version's 2 days, not the new 3
