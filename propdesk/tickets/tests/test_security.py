"""Security rules of the ticket pages: bad input is never a 500, and exports
keep typed text as text (no formula injection)."""

import base64
import io
import json

import pytest
from openpyxl import load_workbook

PASSWORD = "demo12345"


def _login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def _cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/tickets/", "/tickets/export.xlsx"])
def test_bad_input_never_500_search_with_a_digit_int_refuses(client, demo, path):
    # "²" is a digit to str.isdigit() but int() refuses it: the search must not crash.
    _login(client, "kefu")
    resp = client.get(path, {"q": "²"})
    assert resp.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username,path", [("jl", "/tickets/board/"), ("gc", "/tickets/inbox/"), ("jl", "/tickets/visits/")]
)
def test_bad_input_never_500_cursor_with_an_impossible_date(client, demo, username, path):
    _login(client, username)
    resp = client.get(path, {"cursor": _cursor(["9999-99-99", 1])})
    assert resp.status_code == 200


@pytest.mark.django_db
def test_bad_input_never_500_keyset_cursor_with_an_impossible_date_is_bad_input(demo):
    # keyset_page is shared with the API: a cursor whose date does not exist is a bad cursor (400), not a 500.
    from propdesk.common.errors import BadInput
    from propdesk.common.paging import keyset_page
    from propdesk.tickets.models import Ticket

    with pytest.raises(BadInput):
        keyset_page(Ticket.objects.all(), order=("created_at", "id"), cursor=_cursor(["9999-99-99", 1]))


@pytest.mark.django_db
def test_export_no_formula_injection(client, demo, api_as):
    payload = {
        "project": "DEMO",
        "kind": "repair",
        "unit": "1-1-101",
        "reporter_name": "=1+1",
        "reporter_phone": "13800001111",
        "description": '=HYPERLINK("http://evil.example","x")',
        "location": "=cmd|' /C calc'!A0",
    }
    resp = api_as("kefu").post("/api/v1/tickets", payload)
    assert resp.status_code == 201, resp.content
    number = resp.json()["number"]
    _login(client, "kefu")
    resp = client.get("/tickets/export.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == number)
    by_value = {c.value: c for c in row}
    for text in (payload["reporter_name"], payload["description"], payload["location"]):
        assert by_value[text].data_type == "s", text
    # kefu is front desk: the reporter's phone is in full (typed text) in the export.
    assert "13800001111" in by_value and by_value["13800001111"].data_type == "s"


@pytest.mark.django_db
def test_bad_input_never_500_lookup_drops_nul(client, demo):
    # PostgreSQL refuses NUL in text (a 500 there); the lookup drops it like the global search does.
    _login(client, "kefu")
    resp = client.get("/tickets/new/lookup/", {"q": "1-1-10\x00"})
    assert resp.status_code == 200
    assert 'data-unit="1-1-101"' in resp.content.decode()


@pytest.mark.django_db
def test_bad_input_never_500_cursor_with_nul(demo, api_as):
    # A cursor never holds NUL; on PostgreSQL such a value in a text comparison was a 500.
    cursor = _cursor(["1-1-101\x00", 1])
    resp = api_as("kefu").get("/api/v1/units", {"project": "DEMO", "cursor": cursor})
    assert resp.status_code == 400
    assert "cursor" in resp.json()["errors"]


def test_residents_do_not_see_staff_notes_or_leaders_instructions_of_their_ticket(api_as):
    """Residents see their own tickets (API.md), but internal notes and leaders'
    instructions (T-14) stay with the staff; the answer given to them stays visible."""
    yz = api_as("yz")
    made = yz.post("/api/v1/tickets", {"project": "DEMO", "kind": "repair", "description": "厨房水龙头漏水"})
    assert made.status_code == 201, made.content
    tid = made.json()["id"]
    diaodu = api_as("diaodu")
    assert diaodu.post(f"/api/v1/tickets/{tid}/follow", {"note": "业主脾气急，先安抚"}).status_code == 200
    assert diaodu.post(f"/api/v1/tickets/{tid}/answer", {"note": "师傅下午两点上门"}).status_code == 200
    events = yz.get(f"/api/v1/tickets/{tid}/events").json()["items"]
    follow = next(e for e in events if e["action"] == "follow")
    answer = next(e for e in events if e["action"] == "answer")
    assert "note" not in follow["data"]
    assert answer["data"]["note"] == "师傅下午两点上门"
    staff_view = diaodu.get(f"/api/v1/tickets/{tid}/events").json()["items"]
    assert next(e for e in staff_view if e["action"] == "follow")["data"]["note"] == "业主脾气急，先安抚"
    assert yz.get(f"/api/v1/tickets/{tid}").json()["instructions"] == []
