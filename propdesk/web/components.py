"""What the page components are made of, in Python: facts, table columns,
action forms, the colour (tone) of a state, deadlines, chart data.

Templates show them through the `ui` template library
(propdesk/web/templatetags/ui.py) and the templates under
propdesk/templates/components/; the CSS names are in static/propdesk/app.css.
Stored text is always escaped: a value that carries markup must be built
with `format_html` (which escapes its arguments), never marked safe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

# ---------------------------------------------------------------- tones

# State code → tone (a colour with a meaning). Apps add their own states in
# their Part (`tones={...}`); an unknown state is neutral.
OK, INFO, WARN, DANGER, MUTED, ACCENT, NEUTRAL = "ok", "info", "warn", "danger", "muted", "accent", "neutral"
TONES = {OK, INFO, WARN, DANGER, MUTED, ACCENT, NEUTRAL}
_TONE_OF: dict[str, str] = {
    # the shared states of deadlines and of reading; apps register their own (Part.tones)
    "running": INFO,
    "paused": ACCENT,
    "met": OK,
    "breached": DANGER,
    "overdue": DANGER,
    "cancelled": MUTED,
    "unread": INFO,
    "read": MUTED,
}


def register_tones(tones: Mapping[str, str]) -> None:
    for state, tone in tones.items():
        if tone not in TONES:
            raise ValueError(f"unknown tone {tone!r} for {state!r}")
        _TONE_OF[state] = tone


def tone_of(state: str | None) -> str:
    return _TONE_OF.get(state or "", NEUTRAL)


# ---------------------------------------------------------------- facts


@dataclass
class Fact:
    """One label/value pair of a facts grid. `value` is text (escaped) or built
    with format_html; an empty value shows a dash unless `hide_empty`."""

    label: Any
    value: Any
    wide: bool = False
    hide_empty: bool = False


def facts(items: Iterable[Fact | None]) -> list[Fact]:
    """The facts worth showing: `None` entries (conditional facts) and empty
    values marked `hide_empty` are left out."""
    out = []
    for item in items:
        if item is None:
            continue
        if item.hide_empty and (item.value is None or item.value == ""):
            continue
        out.append(item)
    return out


# ---------------------------------------------------------------- tables


@dataclass
class Column:
    """A table column: its heading (also the label of the cell on a phone) and
    how a row's cell is read: an attribute path ("unit.code") or a callable."""

    label: Any
    value: str | Callable[[Any], Any]
    css: str = ""  # class of the cell: "num", "nowrap", "wide"

    def cell(self, row) -> Any:
        if callable(self.value):
            return self.value(row)
        current = row
        for part in self.value.split("."):
            if current is None:
                return ""
            current = current.get(part) if isinstance(current, Mapping) else getattr(current, part, "")
            if callable(current):
                current = current()
        return "" if current is None else current


@dataclass
class Table:
    columns: Sequence[Column]
    rows: Iterable[Any]
    empty: Any = ""  # what an empty table says
    row_attrs: Callable[[Any], dict] | None = None  # data-* attributes of a row
    caption: Any = ""

    def body(self):
        for row in self.rows:
            attrs = self.row_attrs(row) if self.row_attrs else {}
            yield {"attrs": attrs, "cells": [(c, c.cell(row)) for c in self.columns]}


# ---------------------------------------------------------------- actions


@dataclass
class ActionForm:
    """One action a user may take now on a record, with its form."""

    action: str
    label: Any
    form: Any
    url: str
    open: bool = True  # shown open; others fold away under their label
    danger: bool = False


def action_forms(
    actions: Iterable[str],
    *,
    form_for: Callable[[str], Any],
    label_for: Callable[[str], Any],
    url_for: Callable[[str], str],
    primary: Iterable[str] = (),
    danger: Iterable[str] = ("cancel",),
    bound: tuple[str, Any] | None = None,
) -> list[ActionForm]:
    """Action forms for the actions a workflow allows (`Workflow.allowed()`),
    in that order; the action just refused (`bound`) keeps its filled form and opens."""
    primary, danger = set(primary), set(danger)
    out = []
    for action in actions:
        is_bound = bound is not None and bound[0] == action
        out.append(
            ActionForm(
                action=action,
                label=label_for(action),
                form=bound[1] if is_bound else form_for(action),
                url=url_for(action),
                open=action in primary or is_bound,
                danger=action in danger,
            )
        )
    return out


# ---------------------------------------------------------------- deadlines


@dataclass
class Deadline:
    due_at: dt.datetime
    overdue: bool
    span: str  # "2 hours, 5 minutes"
    stopped_at: dt.datetime | None = None
    state: str = ""

    @property
    def words(self) -> str:
        if self.stopped_at is not None:
            return ""
        if self.overdue:
            return _("overdue by %(span)s") % {"span": self.span}
        return _("due in %(span)s") % {"span": self.span}


def deadline(due_at, *, now=None, stopped_at=None, state: str = "") -> Deadline | None:
    if due_at is None:
        return None
    now = now or timezone.now()
    overdue = state == "breached" or (stopped_at is None and due_at <= now)
    if stopped_at is not None:
        span = ""
    elif due_at <= now:
        span = timesince(due_at, now, depth=2)
    else:
        span = timeuntil(due_at, now, depth=2)
    return Deadline(due_at=due_at, overdue=overdue, span=span, stopped_at=stopped_at, state=state)


def when(value, *, now=None) -> str:
    """A moment as staff say it, in the current (project's) zone: "03-14 09:30"
    this year, "2024-12-30 17:00" in another year."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        this_year = timezone.localtime(now or timezone.now()).year
        return date_format(local, "m-d H:i" if local.year == this_year else "Y-m-d H:i")
    return date_format(value, "Y-m-d")


# ---------------------------------------------------------------- charts


@dataclass
class Chart:
    """A horizontal bar chart drawn by ECharts from `json_script` data; with
    nothing to show it is an empty state sentence instead."""

    labels: list[str]
    values: list[float | int | None]
    name: str = ""  # the series name in the tooltip
    percent: bool = False  # the axis runs 0–100 %
    tone: str = INFO
    links: list[str] = field(default_factory=list)  # a click on a bar opens its link
    empty: str = ""

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: no rate at all (0 % is a rate), or no count above zero."""
        if self.percent:
            return all(v is None for v in self.values)
        return not any(v for v in self.values if v is not None)

    def data(self) -> dict:
        return {
            "labels": [str(x) for x in self.labels],
            "values": self.values,
            "name": str(self.name),
            "percent": self.percent,
            "tone": self.tone,
            "links": self.links,
        }
