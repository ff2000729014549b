"""Metric names and their labels: one registry for every page, export and
message (the record page's deadlines, reports, notifications), so a metric
code such as `slip` is never shown raw on a Chinese page.

Apps register the metrics they start (`register_metrics`) in their
`deadlines` module; `METRIC_LABELS` is a read-only mapping over the registry
(`METRIC_LABELS.get(code, code)`, `label(code)`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import pgettext_lazy

_LABELS: dict[str, Any] = {}


class _Labels(Mapping):
    """code → lazy label, live over the registry."""

    def __getitem__(self, code: str):
        return _LABELS[code]

    def __iter__(self) -> Iterator[str]:
        return iter(_LABELS)

    def __len__(self) -> int:
        return len(_LABELS)


METRIC_LABELS: Mapping[str, Any] = _Labels()


def register_metrics(labels: dict[str, Any]) -> None:
    """Register `code → lazy label`. One label per code for the whole site."""
    for code, text in labels.items():
        existing = _LABELS.get(code)
        if existing is not None and existing is not text and str(existing) != str(text):
            raise ValueError(f"metric {code!r} is registered twice with different labels")
        _LABELS[code] = text


def label(code: str | None) -> str:
    """The translated label of a metric code; the code itself if unknown."""
    if not code:
        return ""
    text = _LABELS.get(code)
    return str(text) if text is not None else code


# The handling time of a register (start → end of its work), a KPI (DOMAIN §7).
HANDLING = "handling"
register_metrics({HANDLING: pgettext_lazy("timer metric", "handling time")})
