"""The management KPIs (DOMAIN.md §7): one registry, each KPI computed from
the records by the app that owns them, never typed in.

Apps register their KPIs in AppConfig.ready():

    kpis.register(Kpi(
        code="visitor_minutes", label=_("Visitor handled (minutes)"), target=Decimal("5.0"),
        kind=kpis.MINUTES, compute=visitor_minutes, order=50,
        records_url=lambda project, month: reverse("frontdesk:visitors") + f"?month={month.label}",
    ))

`compute(project, start, end)` returns the value for records of the period
[start, end) (aware datetimes in the project's zone), or None when the period
has no records. `met(value)` compares it with the target (the direction
depends on the kind: rates and counts of good things must reach the target,
minutes and repeat counts must stay at or under it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

RATE = "rate"  # share, 0..1, shown with four decimals (like every rate of API-2.md)
MINUTES = "minutes"  # an average handling time, one decimal
COUNT = "count"  # a number of records

Compute = Callable[[Any, dt.datetime, dt.datetime], Decimal | int | None]


@dataclass(frozen=True)
class Kpi:
    code: str
    label: Any  # lazy translated
    target: Decimal | int
    kind: str
    compute: Compute
    higher_is_better: bool = True
    order: int = 100
    # Where the records behind a value are listed (the KPI page links each value to them).
    records_url: Callable[[Any, Any], str] | None = None

    def met(self, value: Decimal | int | None) -> bool | None:
        if value is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target


_KPIS: dict[str, Kpi] = {}


def register(kpi: Kpi) -> Kpi:
    _KPIS[kpi.code] = kpi
    return kpi


def all_kpis() -> list[Kpi]:
    return sorted(_KPIS.values(), key=lambda k: (k.order, k.code))


def get(code: str) -> Kpi:
    return _KPIS[code]
