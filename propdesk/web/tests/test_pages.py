"""The page side of the shared layer (issue 7 item 8, item 10): the submit
token, the 403/404 pages inside the shell, the project's time zone on every
page, and the components (timeline escaping and the resident filter,
deadlines, status tones, charts' empty state)."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from propdesk.common.history import timeline
from propdesk.core.middleware import SESSION_PROJECT_KEY, CurrentProjectMiddleware
from propdesk.core.models import Building, Company, Department, IdempotencyRecord, Project, Staff, Unit
from propdesk.core.permissions import project_for
from propdesk.tickets import services
from propdesk.tickets.models import Ticket, TicketEvent
from propdesk.web.components import Chart, deadline
from propdesk.web.pages import TOKEN_FIELD

pytestmark = pytest.mark.django_db


def user(name):
    return get_user_model().objects.get(username=name)


def as_user(name) -> Client:
    c = Client()
    c.force_login(user(name))
    return c


def token_of(html: str) -> str:
    return re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', html).group(1)


def repair(demo, description="卫生间漏水"):
    return services.ticket_create(
        project=demo,
        actor=user("kefu"),
        kind="repair",
        description=description,
        unit=Unit.objects.get(project=demo, code="1-1-101"),
        reporter_name="张三",
        reporter_phone="13812345678",
        category="water",
    )


# ---------------------------------------------------------------- submit token


INTAKE = {
    "unit": "1-1-101",
    "reporter_name": "王五",
    "reporter_phone": "13900001111",
    "channel": "phone",
    "kind": "repair",
    "category": "water",
    "description": "双击登记测试",
}


def test_a_double_click_on_intake_registers_one_ticket(demo):
    c = as_user("kefu")
    form = c.get("/tickets/new/").content.decode()
    data = {**INTAKE, TOKEN_FIELD: token_of(form)}
    first = c.post("/tickets/new/", data)
    second = c.post("/tickets/new/", data)  # the same form sent again
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]  # the repeat is led to the first result
    assert Ticket.objects.filter(description="双击登记测试").count() == 1
    page = c.get(second["Location"]).content.decode()
    assert "这张表单已经提交过" in page  # said, in Chinese, why nothing new happened


def test_each_rendering_of_a_form_has_its_own_token(demo):
    c = as_user("kefu")
    tokens = {token_of(c.get("/tickets/new/").content.decode()) for _ in range(3)}
    assert len(tokens) == 3


def test_the_same_token_with_other_values_is_a_new_submission(demo):
    """After the back button the agent may correct the form and send it again:
    that is a second call, not a repeat of the first."""
    c = as_user("kefu")
    token = token_of(c.get("/tickets/new/").content.decode())
    c.post("/tickets/new/", {**INTAKE, TOKEN_FIELD: token})
    c.post("/tickets/new/", {**INTAKE, "description": "另一个电话", TOKEN_FIELD: token})
    assert Ticket.objects.filter(description__in=["双击登记测试", "另一个电话"]).count() == 2


def test_a_double_click_on_an_action_acts_once(demo):
    t = repair(demo)
    c = as_user("diaodu")
    page = c.get(f"/tickets/{t.pk}/").content.decode()
    form = page[page.index('data-action="dispatch"') :]
    engineering = Department.objects.get(project=demo, code="gongcheng")
    data = {"dispatch-department": engineering.pk, TOKEN_FIELD: token_of(form)}
    assert c.post(f"/tickets/{t.pk}/dispatch/", data).status_code == 302
    assert c.post(f"/tickets/{t.pk}/dispatch/", data).status_code == 302
    assert TicketEvent.objects.filter(ticket=t, action="ticket.dispatched").count() == 1


def test_a_refused_form_keeps_nothing_and_may_be_sent_again(demo):
    c = as_user("kefu")
    token = token_of(c.get("/tickets/new/").content.decode())
    bad = c.post("/tickets/new/", {**INTAKE, "description": "", TOKEN_FIELD: token})
    assert bad.status_code == 400 and not IdempotencyRecord.objects.filter(key__startswith=f"form:{token}").exists()
    assert c.post("/tickets/new/", {**INTAKE, TOKEN_FIELD: token}).status_code == 302
    assert Ticket.objects.filter(description="双击登记测试").count() == 1


def test_a_token_is_one_users_own(demo):
    """Another user sending the same token is not answered with the first user's result."""
    kefu, diaodu = as_user("kefu"), as_user("diaodu")
    token = token_of(kefu.get("/tickets/new/").content.decode())
    kefu.post("/tickets/new/", {**INTAKE, TOKEN_FIELD: token})
    diaodu.post("/tickets/new/", {**INTAKE, TOKEN_FIELD: token})
    assert Ticket.objects.filter(description="双击登记测试").count() == 2


def test_every_create_and_action_form_of_the_ticket_page_carries_a_token(demo):
    t = repair(demo)
    page = as_user("diaodu").get(f"/tickets/{t.pk}/").content.decode()
    forms = re.findall(r'<form method="post"[^>]*>.*?</form>', page, re.S)
    action_forms = [f for f in forms if "/tickets/" in f]
    assert action_forms and all(f'name="{TOKEN_FIELD}"' in f for f in action_forms)


# ---------------------------------------------------------------- 403 and 404 inside the shell


def test_404_is_a_chinese_page_in_the_shell_with_a_way_back(demo):
    other = Department.objects.get(project=demo, code="baoan")
    t = repair(demo)  # not dispatched: engineering does not see it
    assert other
    resp = as_user("gc").get(f"/tickets/{t.pk}/", HTTP_REFERER="http://testserver/tickets/inbox/")
    page = resp.content.decode()
    assert resp.status_code == 404
    assert "记录不存在，或您无权查看" in page
    assert 'id="topbar"' in page and 'nav class="sections"' in page  # inside the shell
    assert 'href="http://testserver/tickets/inbox/"' in page  # back where the user came from
    resp = as_user("gc").get("/no/such/page/")
    assert resp.status_code == 404 and 'href="/"' in resp.content.decode()  # else home


def test_403_shows_the_reason(demo):
    resp = as_user("yz").get("/tickets/board/")  # a resident on a staff page
    page = resp.content.decode()
    assert resp.status_code == 403
    assert "您无权打开此页面" in page
    assert "此页面仅供物业员工使用。" in page  # the PermissionDenied's own sentence
    assert 'id="topbar"' in page


def test_the_api_keeps_its_json_errors(demo, api_as):
    gc = api_as("gc")
    resp = gc.get("/api/v1/no-such-endpoint")
    assert resp.status_code == 404 and resp.json()["detail"]
    assert resp["Content-Type"].startswith("application/json")


def test_404_for_a_visitor_who_is_not_logged_in_leads_to_the_login(demo):
    resp = Client().get("/no/such/page/")
    assert resp.status_code == 404 and 'href="/login/"' in resp.content.decode()


# ---------------------------------------------------------------- the project's time zone


@pytest.fixture
def west(demo):
    """A project in Xinjiang (UTC+6) that kefu also serves."""
    company = Company.objects.get(name=demo.company.name)
    project = Project.objects.create(company=company, code="WEST", name="天山花园", time_zone="Asia/Urumqi")
    building = Building.objects.create(project=project, code="1", name="1栋")
    Unit.objects.create(project=project, building=building, code="1-1-101", entrance="1", room="101", floor=1)
    Department.objects.create(project=project, code="kefu", name="客服中心", kind="customer_service")
    Staff.objects.get(user__username="kefu").projects.add(project)
    return project


def test_every_time_on_a_page_is_in_the_projects_zone(demo, west):
    at = dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai, 08:30 in Urumqi
    with time_machine.travel(at, tick=False):
        here = repair(demo, description="上海时间")
        there = repair(west, description="乌鲁木齐时间")
    c = as_user("kefu")
    page = c.get(f"/tickets/{here.pk}/").content.decode()
    assert "03-02 10:30 · 电话" in page  # registered at, on the facts
    assert 'datetime="2026-03-02T10:30:00+08:00"' in page and "+06:00" not in page  # the timeline
    c.post("/project/", {"project": "WEST", "next": "/"})
    page = c.get(f"/tickets/{there.pk}/").content.decode()
    assert "03-02 08:30 · 电话" in page
    assert 'datetime="2026-03-02T08:30:00+06:00"' in page and "+08:00" not in page  # every time on the page
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"  # and nothing stays activated after


def test_the_api_zone_costs_no_query(demo, west):
    """API calls keep their query counts: the zone is learnt from the project
    row the endpoint reads anyway; only a time converted before that reads it."""
    at = dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC)
    seen = []

    def endpoint(request):
        project_for(request.user, "WEST")  # what every endpoint naming a project does
        with CaptureQueriesContext(connection) as converting:
            seen.append((timezone.localtime(at).strftime("%H:%M"), timezone.localdate(at).isoformat()))
        seen.append(len(converting))

    def early(request):  # converts before reading the project: one query for the zone
        with CaptureQueriesContext(connection) as converting:
            seen.append(timezone.localtime(at).strftime("%H:%M"))
        seen.append(len(converting))

    for view in (endpoint, early):
        request = RequestFactory().get("/api/v1/tickets", {"project": "WEST"})
        request.user = user("kefu")
        CurrentProjectMiddleware(view)(request)
    assert seen == [("08:30", "2026-03-02"), 0, "08:30", 1]


def test_the_api_activates_the_zone_of_the_project_in_its_query(demo, west):
    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        return None

    middleware = CurrentProjectMiddleware(view)
    for query, zone in (
        ({"project": "WEST"}, "Asia/Urumqi"),
        ({"project": "DEMO"}, "Asia/Shanghai"),
        ({}, "Asia/Shanghai"),
    ):
        request = RequestFactory().get("/api/v1/tickets", query)
        request.user = user("kefu")
        request.session = {}
        middleware(request)
        assert seen[-1] == zone, query
    for bad in ("NOPE", "x\x00", "W" * 40):  # unknown or odd codes: the site's zone, no error
        request = RequestFactory().get("/api/v1/tickets", {"project": bad})
        request.user = user("kefu")
        middleware(request)
        assert seen[-1] == "Asia/Shanghai"


def test_a_page_without_a_chosen_project_uses_the_first_one(demo, west):
    request = RequestFactory().get("/")
    request.user = user("kefu")
    request.session = {SESSION_PROJECT_KEY: "WEST"}
    seen = []
    CurrentProjectMiddleware(lambda r: seen.append((r.project.code, timezone.get_current_timezone_name())))(request)
    assert seen == [("WEST", "Asia/Urumqi")]


# ---------------------------------------------------------------- components


def test_the_timeline_escapes_stored_text_and_hides_staff_notes_from_residents(demo):
    t = repair(demo, description="<b>漏水</b>")
    services.ticket_follow(ticket=t, actor=user("kefu"), note="<script>alert(1)</script>内部备注")
    services.ticket_answer(ticket=t, actor=user("kefu"), note="<i>已答复</i>")
    events = t.events.select_related("actor").order_by("id")
    html = Template("{% load ui %}{% timeline rows %}").render(Context({"rows": timeline(events)}))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;内部备注" in html
    assert "&lt;i&gt;已答复&lt;/i&gt;" in html
    rows = timeline(events, for_resident=True, resident_readable=frozenset({"ticket.answered"}))
    resident_html = Template("{% load ui %}{% timeline rows %}").render(Context({"rows": rows}))
    assert "内部备注" not in resident_html and "已答复" in resident_html


def test_the_residents_request_page_shows_no_staff_note(demo):
    t = repair(demo)
    services.ticket_follow(ticket=t, actor=user("kefu"), note="内部：业主脾气急")
    services.ticket_answer(ticket=t, actor=user("kefu"), note="师傅明早九点上门")
    page = as_user("yz").get(f"/tickets/mine/{t.pk}/").content.decode()
    assert "师傅明早九点上门" in page and "业主脾气急" not in page
    assert "已跟进" in page  # the event itself is shown, its note is not


def test_deadline_says_due_in_or_overdue_by():
    now = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    soon = deadline(now + dt.timedelta(hours=2, minutes=5), now=now)
    late = deadline(now - dt.timedelta(minutes=40), now=now)
    assert not soon.overdue and soon.words == "还剩 2\xa0小时，5\xa0分钟"
    assert late.overdue and late.words == "已超时 40\xa0分钟"
    assert deadline(now - dt.timedelta(hours=1), now=now, stopped_at=now - dt.timedelta(hours=2)).words == ""
    assert deadline(None) is None


def test_status_badges_take_the_tone_of_their_state(demo):
    html = Template('{% load ui %}{% status "breached" "超时" %}{% status "dispatched" "已派工" %}{% status "x" %}')
    out = html.render(Context())
    assert 'class="status tone-danger"' in out and 'class="status tone-info"' in out
    assert 'class="status tone-neutral" data-state="x">x<' in out


def test_a_chart_with_nothing_to_show_says_so():
    render = Template('{% load ui %}{% chart "c" spec "标题" %}').render
    empty = render(Context({"spec": Chart(labels=["甲"], values=[0], empty="暂无超时")}))
    assert "暂无超时" in empty and "data-chart" not in empty
    drawn = render(Context({"spec": Chart(labels=["甲"], values=[0.0], percent=True)}))
    assert 'data-chart="chart-c-data"' in drawn and 'id="chart-c-data"' in drawn  # 0 % is a rate to draw
