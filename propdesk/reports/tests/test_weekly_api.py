"""T-13 Monday review: GET /api/v1/reviews/weekly."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.reports.tests import factories as f

URL = "/api/v1/reviews/weekly"
NOW = f.local(2026, 11, 18, 10, 0)  # Wednesday of 2026-W47 (16–22 November)


@pytest.fixture
def week(demo):
    """Tickets around 2026-W47, with the Monday boundary in Asia/Shanghai."""
    gc = f.department(demo)
    t = {
        "old_open": f.ticket(demo, created_at=f.local(2026, 11, 5, 9), status="dispatched", department=gc),
        "old_closed": f.ticket(
            demo, created_at=f.local(2026, 11, 5, 9), status="closed", closed_at=f.local(2026, 11, 6, 9)
        ),
        "old_invalid": f.ticket(demo, created_at=f.local(2026, 11, 5, 9), status="invalid"),
        # Sunday 23:30 in Shanghai is still W46; Monday 00:10 there is already W47 (16:10 UTC on Sunday).
        "sunday_late": f.ticket(demo, created_at=f.local(2026, 11, 15, 23, 30), status="cancelled"),
        "monday_early": f.ticket(demo, created_at=f.local(2026, 11, 16, 0, 10), status="invalid"),
        "week_new": f.ticket(
            demo,
            created_at=f.local(2026, 11, 17, 9),
            kind="complaint",
            severity="important",
            category="noise",
            unit=f.unit(demo),
            department=gc,
        ),
        "week_closed": f.ticket(
            demo, created_at=f.local(2026, 11, 17, 9), status="closed", closed_at=f.local(2026, 11, 17, 15)
        ),
    }
    new = t["week_new"]
    f.timer(new, "forward", due_at=f.local(2026, 11, 17, 9, 30), state="breached")
    f.timer(new, "follow_1", due_at=f.local(2026, 11, 17, 11), state="met", stopped_at=f.local(2026, 11, 17, 10))
    f.timer(new, "follow_2", due_at=f.local(2026, 11, 17, 17, 30), state="running")  # past due, not yet swept
    f.timer(new, "resolve", due_at=f.local(2026, 11, 20, 9), state="running")  # not due yet
    f.timer(
        t["old_open"],
        "follow_2",
        due_at=f.local(2026, 11, 5, 17, 30),
        state="breached",
        stopped_at=f.local(2026, 11, 6, 9),
    )  # done late: the sla service marks it breached
    return t


@pytest.mark.django_db
def test_t13_review_lists_the_weeks_unclosed_tickets_and_older_open_ones(api_as, week):
    with time_machine.travel(NOW, tick=False):
        resp = api_as("diaodu").get(URL, {"project": "DEMO", "week": "2026-W47"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["project"] == "DEMO" and body["week"] == "2026-W47"
    assert body["from"] == "2026-11-16" and body["to"] == "2026-11-22"
    ids = [item["id"] for item in body["items"]]
    expected = [week["old_open"].pk, week["monday_early"].pk, week["week_new"].pk]
    assert ids == expected  # oldest first
    assert body["count"] == 3 and body["next_cursor"] is None  # one complete list
    carried = {item["id"]: item["carried_over"] for item in body["items"]}
    assert carried == {week["old_open"].pk: True, week["monday_early"].pk: False, week["week_new"].pk: False}


@pytest.mark.django_db
def test_t13_review_item_carries_its_breached_timers_only(api_as, week):
    with time_machine.travel(NOW, tick=False):
        body = api_as("kefu").get(URL, {"project": "DEMO", "week": "2026-W47"}).json()
    items = {item["id"]: item for item in body["items"]}
    new = items[week["week_new"].pk]
    assert new["kind"] == "complaint" and new["severity"] == "important" and new["category"] == "noise"
    assert new["unit"] == "1-1-101" and new["department"] == "gongcheng" and new["status"] == "new"
    assert new["number"] == week["week_new"].number
    assert new["created_at"] == "2026-11-17T09:00:00+08:00"
    assert [b["metric"] for b in new["breached"]] == ["forward", "follow_2"]
    assert new["breached"][0] == {
        "metric": "forward",
        "state": "breached",
        "started_at": "2026-11-17T09:00:00+08:00",
        "due_at": "2026-11-17T09:30:00+08:00",
        "stopped_at": None,
    }
    old = items[week["old_open"].pk]
    assert [(b["metric"], b["stopped_at"]) for b in old["breached"]] == [("follow_2", "2026-11-06T09:00:00+08:00")]


@pytest.mark.django_db
def test_t13_review_of_a_past_week_excludes_later_tickets(api_as, week):
    with time_machine.travel(NOW, tick=False):
        body = api_as("jl").get(URL, {"project": "DEMO", "week": "2026-W46"}).json()
    ids = {item["id"] for item in body["items"]}
    # W46: the cancelled Sunday ticket is not closed; the W45 open ticket is carried over.
    assert ids == {week["old_open"].pk, week["sunday_late"].pk}
    assert body["from"] == "2026-11-09" and body["to"] == "2026-11-15"


@pytest.mark.django_db
def test_t13_week_defaults_to_the_current_iso_week_in_the_project_time_zone(api_as, week):
    # Monday 2026-11-23 01:00 in Shanghai is still Sunday 17:00 UTC: the week is W48, not W47.
    with time_machine.travel(f.local(2026, 11, 23, 1, 0), tick=False):
        body = api_as("kefu").get(URL, {"project": "DEMO"}).json()
    assert body["week"] == "2026-W48"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        "2026-47",
        "2026-W54",
        "2026-W00",
        "W47",
        "2026-W4x",
        "x" * 300,
        "9999-W52",
        "0001-W01",
        "2026-W47\x00",
        "２０２６-W47",
    ],
)
def test_bad_week_is_400_naming_the_field(api_as, demo, bad):
    resp = api_as("kefu").get(URL, {"project": "DEMO", "week": bad})
    assert resp.status_code == 400
    assert "week" in resp.json()["errors"]


@pytest.mark.django_db
def test_missing_project_is_400_and_unknown_project_is_404(api_as, demo):
    client = api_as("kefu")
    resp = client.get(URL)
    assert resp.status_code == 400 and "project" in resp.json()["errors"]
    assert client.get(URL, {"project": "NOPE"}).status_code == 404
    assert client.get(URL, {"project": "DE\x00MO"}).status_code == 400  # API.md as amended: NUL in a query


@pytest.mark.django_db
def test_rights_staff_read_residents_and_other_projects_get_404(api_as, week, client):
    for username in ("kefu", "diaodu", "kefu_zg", "jl", "fz"):
        assert api_as(username).get(URL, {"project": "DEMO"}).status_code == 200, username
    assert api_as("yz").get(URL, {"project": "DEMO"}).status_code == 404
    assert api_as("gc").get(URL, {"project": "DEMO"}).status_code == 403  # a technician does not hold the review
    f.other_project_staff()
    assert api_as("other_kefu").get(URL, {"project": "DEMO"}).status_code == 404
    assert client.get(URL, {"project": "DEMO"}).status_code == 401


@pytest.mark.django_db
def test_review_query_count_does_not_grow_with_tickets(api_as, week, demo):
    client = api_as("kefu")
    with time_machine.travel(NOW, tick=False):
        client.get(URL, {"project": "DEMO", "week": "2026-W47"})  # warm-up: the token's last use is written once
        with CaptureQueriesContext(connection) as first:
            assert client.get(URL, {"project": "DEMO", "week": "2026-W47"}).json()["count"] == 3
        gc = f.department(demo)
        for i in range(10):
            t = f.ticket(demo, created_at=f.local(2026, 11, 17, 12, i), department=gc, unit=f.unit(demo, "1-1-102"))
            f.timer(t, "forward", due_at=f.local(2026, 11, 17, 13), state="breached")
        with CaptureQueriesContext(connection) as second:
            assert client.get(URL, {"project": "DEMO", "week": "2026-W47"}).json()["count"] == 13
    assert len(second) == len(first)
    assert len(first) <= 9  # auth, project, rights, tickets + two prefetches
