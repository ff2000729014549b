"""T-20 monthly complaint report and T-13 manager sign-off:
GET /api/v1/reports/complaints/monthly, POST …/monthly/signoff."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.reports.models import MonthlySignoff
from propdesk.reports.tests import factories as f

URL = "/api/v1/reports/complaints/monthly"
SIGNOFF = "/api/v1/reports/complaints/monthly/signoff"
NOW = f.local(2026, 12, 10, 10, 0)


@pytest.fixture
def november(demo):
    gc, qj = f.department(demo), f.department(demo, "qingjie")
    a, b = f.unit(demo, "1-1-101"), f.unit(demo, "1-1-102")
    t = {
        # Month boundary in Asia/Shanghai: 1 Nov 00:30 there is 31 Oct 16:30 UTC (November);
        # 1 Dec 00:30 there is 30 Nov 16:30 UTC (December).
        "first_minute": f.ticket(
            demo,
            created_at=f.local(2026, 11, 1, 0, 30),
            kind="inquiry",
            status="closed",
            closed_at=f.local(2026, 11, 1, 9),
        ),
        "december": f.ticket(demo, created_at=f.local(2026, 12, 1, 0, 30), kind="repair"),
        "october": f.ticket(
            demo,
            created_at=f.local(2026, 10, 31, 23, 50),
            kind="repair",
            status="closed",
            closed_at=f.local(2026, 11, 2, 9),
            department=gc,
        ),
        # Repeat complaints (T-20): same unit and category within the 3 months before.
        "leak_sep": f.ticket(
            demo,
            created_at=f.local(2026, 9, 15, 10),
            kind="complaint",
            severity="minor",
            category="leak",
            unit=a,
            status="closed",
            closed_at=f.local(2026, 9, 16, 10),
        ),
        "leak_nov": f.ticket(
            demo,
            created_at=f.local(2026, 11, 10, 10),
            kind="complaint",
            severity="important",
            category="leak",
            unit=a,
            department=gc,
        ),
        "noise_nov": f.ticket(
            demo,
            created_at=f.local(2026, 11, 12, 10),
            kind="complaint",
            severity="major",
            category="noise",
            unit=a,
            department=qj,
            status="closed",
            closed_at=f.local(2026, 12, 5, 10),
        ),
        "leak_b_jul": f.ticket(
            demo,
            created_at=f.local(2026, 7, 1, 10),
            kind="complaint",
            severity="minor",
            category="leak",
            unit=b,
            status="closed",
            closed_at=f.local(2026, 7, 2, 10),
        ),
        "leak_b_nov": f.ticket(
            demo,
            created_at=f.local(2026, 11, 20, 10),
            kind="complaint",
            severity="minor",
            category="leak",
            unit=b,
            status="done",
            department=gc,
        ),
    }
    leak, noise = t["leak_nov"], t["noise_nov"]
    f.timer(leak, "forward", due_at=f.local(2026, 11, 10, 10, 30), state="met", stopped_at=f.local(2026, 11, 10, 10, 5))
    f.timer(noise, "forward", due_at=f.local(2026, 11, 12, 17, 30), state="breached")
    f.timer(
        noise, "resolve", due_at=f.local(2026, 11, 22, 10), state="breached", stopped_at=f.local(2026, 11, 25, 10)
    )  # done late: the sla service marks it breached
    f.timer(leak, "follow_1", due_at=f.local(2026, 11, 30, 12), state="running")  # past due, not swept: a breach
    f.timer(leak, "follow_2", due_at=f.local(2026, 12, 20, 17, 30), state="running")  # December: not counted
    f.timer(leak, "resolve", due_at=f.local(2026, 11, 13, 10), state="cancelled")  # cancelled: not counted
    f.timer(
        t["october"],
        "visit",
        due_at=f.local(2026, 10, 31, 23, 59),
        state="breached",
        stopped_at=f.local(2026, 11, 1, 0, 10),
    )  # due in October, stopped (late) in November: counted
    f.timer(
        t["october"], "follow_1", due_at=f.local(2026, 11, 1, 1, 50), state="met", stopped_at=f.local(2026, 11, 1, 1)
    )
    f.timer(t["leak_b_nov"], "resolve", due_at=f.local(2026, 11, 22, 10), state="paused")  # undecided
    return t


def get(client, month="2026-11", project="DEMO"):
    with time_machine.travel(NOW, tick=False):
        return client.get(URL, {"project": project, "month": month})


@pytest.mark.django_db
def test_t20_counts_by_kind_and_class_use_the_month_in_asia_shanghai(api_as, november):
    resp = get(api_as("jl"))
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["project"] == "DEMO" and body["month"] == "2026-11"
    assert body["from"] == "2026-11-01" and body["to"] == "2026-11-30"
    assert body["by_kind"] == {"repair": 0, "complaint": 3, "inquiry": 1, "suggestion": 0, "emergency": 0}
    assert body["complaints_by_severity"] == body["by_severity"] == {"major": 1, "important": 1, "minor": 1}
    assert body["opened"] == 4


@pytest.mark.django_db
def test_t20_opened_closed_and_still_open_at_month_end(api_as, november):
    body = get(api_as("kefu")).json()
    assert body["closed"] == 2  # the 1 November inquiry and the October repair
    # Open at 1 Dec 00:00: the two open complaints and the noise complaint closed only on 5 December.
    assert body["still_open"] == 3
    assert body["still_open_at"] == "2026-12-01T00:00:00+08:00"
    assert body["complaints"] == {"opened": 3, "closed": 0, "still_open": 3}


@pytest.mark.django_db
def test_t20_still_open_is_counted_now_while_the_month_runs(api_as, november):
    body = get(api_as("kefu"), month="2026-12").json()
    # Now (10 Dec): the leak complaints and the December repair; the noise complaint closed on 5 December.
    assert body["still_open"] == 3
    assert body["still_open_at"] == "2026-12-10T10:00:00+08:00"
    assert body["opened"] == 1 and body["closed"] == 1


@pytest.mark.django_db
def test_t20_on_time_rate_is_met_over_met_plus_breached_per_metric(api_as, november):
    on_time = get(api_as("kefu")).json()["on_time"]
    by_metric = on_time["by_metric"]
    assert by_metric["forward"] == {"met": 1, "breached": 1, "rate": 0.5}
    assert by_metric["resolve"] == {"met": 0, "breached": 1, "rate": 0.0}  # cancelled and paused not counted
    assert by_metric["follow_1"] == {"met": 1, "breached": 1, "rate": 0.5}
    assert by_metric["follow_2"] == {"met": 0, "breached": 0, "rate": None}  # due in December
    assert by_metric["visit"] == {"met": 0, "breached": 1, "rate": 0.0}  # due October, stopped late in November
    assert by_metric["answer"]["rate"] is None


@pytest.mark.django_db
def test_t20_on_time_rate_per_department(api_as, november):
    body = get(api_as("kefu")).json()
    by_dept = body["on_time"]["by_department"]
    # gongcheng: leak forward met, follow_1 late; october visit late, follow_1 met.
    assert by_dept["gongcheng"] == {"name": "工程部", "met": 2, "breached": 2, "rate": 0.5}
    assert by_dept["qingjie"] == {"name": "清洁部", "met": 0, "breached": 2, "rate": 0.0}
    assert body["on_time_rate"]["forward"] == 0.5


@pytest.mark.django_db
def test_t20_repeat_complaint_is_same_unit_and_category_within_3_months(api_as, november):
    body = get(api_as("kefu")).json()
    assert body["repeat_complaints"] == 1
    [repeat] = body["repeats"]
    assert repeat["id"] == november["leak_nov"].pk
    assert repeat["previous_id"] == november["leak_sep"].pk
    assert repeat["unit"] == "1-1-101" and repeat["category"] == "leak"
    assert repeat["previous_created_at"] == "2026-09-15T10:00:00+08:00"
    # 1-1-102 leak: the earlier one (1 July) is more than 3 months before 20 November: not a repeat.


@pytest.mark.django_db
def test_t20_repeat_window_is_three_calendar_months(api_as, demo):
    a = f.unit(demo, "1-2-101")
    f.ticket(demo, created_at=f.local(2026, 8, 10, 10), kind="complaint", category="fee", unit=a)
    inside = f.ticket(demo, created_at=f.local(2026, 11, 9, 10), kind="complaint", category="fee", unit=a)
    b = f.unit(demo, "1-2-102")
    f.ticket(demo, created_at=f.local(2026, 8, 10, 10), kind="complaint", category="fee", unit=b)
    f.ticket(demo, created_at=f.local(2026, 11, 11, 10), kind="complaint", category="fee", unit=b)  # 3 months + 1 day
    f.ticket(demo, created_at=f.local(2026, 11, 11, 10), kind="repair", category="fee", unit=a)  # not a complaint
    c = f.unit(demo, "1-2-201")
    f.ticket(demo, created_at=f.local(2026, 8, 10, 10), kind="complaint", category="fee", unit=c)
    exact = f.ticket(demo, created_at=f.local(2026, 11, 10, 10), kind="complaint", category="fee", unit=c)
    body = get(api_as("kefu")).json()
    assert [r["id"] for r in body["repeats"]] == [inside.pk, exact.pk]  # exactly 3 months is still within


@pytest.mark.django_db
def test_report_query_count_is_constant(api_as, november, demo):
    client = api_as("kefu")
    get(client)  # warm-up
    with CaptureQueriesContext(connection) as first:
        get(client)
    gc = f.department(demo)
    for code in ("1-1-201", "1-1-202", "1-1-301", "1-1-302", "1-1-401", "1-1-402", "1-1-501", "1-1-502"):
        unit = f.unit(demo, code)
        for day in (3, 13):
            t = f.ticket(
                demo,
                created_at=f.local(2026, 11, day, 10),
                kind="complaint",
                category="water",
                unit=unit,
                department=gc,
            )
            f.timer(t, "resolve", due_at=f.local(2026, 11, day + 2, 10), state="breached")
    with CaptureQueriesContext(connection) as second:
        body = get(client).json()
    assert body["repeat_complaints"] == 9
    assert len(second) == len(first) <= 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-00", "2026/11", "11-2026", "2026-1", "0000-01", "abc", "9999-12", "0001-01", "2026-11\x00"]
)
def test_bad_month_is_400_naming_the_field(api_as, demo, bad):
    resp = api_as("kefu").get(URL, {"project": "DEMO", "month": bad})
    assert resp.status_code == 400
    assert "month" in resp.json()["errors"]


@pytest.mark.django_db
def test_report_rights(api_as, november):
    for username in ("kefu", "diaodu", "jl"):
        assert get(api_as(username)).status_code == 200, username
    assert get(api_as("yz")).status_code == 404
    assert get(api_as("kefu"), project="NOPE").status_code == 404
    f.other_project_staff()
    assert get(api_as("other_kefu")).status_code == 404


@pytest.mark.django_db
def test_t13_signoff_by_the_project_manager_once(api_as, november):
    jl = api_as("jl")
    body = {
        "project": "DEMO",
        "month": "2026-11",
        "comment": "漏水投诉重复，工程部整改。",
        "corrective_action": "纠正与预防措施：每月检查防水层。",
    }
    with time_machine.travel(NOW, tick=False):
        resp = jl.post(SIGNOFF, body)
        assert resp.status_code == 201, resp.content
        stored = resp.json()
        assert stored == {
            "project": "DEMO",
            "month": "2026-11",
            "signed_off_by": "jl",
            "signed_off_at": "2026-12-10T10:00:00+08:00",
            "comment": "漏水投诉重复，工程部整改。",
            "corrective_action": "纠正与预防措施：每月检查防水层。",
        }
        again = jl.post(SIGNOFF, {**body, "comment": "again"})
        assert again.status_code == 409
        assert "2026-11" in again.json()["detail"]
        report = jl.get(URL, {"project": "DEMO", "month": "2026-11"}).json()
    assert report["signoff"]["signed_off_by"] == "jl"
    assert report["signoff"]["comment"] == "漏水投诉重复，工程部整改。"
    assert MonthlySignoff.objects.filter(project=november["leak_nov"].project).count() == 1


@pytest.mark.django_db
def test_signoff_is_null_until_signed_and_comment_is_optional(api_as, november):
    assert get(api_as("kefu")).json()["signoff"] is None
    with time_machine.travel(NOW, tick=False):
        resp = api_as("fz").post(SIGNOFF, {"project": "DEMO", "month": "2026-10"})
    assert resp.status_code == 201 and resp.json()["comment"] == ""


@pytest.mark.django_db
def test_signoff_rights_and_bad_input(api_as, november):
    body = {"project": "DEMO", "month": "2026-11", "comment": "ok"}
    with time_machine.travel(NOW, tick=False):
        assert api_as("kefu").post(SIGNOFF, body).status_code == 403
        assert api_as("kefu_zg").post(SIGNOFF, body).status_code == 403
        assert api_as("yz").post(SIGNOFF, body).status_code == 404
        jl = api_as("jl")
        assert jl.post(SIGNOFF, {**body, "project": "NOPE"}).status_code == 404
        for bad in ("2026-13", "", "November"):
            resp = jl.post(SIGNOFF, {**body, "month": bad})
            assert resp.status_code == 400 and "month" in resp.json()["errors"], bad
        future = jl.post(SIGNOFF, {**body, "month": "2027-01"})
        assert future.status_code == 400 and "month" in future.json()["errors"]
        nul = jl.post(SIGNOFF, {**body, "comment": "a\x00b"})
        assert nul.status_code == 400 and "comment" in nul.json()["errors"]
        missing = jl.post(SIGNOFF, {"comment": "x"})
        assert missing.status_code == 400 and "project" in missing.json()["errors"]
        wrong_type = jl.post(SIGNOFF, {**body, "comment": ["x"]})
        assert wrong_type.status_code == 400 and "comment" in wrong_type.json()["errors"]
        raw = jl.client.post(
            SIGNOFF, "{not json", content_type="application/json", headers={"Authorization": f"Bearer {jl.token}"}
        )
        assert raw.status_code == 400
    assert not MonthlySignoff.objects.exists()


@pytest.mark.django_db
def test_signoff_idempotency_key_replays_the_first_answer(api_as, november):
    jl = api_as("jl")
    body = {"project": "DEMO", "month": "2026-11", "comment": "ok"}
    with time_machine.travel(NOW, tick=False):
        first = jl.post(SIGNOFF, body, headers={"Idempotency-Key": "k1"})
        second = jl.post(SIGNOFF, body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
