"""The sweeper under real concurrency (PostgreSQL): several sweepers at once,
and a sweeper killed mid-run, never lose or double an escalation or a
notification."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from propdesk.sla.models import Escalation, Notification, Timer
from propdesk.sla.sweep import run_sweep
from propdesk.sla.tests.helpers import act, cst, make_ticket

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

MON = (2026, 11, 23)
ROOT = Path(__file__).resolve().parents[3]


def _build(demo, n=40):
    """n repairs dispatched to gc (follow_1 due 12:00) and n/4 emergencies (climbing)."""
    tickets = []
    for _ in range(n):
        t = make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
        act(t, "dispatch", at=cst(*MON, 10, 1), data={"department": "gongcheng", "assignee": "gc"})
        tickets.append(t)
    emergencies = [make_ticket(demo, at=cst(*MON, 11, 50), kind="emergency") for _ in range(n // 4)]
    return tickets, emergencies


def _assert_exactly_once(tickets, emergencies):
    # every due timer breached once, every breach escalated once, one notification per escalation
    assert not Timer.objects.filter(state="running", due_at__lte=cst(*MON, 12, 1)).exists()
    for t in tickets:
        assert list(Escalation.objects.filter(ticket=t).values_list("recipient__user__username", "reason")) == [
            ("gc_zg", "breach")
        ]
    for t in emergencies:
        # T-14: manager at creation, deputy GM after 5 minutes, GM at the 10-minute breach: once each
        assert sorted(Escalation.objects.filter(ticket=t).values_list("recipient__user__username", flat=True)) == [
            "fz",
            "jl",
            "zjl",
        ]
    assert Notification.objects.count() == Escalation.objects.count()
    assert Notification.objects.filter(escalation__isnull=True).count() == 0


def test_several_sweepers_at_once_notify_exactly_once(demo):
    tickets, emergencies = _build(demo)
    errors, results = [], []
    start = threading.Barrier(6)

    def sweeper():
        try:
            start.wait()
            results.append(run_sweep(now=cst(*MON, 12, 1)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    # each due timer claimed by exactly one sweeper: repairs' follow_1 and emergencies' forward
    assert sum(r.breached for r in results) == len(tickets) + len(emergencies)
    _assert_exactly_once(tickets, emergencies)


def test_a_sweeper_killed_mid_run_leaves_nothing_half_done(demo):
    tickets, emergencies = _build(demo)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "propdesk.settings",
    }
    # The child sweeps in batches of 5 and SIGKILLs itself in the middle of its
    # third batch: two batches committed, one in flight.
    script = f"""
import os, signal, django
django.setup()
from propdesk.sla import escalation, sweep
sweep.BATCH = 5
calls = [0]
original = escalation.write
def dying(steps):
    calls[0] += 1
    written = original(steps)
    if calls[0] == 3:   # the third batch's escalations are written, not committed
        os.kill(os.getpid(), signal.SIGKILL)
    return written
escalation.write = dying
import datetime as dt
sweep.run_sweep(now={cst(*MON, 12, 1)!r})
"""
    script = "import datetime\nfrom zoneinfo import ZoneInfo\n" + script.replace("zoneinfo.ZoneInfo", "ZoneInfo")
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, timeout=120, capture_output=True)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    breached = Timer.objects.filter(state="breached").count()
    assert breached == 10  # two batches of 5 committed, the third rolled back
    assert Escalation.objects.filter(reason="breach").count() == breached  # no breach without its escalation
    run_sweep(now=cst(*MON, 12, 1))  # the next sweep finishes the job
    run_sweep(now=cst(*MON, 12, 1))
    _assert_exactly_once(tickets, emergencies)


def test_sweeping_while_tickets_are_worked_on_neither_deadlocks_nor_loses_a_step(demo):
    """tickets.services locks the ticket, then sla's hook its timers; the
    sweeper locks tickets before claiming their timers: the same order, so a
    sweep beside live follow-ups never deadlocks."""
    import datetime as dt

    from django.utils import timezone

    from propdesk.sla.tests.helpers import user
    from propdesk.tickets.services import ticket_follow

    now = timezone.now()
    tickets = []
    for _ in range(30):
        t = make_ticket(demo, at=now - dt.timedelta(hours=3), kind="repair")  # follow_1 due an hour ago
        act(t, "dispatch", at=now - dt.timedelta(hours=3), data={"department": "gongcheng", "assignee": "gc"})
        tickets.append(t)
    errors = []
    start = threading.Barrier(3)

    def sweeper():
        try:
            start.wait()
            for _ in range(3):
                run_sweep()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def dispatcher():
        try:
            start.wait()
            diaodu = user("diaodu")
            for t in tickets:
                ticket_follow(ticket=t, actor=diaodu, note="跟进")
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper), threading.Thread(target=sweeper), threading.Thread(target=dispatcher)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    run_sweep()
    for t in tickets:
        follow_1 = Timer.objects.get(ticket=t, metric="follow_1")
        # late either way: breached by the sweeper or stopped late by the follow-up; stopped by the follow-up
        assert follow_1.state == "breached" and follow_1.stopped_at is not None
        assert Escalation.objects.filter(ticket=t, reason="breach", timer=follow_1).count() <= 1
    assert Notification.objects.count() == Escalation.objects.count()


def test_several_sweepers_with_several_record_types_notify_exactly_once(demo, person_type):
    """Generic records: people (standing in for a register's records) and
    tickets due in the same minute, six sweepers at once; each due timer is
    claimed once, each record's first step written once, one notification per
    escalation, and each person told about a record at most once."""
    from propdesk.core.models import Person
    from propdesk.sla import deadlines
    from propdesk.sla.tests.helpers import of_record

    tickets, emergencies = _build(demo, n=20)
    people = []
    for i in range(40):
        record = Person.objects.create(project=demo, name=f"访客{i}", phone="13800001111")
        deadlines.start(record, "answer", figure="answer_person", at=cst(*MON, 11, 0))  # due 11:30
        people.append(record)
    errors, results = [], []
    start = threading.Barrier(6)

    def sweeper():
        try:
            start.wait()
            results.append(run_sweep(now=cst(*MON, 12, 1)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    assert sum(r.breached for r in results) == len(tickets) + len(emergencies) + len(people)
    _assert_exactly_once(tickets, emergencies)
    for record in people:
        assert list(
            Escalation.objects.filter(**of_record(record)).values_list("recipient__user__username", "reason")
        ) == [("kefu_zg", "breach")]
    pairs = list(Notification.objects.values_list("recipient_id", "content_type_id", "record_id"))
    assert len(pairs) == len(set(pairs))  # nobody told twice about one record
