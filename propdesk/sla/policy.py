"""Policy figures: what each time limit is, as a small spec string, and how a
spec turns a start moment into a due moment on the project's calendar.

Specs: "30m" (clock minutes), "2h" (clock hours), "2d" (calendar days, same
wall-clock time), "1wd" (working days), "4bh" (working hours), "eod" (end of
the working day: API.md), "off" (an optional time limit not used: the
figures API.md's default table doesn't name are off by default)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

# key → (default spec, label). The defaults are API.md's table.
FIGURES: dict[str, tuple[str, object]] = {
    "forward_important": ("30m", _("Forward an important complaint")),
    "forward_major": ("eod", _("Forward a major complaint to the project manager")),
    "forward_emergency": ("10m", _("Emergency acknowledged by the project manager")),
    "answer_major": ("2d", _("Answer a major complaint")),
    "resolve_major": ("10d", _("Resolve a major complaint")),
    "resolve_important": ("3d", _("Resolve an important complaint")),
    "resolve_minor": ("2d", _("Resolve a minor complaint (unless the resident's deadline is given)")),
    "follow_1": ("2h", _("First follow-up")),
    "follow_2": ("eod", _("Second follow-up")),
    "visit": ("2d", _("Follow-up visit after a repair")),
    "visit_safety": ("2d", _("Follow-up visit after a safety-facility repair")),
    "visit_leak": ("3d", _("Follow-up visit after the leak test")),
    # Optional (DOMAIN T-11, T-12), off by default so the timers of API.md's table stay as they are.
    "slip_complaint": ("off", _("Report slip signed for by the department complained about (T-11; e.g. 10m)")),
    "remedy_complaint": ("off", _("Department's remedy for a complaint (T-12; e.g. 3d)")),
    "climb_emergency": ("5m", _("Unacknowledged emergency escalation climbs after")),
    "climb_other": ("1h", _("Unacknowledged escalation climbs after")),
}

DEFAULT_FIGURES = {key: spec for key, (spec, _label) in FIGURES.items()}

_SPEC = re.compile(r"^(?:(\d{1,4})(m|h|d|wd|bh)|eod|off)$")
OFF = "off"
# Figures that may be switched off; the others always apply.
OPTIONAL = frozenset({"slip_complaint", "remedy_complaint"})


def valid_spec(spec: str) -> bool:
    if not isinstance(spec, str):
        return False
    m = _SPEC.match(spec.strip())
    return bool(m) and (spec.strip() in ("eod", OFF) or int(m.group(1)) > 0)


def normalise(spec: str) -> str:
    return spec.strip().lower()


def figures_with_defaults(figures: dict | None) -> dict:
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
