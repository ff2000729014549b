"""Notifications (API.md): the caller's own list with keyset pagination and an
unread filter, mark-read, the centre page and the header count."""

import pytest

from propdesk.sla.models import Notification
from propdesk.sla.sweep import run_sweep
from propdesk.sla.tests.helpers import cst, make_ticket, user

pytestmark = pytest.mark.django_db

MON = (2026, 11, 23)


@pytest.fixture
def jl_notes(demo):
    tickets = [make_ticket(demo, at=cst(*MON, 10, i), kind="emergency") for i in range(3)]
    return tickets


def test_list_is_the_callers_own_with_keyset_pages(api_as, jl_notes):
    jl = api_as("jl")
    resp = jl.get("/api/v1/notifications", {"limit": 2})
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"items", "next_cursor"}
    # API.md's fields, plus the record the notification is about (whatever its type)
    assert [set(i) for i in body["items"]] == [{"id", "at", "kind", "ticket", "message", "read", "record"}] * 2
    first = body["items"][0]
    assert first["ticket"] == jl_notes[2].pk and first["kind"] == "emergency" and first["read"] is False
    assert first["record"] == {
        "type": "tickets.ticket",
        "id": jl_notes[2].pk,
        "title": str(jl_notes[2]),
        "url": f"/tickets/{jl_notes[2].pk}/",
    }
    assert "紧急事件" in first["message"]
    # an insert between pages does not shift the next page (keyset)
    make_ticket(jl_notes[0].project, at=cst(*MON, 11, 0), kind="emergency")
    rest = jl.get("/api/v1/notifications", {"limit": 2, "cursor": body["next_cursor"]}).json()
    assert [i["ticket"] for i in rest["items"]] == [jl_notes[0].pk]
    assert rest["next_cursor"] is None
    assert api_as("kefu").get("/api/v1/notifications").json() == {"items": [], "next_cursor": None}


def test_mark_read_and_unread_filter(api_as, jl_notes):
    jl = api_as("jl")
    note_id = jl.get("/api/v1/notifications").json()["items"][0]["id"]
    assert api_as("kefu").post(f"/api/v1/notifications/{note_id}/read").status_code == 404  # someone else's
    resp = jl.post(f"/api/v1/notifications/{note_id}/read")
    assert resp.status_code == 200 and resp.json()["read"] is True
    assert jl.post(f"/api/v1/notifications/{note_id}/read").status_code == 200  # again: still read
    unread = jl.get("/api/v1/notifications", {"unread": "true"}).json()["items"]
    assert note_id not in [i["id"] for i in unread] and len(unread) == 2
    assert jl.get("/api/v1/notifications/unread_count").json() == {"unread": 2}


def test_bad_input_is_never_a_500(api_as, jl_notes):
    jl = api_as("jl")
    assert jl.get("/api/v1/notifications", {"cursor": "garbage!"}).status_code == 400
    assert jl.get("/api/v1/notifications", {"unread": "maybe"}).status_code == 400
    assert jl.post("/api/v1/notifications/99999999999999999999999/read").status_code in (400, 404)
    assert jl.post("/api/v1/notifications/abc/read").status_code in (400, 404)
    assert jl.get("/api/v1/notifications", {"limit": "x"}).status_code == 400


def test_notifications_need_authentication(client):
    assert client.get("/api/v1/notifications").status_code == 401


def test_centre_page_header_count_and_mark_read(client, jl_notes):
    client.force_login(user("jl"))
    page = client.get("/sla/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "紧急事件" in html and "标为已读" in html
    assert 'hx-trigger="load, every 30s"' in html  # the header count polls
    badge = client.get("/sla/notifications/badge/").content.decode()
    assert 'data-unread="3"' in badge
    note = Notification.objects.filter(recipient__username="jl").first()
    assert client.post(f"/sla/notifications/{note.pk}/read/").status_code == 302
    assert 'data-unread="2"' in client.get("/sla/notifications/badge/").content.decode()
    client.post("/sla/notifications/read-all/")
    assert "data-unread" not in client.get("/sla/notifications/badge/").content.decode()
    client.force_login(user("kefu"))
    assert client.post(f"/sla/notifications/{note.pk}/read/").status_code == 404


def test_nav_shows_manager_pages_only_to_managers(client, demo):
    client.force_login(user("kefu"))
    html = client.get("/sla/notifications/").content.decode()
    assert "/sla/notifications/" in html and "/sla/policy/" not in html
    assert client.get("/sla/policy/").status_code == 403
    assert client.get("/sla/deliveries/").status_code == 403
    client.force_login(user("jl"))
    html = client.get("/sla/notifications/").content.decode()
    assert "/sla/policy/" in html and "/sla/deliveries/" in html


def test_policy_page_edits_create_a_new_version(client, demo):
    from propdesk.core.models import AuditLog
    from propdesk.sla.models import Policy
    from propdesk.sla.policy import DEFAULT_FIGURES

    client.force_login(user("jl"))
    page = client.get("/sla/policy/")
    assert page.status_code == 200 and "重要投诉转呈" in page.content.decode()
    bad = client.post("/sla/policy/", {**DEFAULT_FIGURES, "forward_important": "soon"})
    assert bad.status_code == 400 and not Policy.objects.filter(project=demo, figures__forward_important="soon")
    before = Policy.objects.filter(project=demo).count()
    resp = client.post("/sla/policy/", {**DEFAULT_FIGURES, "forward_important": "1h"})
    assert resp.status_code == 302
    latest = Policy.objects.filter(project=demo).order_by("-version").first()
    assert Policy.objects.filter(project=demo).count() == before + 1
    assert latest.figures["forward_important"] == "1h" and latest.created_by.username == "jl"
    assert AuditLog.objects.filter(action="sla.policy_changed", object_id=str(latest.pk)).exists()
    client.force_login(user("kefu_zg"))
    assert client.post("/sla/policy/", {**DEFAULT_FIGURES}).status_code == 403


def test_sweep_command_prints_its_result(demo):
    from io import StringIO

    import time_machine
    from django.core.management import call_command

    make_ticket(demo, at=cst(*MON, 10, 0), kind="repair")
    out = StringIO()
    with time_machine.travel(cst(*MON, 12, 5), tick=False):
        call_command("sla_sweep", stdout=out)
    assert "breached=1" in out.getvalue()
    assert run_sweep(now=cst(*MON, 12, 6)).breached == 0


def test_policy_api_shows_and_versions_the_figures(api_as, demo):
    from propdesk.sla.policy import DEFAULT_FIGURES

    shown = api_as("kefu").get("/api/v1/sla/policy", {"project": "DEMO"})
    assert shown.status_code == 200 and shown.json()["figures"] == DEFAULT_FIGURES
    assert api_as("yz").get("/api/v1/sla/policy", {"project": "DEMO"}).status_code == 404  # residents: no
    assert api_as("kefu").get("/api/v1/sla/policy", {"project": "NOPE"}).status_code == 404
    body = {"project": "DEMO", "figures": {**DEFAULT_FIGURES, "forward_important": "1h"}}
    assert api_as("kefu_zg").post("/api/v1/sla/policy", body).status_code == 403
    bad = api_as("jl").post("/api/v1/sla/policy", {"project": "DEMO", "figures": {**DEFAULT_FIGURES, "visit": "-2d"}})
    assert bad.status_code == 400 and "visit" in bad.json()["errors"]
    assert api_as("jl").post("/api/v1/sla/policy", {"project": "DEMO", "figures": "x"}).status_code == 400
    made = api_as("jl").post("/api/v1/sla/policy", body)
    assert made.status_code == 201 and made.json()["figures"]["forward_important"] == "1h"
    assert api_as("kefu").get("/api/v1/sla/policy", {"project": "DEMO"}).json()["version"] == made.json()["version"]
