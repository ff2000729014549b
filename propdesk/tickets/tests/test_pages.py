"""Ticket pages through the Django test client: intake, board, inbox, ticket
page actions, list and export, slips, visits and the residents' own page.
Writes go through the pages; facts are checked in the database."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from propdesk.core.models import Department, Person, Unit
from propdesk.sla.models import Timer
from propdesk.tickets import services
from propdesk.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def user(name):
    return get_user_model().objects.get(username=name)


@pytest.fixture
def as_user(demo, client):
    def login(name):
        client.force_login(user(name))
        return client

    return login


def make_repair(demo, **extra):
    kwargs = {
        "project": demo,
        "actor": user("kefu"),
        "kind": "repair",
        "description": "卫生间漏水",
        "unit": Unit.objects.get(project=demo, code="1-1-101"),
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        "category": "water",
    }
    kwargs.update(extra)
    return services.ticket_create(**kwargs)


def dispatched(demo, **extra):
    t = make_repair(demo, **extra)
    return services.ticket_dispatch(
        ticket=t, actor=user("diaodu"), department=Department.objects.get(project=demo, code="gongcheng")
    )


def content(resp):
    return resp.content.decode()


# ---------------------------------------------------------------- intake


def test_intake_registers_repair_with_occupant_and_t4_answer(as_user, demo):
    """T-1, T-3, T-4: the intake page registers a numbered repair for the unit
    picked by the lookup; the stored phone is the occupant's, not the mask."""
    c = as_user("kefu")
    resp = c.get("/tickets/new/")
    assert resp.status_code == 200
    assert "autofocus" in content(resp)
    unit = Unit.objects.get(project=demo, code="1-1-101")
    owner = Person.objects.get(occupancies__unit=unit, occupancies__role="owner")
    masked = owner.phone[:3] + "****" + owner.phone[-4:]
    resp = c.post(
        "/tickets/new/",
        {
            "person": owner.pk,
            "unit": "1-1-101",
            "reporter_name": owner.name,
            "reporter_phone": masked,
            "channel": "phone",
            "kind": "repair",
            "category": "water",
            "description": "厨房水龙头漏水",
            "capability": "schedule",
            "agreed_at": "2026-11-25T10:00",
            "capability_note": "明早十点",
        },
    )
    assert resp.status_code == 302
    t = Ticket.objects.get(pk=int(resp["Location"].strip("/").split("/")[-1]))
    assert (t.kind, t.status, t.unit.code, t.reporter_name) == ("repair", "new", "1-1-101", owner.name)
    assert t.reporter_phone == owner.phone
    assert t.capability == "schedule" and t.agreed_at is not None
    page = content(c.get(resp["Location"]))
    assert str(t.number) in page and "已立项" in page and "厨房水龙头漏水" in page


def test_intake_shows_t4_sentences_and_t7_definitions(as_user, demo):
    """T-4, T-7: the agent reads the class definitions and the sentence to say
    to the resident from the intake page itself."""
    from django.utils import translation
    from django.utils.html import escape

    from propdesk.tickets.forms import CAPABILITY_SAY, SEVERITY_HELP

    page = content(as_user("kefu").get("/tickets/new/"))
    with translation.override("zh-hans"):
        expected = [str(v) for v in CAPABILITY_SAY.values()] + [str(v) for v in SEVERITY_HELP.values()]
    for sentence in expected:
        assert escape(sentence) in page
    assert 'name="emergency"' in page


def test_intake_refuses_missing_fields_without_storing(as_user, demo):
    """T-4, T-5, T-6, T-7: a complaint without its class, a paid repair without a
    fee, an urgent one without a cause and an agreed-time answer without a time
    are refused with 400 and nothing is stored."""
    c = as_user("kefu")
    before = Ticket.objects.count()
    base = {
        "unit": "1-1-101",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        "channel": "phone",
        "description": "有问题",
    }
    for extra, field in [
        ({"kind": "complaint"}, "severity"),
        ({"kind": "repair", "paid": "on", "capability": "available"}, "fee"),
        ({"kind": "repair", "urgent": "on", "capability": "available"}, "urgent_cause"),
        ({"kind": "repair", "capability": "schedule"}, "agreed_at"),
        ({"kind": "repair", "capability": "not_offered"}, "capability_note"),
        ({"kind": "repair", "unit": "9-9-999"}, "unit"),
    ]:
        resp = c.post("/tickets/new/", {**base, **extra})
        assert resp.status_code == 400, extra
        assert resp.context["form"].errors.get(field), (extra, resp.context["form"].errors)
    assert Ticket.objects.count() == before


def test_intake_paid_urgent_and_complaint_record(as_user, demo):
    """T-5, T-6, T-10: fee, urgency cause and the complaint record are stored."""
    c = as_user("kefu")
    base = {"unit": "1-1-102", "reporter_name": "李四", "reporter_phone": "13912345678", "channel": "phone"}
    resp = c.post(
        "/tickets/new/",
        {
            **base,
            "kind": "repair",
            "description": "更换灯具",
            "paid": "on",
            "fee": "80",
            "urgent": "on",
            "urgent_cause": "整层停电",
            "capability": "available",
        },
    )
    assert resp.status_code == 302
    t = Ticket.objects.latest("id")
    assert t.paid and str(t.fee) == "80.00" and t.urgent and t.urgent_cause == "整层停电"
    baoan = Department.objects.get(project=demo, code="baoan")
    resp = c.post(
        "/tickets/new/",
        {
            **base,
            "kind": "complaint",
            "severity": "important",
            "description": "保安态度差",
            "event_place": "东门",
            "complained_about": "夜班保安",
            "complained_department": baoan.pk,
            "demand": "道歉",
        },
    )
    assert resp.status_code == 302
    t = Ticket.objects.latest("id")
    assert (t.severity, t.event_place, t.complained_department, t.demand) == ("important", "东门", baoan, "道歉")


def test_intake_emergency_in_one_click(as_user, demo):
    """T-14: the emergency button registers with no reporter and no description typed."""
    c = as_user("kefu")
    resp = c.post("/tickets/new/", {"kind": "repair", "location": "3号楼地库", "emergency": "1"})
    assert resp.status_code == 302
    t = Ticket.objects.latest("id")
    assert t.kind == "emergency" and t.reporter_name == "" and t.description


def test_lookup_finds_unit_name_and_phone_fragment(as_user, demo):
    """T-3: a unit code, a name or a phone fragment finds the occupant."""
    c = as_user("kefu")
    unit = Unit.objects.get(project=demo, code="1-1-101")
    owner = Person.objects.get(occupancies__unit=unit, occupancies__role="owner")
    for q in ("1-1-101", owner.name, owner.phone[-6:]):
        page = content(c.get("/tickets/new/lookup/", {"q": q}))
        assert 'data-unit="1-1-101"' in page and owner.name in page, q
    # The front desk calls back: the full number. A masked role finds nobody by a fragment.
    assert owner.phone in content(c.get("/tickets/new/lookup/", {"q": "1-1-101"}))
    masked = as_user("jl")
    assert owner.name not in content(masked.get("/tickets/new/lookup/", {"q": owner.phone[-6:]}))
    assert owner.phone not in content(masked.get("/tickets/new/lookup/", {"q": "1-1-101"}))


# ---------------------------------------------------------------- board, inbox


def test_board_orders_by_nearest_deadline_marks_breached_and_pages(as_user, demo):
    """T-13: open tickets by nearest running deadline; a breached timer is marked;
    the 'more' cursor continues without repeats; the query count is flat."""
    now = timezone.now()
    tickets = [make_repair(demo, description=f"第{i}件") for i in range(4)]
    Timer.objects.filter(ticket__in=tickets).delete()
    dues = [now + dt.timedelta(hours=5), now - dt.timedelta(hours=1), now + dt.timedelta(hours=1), None]
    for t, due in zip(tickets, dues, strict=True):
        if due:
            Timer.objects.create(ticket=t, metric="follow_1", started_at=now - dt.timedelta(hours=2), due_at=due)
    Timer.objects.create(
        ticket=tickets[3], metric="follow_2", started_at=now, due_at=now - dt.timedelta(hours=3), state="breached"
    )
    c = as_user("diaodu")
    resp = c.get("/tickets/board/")
    assert resp.status_code == 200
    numbers = [t.number for t in resp.context["rows"]]
    ours = [n for n in numbers if n in {t.number for t in tickets}]
    assert ours == [tickets[1].number, tickets[2].number, tickets[0].number, tickets[3].number]
    rows = {t.number: t for t in resp.context["rows"]}
    assert rows[tickets[1].number].breached and rows[tickets[3].number].breached
    assert not rows[tickets[0].number].breached

    for i in range(40):
        make_repair(demo, description=f"批量{i}")
    with CaptureQueriesContext(connection) as small:
        c.get("/tickets/board/")
    first = c.get("/tickets/board/")
    assert first.context["next_cursor"]
    with CaptureQueriesContext(connection) as big:
        second = c.get("/tickets/board/", {"cursor": first.context["next_cursor"]})
    assert second.status_code == 200
    seen = [t.pk for t in first.context["rows"]] + [t.pk for t in second.context["rows"]]
    assert len(seen) == len(set(seen))
    assert len(big.captured_queries) <= len(small.captured_queries) + 1
    assert len(small.captured_queries) <= 15, [q["sql"] for q in small.captured_queries]


def test_board_filters_and_bad_cursor(as_user, demo):
    """Filters by kind, department and building; a forged cursor is not a 500."""
    c = as_user("diaodu")
    d = dispatched(demo, description="派工过的")
    make_repair(demo, description="未派工")
    resp = c.get("/tickets/board/", {"department": "gongcheng"})
    assert {t.pk for t in resp.context["rows"]} >= {d.pk}
    assert all(t.department and t.department.code == "gongcheng" for t in resp.context["rows"])
    resp = c.get("/tickets/board/", {"building": "2"})
    assert all(t.unit and t.unit.building.code == "2" for t in resp.context["rows"])
    resp = c.get("/tickets/board/", {"kind": "complaint", "status": "bogus"})
    assert resp.status_code == 200
    assert all(t.kind == "complaint" for t in resp.context["rows"])  # the bad status drops only itself
    assert c.get("/tickets/board/", {"cursor": "!!notacursor"}).status_code == 200


def test_inbox_shows_department_work_with_flat_queries(as_user, demo):
    """Engineering's inbox lists what is dispatched to it, with accept/complete
    buttons, in a fixed number of queries whatever the count."""
    dispatched(demo)
    c = as_user("gc")
    with CaptureQueriesContext(connection) as one:
        resp = c.get("/tickets/inbox/")
    assert resp.status_code == 200
    page = content(resp)
    assert "工程部" in page and "已派工" in page
    assert "/accept/" in page
    for _i in range(10):
        dispatched(demo)
    with CaptureQueriesContext(connection) as many:
        resp = c.get("/tickets/inbox/")
    assert len(resp.context["rows"]) >= 11
    assert len(many.captured_queries) == len(one.captured_queries)
    # Security sees none of engineering's work.
    resp = as_user("ba_zg").get("/tickets/inbox/")
    assert resp.status_code == 200 and resp.context["rows"] == []


def test_inbox_accept_and_complete_with_leak_test(as_user, demo):
    """T-15: gc accepts and completes from the inbox; a leak needs the leak-test time."""
    t = dispatched(demo, category="leak")
    c = as_user("gc")
    resp = c.post(f"/tickets/{t.pk}/accept/", {"next": "/tickets/inbox/"})
    assert resp.status_code == 302 and resp["Location"] == "/tickets/inbox/"
    t.refresh_from_db()
    assert t.status == "accepted"
    resp = c.post(f"/tickets/{t.pk}/complete/", {"complete-note": "已更换管件", "next": "/tickets/inbox/"})
    assert resp.status_code == 400
    assert "complete-leak_test_at" in content(resp) or resp.context["refused"]
    t.refresh_from_db()
    assert t.status == "accepted"
    resp = c.post(
        f"/tickets/{t.pk}/complete/", {"complete-note": "已更换管件", "complete-leak_test_at": "2026-11-23T15:00"}
    )
    assert resp.status_code == 302
    t.refresh_from_db()
    assert t.status == "done" and t.leak_test_at is not None


# ---------------------------------------------------------------- ticket page and actions


def test_ticket_page_shows_only_allowed_actions(as_user, demo):
    """The page offers a form only for actions the user may take now."""
    t = make_repair(demo)
    page = content(as_user("diaodu").get(f"/tickets/{t.pk}/"))
    assert f'action="/tickets/{t.pk}/dispatch/"' in page
    assert f'action="/tickets/{t.pk}/close/"' not in page
    assert f'action="/tickets/{t.pk}/accept/"' not in page
    assert "卫生间漏水" in page
    engineering = Department.objects.get(project=demo, code="gongcheng")
    assert f'<option value="{engineering.pk}" selected>' in page  # a repair usually goes to engineering


def test_refused_action_shows_sentence_not_500(as_user, demo):
    """T-13: closing a repair without its conditions is refused (409) with the
    sentence naming what is missing; nothing changes."""
    t = make_repair(demo)
    c = as_user("diaodu")
    resp = c.post(f"/tickets/{t.pk}/close/", {})
    assert resp.status_code == 409
    assert resp.context["refused"][1]
    t.refresh_from_db()
    assert t.status == "new"
    assert c.post(f"/tickets/{t.pk}/nonsense/", {}).status_code == 404
    resp = c.post(f"/tickets/{t.pk}/dispatch/", {"dispatch-department": "99999"})
    assert resp.status_code == 400


def test_department_cannot_see_undispatched_ticket(as_user, demo):
    """Not visible is 404 (API.md), on the page and on its actions."""
    t = make_repair(demo)
    c = as_user("gc")
    assert c.get(f"/tickets/{t.pk}/").status_code == 404
    assert c.post(f"/tickets/{t.pk}/dispatch/", {}).status_code == 404


def test_complaint_triage_answer_hold_resume_from_page(as_user, demo):
    """T-8, T-17, T-18: judge, hold with the plan, resume and answer from the page."""
    c = as_user("diaodu")
    t = services.ticket_create(
        project=demo,
        actor=user("kefu"),
        kind="complaint",
        severity="minor",
        description="楼道灯不亮",
        reporter_name="王五",
        reporter_phone="13700000000",
    )
    assert c.post(f"/tickets/{t.pk}/triage/", {"triage-valid": "1", "triage-severity": "important"}).status_code == 302
    t.refresh_from_db()
    assert t.valid is True and t.severity == "important"
    assert c.post(f"/tickets/{t.pk}/hold/", {"hold-reason": "开发商负责，已告知业主处理计划"}).status_code == 302
    t.refresh_from_db()
    assert t.status == "on_hold"
    assert c.post(f"/tickets/{t.pk}/resume/", {"resume-reason": "开发商已回复"}).status_code == 302
    assert c.post(f"/tickets/{t.pk}/answer/", {"answer-note": "已电话答复"}).status_code == 302
    t.refresh_from_db()
    assert t.status == "new" and t.answered_at is not None
    page = content(c.get(f"/tickets/{t.pk}/"))
    assert "开发商负责，已告知业主处理计划" in page and "已电话答复" in page
    assert TicketEvent.objects.filter(ticket=t).count() == 5


def test_inquiry_answered_at_once_then_closed(as_user, demo):
    """T-19: an inquiry answered at once can be closed right away."""
    c = as_user("kefu")
    t = services.ticket_create(
        project=demo,
        actor=user("kefu"),
        kind="inquiry",
        description="物业费怎么交",
        reporter_name="赵六",
        reporter_phone="13600000000",
    )
    assert c.post(f"/tickets/{t.pk}/answer/", {"answer-note": "可在服务中心或线上缴纳"}).status_code == 302
    assert c.post(f"/tickets/{t.pk}/close/", {}).status_code == 302
    t.refresh_from_db()
    assert t.status == "closed"


# ---------------------------------------------------------------- visits, slips, list, export


def test_visits_due_and_unsatisfied_reopens(as_user, demo):
    """T-15, T-16: done repairs are listed by visit deadline; unsatisfied reopens."""
    t = dispatched(demo)
    services.ticket_complete(ticket=t, actor=user("gc"), note="修好了")
    c = as_user("diaodu")
    resp = c.get("/tickets/visits/")
    assert t.pk in [r.pk for r in resp.context["rows"]]
    resp = c.post(
        f"/tickets/{t.pk}/visit/",
        {"visit-channel": "home", "visit-satisfied": "0", "visit-note": "仍在滴水", "next": "/tickets/visits/"},
    )
    assert resp.status_code == 302
    t.refresh_from_db()
    assert t.status == "reopened" and t.visit_satisfied is False
    assert t.pk not in [r.pk for r in c.get("/tickets/visits/").context["rows"]]


def test_visits_listed_by_visit_deadline(as_user, demo):
    """T-15: the nearest visit deadline comes first (a leak's runs from its leak test)."""
    now = timezone.now()
    first, second = dispatched(demo), dispatched(demo)
    for t in (first, second):
        services.ticket_complete(ticket=t, actor=user("gc"), note="修好了")
    for t, hours in ((first, 30), (second, 5)):
        Timer.objects.update_or_create(
            ticket=t,
            metric="visit",
            defaults={"started_at": now, "due_at": now + dt.timedelta(hours=hours), "state": "running"},
        )
    rows = [r.pk for r in as_user("diaodu").get("/tickets/visits/").context["rows"]]
    assert rows.index(second.pk) < rows.index(first.pk)


def test_slips_print_with_number_and_signature_lines(as_user, demo):
    """T-11, T-13: both slips carry the number, fields and signature lines, A5 and A4."""
    t = dispatched(demo)
    c = as_user("diaodu")
    for kind in ("service", "report"):
        for paper in ("a5", "a4"):
            resp = c.get(f"/tickets/{t.pk}/slip/{kind}/", {"paper": paper})
            assert resp.status_code == 200
            page = content(resp)
            assert f"DEMO-{t.number}" in page and f'class="slip {paper}"' in page
            assert "卫生间漏水" in page and "工程部" in page
            assert page.count('class="line"') == 5
    assert c.get(f"/tickets/{t.pk}/slip/other/").status_code == 404


def test_list_filters_and_excel_export(as_user, demo):
    """The list and its Excel export use the same filters; phones in full for the front desk only."""
    from openpyxl import load_workbook

    a = make_repair(demo, description="导出甲")
    services.ticket_create(
        project=demo,
        actor=user("kefu"),
        kind="inquiry",
        description="导出乙",
        reporter_name="孙七",
        reporter_phone="13500000000",
    )
    c = as_user("kefu")
    resp = c.get("/tickets/", {"kind": "repair", "q": "导出"})
    assert [t.pk for t in resp.context["rows"]] == [a.pk]
    resp = c.get("/tickets/export.xlsx", {"kind": "repair", "q": "导出"})
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == a.number and "导出甲" in rows[1]
    assert "13812345678" in rows[1]
    masked = as_user("jl").get("/tickets/export.xlsx", {"kind": "repair", "q": "导出"})
    assert "138****5678" in list(load_workbook(io.BytesIO(masked.content)).active.iter_rows(values_only=True))[1]
    assert c.get("/tickets/", {"date_from": "not-a-date"}).status_code == 200


def test_list_query_count_is_flat(as_user, demo):
    """The list page costs the same number of queries for 1 or 11 tickets (no per-row queries)."""
    c = as_user("kefu")
    make_repair(demo)
    with CaptureQueriesContext(connection) as one:
        c.get("/tickets/")
    for _i in range(10):
        make_repair(demo)
    with CaptureQueriesContext(connection) as many:
        c.get("/tickets/")
    assert len(many.captured_queries) == len(one.captured_queries)


# ---------------------------------------------------------------- residents


def test_resident_sees_only_own_requests_and_no_staff_pages(as_user, demo):
    """Residents create a repair for their own unit, see only their own units'
    tickets; staff pages are 403 and other units' tickets 404 (API.md as amended:
    a repair the desk registered for their unit is theirs too)."""
    other = make_repair(demo, description="别人的工单", unit=Unit.objects.get(project=demo, code="2-1-101"))
    desk = make_repair(demo, description="前台代登记的报修")
    c = as_user("yz")
    for path in ("/tickets/board/", "/tickets/new/", "/tickets/inbox/", "/tickets/", f"/tickets/{other.pk}/"):
        assert c.get(path).status_code == 403, path
    resp = c.get("/tickets/mine/")
    assert resp.status_code == 200
    unit = Unit.objects.get(project=demo, code="1-1-101")
    resp = c.post("/tickets/mine/", {"unit": unit.pk, "description": "阳台门关不上", "category": "other"})
    assert resp.status_code == 302
    mine = Ticket.objects.latest("id")
    assert (mine.channel, mine.unit, mine.kind) == ("app", unit, "repair")
    page = content(c.get("/tickets/mine/"))
    assert "阳台门关不上" in page and "别人的工单" not in page and "已立项" in page
    assert "前台代登记的报修" in page and c.get(f"/tickets/mine/{desk.pk}/").status_code == 200
    assert c.get(f"/tickets/mine/{mine.pk}/").status_code == 200
    assert c.get(f"/tickets/mine/{other.pk}/").status_code == 404
    # A unit that is not theirs is refused, not a 500.
    elsewhere = Unit.objects.get(project=demo, code="2-1-101")
    assert c.post("/tickets/mine/", {"unit": elsewhere.pk, "description": "x"}).status_code == 400


def test_staff_pages_need_login(client, demo):
    """Anonymous visitors are sent to the login page, never shown a ticket."""
    resp = client.get("/tickets/board/")
    assert resp.status_code == 302 and "/login/" in resp["Location"]
    assert client.get("/tickets/mine/").status_code == 302


def test_emergency_instruction_signoff_and_close_from_page(as_user, demo):
    """T-14: a leader's instruction is its own item, marked carried out from the
    page; closing waits for the manager's sign-off."""
    c = as_user("kefu")
    c.post("/tickets/new/", {"location": "2号楼配电房", "description": "配电房冒烟", "emergency": "1"})
    t = Ticket.objects.latest("id")
    assert t.kind == "emergency"
    jl = as_user("jl")
    assert jl.post(f"/tickets/{t.pk}/instruct/", {"instruct-instruction": "保安队长立即到场"}).status_code == 302
    instruction = t.instructions.get()
    assert "保安队长立即到场" in content(jl.get(f"/tickets/{t.pk}/"))
    d = as_user("diaodu")
    resp = d.post(f"/tickets/{t.pk}/close/", {})
    assert resp.status_code == 409
    assert d.post(f"/tickets/{t.pk}/instructions/{instruction.pk}/done/", {"note": "已到场"}).status_code == 302
    instruction.refresh_from_db()
    assert instruction.done_at is not None
    assert as_user("jl").post(f"/tickets/{t.pk}/signoff/", {"signoff-note": "处置完毕"}).status_code == 302
    assert as_user("diaodu").post(f"/tickets/{t.pk}/close/", {}).status_code == 302
    t.refresh_from_db()
    assert t.status == "closed"


def test_board_shows_department_only_its_own_work(as_user, demo):
    """A department member's board holds only what they may see."""
    mine = dispatched(demo)
    other = make_repair(demo)
    rows = [t.pk for t in as_user("gc").get("/tickets/board/").context["rows"]]
    assert mine.pk in rows and other.pk not in rows


@pytest.mark.parametrize("page_size", [2, 3, 50])
def test_board_pages_match_the_full_order(as_user, demo, monkeypatch, page_size):
    """The board's pages, whether filled by tickets with a running timer alone
    or not, walk all open tickets in (nearest running deadline, id) order,
    those without a running timer last, each once."""
    from propdesk.tickets import views

    monkeypatch.setattr(views, "PAGE_SIZE", page_size)
    now = timezone.now()
    tickets = [make_repair(demo, description=f"序{i}") for i in range(8)]
    Timer.objects.filter(ticket__in=tickets).delete()
    for i, t in enumerate(tickets[:5]):
        Timer.objects.create(ticket=t, metric="follow_1", started_at=now, due_at=now + dt.timedelta(hours=5 - i))
    Timer.objects.create(ticket=tickets[1], metric="follow_2", started_at=now, due_at=now - dt.timedelta(hours=9))
    Timer.objects.create(ticket=tickets[5], metric="follow_1", started_at=now, due_at=now, state="met")
    far = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
    expected = sorted(
        Ticket.objects.filter(
            project=demo, status__in=["new", "dispatched", "accepted", "done", "on_hold", "reopened"]
        ),
        key=lambda t: (min((x.due_at for x in t.timers.all() if x.state == "running"), default=far), t.pk),
    )
    c = as_user("diaodu")
    seen, cursor = [], None
    while True:
        resp = c.get("/tickets/board/", {"cursor": cursor} if cursor else {})
        seen += [t.pk for t in resp.context["rows"]]
        cursor = resp.context["next_cursor"]
        if not cursor:
            break
    assert seen == [t.pk for t in expected]
    assert seen.index(tickets[1].pk) == 0
