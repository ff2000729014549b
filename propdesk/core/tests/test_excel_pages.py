"""Issue 2 item 6, pages: /estate/import/, /estate/export.xlsx, /estate/template.xlsx
are for users allowed by may_manage_estate; uploads are validated."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from propdesk.core.models import Unit
from propdesk.core.tests.test_excel import small_estate, workbook

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def as_user(client, demo):
    def login(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return login


@pytest.mark.parametrize("url", ["/estate/import/", "/estate/export.xlsx", "/estate/template.xlsx"])
@pytest.mark.parametrize("username", ["kefu", "gc", "gc_zg"])
def test_front_desk_staff_and_other_departments_get_403(as_user, url, username):
    assert as_user(username).get(url).status_code == 403


def test_anonymous_users_are_sent_to_login(client, demo):
    resp = client.get("/estate/import/")
    assert resp.status_code == 302 and "login" in resp["Location"]


@pytest.mark.parametrize("username", ["jl", "kefu_zg"])
def test_manager_and_front_desk_supervisor_download_template_and_export(as_user, username):
    c = as_user(username)
    for url in ("/estate/template.xlsx", "/estate/export.xlsx"):
        resp = c.get(url)
        assert resp.status_code == 200 and resp["Content-Type"] == XLSX
        wb = openpyxl.load_workbook(io.BytesIO(resp.content))
        assert "房屋" in wb.sheetnames
    wb = openpyxl.load_workbook(io.BytesIO(c.get("/estate/export.xlsx").content))
    assert any(row[0] == "1-1-101" for row in wb["房屋"].iter_rows(values_only=True))


def _upload(c, name, content):
    return c.post("/estate/import/", {"file": SimpleUploadedFile(name, content, content_type=XLSX)})


def test_good_upload_shows_counts(as_user):
    resp = _upload(as_user("jl"), "estate.xlsx", workbook(**small_estate("P5")))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "import-result" in body and "房屋" in body
    assert Unit.objects.filter(code="P5-1-101").exists()
    from propdesk.core.models import AuditLog

    row = AuditLog.objects.filter(action="estate.imported").latest("id")
    assert row.actor.username == "jl" and row.new["counts"]["units"]["created"] == 3


def test_bad_upload_lists_rows_and_stores_nothing(as_user):
    sheets = small_estate("P6")
    sheets["房屋"][2][1] = "Z9"
    resp = _upload(as_user("jl"), "estate.xlsx", workbook(**sheets))
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "import-errors" in body and "楼栋 Z9 不存在" in body
    assert not Unit.objects.filter(code__startswith="P6-").exists()


def test_renamed_text_file_is_refused_with_a_clear_sentence(as_user):
    resp = _upload(as_user("jl"), "estate.xlsx", "房号,楼栋\n1-1-101,1\n".encode())
    assert resp.status_code == 400
    assert "不是 Excel 工作簿" in resp.content.decode()


def test_other_extensions_are_refused(as_user):
    resp = _upload(as_user("jl"), "estate.csv", workbook(**small_estate("P7")))
    assert resp.status_code == 400
    assert not Unit.objects.filter(code__startswith="P7-").exists()


def test_missing_file_is_a_400_not_a_500(as_user):
    assert as_user("jl").post("/estate/import/", {}).status_code == 400


def test_too_large_upload_is_refused(as_user, monkeypatch):
    from propdesk.core import excel

    monkeypatch.setattr(excel, "MAX_UPLOAD_BYTES", 1024)
    resp = _upload(as_user("jl"), "estate.xlsx", workbook(**small_estate("P8", 50)))
    assert resp.status_code == 400
    assert not Unit.objects.filter(code__startswith="P8-").exists()
