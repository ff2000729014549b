"""API.md "Demo data": `seed_demo` and the users, departments and estate it creates."""

import pathlib

import pytest
from django.core.management import call_command
from django.test import Client

from propdesk.contract.tests.util import T, assert_error, create

USERS = {
    "kefu": "kefu",
    "diaodu": "kefu",
    "kefu_zg": "kefu",
    "gc": "gongcheng",
    "gc_zg": "gongcheng",
    "ba_zg": "baoan",
    "jl": None,
    "fz": None,
    "zjl": None,
}
DEPARTMENTS = {
    "kefu": "客服部",
    "gongcheng": "工程部",
    "baoan": "保安部",
    "qingjie": None,
    "lvhua": None,
    "caiwu": None,
    "pinzhi": None,
    "xingzheng": None,
}


@pytest.mark.parametrize("username", [*USERS, "yz"])
def test_demo_users_all_with_password_demo12345(demo, username):
    resp = Client().post(
        "/api/v1/auth/token", {"username": username, "password": "demo12345"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content


def test_seed_demo_creates_project_demo_yangguang_jiayuan_asia_shanghai(api_as):
    resp = api_as("kefu").get("/api/v1/projects/DEMO")
    assert resp.status_code == 200
    project = resp.json()
    assert project["code"] == "DEMO"
    assert project["name"] == "阳光嘉园"
    assert project["time_zone"] == "Asia/Shanghai"


@pytest.mark.parametrize("username,department", list(USERS.items()))
def test_demo_user_department_code_of_the_table(api_as, username, department):
    me = api_as(username).get("/api/v1/me").json()
    assert me["department"] == department
    assert "DEMO" in me["projects"]


def test_every_department_code_of_api_md_exists(api_as, demo):
    from propdesk.core.models import Department

    codes = dict(Department.objects.filter(project=demo).values_list("code", "name"))
    for code, name in DEPARTMENTS.items():
        assert code in codes, code
        if name:
            assert codes[code] == name
    kefu = api_as("kefu")
    for code in DEPARTMENTS:
        made = create(kefu)
        resp = kefu.post(f"{T}/{made['id']}/dispatch", {"department": code})
        assert resp.status_code == 200, (code, resp.content)
        assert resp.json()["department"] == code


def test_units_coded_building_entrance_room_e_g_1_1_101(api_as):
    units = api_as("kefu").get("/api/v1/units", {"project": "DEMO", "limit": 200}).json()["items"]
    codes = {u["code"] for u in units}
    assert "1-1-101" in codes
    for code in codes:
        parts = code.split("-")
        assert len(parts) == 3 and all(parts), code
    assert create(api_as("kefu"), unit="1-1-101")["unit"] == "1-1-101"


def test_yz_owner_of_unit_1_1_101_resident_portal_only(api_as):
    yz = api_as("yz")
    made = yz.post(T, {"project": "DEMO", "kind": "repair", "description": "卫生间漏水"})
    assert made.status_code == 201, made.content
    assert made.json()["unit"] == "1-1-101"
    assert made.json()["channel"] == "app"
    assert_error(yz.post(f"{T}/{made.json()['id']}/dispatch", {"department": "gongcheng"}), 403)
    assert yz.get("/api/v1/units", {"project": "DEMO"}).status_code in (403, 404)
    me = yz.get("/api/v1/me").json()
    assert me["kind"] == "resident" and me["department"] is None


def test_seed_demo_is_idempotent_twice_same_row_counts(demo):
    from django.apps import apps

    def counts():
        return {
            m._meta.label: m.objects.count() for app in ("core", "auth") for m in apps.get_app_config(app).get_models()
        }

    call_command("seed_demo", verbosity=0)
    once = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == once


def test_readme_says_these_are_demo_credentials():
    readme = (pathlib.Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert "demo12345" in readme
    assert "demo credentials" in readme.lower()
