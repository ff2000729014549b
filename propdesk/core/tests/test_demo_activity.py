"""`seed_demo --activity` (issue 7 item 12): months of history through the real
services, tickets in every status with events consistent with it, idempotent
and deterministic; plain `seed_demo` creates no activity. The demo estate of
API-2.md ("Demo data, added")."""

import datetime as dt
import random
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from propdesk.core import demo_activity
from propdesk.core.demo import VACANT_UNITS
from propdesk.core.models import Occupancy, Rank, Unit
from propdesk.sla.models import Escalation, Notification
from propdesk.tickets.models import Status, Ticket
from propdesk.tickets.workflow import CODE_TO_ACTION

pytestmark = pytest.mark.django_db


def test_plain_seed_demo_creates_no_activity(demo):
    call_command("seed_demo", verbosity=0)
    assert Ticket.objects.count() == 0
    assert Escalation.objects.count() == 0 and Notification.objects.count() == 0
    assert demo_activity.seeded_names(demo) == set()


@pytest.mark.parametrize(
    "username,department",
    [("ba", "baoan"), ("cw", "caiwu"), ("pz", "pinzhi")],
)
def test_api2_demo_staff(api_as, username, department):
    me = api_as(username).get("/api/v1/me").json()
    assert (
        me["kind"] == "staff"
        and me["department"] == department
        and me["rank"] == Rank.STAFF
        and "DEMO" in me["projects"]
    )


def test_yz2_is_the_owner_of_1_1_102_in_the_portal(api_as):
    yz2 = api_as("yz2")
    made = yz2.post("/api/v1/tickets", {"project": "DEMO", "kind": "repair", "description": "厨房水龙头漏水"})
    assert made.status_code == 201, made.content
    assert made.json()["unit"] == "1-1-102" and made.json()["channel"] == "app"
    me = yz2.get("/api/v1/me").json()
    assert me["kind"] == "resident"


def test_every_unit_has_an_area_and_some_are_vacant_with_nobody(demo):
    units = Unit.objects.filter(project=demo)
    assert units.count() == 72
    assert not units.filter(area__isnull=True).exists() and not units.filter(area__lte=0).exists()
    vacant = set(units.filter(state=Unit.State.VACANT).values_list("code", flat=True))
    assert vacant == VACANT_UNITS and all(code.startswith("3-") for code in vacant)
    assert not Occupancy.objects.filter(unit__code__in=vacant).exists()
    for code in ("1-1-101", "1-1-102"):
        unit = units.get(code=code)
        assert unit.state == Unit.State.OCCUPIED
        assert unit.occupancies.filter(role=Occupancy.Role.OWNER, end__isnull=True).exists()


def test_login_page_lists_the_new_demo_users(demo, settings):
    settings.SHOW_DEMO_LOGINS = True
    page = Client().get("/login/").content.decode()
    for username in ("ba", "cw", "pz", "yz2", "kefu", "yz"):
        assert f"<code>{username}</code>" in page
    assert "1-1-102" in page


def test_registry_runs_seeders_in_order_once_each(demo, monkeypatch):
    calls = []
    monkeypatch.setattr(demo_activity, "_SEEDERS", {})
    demo_activity.register("first", lambda project, rng, now: calls.append(("first", rng.random())) or 1)
    demo_activity.register("second", lambda project, rng, now: calls.append(("second", rng.random())) or 2)
    assert demo_activity.seed_activity(demo) == {"first": 1, "second": 2}
    assert [c[0] for c in calls] == ["first", "second"]
    assert demo_activity.seed_activity(demo) == {}  # recorded: never again for this project
    demo_activity.register("third", lambda project, rng, now: 3)  # a later app's seeder still runs
    assert demo_activity.seed_activity(demo) == {"third": 3}
    # Each seeder has its own stream, seeded from its name: adding one changes no other.
    assert calls[0][1] == random.Random(f"{demo_activity.SEED}:DEMO:first").random()


def test_ticket_plans_are_deterministic(demo):
    from propdesk.tickets.demo import build_plans

    households = []
    for unit in Unit.objects.filter(project=demo).exclude(code__in=VACANT_UNITS).order_by("code"):
        households.append((unit, [o.person for o in unit.occupancies.select_related("person").order_by("role")]))
    departments = {d.code: d for d in demo.departments.all()}
    now = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

    def summary():
        plans = build_plans(random.Random(7), now, ZoneInfo("Asia/Shanghai"), households, departments)
        return [(p.created, p.creator, p.fields["kind"], [(s.at, s.actor, s.action) for s in p.steps]) for p in plans]

    first = summary()
    assert first == summary()
    assert len(first) > 150


def test_activity_seeds_tickets_in_every_status_with_consistent_events(demo):
    now = timezone.now()
    call_command("seed_demo", "--activity", verbosity=0)
    tickets = list(Ticket.objects.filter(project=demo).select_related("department", "assignee__user"))
    statuses = Counter(t.status for t in tickets)
    assert set(statuses) == set(Status.values), statuses
    assert Counter(t.kind for t in tickets).keys() == {"repair", "complaint", "inquiry", "suggestion", "emergency"}
    assert {t.severity for t in tickets if t.kind == "complaint"} == {"major", "important", "minor"}
    created = sorted(t.created_at for t in tickets)
    assert now - dt.timedelta(days=125) < created[0] < now - dt.timedelta(days=90) and created[-1] < now
    assert [t.number for t in sorted(tickets, key=lambda t: (t.created_at, t.pk))] == list(range(1, len(tickets) + 1))

    events = defaultdict(list)
    for ticket in tickets:
        events[ticket.pk] = list(ticket.events.select_related("actor").order_by("id"))
    for ticket in tickets:
        evs = events[ticket.pk]
        actions = [CODE_TO_ACTION[e.action] for e in evs]
        assert actions[0] == "create" and evs[0].at == ticket.created_at, ticket.number
        status = Status.NEW
        for event in evs:
            change = event.data.get("status")
            if change:
                assert change["from"] == status, (ticket.number, actions)
                status = change["to"]
        assert status == ticket.status, (ticket.number, actions)
        assert all(a.at <= b.at <= now + dt.timedelta(minutes=5) for a, b in zip(evs, evs[1:], strict=False))
        last_change = next((CODE_TO_ACTION[e.action] for e in reversed(evs) if e.data.get("status")), "create")
        expected_last = {
            Status.NEW: {"create", "resume"},
            Status.DISPATCHED: {"dispatch", "resume"},
            Status.ACCEPTED: {"accept"},
            Status.DONE: {"complete"},
            Status.CLOSED: {"close"},
            Status.ON_HOLD: {"hold"},
            Status.REOPENED: {"visit", "reopen"},
            Status.INVALID: {"triage"},
            Status.CANCELLED: {"cancel"},
        }[ticket.status]
        assert last_change in expected_last, (ticket.number, actions)
        if ticket.status == Status.CLOSED and ticket.kind == "repair":
            assert {"complete", "return_slip", "visit"} <= set(actions), (ticket.number, actions)
        if ticket.status == Status.CLOSED and ticket.kind == "emergency":
            assert {"acknowledge", "signoff"} <= set(actions), (ticket.number, actions)

    # Dispatched to the right departments, completed by the right people.
    repairs = [t for t in tickets if t.kind == "repair" and t.department_id]
    assert repairs and {t.department.code for t in repairs} == {"gongcheng"}
    completers = Counter(
        e.actor.username for t in tickets if t.kind == "repair" for e in events[t.pk] if e.action == "ticket.completed"
    )
    assert completers.most_common(1)[0][0] == "gc"
    portal = [t for t in tickets if t.channel == "app"]
    assert portal and {t.unit.code for t in portal} <= {"1-1-101", "1-1-102"}  # yz and yz2 report their own
    complaint_departments = {t.department.code for t in tickets if t.kind == "complaint" and t.department_id}
    assert {"baoan", "pinzhi", "caiwu"} <= complaint_departments
    # The sweeper ran as the clock moved: breaches, escalations and notifications exist, and many were taken.
    assert Escalation.objects.filter(ticket__project=demo, reason="breach").exists()
    assert Escalation.objects.filter(ticket__project=demo, acknowledged_at__isnull=False).exists()
    assert Notification.objects.filter(ticket__project=demo).exists()

    # Idempotent: a second run adds nothing.
    counts = (Ticket.objects.count(), Escalation.objects.count(), Notification.objects.count())
    call_command("seed_demo", "--activity", verbosity=0)
    assert (Ticket.objects.count(), Escalation.objects.count(), Notification.objects.count()) == counts
