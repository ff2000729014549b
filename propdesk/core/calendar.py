"""Business-calendar arithmetic for one project.

A project's calendar is its weekly working periods plus dated exceptions
(holidays, make-up working days 调休, special hours). All functions take and
return aware datetimes; the arithmetic happens in the project's time zone.

"End of the working day" (API.md): the end of the working hours on that date;
when the moment is outside working hours or on a non-working day, the end of
the next working day (a lunch break between two periods counts as inside).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DEFAULT_PERIODS = ((dt.time(8, 30), dt.time(17, 30)),)
WORKING_WEEKDAYS = (0, 1, 2, 3, 4)
# Never search further than this for a working day (guards against a calendar
# with no working time at all).
MAX_SEARCH_DAYS = 3660


def parse_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """ "08:30-12:00,13:00-17:30" → ((08:30, 12:00), (13:00, 17:30)). Raises ValueError."""
    periods = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        start_s, sep, end_s = part.partition("-")
        if not sep:
            raise ValueError(f"bad period {part!r}")
        start = dt.time.fromisoformat(start_s.strip())
        end = dt.time.fromisoformat(end_s.strip())
        if end <= start:
            raise ValueError(f"period {part!r} ends before it starts")
        periods.append((start, end))
    periods.sort()
    for (_, prev_end), (next_start, _) in zip(periods, periods[1:], strict=False):
        if next_start < prev_end:
            raise ValueError("periods overlap")
    return tuple(periods)


def format_hours(periods) -> str:
    return ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in periods)


@dataclass
class BusinessCalendar:
    tz: ZoneInfo
    # weekday (0=Mon) → working periods; a weekday missing here is a day off.
    weekly: dict[int, tuple[tuple[dt.time, dt.time], ...]] = field(default_factory=dict)
    # date → periods for that date; () means a day off.
    exceptions: dict[dt.date, tuple[tuple[dt.time, dt.time], ...]] = field(default_factory=dict)

    @classmethod
    def default(cls, tz: str = "Asia/Shanghai") -> BusinessCalendar:
        return cls(tz=ZoneInfo(tz), weekly=dict.fromkeys(WORKING_WEEKDAYS, DEFAULT_PERIODS))

    @classmethod
    def for_project(cls, project) -> BusinessCalendar:
        from propdesk.core.models import CalendarDay, WorkingPeriod

        weekly: dict[int, list] = {}
        for wp in WorkingPeriod.objects.filter(project=project).order_by("weekday", "start"):
            weekly.setdefault(wp.weekday, []).append((wp.start, wp.end))
        if not weekly:
            weekly = {d: list(DEFAULT_PERIODS) for d in WORKING_WEEKDAYS}
        cal = cls(tz=ZoneInfo(project.time_zone), weekly={k: tuple(v) for k, v in weekly.items()})
        for day in CalendarDay.objects.filter(project=project).only("date", "kind", "hours"):
            if day.kind == CalendarDay.Kind.OFF:
                cal.exceptions[day.date] = ()
            elif day.kind == CalendarDay.Kind.SPECIAL:
                cal.exceptions[day.date] = parse_hours(day.hours)
            else:  # make-up working day: given hours, else the normal Monday–Friday hours
                cal.exceptions[day.date] = parse_hours(day.hours) if day.hours else cal._normal_workday_periods()
        return cal

    def _normal_workday_periods(self):
        for weekday in WORKING_WEEKDAYS:
            if self.weekly.get(weekday):
                return self.weekly[weekday]
        return DEFAULT_PERIODS

    # ------------------------------------------------------------ queries

    def periods_on(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """The working periods of a date, as aware datetimes."""
        local = self.exceptions.get(day)
        if local is None:
            local = self.weekly.get(day.weekday(), ())
        return tuple(
            (dt.datetime.combine(day, s, tzinfo=self.tz), dt.datetime.combine(day, e, tzinfo=self.tz)) for s, e in local
        )

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self.periods_on(day))

    def is_working_time(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.tz)
        return any(s <= local < e for s, e in self.periods_on(local.date()))

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        for offset in range(1, MAX_SEARCH_DAYS):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("the calendar has no working days")

    def end_of_working_day(self, moment: dt.datetime) -> dt.datetime:
        """The end of the working day that `moment` falls in (a lunch break
        between two periods belongs to its day); before the day's first period,
        after its last, or on a non-working day: the end of the next working
        day, as API.md words it ("arrives outside working hours → the end of
        the next working day", so 07:00 on a Monday → Tuesday's end)."""
        local = moment.astimezone(self.tz)
        periods = self.periods_on(local.date())
        if periods and periods[0][0] <= local < periods[-1][1]:
            return periods[-1][1]
        return self.periods_on(self.next_working_day(local.date()))[-1][1]

    def add_days(self, moment: dt.datetime, days: int) -> dt.datetime:
        """N calendar days later, same wall-clock time in the project's zone."""
        local = moment.astimezone(self.tz)
        naive = local.replace(tzinfo=None) + dt.timedelta(days=days)
        return naive.replace(tzinfo=self.tz)

    def add_working_days(self, moment: dt.datetime, days: int) -> dt.datetime:
        """N working days later, at the same wall-clock time (or the end of that
        day's hours, if it ends earlier)."""
        local = moment.astimezone(self.tz)
        day = local.date()
        for _ in range(days):
            day = self.next_working_day(day)
        target = dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.tz)
        periods = self.periods_on(day)
        if periods and target > periods[-1][1]:
            return periods[-1][1]
        return target

    def add_business_hours(self, moment: dt.datetime, hours: float) -> dt.datetime:
        """Advance by working time only: `hours` of working time after `moment`."""
        remaining = dt.timedelta(hours=hours)
        local = moment.astimezone(self.tz)
        day = local.date()
        for _ in range(MAX_SEARCH_DAYS):
            for start, end in self.periods_on(day):
                if end <= local:
                    continue
                begin = max(start, local)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day = day + dt.timedelta(days=1)
        raise ValueError("the calendar has no working time")

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        total = dt.timedelta()
        if end <= start:
            return total
        s_local, e_local = start.astimezone(self.tz), end.astimezone(self.tz)
        day = s_local.date()
        while day <= e_local.date():
            for p_start, p_end in self.periods_on(day):
                lo, hi = max(p_start, s_local), min(p_end, e_local)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total
