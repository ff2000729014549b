"""API.md conventions on the core endpoints: token auth, error shape, masking, lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_token_with_bad_credentials_is_401_in_error_shape(client, demo):
    resp = client.post("/api/v1/auth/token", {"username": "kefu", "password": "wrong"}, content_type="application/json")
    assert resp.status_code == 401
    body = resp.json()
    assert body["detail"] and body["errors"] == {}


def test_token_with_missing_field_is_400_naming_the_field(client, demo):
    resp = client.post("/api/v1/auth/token", {"username": "kefu"}, content_type="application/json")
    assert resp.status_code == 400
    assert "password" in resp.json()["errors"]


def test_login_is_throttled_after_repeated_failures(client, demo):
    for _ in range(5):
        client.post("/api/v1/auth/token", {"username": "kefu", "password": "x"}, content_type="application/json")
    resp = client.post(
        "/api/v1/auth/token", {"username": "kefu", "password": "demo12345"}, content_type="application/json"
    )
    assert resp.status_code == 429


def test_no_token_is_401(client, demo):
    resp = client.get("/api/v1/projects")
    assert resp.status_code == 401
    assert "detail" in resp.json()
    assert client.post("/api/v1/tickets", {}, content_type="application/json").status_code == 401


def test_session_calls_to_the_api_need_the_csrf_token(demo):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.login(username="kefu", password="demo12345")
    assert browser.get("/api/v1/projects").status_code == 200
    resp = browser.post("/api/v1/tickets", {}, content_type="application/json")
    assert resp.status_code == 403


def test_projects_lists_the_demo_project(api_as):
    resp = api_as("kefu").get("/api/v1/projects")
    assert resp.status_code == 200
    assert [p["code"] for p in resp.json()["items"]] == ["DEMO"]


def test_unknown_project_is_404(api_as):
    resp = api_as("kefu").get("/api/v1/units", {"project": "NOPE"})
    assert resp.status_code == 404
    assert resp.json()["detail"]


def test_unit_search_finds_owner_of_1_1_101_with_masked_phone(api_as):
    resp = api_as("gc").get("/api/v1/units", {"project": "DEMO", "q": "1-1-101"})  # a masked role
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert items[0]["code"] == "1-1-101"
    owner = next(o for o in items[0]["occupants"] if o["role"] == "owner")
    assert "****" in owner["phone"]


def test_front_desk_sees_phone_in_full_and_others_masked(api_as):
    """API.md as amended: the staff who must call people (front desk,
    dispatchers) see phones in full; other roles, managers included, masked."""
    resp = api_as("kefu").get("/api/v1/units", {"project": "DEMO", "q": "1-1-101"})
    owner = next(o for o in resp.json()["items"][0]["occupants"] if o["role"] == "owner")
    assert "*" not in owner["phone"] and len(owner["phone"]) == 11
    resp = api_as("jl").get("/api/v1/units", {"project": "DEMO", "q": "1-1-101"})
    owner = next(o for o in resp.json()["items"][0]["occupants"] if o["role"] == "owner")
    assert owner["phone"][3:7] == "****"


def test_unit_list_pages_with_a_cursor_and_no_per_row_queries(api_as):
    api = api_as("kefu")
    seen = []
    cursor = None
    with CaptureQueriesContext(connection) as ctx:
        resp = api.get("/api/v1/units", {"project": "DEMO", "limit": 20})
    first_page_queries = len(ctx.captured_queries)
    assert first_page_queries <= 8, [q["sql"] for q in ctx.captured_queries]
    while True:
        params = {"project": "DEMO", "limit": 20}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/api/v1/units", params).json()
        seen += [u["code"] for u in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 72
    assert resp.status_code == 200


def test_bad_cursor_is_400(api_as):
    resp = api_as("kefu").get("/api/v1/units", {"project": "DEMO", "cursor": "!!!"})
    assert resp.status_code == 400
    assert "cursor" in resp.json()["errors"]


def test_resident_cannot_browse_units(api_as):
    assert api_as("yz").get("/api/v1/units", {"project": "DEMO"}).status_code == 404


def test_resident_sees_only_own_person_record(api_as):
    from propdesk.core.models import Person

    yz = api_as("yz")
    me = Person.objects.get(accounts__user__username="yz")
    other = Person.objects.exclude(pk=me.pk).filter(project=me.project).first()
    assert yz.get(f"/api/v1/people/{me.pk}").status_code == 200
    assert yz.get(f"/api/v1/people/{other.pk}").status_code == 404


def test_unknown_api_path_is_404_json(api_as):
    resp = api_as("kefu").get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.json()["detail"]


def test_openapi_schema_is_served(client, demo):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert "/api/v1/auth/token" in resp.json()["paths"]


def test_body_over_the_limit_is_413_in_error_shape(client, demo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    resp = client.post(
        "/api/v1/auth/token", '{"username": "' + "x" * 2000 + '", "password": "y"}', content_type="application/json"
    )
    assert resp.status_code == 413
    assert resp.json()["detail"]


def test_malformed_json_is_400_not_500(client, demo):
    resp = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["detail"]


def test_wrong_method_is_405_in_error_shape(api_as):
    resp = api_as("kefu").delete("/api/v1/projects")
    assert resp.status_code == 405
    assert resp.json()["detail"]


def test_nul_in_credentials_is_400_not_500(client, demo):
    """API.md as amended: a NUL anywhere in a body is a 400 (it was a 401; never a 500)."""
    resp = client.post(
        "/api/v1/auth/token", {"username": "kefu\x00", "password": "demo12345"}, content_type="application/json"
    )
    assert resp.status_code == 400 and "username" in resp.json()["errors"]
