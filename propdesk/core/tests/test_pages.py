"""Foundation pages (issue 2, item 7): login and throttling, project switcher,
dashboard, global search, unit and person pages, the resident portal home,
languages. Rendered in zh-hans (LANGUAGE_CODE) unless a test switches."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from propdesk.core.middleware import SESSION_PROJECT_KEY
from propdesk.core.models import AuditLog, Building, CalendarDay, Company, Occupancy, Person, Project, Staff, Unit
from propdesk.core.permissions import mask_id_number, mask_phone

PASSWORD = "demo12345"


def logged_in(username: str) -> Client:
    c = Client()
    resp = c.post("/login/", {"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.content.decode()[:500]
    return c


def text(resp) -> str:
    return resp.content.decode()


def owner_of(code: str) -> Person:
    return Occupancy.objects.get(
        unit__project__code="DEMO", unit__code=code, role=Occupancy.Role.OWNER, end__isnull=True
    ).person


@pytest.fixture
def other_project(demo):
    """A second project nobody of the demo staff serves, with one unit and its owner."""
    company = Company.objects.get(name=demo.company.name)
    project = Project.objects.create(company=company, code="OTHER", name="明月花园")
    building = Building.objects.create(project=project, code="9", name="9栋")
    unit = Unit.objects.create(project=project, building=building, code="9-1-101", entrance="1", room="101", floor=1)
    person = Person.objects.create(project=project, name="欧阳明月", phone="13712345678")
    Occupancy.objects.create(unit=unit, person=person, role=Occupancy.Role.OWNER, start=dt.date(2021, 1, 1))
    return project


# ---------------------------------------------------------------- login


def test_login_page_is_chinese_and_has_csrf_token(demo):
    resp = Client().get("/login/")
    assert resp.status_code == 200
    assert "登录 propdesk" in text(resp)
    assert 'name="csrfmiddlewaretoken"' in text(resp)


def test_login_ok_lands_on_dashboard_with_greeting_and_project(demo):
    c = Client()
    resp = c.post("/login/", {"username": "kefu", "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/"
    page = text(c.get("/"))
    assert "您好，李娜" in page
    assert "阳光嘉园" in page


def test_wrong_password_shows_message_and_does_not_log_in(demo):
    c = Client()
    resp = c.post("/login/", {"username": "kefu", "password": "wrong-password"})
    assert resp.status_code == 400
    assert "用户名或密码错误" in text(resp)
    assert c.get("/").status_code == 302  # still anonymous: sent to the login page


def test_login_is_throttled_after_five_failures(demo):
    c = Client()
    for _ in range(5):
        assert c.post("/login/", {"username": "kefu", "password": "nope-nope"}).status_code == 400
    resp = c.post("/login/", {"username": "kefu", "password": PASSWORD})
    assert resp.status_code == 400
    assert "登录失败次数过多" in text(resp)
    assert "_auth_user_id" not in c.session


def test_login_does_not_redirect_to_another_site(demo):
    c = Client()
    resp = c.post("/login/?next=https://evil.example/steal", {"username": "kefu", "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/"
    c2 = Client()
    resp = c2.post("/login/?next=/search/%3Fq%3D1-1", {"username": "kefu", "password": PASSWORD})
    assert resp["Location"] == "/search/?q=1-1"


def test_demo_credentials_hint_only_when_enabled(demo, settings):
    settings.DEBUG = False
    settings.SHOW_DEMO_LOGINS = False
    assert "demo12345" not in text(Client().get("/login/"))
    settings.SHOW_DEMO_LOGINS = True
    page = text(Client().get("/login/"))
    assert "演示账号" in page and "demo12345" in page and "kefu" in page
    settings.SHOW_DEMO_LOGINS = False
    settings.DEBUG = True
    assert "demo12345" in text(Client().get("/login/"))


def test_csrf_is_enforced_on_login_and_switcher(demo):
    c = Client(enforce_csrf_checks=True)
    assert c.post("/login/", {"username": "kefu", "password": PASSWORD}).status_code == 403
    c.force_login(get_user_model().objects.get(username="kefu"))
    assert c.post("/project/", {"project": "DEMO"}).status_code == 403


def test_logout_needs_post(demo):
    c = logged_in("kefu")
    assert c.get("/logout/").status_code == 405
    assert c.post("/logout/").status_code == 302
    assert c.get("/").status_code == 302


# ---------------------------------------------------------------- shell and project switcher


def test_project_switcher_refuses_a_project_the_user_cannot_see(demo, other_project):
    c = logged_in("kefu")
    assert "明月花园" not in text(c.get("/"))  # not offered
    resp = c.post("/project/", {"project": "OTHER", "next": "/"})
    assert resp.status_code == 404
    assert c.session.get(SESSION_PROJECT_KEY) != "OTHER"
    assert "阳光嘉园" in text(c.get("/"))


def test_project_switcher_stores_a_visible_project(demo, other_project):
    Staff.objects.get(user__username="kefu").projects.add(other_project)
    c = logged_in("kefu")
    resp = c.post("/project/", {"project": "OTHER", "next": "/search/"})
    assert resp.status_code == 302 and resp["Location"] == "/search/"
    assert c.session[SESSION_PROJECT_KEY] == "OTHER"
    page = text(c.get("/"))
    assert re.search(r'<option value="OTHER" selected>明月花园</option>', page)
    # Search now runs in the chosen project.
    assert "欧阳明月" in text(c.get("/search/", {"q": "欧阳"}))


def test_project_switcher_ignores_foreign_next(demo):
    c = logged_in("kefu")
    resp = c.post("/project/", {"project": "DEMO", "next": "//evil.example/"})
    assert resp["Location"] == "/"


def test_staff_shell_has_search_box_language_switch_and_logout(demo):
    page = text(logged_in("kefu").get("/"))
    assert 'id="global-q"' in page and 'hx-get="/search/"' in page
    assert 'action="/i18n/setlang/"' in page and 'value="en"' in page
    assert "退出登录" in page and "李娜" in page
    assert 'href="/search/"' in page


def test_estate_sections_only_for_those_who_manage_the_estate(demo):
    assert 'href="/estate/calendar/"' not in text(logged_in("kefu").get("/"))
    page = text(logged_in("kefu_zg").get("/"))
    assert 'href="/estate/calendar/"' in page and 'href="/estate/import/"' in page
    assert 'href="/estate/calendar/"' not in text(logged_in("gc_zg").get("/"))


def test_calendar_warning_when_next_year_is_missing(demo):
    """Issue 8 item 7: the warning goes only to those who can fix it (may_manage_estate)."""
    next_year = timezone.localdate().year + 1
    CalendarDay.objects.filter(project=demo, date__year=next_year).delete()
    supervisor = logged_in("kefu_zg")
    assert "工作日历中还没有明年的法定节假日" in text(supervisor.get("/"))
    assert f'href="/estate/calendar/?year={next_year}"' in text(logged_in("jl").get("/"))
    for username in ("kefu", "gc", "gc_zg"):  # they cannot edit the calendar: no warning for them
        assert "工作日历中还没有明年的法定节假日" not in text(logged_in(username).get("/")), username
    CalendarDay.objects.create(project=demo, date=dt.date(next_year, 1, 1), kind=CalendarDay.Kind.OFF, name="元旦")
    assert "工作日历中还没有明年的法定节假日" not in text(supervisor.get("/"))


def test_english_through_the_language_switch(demo):
    c = logged_in("kefu")
    assert "您好，李娜" in text(c.get("/"))
    resp = c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert resp.status_code == 302
    page = text(c.get("/"))
    assert "<h1>Hello, 李娜</h1>" in page
    assert "Log out" in page and "退出登录" not in page
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "您好，李娜" in text(c.get("/"))


# ---------------------------------------------------------------- search


def test_search_by_unit_code_finds_owner_with_masked_phone(demo):
    owner = owner_of("1-1-101")
    resp = logged_in("jl").get("/search/", {"q": "1-1-101"})  # a role that sees phones masked
    assert resp.status_code == 200
    page = text(resp)
    assert owner.name in page
    assert mask_phone(owner.phone) in page
    assert owner.phone not in page
    unit = Unit.objects.get(project=demo, code="1-1-101")
    assert f'href="/units/{unit.pk}/"' in page
    assert "业主" in page
    family = Occupancy.objects.filter(unit=unit, role=Occupancy.Role.FAMILY, end__isnull=True).first()
    if family:  # the owner is listed first
        assert page.index(owner.name) < page.index(family.person.name)


def test_search_shows_full_phone_to_customer_service_supervisor(demo):
    owner = owner_of("1-1-101")
    page = text(logged_in("kefu_zg").get("/search/", {"q": "1-1-101"}))
    assert owner.phone in page


def test_search_by_name_and_phone_fragment_links_to_person(demo):
    owner = owner_of("1-1-101")
    c = logged_in("kefu")
    by_name = text(c.get("/search/", {"q": owner.name}))
    assert f'href="/people/{owner.pk}/"' in by_name
    by_phone = text(c.get("/search/", {"q": owner.phone[-6:]}))
    assert f'href="/people/{owner.pk}/"' in by_phone


def test_search_htmx_request_gets_only_the_results_partial(demo):
    owner = owner_of("1-1-101")
    resp = logged_in("kefu").get("/search/", {"q": "1-1-101"}, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert "<html" not in text(resp) and owner.name in text(resp)
    assert "HX-Request" in resp.get("Vary", "")


def test_search_results_are_limited(demo):
    page = text(logged_in("kefu").get("/search/", {"q": "1"}))  # every unit code starts with a building number
    assert Unit.objects.filter(project=demo, code__startswith="1").count() > 20
    assert len(re.findall(r'href="/units/\d+/"', page)) == 20


def test_search_stays_inside_the_current_project(demo, other_project):
    page = text(logged_in("kefu").get("/search/", {"q": "欧阳"}))
    assert "欧阳明月" not in page
    assert "没有找到" in page


@pytest.mark.parametrize("q", ["", "   ", "\x00", "1-1\x00", "x" * 5000, "%", "_", "' OR 1=1 --", "<script>"])
def test_search_survives_bad_input(demo, q):
    resp = logged_in("kefu").get("/search/", {"q": q})
    assert resp.status_code == 200
    main = text(resp).split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script>" not in main


def test_residents_and_anonymous_get_no_search(demo):
    resp = Client().get("/search/", {"q": "1-1"})
    assert resp.status_code == 302 and resp["Location"].startswith("/login/?next=/search/")
    # As-you-type requests after the session ended reload the page into the login form.
    resp = Client().get("/search/", {"q": "1-1"}, headers={"HX-Request": "true"})
    assert resp.status_code == 204 and resp["HX-Redirect"] == "/login/?next=/"
    assert logged_in("yz").get("/search/", {"q": "1-1"}).status_code == 403


def test_search_query_count_does_not_grow_with_results(demo):
    c = logged_in("kefu")
    c.get("/search/", {"q": "1-1-101"})  # warm the session

    def count(q):
        with CaptureQueriesContext(connection) as ctx:
            resp = c.get("/search/", {"q": q}, headers={"HX-Request": "true"})
        assert resp.status_code == 200
        return len(ctx.captured_queries), text(resp).count('class="result"')

    few, n_few = count(owner_of("1-1-101").phone)
    many, n_many = count("138")  # every demo owner's phone starts with 138
    assert n_few == 2 and n_many == 40  # one unit and its owner; 20 units and 20 people
    assert many == few
    assert many <= 12


# ---------------------------------------------------------------- unit page


def test_unit_page_shows_current_and_past_occupants_and_history(demo):
    unit = Unit.objects.get(project=demo, code="1-1-101")
    owner = owner_of("1-1-101")
    former = Person.objects.create(project=demo, name="前任租户甲", phone="13611112222")
    Occupancy.objects.create(
        unit=unit, person=former, role=Occupancy.Role.TENANT, start=dt.date(2019, 1, 1), end=dt.date(2020, 5, 31)
    )
    AuditLog.objects.create(
        action="unit.updated",
        object_type="core.unit",
        object_id=str(unit.pk),
        project=demo,
        old={"state": "vacant"},
        new={"state": "occupied"},
    )
    page = text(logged_in("jl").get(f"/units/{unit.pk}/"))  # a role that sees phones masked
    assert '<th scope="col">姓名</th>' in page
    current, past = page.split("历史住户", 1)
    assert owner.name in current and "业主" in current
    assert mask_phone(owner.phone) in current and owner.phone not in page
    assert "前任租户甲" in past and "前任租户甲" not in current
    assert "2020-05-31" in past
    # The history reads in Chinese: the change's label and the state's name, never raw codes.
    history = page.split("变更记录", 1)[-1] if "变更记录" in page else page
    assert "房屋信息变更" in history and "<del>空置</del> → 自住" in history
    assert "unit.updated" not in page and "occupied" not in history


def test_unit_page_links_to_tickets_only_when_there_are_some(demo):
    from propdesk.tickets.models import Ticket

    unit = Unit.objects.get(project=demo, code="1-1-102")
    c = logged_in("kefu")
    assert "?unit=1-1-102" not in text(c.get(f"/units/{unit.pk}/"))
    Ticket.objects.create(project=demo, number=990001, kind="inquiry", unit=unit, description="门禁卡咨询")
    assert "/tickets/?unit=1-1-102" in text(c.get(f"/units/{unit.pk}/"))


def test_unit_page_query_count_does_not_grow_with_occupants(demo):
    unit = Unit.objects.get(project=demo, code="1-1-201")
    c = logged_in("kefu")
    c.get(f"/units/{unit.pk}/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(f"/units/{unit.pk}/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(6):
        p = Person.objects.create(project=demo, name=f"租户{i}", phone=f"1360000000{i}")
        Occupancy.objects.create(
            unit=unit,
            person=p,
            role=Occupancy.Role.TENANT,
            start=dt.date(2018, 1, 1),
            end=dt.date(2019, 1, 1) if i % 2 else None,
        )
        AuditLog.objects.create(action="unit.updated", object_type="core.unit", object_id=str(unit.pk))
    assert count() == before


def test_records_of_other_projects_are_not_found(demo, other_project):
    c = logged_in("kefu")
    unit = Unit.objects.get(project=other_project)
    person = Person.objects.get(project=other_project)
    assert c.get(f"/units/{unit.pk}/").status_code == 404
    assert c.get(f"/people/{person.pk}/").status_code == 404
    assert c.get("/units/99999999/").status_code == 404
    assert c.get("/units/99999999999999999999999/").status_code == 404
    assert c.get("/people/99999999999999999999999/").status_code == 404


# ---------------------------------------------------------------- person page


def test_person_page_shows_full_to_front_desk_records_the_id_view_and_masks_for_others(demo):
    """API.md as amended: the front desk calls people and checks identities
    (full phone and ID, each full ID view recorded); other roles see masks."""
    owner = owner_of("1-1-101")
    page = text(logged_in("jl").get(f"/people/{owner.pk}/"))
    assert mask_phone(owner.phone) in page and owner.phone not in page
    assert mask_id_number(owner.id_number) in page and owner.id_number not in page
    assert "1-1-101" in page.split("曾关联的房屋")[0]
    views = AuditLog.objects.filter(action="person.id_number_viewed", object_id=str(owner.pk))
    before = views.count()
    full = text(logged_in("kefu").get(f"/people/{owner.pk}/"))
    assert owner.phone in full and owner.id_number in full
    assert views.count() == before + 1 and views.latest("id").actor.username == "kefu"


def test_person_page_lists_units_before(demo):
    person = Person.objects.create(project=demo, name="搬走的人", phone="13500001111")
    unit = Unit.objects.get(project=demo, code="2-1-101")
    Occupancy.objects.create(
        unit=unit, person=person, role=Occupancy.Role.TENANT, start=dt.date(2019, 3, 1), end=dt.date(2021, 2, 28)
    )
    page = text(logged_in("kefu").get(f"/people/{person.pk}/"))
    now, before = page.split("曾关联的房屋", 1)
    assert "2-1-101" in before and "2-1-101" not in now
    assert "当前未关联任何房屋" in now


# ---------------------------------------------------------------- residents


def test_resident_lands_on_resident_home_without_staff_navigation(demo):
    owner = owner_of("1-1-101")
    c = logged_in("yz")
    page = text(c.get("/"))
    assert owner.name in page and "1-1-101" in page
    assert 'href="/tickets/mine/"' in page and "我的报事" in page
    assert 'id="global-q"' not in page and 'href="/search/"' not in page
    assert "工作台" not in page
    assert 'id="project-select"' not in page


def test_resident_sees_only_own_unit_and_own_person_page(demo):
    owner = owner_of("1-1-101")
    own_unit = Unit.objects.get(project=demo, code="1-1-101")
    other_unit = Unit.objects.get(project=demo, code="1-1-102")
    other_person = owner_of("1-1-102")
    former = Person.objects.create(project=demo, name="上一任业主", phone="13622223333")
    Occupancy.objects.create(
        unit=own_unit, person=former, role=Occupancy.Role.OWNER, start=dt.date(2010, 1, 1), end=dt.date(2020, 5, 31)
    )
    c = logged_in("yz")
    resp = c.get(f"/units/{own_unit.pk}/")
    assert resp.status_code == 200
    assert owner.name in text(resp)
    assert "上一任业主" not in text(resp)  # no past occupants and no audit trail for residents
    assert "变更记录" not in text(resp)
    assert c.get(f"/units/{other_unit.pk}/").status_code == 404
    assert c.get(f"/people/{owner.pk}/").status_code == 200
    assert c.get(f"/people/{other_person.pk}/").status_code == 404


def test_user_without_staff_or_resident_record_sees_nothing(demo):
    user = get_user_model().objects.create_user("nobody", password=PASSWORD)
    c = Client()
    c.force_login(user)
    assert c.get("/").status_code == 200
    assert c.get("/search/", {"q": "1-1"}).status_code == 403
    unit = Unit.objects.get(project=demo, code="1-1-101")
    assert c.get(f"/units/{unit.pk}/").status_code == 404


def test_superuser_gets_the_staff_shell_and_search(demo):
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    c = Client()
    c.force_login(admin)
    page = text(c.get("/search/", {"q": "1-1-101"}))
    assert owner_of("1-1-101").phone in page  # superusers see personal data in full
    assert 'id="global-q"' in page


def test_person_page_query_count_does_not_grow_with_units(demo):
    person = owner_of("1-1-101")
    c = logged_in("kefu")
    c.get(f"/people/{person.pk}/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(f"/people/{person.pk}/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for code in ("2-1-101", "2-1-102", "3-1-101"):
        Occupancy.objects.create(
            unit=Unit.objects.get(project=demo, code=code),
            person=person,
            role=Occupancy.Role.AGENT,
            start=dt.date(2015, 1, 1),
            end=dt.date(2016, 1, 1),
        )
    page_after = text(c.get(f"/people/{person.pk}/"))
    assert "3-1-101" in page_after
    assert count() == before


@pytest.mark.parametrize("username", ["kefu\x00", "\x00", "x" * 1000, "ｋｅｆｕ"])
def test_login_survives_bad_usernames(demo, username):
    resp = Client().post("/login/", {"username": username, "password": PASSWORD})
    assert resp.status_code == 400
    assert "用户名或密码错误" in text(resp)


@pytest.mark.parametrize("code", ["", "\x00", "DEMO\x00", "x" * 500])
def test_project_switcher_survives_bad_codes(demo, code):
    assert logged_in("kefu").post("/project/", {"project": code}).status_code == 404


def test_unit_page_links_to_the_units_own_service_requests(demo):
    """Issue 7: the unit page's "service requests" link lists that unit's
    tickets only (it listed every ticket), and the page names no app."""
    from propdesk.tickets import services as ticket_services

    kefu = Staff.objects.get(user__username="kefu").user
    mine = Unit.objects.get(project=demo, code="1-1-101")
    other = Unit.objects.get(project=demo, code="2-1-101")
    for unit, text_ in ((mine, "本户漏水"), (other, "别户漏水")):
        ticket_services.ticket_create(
            project=demo,
            actor=kefu,
            kind="repair",
            unit=unit,
            description=text_,
            reporter_name="张三",
            reporter_phone="13800000000",
        )
    client = logged_in("kefu")
    page = text(client.get(f"/units/{mine.pk}/"))
    assert 'href="/tickets/?unit=1-1-101"' in page
    listed = text(client.get("/tickets/", {"unit": "1-1-101"}))
    assert "本户漏水" in listed and "别户漏水" not in listed
    empty = Unit.objects.get(project=demo, code="3-1-501")  # a vacant unit: no link at all
    assert "/tickets/?unit=" not in text(client.get(f"/units/{empty.pk}/"))
