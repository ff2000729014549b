"""API.md "Conventions": auth, the error shape, lists, Idempotency-Key, masking, OpenAPI."""

import json

import pytest
from django.test import Client

from propdesk.contract.tests.util import T, act, assert_error, body, create, parse
from propdesk.testing import ApiClient


def _token(username, password):
    return Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )


# ---------------------------------------------------------------- auth


def test_post_auth_token_with_username_and_password_answers_200_with_a_token(demo):
    resp = _token("kefu", "demo12345")
    assert resp.status_code == 200
    token = resp.json()["token"]
    assert isinstance(token, str) and token
    me = ApiClient(Client(), token).get(T, {"project": "DEMO"})
    assert me.status_code == 200


def test_then_authorization_bearer_token_authenticates(demo):
    token = _token("kefu", "demo12345").json()["token"]
    resp = Client().get(T, {"project": "DEMO"}, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert set(resp.json()) >= {"items", "next_cursor"}


@pytest.mark.parametrize("username,password", [("kefu", "wrong"), ("nobody", "demo12345"), ("kefu", "")])
def test_bad_credentials_answer_401(demo, username, password):
    assert_error(_token(username, password), 401)


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Token abc", "Bearer "])
def test_without_a_valid_bearer_token_the_api_answers_401_with_the_error_shape(demo, header):
    headers = {"Authorization": header} if header else {}
    assert_error(Client().get(T, {"project": "DEMO"}, headers=headers), 401)
    assert_error(Client().post(T, json.dumps(body()), content_type="application/json", headers=headers), 401)
    assert_error(Client().get("/api/v1/notifications", headers=headers), 401)


# ---------------------------------------------------------------- errors


def test_errors_400_bad_input_nothing_stored(api_as):
    kefu = api_as("kefu")
    before = kefu.get(T, {"project": "DEMO"}).json()["items"]
    for bad in [
        body(description=""),
        body(description="x" * 5001),
        body(kind="party"),
        body(kind=None),
        body(project=None),
        body(kind="complaint"),
        body(kind="complaint", severity="huge"),
        body(channel="pigeon"),
        body(category="ufo"),
        body(reporter_name=None),
        body(reporter_phone=None),
        body(unit="9-9-999"),
    ]:
        data = assert_error(kefu.post(T, bad), 400)
        assert data["errors"], (bad, data)
    after = kefu.get(T, {"project": "DEMO"}).json()["items"]
    assert [t["id"] for t in after] == [t["id"] for t in before]


def test_errors_400_names_the_bad_field(api_as):
    kefu = api_as("kefu")
    assert "description" in assert_error(kefu.post(T, body(description="")), 400)["errors"]
    assert "severity" in assert_error(kefu.post(T, body(kind="complaint")), 400)["errors"]
    assert "kind" in assert_error(kefu.post(T, body(kind="party")), 400)["errors"]


def test_description_of_1_and_5000_characters_is_accepted(api_as):
    kefu = api_as("kefu")
    assert create(kefu, description="x")["description"] == "x"
    assert create(kefu, description="字" * 5000)["description"] == "字" * 5000


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b'"x"', b"\xff\xfe", b'{"project": 5, "kind": []}'])
def test_never_a_500_for_bad_input(api_as, raw):
    kefu = api_as("kefu")
    resp = kefu.client.post(T, raw, content_type="application/json", headers={"Authorization": f"Bearer {kefu.token}"})
    assert_error(resp, 400)


def test_never_a_500_for_bad_query_or_path(api_as):
    kefu = api_as("kefu")
    assert kefu.get(T, {"project": "DEMO", "cursor": "%%%garbage"}).status_code == 400
    assert kefu.get(T, {"project": "DEMO", "overdue": "maybe"}).status_code == 400
    assert_error(kefu.get(T, {"project": "DEMO", "status": "sleeping"}), 400)
    assert kefu.get(f"{T}/abc").status_code in (400, 404)
    assert kefu.get(f"{T}/99999999999999999999999").status_code in (400, 404)


def test_errors_404_not_found(api_as):
    kefu = api_as("kefu")
    assert_error(kefu.get(f"{T}/987654321"), 404)
    assert_error(kefu.get(f"{T}/987654321/events"), 404)
    assert_error(kefu.post(f"{T}/987654321/accept", {}), 404)
    assert_error(kefu.get(T, {"project": "NOPE"}), 404)
    assert_error(kefu.post(T, body(project="NOPE")), 404)


def test_errors_404_or_not_visible_to_this_user(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    ticket = create(kefu)  # not dispatched: engineering does not see it yet
    assert_error(gc.get(f"{T}/{ticket['id']}"), 404)
    assert_error(gc.post(f"{T}/{ticket['id']}/accept", {}), 404)


def test_errors_403_not_permitted(api_as):
    kefu, gc = api_as("kefu"), api_as("gc")
    ticket = create(kefu)
    act(kefu, ticket["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    assert_error(gc.post(f"{T}/{ticket['id']}/dispatch", {"department": "baoan"}), 403)
    assert_error(gc.post(f"{T}/{ticket['id']}/signoff", {}), 403)
    assert_error(kefu.post(f"{T}/{ticket['id']}/signoff", {}), 403)


def test_errors_405_delete_answers_405_with_the_error_shape(api_as):
    kefu = api_as("kefu")
    ticket = create(kefu)
    assert_error(kefu.delete(f"{T}/{ticket['id']}"), 405)
    assert kefu.get(f"{T}/{ticket['id']}").status_code == 200


def test_errors_409_action_not_allowed_in_the_current_state(api_as):
    kefu = api_as("kefu")
    ticket = create(kefu)
    data = assert_error(kefu.post(f"{T}/{ticket['id']}/return_slip", {}), 409)
    assert data["detail"]
    assert_error(kefu.post(f"{T}/{ticket['id']}/visit", {"satisfied": True, "channel": "phone"}), 409)
    assert_error(kefu.post(f"{T}/{ticket['id']}/resume", {"reason": "x"}), 409)


def test_errors_413_body_too_large(api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    kefu = api_as("kefu")
    assert_error(kefu.post(T, body(description="x" * 20_000)), 413)
    assert kefu.get(T, {"project": "DEMO"}).json()["items"] == []


# ---------------------------------------------------------------- lists


def test_lists_items_and_next_cursor_pass_cursor_to_continue(api_as):
    kefu = api_as("kefu")
    made = [create(kefu, description=f"第{i}单")["id"] for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"project": "DEMO", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = kefu.get(T, params).json()
        assert set(page) >= {"items", "next_cursor"}
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        pages += 1
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert pages >= 3


def test_lists_keyset_pagination_stable_under_inserts(api_as):
    kefu = api_as("kefu")
    made = [create(kefu, description=f"第{i}单")["id"] for i in range(6)]
    first = kefu.get(T, {"project": "DEMO", "limit": 3}).json()
    inserted = create(kefu, description="中途插入")["id"]
    rest, cursor = [], first["next_cursor"]
    while cursor:
        page = kefu.get(T, {"project": "DEMO", "limit": 3, "cursor": cursor}).json()
        rest += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
    seen = [t["id"] for t in first["items"]] + rest
    assert sorted(seen) == sorted(made), "an insert must neither repeat nor skip rows"
    assert inserted not in rest


def test_lists_last_page_has_next_cursor_null(api_as):
    kefu = api_as("kefu")
    create(kefu)
    page = kefu.get(T, {"project": "DEMO"}).json()
    assert page["next_cursor"] is None


# ---------------------------------------------------------------- idempotency


def test_post_creates_accept_idempotency_key_same_key_and_body_returns_the_first_result(api_as):
    kefu = api_as("kefu")
    data = body(description="幂等测试")
    first = kefu.post(T, data, headers={"Idempotency-Key": "k-1"})
    second = kefu.post(T, data, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["number"] == first.json()["number"]
    items = kefu.get(T, {"project": "DEMO"}).json()["items"]
    assert [t["id"] for t in items] == [first.json()["id"]], "never a second record"
    third = kefu.post(T, data, headers={"Idempotency-Key": "k-2"})
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]


def test_idempotency_key_replay_also_for_monthly_signoff(api_as):
    jl = api_as("jl")
    data = {"project": "DEMO", "month": "2026-10", "comment": "已阅"}
    first = jl.post("/api/v1/reports/complaints/monthly/signoff", data, headers={"Idempotency-Key": "s-1"})
    second = jl.post("/api/v1/reports/complaints/monthly/signoff", data, headers={"Idempotency-Key": "s-1"})
    assert first.status_code in (200, 201), first.content
    assert second.status_code == first.status_code and second.json() == first.json()


# ---------------------------------------------------------------- personal data


def test_phone_numbers_are_masked_in_every_response(api_as):
    """For a role that sees phones masked (a manager: API.md as amended), every
    response masks it: create, detail, list, action answers and events."""
    jl = api_as("jl")
    made = create(jl, reporter_phone="13812341234")
    assert made["reporter_phone"] == "138****1234"
    assert jl.get(f"{T}/{made['id']}").json()["reporter_phone"] == "138****1234"
    listed = jl.get(T, {"project": "DEMO"}).json()["items"]
    assert listed[0]["reporter_phone"] == "138****1234"
    acted = act(jl, made["id"], "follow", {"note": "已跟进"})
    assert acted["reporter_phone"] == "138****1234"
    events = jl.client.get(f"{T}/{made['id']}/events", headers={"Authorization": f"Bearer {jl.token}"})
    assert b"13812341234" not in events.content
    for username in ("gc_zg", "fz", "gc"):  # gc is not the assignee here
        api = api_as(username)
        resp = api.get(f"{T}/{made['id']}")
        if resp.status_code == 200:
            assert b"13812341234" not in resp.content, username


def test_phone_numbers_unless_the_callers_role_may_see_them_in_full(api_as):
    """Staff who must call the person (front desk, dispatcher, the ticket's
    assignee) see the phone in full on what they work on; other roles see it masked."""
    made = create(api_as("kefu"), reporter_phone="13812341234")
    path = f"{T}/{made['id']}"
    act(api_as("diaodu"), made["id"], "dispatch", {"department": "gongcheng", "assignee": "gc"})
    for caller in ("kefu", "diaodu", "kefu_zg", "gc"):  # front desk, dispatcher, supervisor on duty, assignee
        assert api_as(caller).get(path).json()["reporter_phone"] == "13812341234", caller
    for caller in ("gc_zg", "jl", "fz", "zjl"):  # they see the ticket but do not call the resident about it
        assert api_as(caller).get(path).json()["reporter_phone"] == "138****1234", caller


def test_times_are_iso_8601_with_offset(api_as):
    made = create(api_as("kefu"))
    assert parse(made["created_at"]).utcoffset() is not None
    assert made["timers"]
    for timer in made["timers"]:
        assert parse(timer["started_at"]) <= parse(timer["due_at"])


# ---------------------------------------------------------------- OpenAPI


API_PATHS = [
    "/api/v1/auth/token",
    "/api/v1/tickets",
    "/api/v1/tickets/{id}",
    "/api/v1/tickets/{id}/events",
    *[
        f"/api/v1/tickets/{{id}}/{a}"
        for a in (
            "triage",
            "dispatch",
            "accept",
            "follow",
            "answer",
            "complete",
            "return_slip",
            "visit",
            "close",
            "hold",
            "resume",
            "reopen",
            "cancel",
            "acknowledge",
            "instruct",
            "signoff",
        )
    ],
    "/api/v1/notifications",
    "/api/v1/reviews/weekly",
    "/api/v1/reports/complaints/monthly",
    "/api/v1/reports/complaints/monthly/signoff",
]


def test_openapi_schema_lists_every_path_of_api_md(demo):
    resp = Client().get("/api/v1/openapi.json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    normalised = set(paths)  # literally as API.md writes them: /api/v1/tickets/{id}
    missing = [p for p in API_PATHS if p not in normalised]
    assert not missing, missing
    assert "post" in paths["/api/v1/tickets"] and "get" in paths["/api/v1/tickets"]


def test_errors_413_body_too_large_with_the_default_limit(api_as, settings):
    kefu = api_as("kefu")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert_error(kefu.post(T, body(description="x" * (limit + 10))), 413)
    made = create(kefu)
    assert_error(kefu.post(f"{T}/{made['id']}/follow", {"note": "x" * (limit + 10)}), 413)
    assert [e["action"] for e in kefu.get(f"{T}/{made['id']}/events").json()["items"]] == ["create"]


def test_browser_pages_use_the_normal_session_login(demo):
    c = Client()
    assert c.login(username="kefu", password="demo12345")
    assert c.get(T, {"project": "DEMO"}).status_code == 200
    page = Client().post("/login/", {"username": "kefu", "password": "demo12345"})
    assert page.status_code in (200, 302)


def test_id_numbers_and_phones_are_masked_in_every_response(api_as):
    # A role that sees them masked (API.md as amended: the front desk sees them in full).
    people = api_as("jl").get("/api/v1/people", {"project": "DEMO", "limit": 20}).json()["items"]
    assert people
    for person in people:
        if person["phone"]:
            assert "****" in person["phone"] and len(person["phone"]) == 11, person
        if person.get("id_number"):
            assert "*" in person["id_number"], person


def test_the_default_run_command_schedules_sla_sweep_every_minute():
    from propdesk.scheduler import JOBS

    job = next(j for j in JOBS if j.name == "sla_sweep")
    assert job.every_seconds == 60


def test_idempotency_same_body_in_another_json_spelling_is_the_same_body(api_as):
    kefu = api_as("kefu")
    data = body(description="键序不同")
    raw_a = json.dumps(data).encode()
    raw_b = json.dumps(dict(reversed(list(data.items()))), indent=2).encode()
    headers = {"Authorization": f"Bearer {kefu.token}", "Idempotency-Key": "spell-1"}
    first = kefu.client.post(T, raw_a, content_type="application/json", headers=headers)
    second = kefu.client.post(T, raw_b, content_type="application/json", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]


def test_idempotency_same_key_different_body_never_a_second_record_silently(api_as):
    kefu = api_as("kefu")
    first = kefu.post(T, body(description="第一单"), headers={"Idempotency-Key": "k-x"})
    other = kefu.post(T, body(description="第二单"), headers={"Idempotency-Key": "k-x"})
    assert first.status_code == 201
    assert other.status_code in (400, 409, 422), other.content
    assert len(kefu.get(T, {"project": "DEMO"}).json()["items"]) == 1


def test_errors_405_other_methods_with_the_error_shape(api_as):
    kefu = api_as("kefu")
    made = create(kefu)
    auth = {"Authorization": f"Bearer {kefu.token}"}
    c = kefu.client
    assert_error(c.put(f"{T}/{made['id']}", "{}", content_type="application/json", headers=auth), 405)
    assert_error(c.patch(f"{T}/{made['id']}", "{}", content_type="application/json", headers=auth), 405)
    assert_error(c.delete(T, headers=auth), 405)
    assert_error(c.get(f"{T}/{made['id']}/dispatch", headers=auth), 405)
    assert_error(c.delete(f"{T}/{made['id']}/events", headers=auth), 405)
