"""Helpers for the black-box contract tests of /work/shared/API.md: HTTP only."""

import datetime as dt
from zoneinfo import ZoneInfo

CST = ZoneInfo("Asia/Shanghai")
T = "/api/v1/tickets"


def cst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def parse(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, f"{value!r} has no offset"
    return moment


def body(**extra) -> dict:
    data = {
        "project": "DEMO",
        "kind": "repair",
        "unit": "1-1-101",
        "reporter_name": "张三",
        "reporter_phone": "13812341234",
        "description": "厨房水龙头漏水",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def create(api, **extra) -> dict:
    resp = api.post(T, body(**extra))
    assert resp.status_code == 201, resp.content
    return resp.json()


def act(api, ticket_id, action, data=None, status=200) -> dict:
    resp = api.post(f"{T}/{ticket_id}/{action}", data or {})
    assert resp.status_code == status, (action, resp.status_code, resp.content)
    return resp.json()


def timers(ticket) -> dict:
    return {t["metric"]: t for t in ticket["timers"]}


def assert_error(resp, status):
    assert resp.status_code == status, resp.content
    data = resp.json()
    assert set(data) >= {"detail", "errors"}, data
    assert isinstance(data["detail"], str) and data["detail"].strip()
    assert isinstance(data["errors"], dict)
    for key, messages in data["errors"].items():
        assert isinstance(key, str) and isinstance(messages, list), data
    return data
