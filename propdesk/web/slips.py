"""Printed slips: one template (slips/base.html) for every paper form of the
service centre — dispatch slips, report slips, key slips, receipts … A slip is
a declaration: its title, a grid of label/value cells, free-text blocks,
signature lines and copy marks; the number printed is the record's own (the
record type's `title`, e.g. `DEMO-12`, or a Numbering display).

    KEY_SLIP = Slip(
        title=_("Key slip"),
        rows=((Cell(_("Unit"), lambda loan, ctx: loan.key.unit.code), Cell(_("Borrower"), ...)),),
        signatures=(Signature(_("Borrower")), Signature(_("Issued by"))),
        copies=(_("Copy 1: borrower"), _("Copy 2: front desk")),
        number=lambda loan: KEY_NUMBERS.display(loan.number, year=loan.number_year),
    )

    def key_slip(request, pk):                       # the whole view
        return slip_page(request, KeyLoan, pk, KEY_SLIP)

Paper is A5 unless `?paper=a4`; `?copies=each` prints one sheet per copy
(plain paper) instead of one sheet with every copy marked at the side
(carbonless multi-part paper). Fonts are the Noto CJK faces installed on the
machine (Debian fonts-noto-cjk); nothing is fetched from elsewhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from propdesk.common import records
from propdesk.common.errors import NotFound
from propdesk.common.rights import as_actor

PAPERS = {"a5": ("A5", "8mm"), "a4": ("A4", "12mm")}


@dataclass
class SlipContext:
    """What a value may depend on besides the record: who prints it."""

    user: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


Value = Callable[[Any, SlipContext], Any]


@dataclass(frozen=True)
class Cell:
    """A label and its value; `value=None` leaves a blank to fill in by hand.
    `wide` spans the row; `text` keeps line breaks; `tall` gives room to write."""

    label: Any
    value: Value | None = None
    wide: bool = False
    text: bool = False
    tall: bool = False


@dataclass(frozen=True)
class Block:
    """A free-text block under the grid (terms, an agreement, instructions)."""

    label: Any
    value: Value


@dataclass(frozen=True)
class Signature:
    label: Any
    date: bool = False  # a date blank beside the signature line


@dataclass(frozen=True)
class Slip:
    title: Any
    rows: tuple[tuple[Cell, ...], ...]
    blocks: tuple[Block, ...] = ()
    signatures: tuple[Signature, ...] = ()
    copies: tuple[Any, ...] = ()
    foot: Any = ""
    paper: str = "a5"
    # The number as printed everywhere (default: the record type's title).
    number: Callable[[Any], str] | None = None
    # The organisation heading (default: the record's project name).
    org: Callable[[Any], str] | None = None
    # select_related for the record lookup (no per-cell queries).
    related: tuple[str, ...] = ()


def shown(value: Any, fmt: str = "Y-m-d H:i") -> str:
    """A value as printed: local date and time (`fmt`), money with two decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, fmt)
    if isinstance(value, dt.date):
        return formats.date_format(value, "Y-m-d")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _cell(cell: Cell, record, ctx: SlipContext) -> dict[str, Any]:
    value = "" if cell.value is None else shown(cell.value(record, ctx))
    return {
        "label": cell.label,
        "value": value,
        "wide": cell.wide,
        "text": cell.text,
        "blank": cell.value is None,
        "tall": cell.tall or cell.value is None,
    }


def slip_context(request, slip: Slip, record) -> dict[str, Any]:
    ctx = SlipContext(user=request.user)
    record_type = records.of(record)
    paper = request.GET.get("paper")
    paper = paper if paper in PAPERS else slip.paper
    each = request.GET.get("copies") == "each" and bool(slip.copies)
    number = slip.number(record) if slip.number else record_type.title(record)
    org = slip.org(record) if slip.org else getattr(record_type.project_of(record), "name", "")
    return {
        "slip": slip,
        "record": record,
        "org": org,
        "title": slip.title,
        "number": number,
        "paper": paper,
        "page_size": PAPERS[paper][0],
        "page_margin": PAPERS[paper][1],
        "grid": [[_cell(c, record, ctx) for c in row] for row in slip.rows],
        "blocks": [{"label": b.label, "value": shown(b.value(record, ctx))} for b in slip.blocks],
        "signatures": slip.signatures,
        "copies": slip.copies,
        "sheets": list(slip.copies) if each else [None],
        "each": each,
        "foot": slip.foot(record, ctx) if callable(slip.foot) else slip.foot,
        "printed_at": timezone.now(),
        "back": record_type.link_for(as_actor(request.user), record),
    }


def render_slip(request, slip: Slip, record, *, template: str = "slips/base.html"):
    return render(request, template, slip_context(request, slip, record))


def slip_page(request, model, pk, slip: Slip | None):
    """The whole slip view: the record if this user may see it (its record
    type's visibility filter; else 404), rendered with `slip`."""
    if slip is None:
        raise Http404
    record_type = records.get(model)
    qs = model._default_manager.select_related(*slip.related) if slip.related else None
    try:
        record = record_type.get(as_actor(request.user), pk, qs)
    except NotFound:
        raise Http404 from None
    return render_slip(request, slip, record)
