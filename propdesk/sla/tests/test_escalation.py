"""Escalation ladder (API.md; T-13, T-14): breaches tell the next person up,
unacknowledged escalations climb, each person is told once."""

import pytest

from propdesk.sla.models import Escalation, Notification
from propdesk.sla.sweep import run_sweep
from propdesk.sla.tests.helpers import act, cst, make_ticket, of_record, timers, user
from propdesk.tickets.deadlines import acknowledge_refusal as _refusal


def acknowledge_refusal(*, ticket, user):
    return _refusal(record=ticket, user=user)


pytestmark = pytest.mark.django_db

MON = (2026, 11, 23)


def ladder_of(ticket):
    return [
        (e.recipient.user.username, e.reason)
        for e in Escalation.objects.filter(ticket=ticket).select_related("recipient__user").order_by("created_at", "id")
    ]


def notified(ticket):
    return sorted(Notification.objects.filter(**of_record(ticket)).values_list("recipient__username", flat=True))


def test_undispatched_breach_goes_to_customer_service_supervisor_then_climbs(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    assert run_sweep(now=cst(*MON, 10, 29)).breached == 0
    result = run_sweep(now=cst(*MON, 10, 31))
    assert (result.breached, result.escalations) == (1, 1)
    assert timers(t)["forward"].state == "breached"
    # the front desk is responsible before dispatch: the first step is the customer-service supervisor
    assert ladder_of(t) == [("kefu_zg", "breach")]
    esc = Escalation.objects.get(ticket=t)
    assert (esc.level, esc.next_climb_at) == (20, cst(*MON, 11, 31))
    assert run_sweep(now=cst(*MON, 10, 32)).escalations == 0  # idempotent
    assert run_sweep(now=cst(*MON, 11, 31)).climbed == 1  # unacknowledged for 1 hour: climbs
    assert ladder_of(t) == [("kefu_zg", "breach"), ("jl", "climb")]
    run_sweep(now=cst(*MON, 12, 1))  # follow_1 breached: one level further
    assert ladder_of(t)[-1] == ("fz", "breach")
    run_sweep(now=cst(*MON, 13, 2))
    assert ladder_of(t)[-1] == ("zjl", "climb")
    run_sweep(now=cst(*MON, 23, 0))  # nobody above the GM: nothing more
    assert notified(t) == ["fz", "jl", "kefu_zg", "zjl"]  # each told exactly once


def test_dispatched_breach_goes_to_the_department_supervisor(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    act(t, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng", "assignee": "gc"})
    run_sweep(now=cst(*MON, 12, 1))
    assert ladder_of(t) == [("gc_zg", "breach")]
    msg = Notification.objects.get(**of_record(t)).message
    assert "第一次跟进" in msg and "超时" in msg and str(t) in msg


def test_supervisor_assignee_breach_goes_to_the_project_manager(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    act(t, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng", "assignee": "gc_zg"})
    run_sweep(now=cst(*MON, 12, 1))
    assert ladder_of(t) == [("jl", "breach")]


def test_t13_follow_2_breached_on_unfinished_ticket_tells_the_project_manager(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    act(t, "dispatch", at=cst(*MON, 10, 5), data={"department": "gongcheng", "assignee": "gc"})
    act(t, "follow", at=cst(*MON, 11, 0), data={"note": "已跟进"})
    Escalation.objects.filter(ticket=t).delete()
    run_sweep(now=cst(*MON, 17, 31))
    assert ladder_of(t) == [("gc_zg", "breach"), ("jl", "follow_2")]
    assert "仍未完成" in Notification.objects.get(**of_record(t), recipient__username="jl").message


def test_t13_done_ticket_has_no_follow_2_breach(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    act(t, "follow", at=cst(*MON, 11, 0), data={"note": "已跟进"})
    act(t, "complete", at=cst(*MON, 16, 0), status="done", completed_at=cst(*MON, 16, 0))
    assert run_sweep(now=cst(*MON, 17, 31)).breached == 0
    assert ladder_of(t) == []


def test_t14_emergency_tells_manager_at_once_and_climbs_every_5_minutes(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    assert ladder_of(t) == [("jl", "emergency")]
    assert Notification.objects.get(**of_record(t)).kind == "emergency"
    run_sweep(now=cst(*MON, 10, 4))
    assert len(ladder_of(t)) == 1
    run_sweep(now=cst(*MON, 10, 5))
    assert ladder_of(t)[-1] == ("fz", "climb")  # skip-level to the deputy GM
    run_sweep(now=cst(*MON, 10, 10))
    assert [who for who, _ in ladder_of(t)] == ["jl", "fz", "zjl"]  # then the GM, once
    assert timers(t)["forward"].state == "breached"
    run_sweep(now=cst(*MON, 11, 0))
    assert notified(t) == ["fz", "jl", "zjl"]


def test_t14_acknowledged_emergency_stops_climbing(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    assert acknowledge_refusal(ticket=t, user=user("jl")) is None
    act(t, "acknowledge", at=cst(*MON, 10, 3), actor="jl")
    esc = Escalation.objects.get(ticket=t)
    assert esc.acknowledged_at == cst(*MON, 10, 3)
    assert esc.next_climb_at is None
    assert timers(t)["forward"].state == "met"
    run_sweep(now=cst(*MON, 10, 30))
    assert ladder_of(t) == [("jl", "emergency")]


def test_acknowledge_refusal(demo):
    t = make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="important")
    refusal = acknowledge_refusal(ticket=t, user=user("kefu_zg"))
    assert refusal and "确认" in refusal  # a Chinese sentence: nothing addressed to them
    run_sweep(now=cst(*MON, 10, 31))
    assert acknowledge_refusal(ticket=t, user=user("kefu_zg")) is None
    assert acknowledge_refusal(ticket=t, user=user("gc")) is not None
    assert acknowledge_refusal(ticket=t, user=user("jl")) is None  # project manager and above
    act(t, "acknowledge", at=cst(*MON, 10, 40), actor="kefu_zg")
    assert Escalation.objects.get(ticket=t).acknowledged_at == cst(*MON, 10, 40)
    assert acknowledge_refusal(ticket=t, user=user("kefu_zg")) is not None
    run_sweep(now=cst(*MON, 11, 45))
    assert [who for who, _ in ladder_of(t)] == ["kefu_zg"]  # acknowledged: no climb


def test_sweep_cost_grows_with_what_is_due_not_with_history(demo):
    """Deadlines are columns: an idle sweep costs the same few queries however
    many timers exist, and a busy one a constant number per batch."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as idle_empty:
        run_sweep(now=cst(*MON, 9, 0))
    for _ in range(30):
        make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="major")
    with CaptureQueriesContext(connection) as idle_full:
        run_sweep(now=cst(*MON, 9, 0))
    assert len(idle_full) == len(idle_empty) <= 8  # incl. savepoints

    with CaptureQueriesContext(connection) as busy_30:
        assert run_sweep(now=cst(*MON, 12, 1)).breached == 30  # 30 follow_1 timers due
    for _ in range(60):
        make_ticket(demo, at=cst(*MON, 10, 0), kind="complaint", severity="major")
    with CaptureQueriesContext(connection) as busy_60:
        assert run_sweep(now=cst(*MON, 13, 31)).breached == 60  # 60 more follow_1s (and 30 climbs)
    assert len(busy_60) - len(busy_30) < 15  # per batch, not per timer
