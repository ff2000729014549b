"""Policy figures: what each time limit is, as a small spec string, and how a
spec turns a start moment into a due moment on the project's calendar.

Specs: "30m" (clock minutes), "2h" (clock hours), "2d" (calendar days, same
wall-clock time), "1wd" (working days), "4bh" (working hours), "eod" (end of
the working day: API.md), "off" (an optional time limit not used).

Figures are registered by the apps that use them, each with its default and
its label (`register_figures`), in the app's `deadlines` module (imported at
start-up by sla's AppConfig). A project's policy version stores the figures it
sets; a figure registered after a version was saved takes its default there,
so old versions keep working."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

_SPEC = re.compile(r"^(?:(\d{1,4})(m|h|d|wd|bh)|eod|off)$")
OFF = "off"


@dataclass(frozen=True)
class Figure:
    key: str
    default: str
    label: Any  # lazy translated sentence shown on the policy page
    app: str  # the app label that registered it (groups the policy page)
    optional: bool = False  # may be switched "off"


# Every registered figure, in registration order; the dicts below are views kept
# up to date by `register_figures` (modules may import them at any time).
REGISTRY: dict[str, Figure] = {}
# key → (default spec, label)
FIGURES: dict[str, tuple[str, Any]] = {}
# key → default spec
DEFAULT_FIGURES: dict[str, str] = {}
# Figures that may be switched off; the others always apply.
OPTIONAL: set[str] = set()


def register_figures(app: str, figures: dict[str, tuple[str, Any]], *, optional: frozenset | set = frozenset()) -> None:
    """Register `key → (default spec, label)` for `app`. Registering a key again
    with the same default is harmless (module reloads); a different default or
    another app's key is a programming error."""
    for key, (default, label) in figures.items():
        if not valid_spec(default):
            raise ValueError(f"figure {key!r}: bad default spec {default!r}")
        existing = REGISTRY.get(key)
        if existing is not None and (existing.app != app or existing.default != default):
            raise ValueError(f"figure {key!r} is already registered by {existing.app} with {existing.default!r}")
        figure = Figure(key=key, default=default, label=label, app=app, optional=key in optional)
        REGISTRY[key] = figure
        FIGURES[key] = (default, label)
        DEFAULT_FIGURES[key] = default
        if figure.optional:
            OPTIONAL.add(key)


def figures_by_app() -> list[tuple[str, list[Figure]]]:
    """(app label, its figures) in registration order of the apps."""
    groups: dict[str, list[Figure]] = {}
    for figure in REGISTRY.values():
        groups.setdefault(figure.app, []).append(figure)
    return list(groups.items())


def valid_spec(spec: str) -> bool:
    if not isinstance(spec, str):
        return False
    m = _SPEC.match(spec.strip())
    if m is None:
        return False
    return spec.strip() in ("eod", OFF) or int(m.group(1)) > 0


def normalise(spec: str) -> str:
    return spec.strip().lower()


def figures_with_defaults(figures: dict | None) -> dict:
    """A stored version's figures completed with the registered defaults."""
    merged = dict(DEFAULT_FIGURES)
    for key, value in (figures or {}).items():
        if key in merged and valid_spec(value) and (normalise(value) != OFF or key in OPTIONAL):
            merged[key] = normalise(value)
    return merged


def due_from(spec: str, start: dt.datetime, calendar) -> dt.datetime:
    """The due moment of `spec` counted from `start` on `calendar` (a
    core.calendar.BusinessCalendar)."""
    spec = normalise(spec)
    if spec == OFF:
        raise ValueError("a switched-off time limit has no due time")
    if spec == "eod":
        return calendar.end_of_working_day(start)
    m = _SPEC.match(spec)
    if not m:
        raise ValueError(f"bad time-limit spec {spec!r}")
    n, unit = int(m.group(1)), m.group(2)
    if unit == "m":
        return start + dt.timedelta(minutes=n)
    if unit == "h":
        return start + dt.timedelta(hours=n)
    if unit == "d":
        return calendar.add_days(start, n)
    if unit == "wd":
        return calendar.add_working_days(start, n)
    return calendar.add_business_hours(start, n)


# sla's own figure: how long an unacknowledged escalation waits before it climbs
# (a record type's escalation profile may name another figure, e.g. emergencies).
register_figures("sla", {"climb_other": ("1h", _("Unacknowledged escalation climbs after"))})
