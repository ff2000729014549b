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
@pytest.mark.parametrize("username,path", [("jl", "/tickets/board/"), ("gc", "/tickets/inbox/"),
                                           ("jl", "/tickets/visits/")])
def test_bad_input_never_500_cursor_with_an_impossible_date(client, demo, username, path):
    _login(client, username)
    resp = client.get(path, {"cursor": _cursor(["9999-99-99", 1])})
    assert resp.status_code == 200


@pytest.mark.django_db
def test_bad_input_never_500_keyset_cursor_with_an_impossible_date_is_bad_input(demo):
    # keyset_page is shared with the API: a cursor whose date does not exist is a bad cursor (400), not a 500.
    from propdesk.apiutils import BadInput, keyset_page
    from propdesk.tickets.models import Ticket

    with pytest.raises(BadInput):
        keyset_page(Ticket.objects.all(), order=("created_at", "id"), cursor=_cursor(["9999-99-99", 1]))


@pytest.mark.django_db
def test_export_no_formula_injection(client, demo, api_as):
    payload = {"project": "DEMO", "kind": "repair", "unit": "1-1-101", "reporter_name": "=1+1",
               "reporter_phone": "13800001111", "description": '=HYPERLINK("http://evil.example","x")',
               "location": "=cmd|' /C calc'!A0"}
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
    # kefu is front desk: the reporter's phone is masked in the export too.
    assert "138****1111" in by_value


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
