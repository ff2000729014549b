"""Pages: the Monday review with notes (T-13), the monthly report with Excel
export and sign-off (T-13, T-20), the manager dashboard."""

import io
import json

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from propdesk.reports.models import MonthlySignoff, ReviewNote
from propdesk.reports.tests import factories as f

NOW = f.local(2026, 11, 18, 10, 0)


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def data(demo):
    gc = f.department(demo)
    old = f.ticket(
        demo,
        created_at=f.local(2026, 11, 5, 9),
        status="dispatched",
        department=gc,
        kind="complaint",
        severity="major",
        category="leak",
        unit=f.unit(demo),
    )
    f.ticket(
        demo,
        created_at=f.local(2026, 9, 1, 9),
        status="closed",
        kind="complaint",
        category="leak",
        unit=f.unit(demo),
        closed_at=f.local(2026, 9, 2, 9),
    )
    new = f.ticket(demo, created_at=f.local(2026, 11, 17, 9), kind="repair", department=gc)
    f.timer(old, "forward", due_at=f.local(2026, 11, 5, 17, 30), state="breached")
    f.timer(old, "answer", due_at=f.local(2026, 11, 7, 9), state="met", stopped_at=f.local(2026, 11, 6, 9))
    f.timer(new, "follow_1", due_at=f.local(2026, 11, 18, 10, 30), state="running")  # due within the hour
    f.timer(new, "follow_2", due_at=f.local(2026, 11, 17, 17, 30), state="running")  # breached now
    return {"old": old, "new": new}


@pytest.mark.django_db
def test_t13_weekly_page_lists_the_review_and_is_printable(client, data):
    login(client, "diaodu")
    with time_machine.travel(NOW, tick=False):
        resp = client.get("/reports/weekly/", {"week": "2026-W47"})
    assert resp.status_code == 200
    html = resp.content.decode()
    for t in (data["old"], data["new"]):  # each number links to its ticket
        assert f'<a href="/tickets/{t.pk}/">{t.number}</a>' in html
    assert "待检查 2 单" in html and "其中 1 单为往周遗留" in html
    assert "@media print" not in html and "propdesk/app.css" in html  # the print rules live in the one stylesheet
    assert 'name="text"' in html  # the dispatcher may record notes


@pytest.mark.django_db
def test_weekly_page_bad_week_is_400_with_the_reason(client, data):
    login(client, "kefu")
    resp = client.get("/reports/weekly/", {"week": "2026-W99"})
    assert resp.status_code == 400
    assert 'role="alert"' in resp.content.decode()


@pytest.mark.django_db
def test_t13_dispatcher_notes_a_case_for_the_manager_who_sees_it(client, data, api_as):
    login(client, "diaodu")
    url = f"/reports/weekly/tickets/{data['old'].pk}/notes/"
    with time_machine.travel(NOW, tick=False):
        resp = client.post(url, {"week": "2026-W47", "text": "开发商遗留问题，需经理决定"}, HTTP_HX_REQUEST="true")
        assert resp.status_code == 200 and "开发商遗留问题" in resp.content.decode()
        assert client.post(url, {"week": "2026-W47", "text": "  "}, HTTP_HX_REQUEST="true").status_code == 400
        assert client.post(url, {"week": "2026-W47", "text": "再次跟进"}).status_code == 302
        login(client, "jl")
        assert "开发商遗留问题" in client.get("/reports/weekly/", {"week": "2026-W47"}).content.decode()
        assert "开发商遗留问题" in client.get("/reports/monthly/", {"month": "2026-11"}).content.decode()
        item = next(
            i
            for i in api_as("jl").get("/api/v1/reviews/weekly", {"project": "DEMO"}).json()["items"]
            if i["id"] == data["old"].pk
        )
    assert [(n["author"], n["text"], n["week"]) for n in item["notes"]] == [
        ("diaodu", "开发商遗留问题，需经理决定", "2026-W47"),
        ("diaodu", "再次跟进", "2026-W47"),
    ]
    assert ReviewNote.objects.count() == 2


@pytest.mark.django_db
def test_review_notes_rights(client, data):
    login(client, "gc")
    url = f"/reports/weekly/tickets/{data['old'].pk}/notes/"
    assert client.post(url, {"text": "x"}).status_code == 403
    assert client.get("/reports/weekly/").status_code == 403
    assert not ReviewNote.objects.exists()


@pytest.mark.django_db
def test_t20_monthly_page_shows_figures_and_sign_off_form_for_the_manager(client, data):
    login(client, "jl")
    with time_machine.travel(NOW, tick=False):
        html = client.get("/reports/monthly/", {"month": "2026-11"}).content.decode()
    assert 'data-figure="opened">2<' in html
    assert 'data-figure="repeats">1<' in html  # 5 Nov leak repeats the 1 Sep leak on 1-1-101
    assert 'name="comment"' in html
    login(client, "kefu")
    with time_machine.travel(NOW, tick=False):
        html = client.get("/reports/monthly/", {"month": "2026-11"}).content.decode()
    assert 'name="comment"' not in html


@pytest.mark.django_db
def test_t13_monthly_signoff_form(client, data):
    login(client, "kefu")
    with time_machine.travel(NOW, tick=False):
        assert client.post("/reports/monthly/signoff/", {"month": "2026-11", "comment": "x"}).status_code == 403
        login(client, "jl")
        resp = client.post("/reports/monthly/signoff/", {"month": "2026-11", "comment": "本月漏水投诉需整改"})
        assert resp.status_code == 302
        client.post("/reports/monthly/signoff/", {"month": "2026-11", "comment": "second"})
        html = client.get("/reports/monthly/", {"month": "2026-11"}).content.decode()
    assert "本月漏水投诉需整改" in html and 'name="comment"' not in html
    assert list(MonthlySignoff.objects.values_list("comment", flat=True)) == ["本月漏水投诉需整改"]


@pytest.mark.django_db
def test_t20_excel_export_has_one_sheet_per_section_with_chinese_headers(client, data):
    login(client, "jl")
    with time_machine.travel(NOW, tick=False):
        client.post("/reports/monthly/signoff/", {"month": "2026-11", "comment": "已阅"})
        client.post(f"/reports/weekly/tickets/{data['old'].pk}/notes/", {"week": "2026-W47", "text": "请经理决定"})
        resp = client.get("/reports/monthly/export.xlsx", {"month": "2026-11"})
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["概况", "按类型", "投诉分级", "按指标按时率", "按部门按时率", "重复投诉", "呈经理决定"]
    summary = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["本月新立项"] == 2 and summary["重复投诉"] == 1 and summary["经理意见"] == "已阅"
    assert [c.value for c in wb["按指标按时率"][1]] == ["指标", "按时", "超时", "按时率"]
    by_metric = {row[0]: row[1:] for row in wb["按指标按时率"].iter_rows(min_row=2, values_only=True)}
    assert by_metric["转呈"] == (0, 1, 0.0)  # the 5 Nov forward timer breached
    assert by_metric["答复业主"] == (1, 0, 1.0)
    kinds = {row[0]: row[1] for row in wb["按类型"].iter_rows(min_row=2, values_only=True)}
    assert kinds["投诉"] == 1 and kinds["报修"] == 1
    [repeat] = list(wb["重复投诉"].iter_rows(min_row=2, values_only=True))
    assert repeat[0] == data["old"].number and repeat[2] == "1-1-101"
    [note] = list(wb["呈经理决定"].iter_rows(min_row=2, values_only=True))
    assert note[1] == data["old"].number and note[2] == "黄明" and note[3] == "请经理决定"


@pytest.mark.django_db
def test_excel_export_bad_month_is_400(client, data):
    login(client, "jl")
    assert client.get("/reports/monthly/export.xlsx", {"month": "2026-13"}).status_code == 400


@pytest.mark.django_db
def test_manager_dashboard_renders_charts_with_sql_figures(client, data, demo):
    login(client, "jl")
    with time_machine.travel(NOW, tick=False):
        client.get("/reports/dashboard/")  # warm-up
        with CaptureQueriesContext(connection) as first:
            resp = client.get("/reports/dashboard/")
        assert resp.status_code == 200
        html = resp.content.decode()
        assert "vendor/echarts/dist/echarts.min.js" in html
        assert 'data-figure="open">2<' in html
        assert 'data-figure="breached">2<' in html  # old: breached; new: running past due
        assert 'data-figure="due_soon">1<' in html
        start = html.index('id="chart-status-data"')
        payload = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
        assert sum(payload["values"]) == 2
        for i in range(5):
            t = f.ticket(demo, created_at=f.local(2026, 11, 17, 11, i), department=f.department(demo, "baoan"))
            f.timer(t, "follow_2", due_at=f.local(2026, 11, 17, 17, 30), state="breached")
        with CaptureQueriesContext(connection) as second:
            html = client.get("/reports/dashboard/").content.decode()
    assert 'data-figure="breached">7<' in html
    assert len(second) == len(first)


@pytest.mark.django_db
def test_dashboard_live_tiles_refresh_with_the_records(client, data, demo):
    login(client, "jl")
    with time_machine.travel(NOW, tick=False):
        html = client.get("/reports/dashboard/live/").content.decode()
        assert 'hx-trigger="every 60s"' in html and 'data-figure="breached">2<' in html
        t = f.ticket(demo, created_at=f.local(2026, 11, 18, 9), kind="emergency")
        f.timer(t, "forward", due_at=f.local(2026, 11, 18, 9, 10), state="running")
        assert 'data-figure="breached">3<' in client.get("/reports/dashboard/live/").content.decode()


@pytest.mark.django_db
def test_dashboard_rights(client, data):
    login(client, "gc")
    assert client.get("/reports/dashboard/").status_code == 403
    assert client.get("/reports/dashboard/live/").status_code == 403
    login(client, "yz")
    assert client.get("/reports/dashboard/").status_code == 404
    assert client.get("/reports/weekly/").status_code == 404
    client.logout()
    assert client.get("/reports/dashboard/").status_code == 302  # to the login page


@pytest.mark.django_db
def test_dashboard_widget_for_managers_and_nav_for_report_readers(data, demo):
    # Both come from the registry (reports/parts.py), as the dashboard and the shell show them.
    from propdesk.common.rights import as_actor
    from propdesk.web.registry import navigation

    template = Template('{% load shell %}{% widgets "staff" %}|{% include "nav.html" %}')
    users = get_user_model().objects
    for username, widget, nav in (("jl", True, True), ("kefu", False, True), ("gc", False, False)):
        request = RequestFactory().get("/")
        request.user = users.get(username=username)
        request.project = demo
        with time_machine.travel(NOW, tick=False):
            widget_html, nav_html = template.render(
                Context(
                    {
                        "request": request,
                        "user": request.user,
                        "current_project": demo,
                        "nav": navigation(request, as_actor(request.user)),
                    }
                )
            ).split("|")
        assert ('data-figure="breached">2<' in widget_html) is widget, username
        assert ("/reports/dashboard/" in nav_html) is nav, username
