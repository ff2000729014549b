"""API.md "Never a 500 for bad input": every endpoint answers 4xx with {"detail","errors"}."""

import base64
import json

import pytest

from propdesk.contract.tests.util import T, act, assert_error, body, create

CREATE_BAD = [
    {"fee": "abc", "paid": True},
    {"fee": "1e999", "paid": True},
    {"fee": "-5", "paid": True},
    {"fee": "NaN"},
    {"paid": True},
    {"requested_by": "not a date"},
    {"requested_by": "99999-01-01T00:00:00"},
    {"requested_by": 12},
    {"urgent": "maybe"},
    {"urgent": [1]},
    {"project": 5},
    {"project": ["DEMO"]},
    {"project": "DE\x00MO"},
    {"unit": "1-1-\x00101"},
    {"unit": 101},
    {"description": 5},
    {"description": {"a": 1}},
    {"description": "\x00"},
    {"reporter_phone": "1" * 500},
    {"location": "x" * 5000},
    {"kind": "complaint", "severity": 1},
    {"category": ["leak"]},
    {"channel": None, "kind": 3},
    {"reporter_name": "x" * 1000},
]


@pytest.mark.parametrize("extra", CREATE_BAD, ids=[str(i) for i in range(len(CREATE_BAD))])
def test_create_bad_input_is_400_and_nothing_stored(api_as, extra):
    kefu = api_as("kefu")
    resp = kefu.post(T, body(**extra) | {k: v for k, v in extra.items() if v is None})
    assert resp.status_code in (400, 404), resp.content
    assert_error(resp, resp.status_code)
    assert kefu.get(T, {"project": "DEMO"}).json()["items"] == []


ACTION_BAD = [
    ("triage", {"valid": "maybe"}),
    ("triage", {"valid": True, "severity": "huge"}),
    ("triage", {"valid": [1]}),
    ("dispatch", {"department": 5}),
    ("dispatch", {"assignee": "nobody"}),
    ("dispatch", {"department": "\x00"}),
    ("dispatch", {"department": "gongcheng", "assignee": "ba_zg"}),
    ("follow", {"note": ""}),
    ("follow", {"note": 5}),
    ("answer", {"note": "x" * 100_000}),
    ("hold", {"reason": None}),
    ("cancel", {"reason": ["x"]}),
    ("instruct", {"instruction": ""}),
    ("visit", {"satisfied": "x"}),
    ("complete", {"note": "x", "leak_test_at": "garbage"}),
    ("follow", []),
    ("follow", "note"),
]


@pytest.mark.parametrize("action,data", ACTION_BAD, ids=[f"{a}-{i}" for i, (a, _) in enumerate(ACTION_BAD)])
def test_action_bad_input_is_4xx_never_500(api_as, action, data):
    kefu = api_as("kefu")
    made = create(kefu, kind="complaint", severity="minor")
    before = [e["action"] for e in kefu.get(f"{T}/{made['id']}/events").json()["items"]]
    resp = kefu.client.post(
        f"{T}/{made['id']}/{action}",
        json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {kefu.token}"},
    )
    assert 400 <= resp.status_code < 500, resp.content
    assert_error(resp, resp.status_code)
    after = [e["action"] for e in kefu.get(f"{T}/{made['id']}/events").json()["items"]]
    assert after == before, "nothing stored"


def _cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "abc"},
        {"limit": "-1"},
        {"limit": "99999999999999999999"},
        {"cursor": _cursor(["x"])},
        {"cursor": _cursor([None])},
        {"cursor": _cursor([1e308])},
        {"cursor": _cursor([{"a": 1}])},
        {"cursor": _cursor([1, 2])},
        {"cursor": _cursor({"a": 1})},
        {"cursor": "!!!"},
        {"cursor": _cursor([2**70])},
        {"kind": "x"},
        {"severity": "x"},
        {"department": "\x00"},
        {"project": "\x00"},
        {"overdue": "x"},
    ],
)
def test_list_bad_query_is_4xx_never_500(api_as, params):
    kefu = api_as("kefu")
    create(kefu)
    resp = kefu.get(T, {"project": "DEMO", **params})
    assert resp.status_code < 500, resp.content
    if resp.status_code >= 400:
        assert_error(resp, resp.status_code)


@pytest.mark.parametrize(
    "path,params",
    [
        ("/api/v1/notifications", {"cursor": "!!!"}),
        ("/api/v1/notifications", {"limit": "x"}),
        ("/api/v1/notifications", {"cursor": _cursor(["x"])}),
        ("/api/v1/reviews/weekly", {"project": "DEMO", "week": "x"}),
        ("/api/v1/reviews/weekly", {}),
        ("/api/v1/reviews/weekly", {"project": "DEMO", "week": "99999-W01"}),
        ("/api/v1/reports/complaints/monthly", {"project": "DEMO", "month": "2026-00"}),
        ("/api/v1/reports/complaints/monthly", {"project": "\x00", "month": "2026-11"}),
        ("/api/v1/reports/complaints/monthly", {}),
    ],
)
def test_other_lists_bad_query_is_4xx_never_500(api_as, path, params):
    resp = api_as("jl").get(path, params)
    assert resp.status_code < 500, resp.content
    if resp.status_code >= 400:
        assert_error(resp, resp.status_code)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"project": "DEMO"},
        {"project": "DEMO", "month": ""},
        {"project": "DEMO", "month": "2026-11", "comment": 5},
        {"project": "DEMO", "month": "x", "comment": "c"},
        [],
    ],
)
def test_signoff_bad_input_is_400(api_as, data):
    jl = api_as("jl")
    resp = jl.client.post(
        "/api/v1/reports/complaints/monthly/signoff",
        json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {jl.token}"},
    )
    assert_error(resp, 400)


def test_token_bad_input_is_400_or_401(demo):
    from django.test import Client

    for raw in [b"{", b"[]", b'{"username": 1}', b'{"username": "kefu"}']:
        resp = Client().post("/api/v1/auth/token", raw, content_type="application/json")
        assert resp.status_code in (400, 401), (raw, resp.content)
        assert_error(resp, resp.status_code)


def test_events_cursor_and_actions_on_huge_ids(api_as):
    kefu = api_as("kefu")
    made = create(kefu)
    act(kefu, made["id"], "follow", {"note": "x"})
    assert kefu.get(f"{T}/{made['id']}/events", {"cursor": "!!!"}).status_code == 400
    assert_error(
        kefu.post(f"{T}/{2**63}/follow", {"note": "x"}), kefu.post(f"{T}/{2**63}/follow", {"note": "x"}).status_code
    )
    assert kefu.post(f"{T}/{2**63}/follow", {"note": "x"}).status_code in (400, 404)


@pytest.mark.parametrize(
    "content_type,raw",
    [
        ("text/plain", b'{"project": "DEMO"}'),
        ("application/x-www-form-urlencoded", b"project=DEMO&kind=repair"),
        ("application/json", b""),
        ("application/json; charset=latin-1", '{"project": "é", "kind": "repair"}'),
        ("multipart/form-data; boundary=xx", b"--xx--"),
    ],
)
def test_create_with_odd_content_types_is_4xx_never_500(api_as, content_type, raw):
    kefu = api_as("kefu")
    resp = kefu.client.post(T, raw, content_type=content_type, headers={"Authorization": f"Bearer {kefu.token}"})
    assert 400 <= resp.status_code < 500, resp.content
    assert_error(resp, resp.status_code)


@pytest.mark.parametrize(
    "content_type,raw",
    [
        ("text/plain", b'{"note": "x"}'),
        ("application/json", b"\xff"),
        ("application/json", b'{"note": "\\u0000"}'),
    ],
)
def test_actions_with_odd_bodies_are_4xx_never_500(api_as, content_type, raw):
    kefu = api_as("kefu")
    made = create(kefu)
    resp = kefu.client.post(
        f"{T}/{made['id']}/follow", raw, content_type=content_type, headers={"Authorization": f"Bearer {kefu.token}"}
    )
    assert resp.status_code < 500, resp.content


@pytest.mark.parametrize(
    "path", [T, f"{T}/ID/follow", "/api/v1/auth/token", "/api/v1/reports/complaints/monthly/signoff"]
)
def test_deeply_nested_json_is_400_never_500(api_as, path):
    kefu = api_as("jl")
    if "ID" in path:
        path = path.replace("ID", str(create(api_as("kefu"))["id"]))
    raw = b'{"note": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    resp = kefu.client.post(
        path, raw, content_type="application/json", headers={"Authorization": f"Bearer {kefu.token}"}
    )
    assert 400 <= resp.status_code < 500, resp.content[:300]
    assert_error(resp, resp.status_code)


@pytest.mark.parametrize("path", [T, "/api/v1/notifications", "/api/v1/units", "/api/v1/people"])
def test_deeply_nested_cursor_is_400_never_500(api_as, path):
    cursor = base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode()
    resp = api_as("kefu").get(path, {"project": "DEMO", "cursor": cursor})
    assert_error(resp, 400)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"project": "DEMO", "kind": "repair", "description": "x", "fee": ' + b"9" * 5000 + b', "paid": true}',
        b'{"project": "DEMO", "kind": "repair", "description": "x", "fee": ' + b"9" * 400 + b', "paid": true}',
        b'{"project": "DEMO", "kind": "repair", "description": "x", "requested_by": ' + b"9" * 30 + b"}",
        b'{"project": "DEMO", "kind": "repair", "description": "x", "urgent": 1e999}',
    ],
)
def test_huge_numbers_are_400_never_500(api_as, raw):
    kefu = api_as("kefu")
    resp = kefu.client.post(T, raw, content_type="application/json", headers={"Authorization": f"Bearer {kefu.token}"})
    assert_error(resp, 400)
    made = create(kefu)
    resp = kefu.client.post(
        f"{T}/{made['id']}/follow",
        b'{"note": ' + b"9" * 5000 + b"}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {kefu.token}"},
    )
    assert_error(resp, 400)
