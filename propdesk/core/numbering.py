"""Numbering: sequences per project and record type (T-1), gapless and never
reused, optionally reset each year, printed the same everywhere.

    KEY_SLIP = Numbering("keyslip", prefix="YS", width=4, yearly=True)
    number = KEY_SLIP.next(project=project, at=now, model=KeyLoan)   # 1, 2, 3 … (per year)
    KEY_SLIP.display(number, year=2026)                               # "YS2026-0001"

`next()` must run inside the caller's transaction: the counter row is locked
until it commits, so concurrent creates queue and a rolled-back create gives
its number back. The counter is created on first use and starts above the
highest number already stored for that record type (a database built or
imported without counters never hands out a number twice)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from propdesk.core.models import Counter, Project


@dataclass(frozen=True)
class Numbering:
    key: str  # counter name, e.g. "ticket", "keyslip"
    prefix: str = ""
    width: int = 0  # zero-padding of the printed number
    yearly: bool = False  # restart at 1 every calendar year (project time zone)
    number_field: str = "number"
    # The field holding the year of a yearly number on the record (for the floor).
    year_field: str = "number_year"

    def counter_name(self, year: int | None) -> str:
        return f"{self.key}:{year}" if self.yearly and year else self.key

    def next(self, *, project: Project, at: dt.datetime | None = None, model=None) -> int:
        """The next number. `model` (the record model, with `project` and the
        number field) lets a new counter start above what is stored."""
        assert transaction.get_connection().in_atomic_block, "Numbering.next needs a transaction"
        year = self._year(project, at) if self.yearly else None
        name = self.counter_name(year)
        counter = Counter.objects.filter(project=project, name=name).first()
        if counter is None:
            counter = self._create(project, name, model, year)
        Counter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
        return Counter.objects.select_for_update().values_list("value", flat=True).get(pk=counter.pk)

    def _create(self, project, name, model, year) -> Counter:
        floor = 0
        if model is not None:
            rows = model._default_manager.filter(project=project)
            if year is not None:
                rows = rows.filter(**{self.year_field: year})
            floor = rows.aggregate(m=Max(self.number_field))["m"] or 0
        try:
            with transaction.atomic():
                return Counter.objects.create(project=project, name=name, value=floor)
        except IntegrityError:  # a concurrent first create made it
            return Counter.objects.get(project=project, name=name)

    def resync(self, *, project: Project, model, at: dt.datetime | None = None) -> None:
        """Move the counter above the highest number stored (after a duplicate
        number: a database filled without its counter). Own transaction."""
        year = self._year(project, at) if self.yearly else None
        rows = model._default_manager.filter(project=project)
        if year is not None:
            rows = rows.filter(**{self.year_field: year})
        highest = rows.aggregate(m=Max(self.number_field))["m"] or 0
        with transaction.atomic():
            counter = Counter.objects.select_for_update().filter(project=project, name=self.counter_name(year)).first()
            if counter is None:
                self._create(project, self.counter_name(year), model, year)
            elif counter.value < highest:
                Counter.objects.filter(pk=counter.pk).update(value=highest)

    def display(self, number: int | None, *, year: int | None = None) -> str:
        if number is None:
            return ""
        digits = str(number).zfill(self.width) if self.width else str(number)
        if self.yearly and year:
            return f"{self.prefix}{year}-{digits}"
        return f"{self.prefix}{digits}"

    @staticmethod
    def _year(project: Project, at: dt.datetime | None) -> int:
        from zoneinfo import ZoneInfo

        moment = at or timezone.now()
        try:
            zone = ZoneInfo(project.time_zone or "Asia/Shanghai")
        except (ValueError, KeyError):
            zone = ZoneInfo("Asia/Shanghai")
        return moment.astimezone(zone).year
