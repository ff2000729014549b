"""Issue 2 item 4: managers see and edit the business calendar at
/estate/calendar/; every edit goes through a service and leaves an audit row."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from propdesk.core.calendar import BusinessCalendar
from propdesk.core.models import AuditLog, CalendarDay, WorkingPeriod
from propdesk.core.services import (
    CalendarInputError,
    calendar_clear_day,
    calendar_known_until,
    calendar_set_day,
    calendar_set_weekly,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, demo):
    client.force_login(get_user_model().objects.get(username="jl"))
    return client


@pytest.mark.parametrize("username", ["kefu", "gc", "diaodu"])
def test_calendar_page_is_for_estate_managers_only(client, demo, username):
    client.force_login(get_user_model().objects.get(username=username))
    assert client.get("/estate/calendar/").status_code == 403
    assert client.post("/estate/calendar/", {"action": "clear_day", "date": "2025-10-01"}).status_code == 403
    assert CalendarDay.objects.filter(project=demo, date=dt.date(2025, 10, 1)).exists()


def test_year_page_shows_the_month_grid_with_holidays_and_make_up_days(manager):
    resp = manager.get("/estate/calendar/?year=2025")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert 'class="cal-day-off" data-date="2025-10-01"' in body
    assert 'class="cal-day-workday" data-date="2025-09-28"' in body
    assert 'class="cal-day-work" data-date="2025-10-09"' in body
    assert body.count('class="card cal-month"') == 12


def test_a_year_chinese_calendar_does_not_know_says_the_manager_must_enter_it(manager):
    year = calendar_known_until() + 1
    body = manager.get(f"/estate/calendar/?year={year}").content.decode()
    assert 'id="calendar-missing"' in body and "chinese-calendar" in body


def test_a_bad_year_parameter_is_not_a_500(manager):
    assert manager.get("/estate/calendar/?year=abc").status_code == 200


def test_weekly_hours_with_a_lunch_break_are_saved_and_audited(manager, demo):
    data = {
        "action": "weekly",
        **{f"weekday_{d}": "08:30-12:00,13:00-17:30" for d in range(5)},
        "weekday_5": "",
        "weekday_6": "",
    }
    resp = manager.post("/estate/calendar/", data)
    assert resp.status_code == 302
    assert WorkingPeriod.objects.filter(project=demo, weekday=0).count() == 2
    cal = BusinessCalendar.for_project(demo)
    assert not cal.is_working_time(dt.datetime(2026, 11, 23, 12, 30, tzinfo=cal.tz))
    row = AuditLog.objects.filter(project_id=demo.pk, action="calendar.weekly_changed").get()
    assert row.new["0"] == "08:30-12:00,13:00-17:30" and row.old["0"] == "08:30-17:30"


def test_bad_weekly_hours_are_a_400_with_a_sentence_and_store_nothing(manager, demo):
    resp = manager.post("/estate/calendar/", {"action": "weekly", "weekday_0": "17:30-08:30"})
    assert resp.status_code == 400
    assert "17:30-08:30" in resp.content.decode()
    assert WorkingPeriod.objects.filter(project=demo, weekday=0).count() == 1


def test_a_manager_enters_next_years_holiday_and_make_up_day(manager, demo):
    year = calendar_known_until() + 1
    assert (
        manager.post(
            "/estate/calendar/", {"action": "set_day", "date": f"{year}-01-01", "kind": "off", "name": "元旦"}
        ).status_code
        == 302
    )
    assert (
        manager.post(
            "/estate/calendar/",
            {"action": "set_day", "date": f"{year}-10-09", "kind": "special", "hours": "09:00-12:00"},
        ).status_code
        == 302
    )
    cal = BusinessCalendar.for_project(demo)
    assert not cal.is_working_day(dt.date(year, 1, 1))
    assert [p[1].time() for p in cal.periods_on(dt.date(year, 10, 9))] == [dt.time(12, 0)]
    assert AuditLog.objects.filter(project_id=demo.pk, action="calendar.day_set").count() == 2


def test_special_hours_without_periods_are_refused(demo):
    with pytest.raises(CalendarInputError):
        calendar_set_day(project=demo, actor=None, date=dt.date(2026, 12, 1), kind="special", hours="")
    with pytest.raises(CalendarInputError):
        calendar_set_day(project=demo, actor=None, date=dt.date(2026, 12, 1), kind="holiday")
    assert not CalendarDay.objects.filter(project=demo, date=dt.date(2026, 12, 1)).exists()


def test_a_bad_date_is_a_400(manager):
    resp = manager.post("/estate/calendar/", {"action": "set_day", "date": "2026-02-30", "kind": "off"})
    assert resp.status_code == 400


def test_removing_an_exception_restores_the_weekly_hours_and_is_audited(demo):
    national_day = dt.date(2025, 10, 1)
    assert calendar_clear_day(project=demo, actor=None, date=national_day)
    assert BusinessCalendar.for_project(demo).is_working_day(national_day)
    row = AuditLog.objects.filter(project_id=demo.pk, action="calendar.day_cleared").get()
    assert row.old["kind"] == "off" and row.object_id == "2025-10-01"


def test_setting_the_same_values_twice_writes_one_audit_row(demo):
    for _ in range(2):
        calendar_set_day(project=demo, actor=None, date=dt.date(2026, 12, 24), kind="special", hours="09:00-15:00")
        calendar_set_weekly(project=demo, actor=None, weekly=dict.fromkeys(range(5), "08:30-17:30"))
    assert AuditLog.objects.filter(project_id=demo.pk, action="calendar.day_set").count() == 1
    assert AuditLog.objects.filter(project_id=demo.pk, action="calendar.weekly_changed").count() == 0
