"""API.md conventions on the ticket endpoints: errors, idempotency, 405, lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

T = "/api/v1/tickets"
REPAIR = {
    "project": "DEMO",
    "kind": "repair",
    "unit": "1-2-201",
    "reporter_name": "孙七",
    "reporter_phone": "13500002222",
    "description": "楼道灯不亮",
    "category": "power",
}


def test_missing_fields_are_named_one_by_one(api_as):
    resp = api_as("kefu").post(T, {})
    assert resp.status_code == 400
    assert set(resp.json()["errors"]) >= {"project", "kind", "description"}
    resp = api_as("kefu").post(T, {"project": "DEMO", "kind": "complaint", "description": "x"})
    assert resp.status_code == 400
    assert set(resp.json()["errors"]) == {"severity", "reporter_name", "reporter_phone"}
    assert resp.json()["errors"]["reporter_name"] == ["此项必填。"]


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"kind": "party"}, "kind"),
        ({"unit": "9-9-999"}, "unit"),
        ({"category": "ghosts"}, "category"),
        ({"channel": "pigeon"}, "channel"),
        ({"description": "长" * 5001}, "description"),
        ({"description": "   "}, "description"),
        ({"reporter_name": "名" * 101}, "reporter_name"),
        ({"location": "a\x00b"}, "location"),
        ({"paid": True, "fee": "-1"}, "fee"),
        ({"paid": True, "fee": "1e12"}, "fee"),
        ({"requested_by": "1000-01-01T00:00:00+14:00"}, "requested_by"),
        ({"complained_department": "nope"}, "complained_department"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_stores_nothing(api_as, patch, field):
    before = Ticket.objects.count()
    resp = api_as("kefu").post(T, {**REPAIR, **patch})
    assert resp.status_code == 400, resp.content
    assert field in resp.json()["errors"]
    assert Ticket.objects.count() == before


def test_wrong_types_are_400_not_500(api_as):
    kefu = api_as("kefu")
    assert kefu.post(T, {**REPAIR, "urgent": "sometimes"}).status_code == 400
    assert kefu.post(T, [1, 2]).status_code == 400
    t = kefu.post(T, REPAIR).json()
    resp = kefu.client.post(
        f"{T}/{t['id']}/follow",
        "not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {kefu.token}"},
    )
    assert resp.status_code == 400
    assert kefu.post(f"{T}/{t['id']}/visit", {"satisfied": "maybe", "channel": "phone"}).status_code == 400
    assert kefu.post(f"{T}/{t['id']}/dispatch", {}).status_code == 400
    assert kefu.post(f"{T}/{t['id']}/dispatch", {"department": "nope"}).json()["errors"] == {
        "department": ["本项目没有这个部门。"]
    }
    assert kefu.post(f"{T}/{t['id']}/dispatch", {"assignee": "nobody"}).status_code == 400
    assert kefu.get(f"{T}/{2**70}").status_code == 404
    assert kefu.get(T, {"status": "weird"}).status_code == 400
    assert kefu.get(T, {"cursor": "%%%"}).status_code == 400


def test_idempotency_key_replays_the_first_ticket(api_as):
    """API.md: the same key and body returns the first result, never a second record."""
    kefu = api_as("kefu")
    before = Ticket.objects.count()
    first = kefu.post(T, REPAIR, headers={"Idempotency-Key": "call-0001"})
    again = kefu.post(T, REPAIR, headers={"Idempotency-Key": "call-0001"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and first.json()["number"] == again.json()["number"]
    assert Ticket.objects.count() == before + 1
    other = kefu.post(T, {**REPAIR, "description": "另一件事"}, headers={"Idempotency-Key": "call-0001"})
    assert other.status_code == 409
    assert kefu.post(T, REPAIR, headers={"Idempotency-Key": "call-0002"}).json()["id"] != first.json()["id"]


def test_delete_is_405_in_the_error_shape(api_as):
    kefu = api_as("kefu")
    t = kefu.post(T, REPAIR).json()
    for path in (f"{T}/{t['id']}", T):
        resp = kefu.delete(path)
        assert resp.status_code == 405
        assert "detail" in resp.json()
    assert Ticket.objects.filter(pk=t["id"]).exists()


def test_unauthenticated_is_401(client):
    assert client.get(T).status_code == 401
    assert client.post(T, REPAIR, content_type="application/json").status_code == 401


def test_conflicting_moves_are_409_with_a_sentence(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    t = kefu.post(T, REPAIR).json()
    resp = kefu.post(f"{T}/{t['id']}/return_slip")
    assert resp.status_code == 409 and resp.json()["detail"] == "尚未完工，服务单不能签回。"
    kefu.post(f"{T}/{t['id']}/dispatch", {"department": "gongcheng"})
    assert gc.post(f"{T}/{t['id']}/accept").status_code == 200
    resp = gc.post(f"{T}/{t['id']}/accept")
    assert resp.status_code == 409 and resp.json()["detail"] == "工单已被接单。"


def test_list_filters(api_as):
    kefu, jl = api_as("kefu"), api_as("jl")
    repair = kefu.post(T, REPAIR).json()
    complaint = kefu.post(T, {**REPAIR, "kind": "complaint", "severity": "major"}).json()
    kefu.post(f"{T}/{complaint['id']}/dispatch", {"department": "baoan"})

    def ids(**params):
        return {x["id"] for x in jl.get(T, {"project": "DEMO", **params}).json()["items"]}

    assert complaint["id"] in ids(kind="complaint") and repair["id"] not in ids(kind="complaint")
    assert ids(severity="major") >= {complaint["id"]} and repair["id"] not in ids(severity="major")
    assert complaint["id"] in ids(department="baoan") and repair["id"] not in ids(department="baoan")
    assert repair["id"] in ids(status="new") and complaint["id"] not in ids(status="new")
    assert repair["id"] not in ids(overdue="true") and repair["id"] in ids(overdue="false")


def test_list_pages_with_a_keyset_cursor(api_as):
    kefu = api_as("kefu")
    made = [kefu.post(T, REPAIR).json()["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"project": "DEMO", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = kefu.get(T, params).json()
        seen += [x["id"] for x in page["items"]]
        kefu.post(T, REPAIR)  # inserts while paging do not shift the pages
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen, reverse=True)
    assert set(made) <= set(seen) and len(seen) == len(set(seen))


def _list_queries(client, n, demo):
    from propdesk.tickets.tests.test_services_tickets import repair

    Ticket.objects.filter(project=demo).count()
    for _ in range(n):
        repair(demo, actor="kefu")
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(T, {"project": "DEMO", "limit": 200})
    assert resp.status_code == 200
    return len(ctx.captured_queries), len(resp.json()["items"])


def test_list_query_count_does_not_grow_with_rows(api_as, demo):
    """No per-row queries: the same number for 5 and for 25 tickets."""
    kefu = api_as("kefu")
    kefu.get(T, {"project": "DEMO"})  # warm the token's last-used stamp
    small, rows_small = _list_queries(kefu, 5, demo)
    large, rows_large = _list_queries(kefu, 20, demo)
    assert rows_large == rows_small + 20
    assert small == large, (small, large)
    assert small <= 12


def test_events_query_count_does_not_grow_with_history(api_as):
    """T-2 history list: no per-event queries (actor names come with the rows)."""
    kefu = api_as("kefu")
    t = kefu.post(T, REPAIR).json()
    url = f"{T}/{t['id']}/events"
    kefu.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            resp = kefu.get(url)
        return len(ctx.captured_queries), len(resp.json()["items"])

    short, n_short = count()
    for i in range(6):
        kefu.post(f"{T}/{t['id']}/follow", {"note": f"跟进 {i}"})
    api_as("diaodu").post(f"{T}/{t['id']}/follow", {"note": "调度跟进"})
    long, n_long = count()
    assert (n_short, n_long) == (1, 8)
    assert short == long
