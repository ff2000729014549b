"""Keyset pagination: a page continues after the sort values of the last row
seen, not after an offset, so it is stable under inserts and costs the same on
page 1 and page 5,000 (an index on the sort columns serves it)."""

from __future__ import annotations

import base64
import json
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from propdesk.common.clean import bad_text
from propdesk.common.errors import BadInput

MAX_LIMIT = 200

_M = TypeVar("_M", bound=Model)
_T = TypeVar("_T")  # the rows of the queryset (its model, unless annotated otherwise)


def _bad_cursor() -> BadInput:
    return BadInput(_("The cursor is not valid."), {"cursor": [_("Not a cursor from this list.")]})


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, RecursionError):
        raise _bad_cursor() from None
    # NUL or a lone surrogate: no cursor of ours holds one, and PostgreSQL refuses NUL.
    if not isinstance(values, list) or any(bad_text(v) for v in values):
        raise _bad_cursor()
    return values


def keyset_page(
    qs: QuerySet[_M, _T], *, order: tuple[str, ...] = ("-id",), cursor: str | None = None, limit: int = 50
) -> tuple[list[_T], str | None]:
    """One page of `qs` ordered by `order` (the last field must be unique, e.g.
    id), continuing after `cursor`. Returns (rows, next_cursor)."""
    try:
        limit = max(1, min(int(limit or 50), MAX_LIMIT))
    except (TypeError, ValueError):
        limit = 50
    qs = qs.order_by(*order)
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != len(order):
            raise _bad_cursor()
        condition = Q()
        for i, field in enumerate(order):
            name = field.lstrip("-")
            op = "lt" if field.startswith("-") else "gt"
            step = Q(**{f"{name}__{op}": values[i]})
            for prev_field, prev_value in zip(order[:i], values[:i], strict=False):
                step &= Q(**{prev_field.lstrip("-"): prev_value})
            condition |= step
        try:
            qs = qs.filter(condition)
        except (ValueError, TypeError, ValidationError):  # e.g. a date that does not exist: 9999-99-99
            raise _bad_cursor() from None
    rows = list(qs[: limit + 1])
    next_cursor: str | None = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([cursor_value(rows[-1], f.lstrip("-")) for f in order])
    return rows, next_cursor


def cursor_value(obj: object, dotted: str) -> Any:
    value = obj
    for part in dotted.split("__"):
        value = getattr(value, part)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
