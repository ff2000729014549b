"""Real concurrency on PostgreSQL: threads, each with its own connection."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from propdesk.common.errors import Conflict
from propdesk.core.demo import seed_demo
from propdesk.core.models import Department, Project
from propdesk.tickets import services
from propdesk.tickets.models import Ticket, TicketEvent

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def run_together(n, work):
    """Start `n` threads at once on `work(i)`; return (results, errors)."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted by the caller
            errors[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_t1_concurrent_creates_get_distinct_sequential_numbers():
    """T-1: twelve simultaneous registrations take twelve distinct, gapless numbers."""
    seed_demo()
    project = Project.objects.get(code="DEMO")
    kefu = get_user_model().objects.get(username="kefu")
    start = Ticket.objects.filter(project=project).count()

    def create(i):
        t = services.ticket_create(
            project=project,
            actor=kefu,
            kind="repair",
            description=f"并发报修 {i}",
            reporter_name="测试",
            reporter_phone="13800000000",
        )
        return t.number

    numbers, errors = run_together(12, create)
    assert errors == [None] * 12
    assert sorted(numbers) == list(range(start + 1, start + 13))
    assert connection.vendor == "postgresql"


def test_two_dispatchers_accepting_at_once_one_wins_the_other_gets_409():
    """Two people acting on one ticket at once: one wins, the other gets a clear 409."""
    seed_demo()
    project = Project.objects.get(code="DEMO")
    users = get_user_model().objects.in_bulk(["diaodu", "gc", "gc_zg"], field_name="username")
    t = services.ticket_create(
        project=project,
        actor=users["diaodu"],
        kind="repair",
        description="并发接单",
        reporter_name="测试",
        reporter_phone="13800000000",
    )
    t = services.ticket_dispatch(
        ticket=t, actor=users["diaodu"], department=Department.objects.get(project=project, code="gongcheng")
    )

    def accept(i):
        actor = users["gc"] if i == 0 else users["gc_zg"]
        return services.ticket_accept(ticket=Ticket.objects.get(pk=t.pk), actor=actor).status

    results, errors = run_together(2, accept)
    assert sorted(r for r in results if r) == ["accepted"]
    conflicts = [e for e in errors if e is not None]
    assert len(conflicts) == 1 and isinstance(conflicts[0], Conflict)
    assert conflicts[0].detail == "工单已被接单。"
    assert TicketEvent.objects.filter(ticket_id=t.pk, action="ticket.accepted").count() == 1


def test_same_idempotency_key_at_once_makes_one_ticket():
    """API.md Idempotency-Key: two identical creates racing produce one ticket and the same answer."""
    from django.test import Client

    from propdesk.core.models import ApiToken

    seed_demo()
    token = ApiToken.issue(get_user_model().objects.get(username="kefu"))
    body = {
        "project": "DEMO",
        "kind": "repair",
        "description": "同一来电重复提交",
        "reporter_name": "测试",
        "reporter_phone": "13800000000",
    }
    before = Ticket.objects.count()

    def post(i):
        resp = Client().post(
            "/api/v1/tickets",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "race-1"},
        )
        return resp.status_code, resp.json().get("id")

    results, errors = run_together(4, post)
    assert errors == [None] * 4
    assert {status for status, _ in results} == {201}
    assert len({tid for _, tid in results}) == 1
    assert Ticket.objects.count() == before + 1
