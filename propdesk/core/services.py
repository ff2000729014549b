"""Every write to core data goes through here, and leaves an audit row."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from propdesk.core.models import AuditLog, CalendarDay, Project, WorkingPeriod


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


def audit_record(
    *,
    actor,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id="",
    old: dict | None = None,
    new: dict | None = None,
    project: Project | None = None,
) -> AuditLog:
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


def audit_rows(actor, project: Project | None, rows: list[tuple[str, str, object, dict | None, dict | None]]) -> int:
    """Many audit rows at once: (action, object_type, object_id, old, new) each,
    old/new reduced to the changed keys (imports write one row per record)."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    objs = []
    for action, object_type, object_id, old, new in rows:
        old, new = changed(old, new)
        objs.append(
            AuditLog(
                at=now,
                actor=user,
                project_id=project.pk if project else None,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                old=old,
                new=new,
            )
        )
    AuditLog.objects.bulk_create(objs, batch_size=IMPORT_BATCH)
    return len(objs)


_id_views: contextvars.ContextVar[list | None] = contextvars.ContextVar("id_views", default=None)


@contextlib.contextmanager
def id_views_batched():
    """Collect the ID-number views of one request and write them in one insert
    at its end (the request middleware wraps every request in this)."""
    token = _id_views.set([])
    try:
        yield
    finally:
        rows = _id_views.get() or []
        _id_views.reset(token)
        if rows:
            AuditLog.objects.bulk_create(rows)


def id_number_viewed(*, user, person_id) -> None:
    """API.md: every full view of an ID number is recorded."""
    row = AuditLog(
        actor=user if user is not None and getattr(user, "is_authenticated", False) else None,
        action="person.id_number_viewed",
        object_type="core.person",
        object_id=str(person_id or ""),
    )
    batch = _id_views.get()
    if batch is None:
        row.save()
    else:
        batch.append(row)


def counter_next(*, project: Project, name: str) -> int:
    """Next number of a per-project sequence (T-1); see core.numbering.Numbering."""
    from propdesk.core.numbering import Numbering

    return Numbering(name).next(project=project)


# ---------------------------------------------------------------- calendar


def calendar_seed(*, project: Project, actor=None, years: list[int] | None = None) -> int:
    """Seed dated exceptions from `chinese-calendar`: public holidays become days
    off (weekend ones too, so a project that works Saturdays still rests on a
    holiday Saturday), weekend make-up days (调休) become working days. Days a
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
        if day.year in years and day not in existing:
            rows.append(
                CalendarDay(
                    project=project,
                    date=day,
                    kind=CalendarDay.Kind.OFF,
                    name=_holiday_name(name),
                    source="chinese-calendar",
                )
            )
    for day, name in chinese_calendar.workdays.items():
        if day.year in years and day.weekday() >= 5 and day not in existing:
            rows.append(
                CalendarDay(
                    project=project,
                    date=day,
                    kind=CalendarDay.Kind.WORKDAY,
                    name=_holiday_name(name),
                    source="chinese-calendar",
                )
            )
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_record(
            actor=actor,
            action="calendar.seeded",
            object_type="core.project",
            object_id=project.pk,
            project=project,
            new={"days": len(rows), "years": years},
        )
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


# ---------------------------------------------------------------- estate import (Excel)

IMPORT_BATCH = 1000


@dataclass
class ImportResult:
    """Row errors (nothing stored) or, when there are none, what was stored."""

    errors: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # kind → {"created": n, "updated": n, "unchanged": n}
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def estate_import(*, project: Project, actor, data: bytes, today: dt.date | None = None) -> ImportResult:
    """Import buildings, units, people and occupancies from one .xlsx (DOMAIN §0,
    issue 2 item 6). All or nothing: every row is checked first; any bad row
    means nothing is stored and every bad row is reported. Re-importing updates
    by natural key instead of duplicating. One audit row per import.

    Raises excel.WorkbookRefused when the file is not a readable workbook."""
    from propdesk.core import excel

    sheets, header_errors = excel.read_workbook(data)
    with transaction.atomic():
        # One import per project at a time: two concurrent imports of the same
        # file must not both create the same person (people have no unique key).
        Project.objects.select_for_update().filter(pk=project.pk).first()
        existing = excel.Existing.load(project)
        plan = excel.plan_import(project, sheets, existing, today=today or timezone.localdate())
        errors = header_errors + plan.errors
        if errors:
            return ImportResult(errors=errors, truncated=plan.truncated)
        counts = _apply_estate_plan(project, plan, existing, actor)
        audit_record(
            actor=actor,
            action="estate.imported",
            object_type="core.project",
            object_id=project.pk,
            project=project,
            new={"counts": counts, "sheets": sorted(sheets)},
        )
    return ImportResult(counts=counts)


def _diff_update(current: dict, wanted: dict) -> dict:
    """Fields whose wanted value is given (not None) and differs from the stored one."""
    return {k: v for k, v in wanted.items() if v is not None and current.get(k) != v}


def _apply_estate_plan(project, plan, existing, actor=None) -> dict:
    """Store the plan; every unit, person and occupancy created or changed
    leaves its own audit row, so the unit and person pages show their history."""
    from propdesk.core.models import Building, Occupancy, Person, Unit

    counts = {}
    trail: list[tuple[str, str, object, dict | None, dict | None]] = []

    def tally(kind, creates, updates, total):
        counts[kind] = {"created": creates, "updated": updates, "unchanged": total - creates - updates}

    # Buildings
    new, changed_rows = [], []
    for row in plan.buildings:
        wanted = {"name": row["name"], "floors": row["floors"]}
        current = existing.buildings.get(row["code"])
        if current is None:
            new.append(Building(project=project, code=row["code"], name=row["name"] or "", floors=row["floors"]))
        elif diff := _diff_update(current, wanted):
            changed_rows.append(Building(id=current["id"], **{**{k: current[k] for k in wanted}, **diff}))
    Building.objects.bulk_create(new, batch_size=IMPORT_BATCH)
    Building.objects.bulk_update(changed_rows, ["name", "floors"], batch_size=IMPORT_BATCH)
    tally("buildings", len(new), len(changed_rows), len(plan.buildings))
    building_ids = dict(Building.objects.filter(project=project).values_list("code", "id"))

    # Units
    fields_ = ["building_id", "entrance", "room", "floor", "area", "use", "state"]
    new, changed_rows = [], []
    for row in plan.units:
        wanted = {
            "building_id": building_ids[row["building"]],
            "entrance": row["entrance"],
            "room": row["room"],
            "floor": row["floor"],
            "area": row["area"],
            "use": row["use"],
            "state": row["state"],
        }
        current = existing.units.get(row["code"])
        if current is None:
            new.append(
                Unit(
                    project=project,
                    code=row["code"],
                    **{**wanted, "use": row["use"] or Unit.Use.RESIDENTIAL, "state": row["state"] or Unit.State.VACANT},
                )
            )
        elif diff := _diff_update(current, wanted):
            changed_rows.append(
                Unit(
                    id=current["id"], project=project, code=row["code"], **{**{k: current[k] for k in fields_}, **diff}
                )
            )
    Unit.objects.bulk_create(new, batch_size=IMPORT_BATCH)
    Unit.objects.bulk_update(changed_rows, fields_, batch_size=IMPORT_BATCH)
    tally("units", len(new), len(changed_rows), len(plan.units))
    for unit in new:
        trail.append(("unit.created", "core.unit", unit.pk, None, snapshot(unit, UNIT_AUDIT_FIELDS)))
    for unit in changed_rows:
        old = {k: _jsonable(existing.units[unit.code].get(k)) for k in fields_}
        trail.append(("unit.updated", "core.unit", unit.pk, _named(old), snapshot(unit, UNIT_AUDIT_FIELDS)))
    unit_ids = {code: u["id"] for code, u in existing.units.items()}
    unit_ids.update({u.code: u.pk for u in new})
    if any(u.pk is None for u in new):  # a backend that cannot return ids from bulk inserts
        unit_ids = dict(Unit.objects.filter(project=project).values_list("code", "id"))

    # People
    fields_ = ["name", "phone", "phone2", "id_type", "id_number", "email", "note"]
    new, changed_rows, file_pk = [], [], {}
    for index, row in enumerate(plan.people):
        pk = None
        if row["id_number"]:
            pk = existing.people_by_id.get(row["id_number"])
        if pk is None:
            candidate = existing.people_by_name_phone.get((row["name"], row["phone"]))
            # Without an ID match, name + phone finds the person only if the stored
            # record has no (other) ID number: two IDs are two people.
            if candidate is not None and not existing.people[candidate]["id_number"]:
                pk = candidate
        wanted = {k: (row[k] or None) for k in fields_}
        wanted["name"] = row["name"]
        if pk is None:
            person = Person(project=project, **{k: row[k] or "" for k in fields_})
            person.id_type = row["id_type"] or Person.IdType.RESIDENT_ID
            new.append((index, person))
        else:
            file_pk[index] = pk
            current = existing.people[pk]
            if diff := _diff_update(current, wanted):
                changed_rows.append(Person(id=pk, project=project, **{**{k: current[k] for k in fields_}, **diff}))
    Person.objects.bulk_create([p for _, p in new], batch_size=IMPORT_BATCH)
    Person.objects.bulk_update(changed_rows, fields_, batch_size=IMPORT_BATCH)
    tally("people", len(new), len(changed_rows), len(plan.people))
    if any(p.pk is None for _, p in new):
        raise RuntimeError("the database did not return ids from a bulk insert")
    file_pk.update({index: p.pk for index, p in new})
    for _index, person in new:
        trail.append(("person.created", "core.person", person.pk, None, snapshot(person, PERSON_AUDIT_FIELDS)))
    for person in changed_rows:
        old = {k: existing.people[person.pk].get(k) for k in fields_}
        trail.append(("person.updated", "core.person", person.pk, old, snapshot(person, PERSON_AUDIT_FIELDS)))

    # Occupancies
    new, changed_rows = [], []
    for row in plan.occupancies:
        origin, ref = row["person"]
        person_id = file_pk[ref] if origin == "file" else ref
        unit_id = unit_ids[row["unit"]]
        current = existing.occupancies.get((unit_id, person_id, row["role"], row["start"]))
        if current is None:
            new.append(
                Occupancy(unit_id=unit_id, person_id=person_id, role=row["role"], start=row["start"], end=row["end"])
            )
        elif row["end"] is not None and current["end"] != row["end"]:
            changed_rows.append(
                Occupancy(
                    id=current["id"],
                    unit_id=unit_id,
                    person_id=person_id,
                    role=row["role"],
                    start=row["start"],
                    end=row["end"],
                )
            )
    Occupancy.objects.bulk_create(new, batch_size=IMPORT_BATCH)
    Occupancy.objects.bulk_update(changed_rows, ["end"], batch_size=IMPORT_BATCH)
    tally("occupancies", len(new), len(changed_rows), len(plan.occupancies))
    unit_codes = {pk: code for code, pk in unit_ids.items()}
    names = dict(Person.objects.filter(pk__in={o.person_id for o in new + changed_rows}).values_list("pk", "name"))
    for occ, action in [(o, "added") for o in new] + [(o, "ended") for o in changed_rows]:
        facts = {"role": occ.role, "start": _jsonable(occ.start), "end": _jsonable(occ.end)}
        trail.append(
            (
                f"unit.occupant_{action}",
                "core.unit",
                occ.unit_id,
                None,
                {"person": names.get(occ.person_id, ""), **facts},
            )
        )
        trail.append(
            (
                f"person.unit_{action}",
                "core.person",
                occ.person_id,
                None,
                {"unit": unit_codes.get(occ.unit_id, ""), **facts},
            )
        )
    audit_rows(actor, project, trail)
    return counts


UNIT_AUDIT_FIELDS = ["code", "entrance", "room", "floor", "area", "use", "state"]
PERSON_AUDIT_FIELDS = ["name", "phone", "phone2", "id_type", "id_number", "email", "note"]


def _named(values: dict) -> dict:
    """building_id → building, as snapshot() names relation fields by attname."""
    return {k: v for k, v in values.items() if k != "building_id"}


# ---------------------------------------------------------------- calendar editing (managers)


class CalendarInputError(ValueError):
    """A calendar edit that cannot be stored; the message is a sentence for the user."""


def _periods_from_text(text: str):
    from django.utils.translation import gettext as _

    from propdesk.core.calendar import parse_hours

    try:
        return parse_hours(text)
    except ValueError:
        raise CalendarInputError(
            _(
                "“%(text)s” is not a list of periods like 08:30-12:00,13:00-17:30 (each ending after it starts, "
                "not overlapping)."
            )
            % {"text": text}
        )


def calendar_set_weekly(*, project: Project, actor, weekly: dict[int, str]) -> None:
    """Replace the weekly working hours. `weekly` maps weekday (0 = Monday) to
    "08:30-12:00,13:00-17:30"; an empty text makes that weekday a day off."""
    from django.utils.translation import gettext as _

    periods = {day: _periods_from_text(weekly.get(day, "")) for day in range(7)}
    if not any(periods.values()):
        raise CalendarInputError(_("At least one weekday needs working hours."))
    from propdesk.core.calendar import format_hours

    with transaction.atomic():
        old_rows = WorkingPeriod.objects.select_for_update().filter(project=project).order_by("weekday", "start")
        old = {}
        for wp in old_rows:
            old.setdefault(str(wp.weekday), []).append((wp.start, wp.end))
        old = {k: format_hours(v) for k, v in old.items()}
        new = {str(day): format_hours(p) for day, p in periods.items() if p}
        if old == new:
            return
        WorkingPeriod.objects.filter(project=project).delete()
        WorkingPeriod.objects.bulk_create(
            [WorkingPeriod(project=project, weekday=day, start=s, end=e) for day, ps in periods.items() for s, e in ps]
        )
        audit_record(
            actor=actor,
            action="calendar.weekly_changed",
            object_type="core.project",
            object_id=project.pk,
            project=project,
            old=old,
            new=new,
        )


def calendar_set_day(
    *, project: Project, actor, date: dt.date, kind: str, hours: str = "", name: str = ""
) -> CalendarDay:
    """Add or change a dated exception: a day off, a make-up working day (调休;
    empty hours = the normal weekday hours) or special hours."""
    from django.utils.translation import gettext as _

    from propdesk.core.calendar import format_hours

    if kind not in CalendarDay.Kind.values:
        raise CalendarInputError(_("Choose day off, make-up working day or special hours."))
    periods = _periods_from_text(hours) if kind != CalendarDay.Kind.OFF else ()
    if kind == CalendarDay.Kind.SPECIAL and not periods:
        raise CalendarInputError(_("Special hours need at least one period, e.g. 09:00-12:00."))
    name = (name or "").strip()[:100]
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(project=project, date=date).first()
        old = snapshot(day, ["kind", "hours", "name", "source"]) if day else None
        if day is None:
            day = CalendarDay(project=project, date=date)
        day.kind, day.hours, day.name, day.source = kind, format_hours(periods), name, "manual"
        new = snapshot(day, ["kind", "hours", "name", "source"])
        if old != new:
            day.save()
            audit_record(
                actor=actor,
                action="calendar.day_set",
                obj=day,
                project=project,
                old=old,
                new={**new, "date": date.isoformat()},
            )
    return day


def calendar_clear_day(*, project: Project, actor, date: dt.date) -> bool:
    """Remove a dated exception: the date follows the weekly hours again."""
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(project=project, date=date).first()
        if day is None:
            return False
        old = {**snapshot(day, ["kind", "hours", "name", "source"]), "date": date.isoformat()}
        day.delete()
        audit_record(
            actor=actor,
            action="calendar.day_cleared",
            object_type="core.calendarday",
            object_id=date.isoformat(),
            project=project,
            old=old,
            new=None,
        )
    return True
