"""Event history: one abstract event model, one label registry for dotted
codes, one way to turn events into timeline rows.

Every record's history is a table of events (`at`, `actor`, `action` — a
dotted code such as `ticket.dispatched` — and `data`). What changed goes in
`data`: `{"status": {"from": "new", "to": "dispatched"}}` and, for
corrections, `{"changes": {"unit": {"from": "1-1-101", "to": "1-1-102"}}}`.
Event tables are append-only: their migration adds
`propdesk.core.appendonly.append_only("<table>")`, and the database then
refuses UPDATE and DELETE.

Labels: each app registers its codes once (`labels.register({...})`) and
every page, export and API answer renders them through `labels.label(code)`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise


class EventBase(models.Model):
    """An append-only event of one record. Subclasses add the FK to their record."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=48)  # dotted code: visitor.admitted …
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]


class LabelRegistry:
    """Dotted code → translated label (lazy). One registry for the whole site."""

    def __init__(self) -> None:
        self._labels: dict[str, Promise | str] = {}

    def register(self, labels: Mapping[str, Promise | str]) -> None:
        for code, text in labels.items():
            existing = self._labels.get(code)
            if existing is not None and str(existing) != str(text):
                raise ValueError(f"event code {code!r} is registered twice with different labels")
            self._labels[code] = text

    def label(self, code: str) -> str:
        text = self._labels.get(code)
        return str(text) if text is not None else code

    def known(self, code: str) -> bool:
        return code in self._labels

    def codes(self) -> list[str]:
        return sorted(self._labels)


labels = LabelRegistry()

# Keys of event data that are internal to staff (notes, reasons, leaders'
# instructions); a resident reads them only on the events addressed to them.
INTERNAL_KEYS = frozenset({"note", "reason", "instruction", "text", "changes"})


@dataclass
class TimelineRow:
    at: Any
    code: str
    label: str
    actor: str
    text: str = ""  # the note, reason or instruction written with the event
    details: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def resident_view(data: dict[str, Any], *, readable: bool) -> dict[str, Any]:
    """What a resident may read of an event's data."""
    if readable or not isinstance(data, dict):
        return data
    return {k: v for k, v in data.items() if k not in INTERNAL_KEYS}


def timeline(
    events: Iterable[Any],
    *,
    for_resident: bool = False,
    resident_readable: frozenset[str] = frozenset(),
    describe: Callable[[Any, dict[str, Any]], Iterable[str]] | None = None,
    actor_name: Callable[[Any], str] | None = None,
) -> list[TimelineRow]:
    """Timeline rows for events (oldest first as given). `describe(event,
    data)` returns extra words for a row (the department dispatched to …);
    `resident_readable` are the codes whose notes a resident may read; data is
    escaped by the template (never marked safe), so any stored text renders."""
    rows = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if for_resident:
            data = resident_view(data, readable=event.action in resident_readable)
        text = next((str(data[k]) for k in ("note", "reason", "instruction", "text") if data.get(k)), "")
        who = actor_name(event) if actor_name else (_user_name(event.actor) if event.actor_id else "")
        rows.append(
            TimelineRow(
                at=event.at,
                code=event.action,
                label=labels.label(event.action),
                actor=who,
                text=text,
                details=list(describe(event, data)) if describe else changes_described(data),
                data=data,
            )
        )
    return rows


def changes_described(data: dict[str, Any]) -> list[str]:
    """ "field: old → new" for corrections recorded in data["changes"]."""
    changes = data.get("changes") if isinstance(data, dict) else None
    if not isinstance(changes, dict):
        return []
    out = []
    for name, change in changes.items():
        if isinstance(change, dict):
            out.append(f"{name}: {change.get('from') or '—'} → {change.get('to') or '—'}")
    return out


def _user_name(user: Any) -> str:
    if user is None:
        return ""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        staff = user.staff
    except ObjectDoesNotExist:  # no staff row (a resident, an admin)
        staff = None
    if staff is not None:
        return cast(str, staff.display_name)
    return cast(str, user.get_full_name() or user.username)
