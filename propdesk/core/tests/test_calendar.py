"""Issue 2 item 4: the business calendar (core/calendar.py) — against
chinese-calendar and the `holidays` package, property tests of the arithmetic,
and the explicit cases of API.md ("end of the working day", 调休)."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propdesk.core.calendar import BusinessCalendar, format_hours, parse_hours
from propdesk.core.models import AuditLog, CalendarDay, Company, Project
from propdesk.core.services import calendar_seed

SH = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = min(chinese_calendar.holidays).year
LAST_YEAR = max(chinese_calendar.holidays).year
LUNCH = "08:30-12:00,13:00-17:30"


def cst(*args):
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def seeded(db):
    company = Company.objects.create(name="日历测试物业")
    project = Project.objects.create(company=company, code="CAL", name="日历测试")
    calendar_seed(project=project)
    return BusinessCalendar.for_project(project)


# ------------------------------------------------------------ against the reference data


def test_seeded_calendar_equals_chinese_calendar_on_every_known_day(seeded):
    day, mismatches = dt.date(FIRST_YEAR, 1, 1), []
    while day.year <= LAST_YEAR:
        if seeded.is_working_day(day) != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += dt.timedelta(days=1)
    assert mismatches == []


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(day=st.dates(dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)))
def test_is_working_day_matches_chinese_calendar(seeded, day):
    assert seeded.is_working_day(day) == chinese_calendar.is_workday(day)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(year=st.integers(FIRST_YEAR, LAST_YEAR))
def test_every_holidays_china_holiday_on_a_weekday_is_a_day_off(seeded, year):
    for day, name in holidays.China(years=year).items():
        if day.weekday() < 5:
            assert not seeded.is_working_day(day), (day, name)


def test_years_after_chinese_calendar_have_only_weekly_hours(seeded):
    """What the calendar warning is about: the year chinese-calendar does not
    know yet has no holidays, so 1 January counts as a working day."""
    new_year = dt.date(LAST_YEAR + 1, 1, 1)
    assert seeded.is_working_day(new_year) == (new_year.weekday() < 5)


def test_seeding_is_idempotent_and_keeps_manual_days(db):
    company = Company.objects.create(name="日历测试物业2")
    project = Project.objects.create(company=company, code="CAL2", name="日历测试2")
    first = calendar_seed(project=project)
    assert first > 0
    CalendarDay.objects.filter(project=project, date=dt.date(2025, 10, 8)).update(
        kind=CalendarDay.Kind.WORKDAY, source="manual"
    )
    assert calendar_seed(project=project) == 0
    assert CalendarDay.objects.get(project=project, date=dt.date(2025, 10, 8)).kind == CalendarDay.Kind.WORKDAY


def test_a_project_working_saturdays_still_rests_on_a_holiday_saturday(db):
    from propdesk.core.models import WorkingPeriod

    company = Company.objects.create(name="六天班物业")
    project = Project.objects.create(company=company, code="SIX", name="六天班")
    WorkingPeriod.objects.bulk_create(
        [WorkingPeriod(project=project, weekday=d, start=dt.time(8, 30), end=dt.time(17, 30)) for d in range(6)]
    )
    calendar_seed(project=project, years=[2025])
    cal = BusinessCalendar.for_project(project)
    assert cal.is_working_day(dt.date(2025, 10, 18))  # an ordinary Saturday
    assert not cal.is_working_day(dt.date(2025, 10, 4))  # National Day Saturday


# ------------------------------------------------------------ explicit cases


def test_make_up_sunday_2025_09_28_is_a_working_day(seeded):
    day = dt.date(2025, 9, 28)
    assert day.weekday() == 6 and seeded.is_working_day(day)
    assert seeded.is_working_time(cst(2025, 9, 28, 10, 0))
    assert seeded.end_of_working_day(cst(2025, 9, 28, 10, 0)) == cst(2025, 9, 28, 17, 30)


def test_national_day_week_2025_is_off_and_work_resumes_on_the_9th(seeded):
    for d in range(1, 9):
        assert not seeded.is_working_day(dt.date(2025, 10, d)), d
    assert seeded.is_working_day(dt.date(2025, 10, 9))
    assert seeded.is_working_day(dt.date(2025, 10, 11))  # Saturday make-up day
    assert seeded.next_working_day(dt.date(2025, 9, 30)) == dt.date(2025, 10, 9)
    assert seeded.end_of_working_day(cst(2025, 10, 3, 10, 0)) == cst(2025, 10, 9, 17, 30)
    assert seeded.add_working_days(cst(2025, 9, 30, 10, 0), 1) == cst(2025, 10, 9, 10, 0)
    # two working hours from 16:30 on the eve of the holiday land on the 9th
    assert seeded.add_business_hours(cst(2025, 9, 30, 16, 30), 2) == cst(2025, 10, 9, 9, 30)


def test_after_17_30_the_end_of_the_working_day_is_the_next_working_days_end(seeded):
    monday = cst(2026, 11, 23, 17, 31)
    assert not seeded.is_working_time(monday)
    assert seeded.end_of_working_day(monday) == cst(2026, 11, 24, 17, 30)
    friday = cst(2026, 11, 27, 18, 0)
    assert seeded.end_of_working_day(friday) == cst(2026, 11, 30, 17, 30)
    assert seeded.end_of_working_day(cst(2026, 11, 23, 17, 29)) == cst(2026, 11, 23, 17, 30)


def test_a_calendar_with_a_lunch_break_has_two_periods():
    cal = BusinessCalendar(tz=SH, weekly=dict.fromkeys(range(5), parse_hours(LUNCH)))
    assert len(cal.periods_on(dt.date(2026, 11, 23))) == 2
    assert not cal.is_working_time(cst(2026, 11, 23, 12, 30))
    assert cal.is_working_time(cst(2026, 11, 23, 13, 0))
    assert cal.add_business_hours(cst(2026, 11, 23, 11, 30), 1) == cst(2026, 11, 23, 13, 30)
    assert cal.working_time_between(cst(2026, 11, 23, 11, 0), cst(2026, 11, 23, 14, 0)) == dt.timedelta(hours=2)
    assert cal.end_of_working_day(cst(2026, 11, 23, 9, 0)) == cst(2026, 11, 23, 17, 30)


def test_times_given_in_utc_are_read_in_the_projects_zone(seeded):
    utc_moment = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    assert seeded.is_working_time(utc_moment)
    assert seeded.end_of_working_day(utc_moment) == cst(2026, 11, 23, 17, 30)


def test_parse_hours_refuses_bad_periods():
    assert format_hours(parse_hours("13:00-17:30，08:30-12:00")) == LUNCH
    for bad in ("8:30", "17:30-08:30", "08:00-12:00,11:00-13:00", "aa-bb"):
        with pytest.raises(ValueError):
            parse_hours(bad)


# ------------------------------------------------------------ properties

times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
periods = st.lists(st.tuples(st.integers(0, 23 * 60), st.integers(15, 8 * 60)), min_size=1, max_size=3).map(
    lambda spans: _non_overlapping(spans)
)


def _non_overlapping(spans):
    out, last_end = [], 0
    for start, length in sorted(spans):
        start = max(start, last_end)
        end = min(start + length, 24 * 60 - 1)
        if end <= start:
            continue
        out.append((dt.time(start // 60, start % 60), dt.time(end // 60, end % 60)))
        last_end = end + 1
    return tuple(out) or ((dt.time(8, 30), dt.time(17, 30)),)


@st.composite
def calendars(draw):
    weekly = {d: draw(periods) for d in range(7) if draw(st.booleans()) or d == 0}
    exceptions = {}
    for _ in range(draw(st.integers(0, 6))):
        day = draw(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
        exceptions[day] = draw(st.one_of(st.just(()), periods))
    return BusinessCalendar(tz=SH, weekly=weekly, exceptions=exceptions)


moments = st.builds(
    lambda d, t: dt.datetime.combine(d, t, tzinfo=SH), st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), times
)


@given(cal=calendars(), moment=moments)
def test_end_of_working_day_is_after_the_moment_and_ends_a_working_period(cal, moment):
    end = cal.end_of_working_day(moment)
    assert end >= moment
    assert end in {p_end for _, p_end in cal.periods_on(end.date())}
    assert end == cal.periods_on(end.date())[-1][1]


@given(cal=calendars(), moment=moments, minutes=st.integers(0, 60 * 60))
def test_add_business_hours_then_working_time_between_gives_the_hours_back(cal, moment, minutes):
    hours = minutes / 60
    later = cal.add_business_hours(moment, hours)
    assert later >= moment
    assert cal.working_time_between(moment, later) == dt.timedelta(minutes=minutes)
    if minutes:
        assert cal.is_working_time(later - dt.timedelta(minutes=1)) or cal.is_working_time(later)


@given(
    moment=st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2040, 12, 31), timezones=st.just(dt.UTC)),
    days=st.integers(-400, 400),
)
def test_add_days_keeps_the_wall_clock_time_in_shanghai(moment, days):
    cal = BusinessCalendar.default()
    later = cal.add_days(moment, days)
    before, after = moment.astimezone(SH), later.astimezone(SH)
    assert after.time() == before.time()
    assert (after.date() - before.date()).days == days
    assert later - moment == dt.timedelta(days=days)  # Asia/Shanghai has no DST


@given(cal=calendars(), moment=moments, days=st.integers(1, 30))
def test_add_working_days_lands_on_a_working_day(cal, moment, days):
    later = cal.add_working_days(moment, days)
    assert cal.is_working_day(later.date())
    assert later > moment


# ------------------------------------------------------------ the seed_calendar command


def test_seed_calendar_command_seeds_one_project_and_one_year(db, capsys):
    company = Company.objects.create(name="命令测试物业")
    project = Project.objects.create(company=company, code="CMD", name="命令测试")
    call_command("seed_calendar", "--project", "CMD", "--year", "2025")
    years = {d.year for d in CalendarDay.objects.filter(project=project).values_list("date", flat=True)}
    assert years == {2025}
    assert AuditLog.objects.filter(project_id=project.pk, action="calendar.seeded").count() == 1
    call_command("seed_calendar", "--project", "CMD", "--year", "2025")  # idempotent: no second audit row
    assert AuditLog.objects.filter(project_id=project.pk, action="calendar.seeded").count() == 1


def test_seed_calendar_refuses_a_year_chinese_calendar_does_not_know(db):
    with pytest.raises(CommandError, match="manager"):
        call_command("seed_calendar", "--year", str(LAST_YEAR + 1))


def test_seed_calendar_refuses_an_unknown_project(db):
    with pytest.raises(CommandError, match="NOPE"):
        call_command("seed_calendar", "--project", "NOPE")
