"""API.md "end of the working day": inside the day's hours (a lunch break
included) → that day's end; before opening, after closing or on a day off →
the end of the next working day."""

import datetime as dt
from zoneinfo import ZoneInfo

from propdesk.core.calendar import BusinessCalendar, parse_hours

TZ = ZoneInfo("Asia/Shanghai")


def cst(*args):
    return dt.datetime(*args, tzinfo=TZ)


def lunch_calendar():
    periods = parse_hours("08:30-12:00,13:00-17:30")
    return BusinessCalendar(tz=TZ, weekly=dict.fromkeys(range(5), periods))


def test_lunch_break_belongs_to_its_working_day():
    assert lunch_calendar().end_of_working_day(cst(2026, 11, 23, 12, 30)) == cst(2026, 11, 23, 17, 30)


def test_before_opening_is_outside_working_hours_so_the_next_working_day():
    assert lunch_calendar().end_of_working_day(cst(2026, 11, 23, 7, 0)) == cst(2026, 11, 24, 17, 30)


def test_after_closing_on_friday_is_monday():
    assert lunch_calendar().end_of_working_day(cst(2026, 11, 27, 18, 0)) == cst(2026, 11, 30, 17, 30)
