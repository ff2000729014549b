"""Text no field may hold (NUL, a lone UTF-16 surrogate) is refused with a 400
naming the field, for the API, pages and query strings, and nothing is stored
(API.md conventions as amended)."""

import pytest

from propdesk.tickets.models import Ticket, TicketEvent

T = "/api/v1/tickets"


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "x\x00y"])
def test_json_bodies_with_unencodable_text_are_400_and_store_nothing(api_as, bad):
    kefu = api_as("kefu")
    before = Ticket.objects.count()
    body = {
        "project": "DEMO",
        "kind": "repair",
        "description": bad,
        "reporter_name": "张三",
        "reporter_phone": "13800000000",
    }
    resp = kefu.post(T, body)
    assert resp.status_code == 400 and resp.json()["errors"] == {"description": ["含有不允许的字符。"]}
    assert Ticket.objects.count() == before


def test_token_endpoint_with_a_surrogate_is_400_not_500(client, demo):
    resp = client.post(
        "/api/v1/auth/token", '{"username": "\\ud800", "password": "x"}', content_type="application/json"
    )
    assert resp.status_code == 400 and "username" in resp.json()["errors"]


def test_an_action_note_with_a_surrogate_is_never_stored(api_as):
    """A technician could otherwise make his own ticket's page a 500 for everyone."""
    kefu = api_as("kefu")
    made = kefu.post(
        T,
        {
            "project": "DEMO",
            "kind": "repair",
            "description": "漏水",
            "reporter_name": "张三",
            "reporter_phone": "13800000000",
        },
    ).json()
    events = TicketEvent.objects.filter(ticket_id=made["id"]).count()
    resp = kefu.client.post(
        f"{T}/{made['id']}/follow",
        '{"note": "\\udfff"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {kefu.token}"},
    )
    assert resp.status_code == 400 and "note" in resp.json()["errors"]
    assert TicketEvent.objects.filter(ticket_id=made["id"]).count() == events


def test_api_query_strings_with_nul_are_400(api_as):
    resp = api_as("kefu").get(T, {"project": "DEMO\x00"})
    assert resp.status_code == 400 and resp.json()["errors"] == {"project": ["含有不允许的字符。"]}
