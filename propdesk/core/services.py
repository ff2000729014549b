"""Every write to core data goes through here, and leaves an audit row."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from propdesk.core.models import AuditLog, CalendarDay, Counter, Project, WorkingPeriod


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    return value


def snapshot(obj: Model, fields: list[str] | None = None) -> dict:
    """Plain values of a model's concrete fields, for the audit trail."""
    out = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        out[f.attname if f.is_relation else f.name] = _jsonable(getattr(obj, f.attname))
    return out


def changed(old: dict | None, new: dict | None) -> tuple[dict | None, dict | None]:
    """Only the keys whose value differs, so the trail reads as a diff."""
    if old is None or new is None:
        return old, new
    keys = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


def audit_record(*, actor, action: str, obj: Model | None = None, object_type: str = "", object_id="",
                 old: dict | None = None, new: dict | None = None, project: Project | None = None) -> AuditLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        if project is None and hasattr(obj, "project_id"):
            project_id = obj.project_id
        else:
            project_id = project.pk if project else None
    else:
        project_id = project.pk if project else None
    old, new = changed(old, new)
    return AuditLog.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        project_id=project_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        old=old,
        new=new,
    )


def counter_next(*, project: Project, name: str) -> int:
    """Next number of a per-project sequence, under a row lock (T-1). Must run
    inside the caller's transaction so a rolled-back create releases nothing
    twice and a committed number is never reused."""
    assert transaction.get_connection().in_atomic_block, "counter_next needs a transaction"
    counter, _ = Counter.objects.get_or_create(project=project, name=name)
    Counter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    return counter.value


# ---------------------------------------------------------------- calendar


def calendar_seed(*, project: Project, actor=None, years: list[int] | None = None) -> int:
    """Seed dated exceptions from `chinese-calendar`: public holidays on weekdays
    become days off, weekend make-up days (调休) become working days. Days a
    manager edited by hand are left alone. Returns how many days were added."""
    import chinese_calendar

    if not WorkingPeriod.objects.filter(project=project).exists():
        WorkingPeriod.objects.bulk_create(
            [WorkingPeriod(project=project, weekday=d, start=dt.time(8, 30), end=dt.time(17, 30)) for d in range(5)]
        )
    known = sorted({d.year for d in chinese_calendar.holidays})
    years = [y for y in (years or known) if y in known]
    existing = set(CalendarDay.objects.filter(project=project).values_list("date", flat=True))
    rows = []
    for day, name in chinese_calendar.holidays.items():
        if day.year in years and day.weekday() < 5 and day not in existing:
            rows.append(CalendarDay(project=project, date=day, kind=CalendarDay.Kind.OFF,
                                    name=_holiday_name(name), source="chinese-calendar"))
    for day, name in chinese_calendar.workdays.items():
        if day.year in years and day.weekday() >= 5 and day not in existing:
            rows.append(CalendarDay(project=project, date=day, kind=CalendarDay.Kind.WORKDAY,
                                    name=_holiday_name(name), source="chinese-calendar"))
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_record(actor=actor, action="calendar.seeded", object_type="core.project", object_id=project.pk,
                     project=project, new={"days": len(rows), "years": years})
    return len(rows)


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(value) -> str:
    if value is None:
        return ""
    text = getattr(value, "value", str(value))
    return _HOLIDAY_NAMES.get(text, text)


def calendar_known_until() -> int:
    import chinese_calendar

    return max(d.year for d in chinese_calendar.holidays)


def calendar_missing_next_year(project: Project, today: dt.date | None = None) -> bool:
    """True when next year has no holiday data: the dashboard warns about it."""
    today = today or timezone.localdate()
    next_year = today.year + 1
    return not CalendarDay.objects.filter(project=project, date__year=next_year).exists()
