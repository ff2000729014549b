"""Page and API glue for list specs (propdesk.common.lists): the filter form and
"more" pager of a page, its Excel download, and the query schema and strict
binding of an API list.

A list page is then a few lines:

    form = list_form(request, TICKET_LIST, ctx)                 # forgiving: bad values dropped, shown
    qs = form.bound.apply(tickets_visible_to(request.user, request.project))
    rows, next_cursor = page(request, qs, form.bound.order)     # keyset "more"
    return render(request, "…", {"form": form, "rows": rows, **pager(request, next_cursor)})

its export one call, `export_response(TICKET_LIST, form.bound, visible, filename)`,
and an API list `api_bind(TICKET_LIST, filters, ctx)` on a `query_schema(...)`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
from django.contrib import messages
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from propdesk.common import excel
from propdesk.common.errors import DomainError
from propdesk.common.lists import SORT_PARAM, ListContext, ListForm, ListSpec
from propdesk.common.paging import keyset_page

PAGE_SIZE = 30


def list_form(
    request,
    spec: ListSpec,
    ctx: ListContext,
    *,
    only: Iterable[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> ListForm:
    """The page's filter form bound to the query string (forgiving)."""
    return ListForm(request.GET or None, spec=spec, ctx=ctx, only=only, defaults=defaults)


def page(request, qs, order: tuple[str, ...], *, size: int = PAGE_SIZE):
    """One keyset page continuing after `?cursor=`; a stale or forged cursor
    shows the first page with a message instead of an error."""
    try:
        return keyset_page(qs, order=order, cursor=request.GET.get("cursor") or None, limit=size)
    except DomainError:
        messages.error(request, _("That page link is out of date; showing the first page."))
        return keyset_page(qs, order=order, cursor=None, limit=size)


def querystring(request, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def pager(request, next_cursor: str | None) -> dict[str, Any]:
    """Context for the "more" link and the export link of a list page."""
    return {
        "next_cursor": next_cursor,
        "more_qs": querystring(request, cursor=next_cursor) if next_cursor else "",
        "export_qs": querystring(request, cursor=None),
    }


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def export_response(spec: ListSpec, bound, qs, filename: str, *, zone=None) -> HttpResponse:
    """The Excel workbook of exactly the rows the list shows (filters and sort)."""
    return xlsx_response(excel.workbook_bytes([spec.export_sheet(bound, qs)], zone=zone), filename)


# ---------------------------------------------------------------- API


def query_schema(
    spec: ListSpec, name: str, *, only: Iterable[str] | None = None, extra: Mapping[str, tuple] | None = None
) -> type[Schema]:
    """A ninja query schema with one parameter per filter of `spec` (documented
    in the OpenAPI schema), `sort` when there is a choice, and `extra`
    ({param: (annotation, default)}: project, cursor, limit …)."""
    fields: dict[str, Any] = {}
    for key, (annotation, default) in (extra or {}).items():
        fields[key] = (annotation, default)
    for f in spec.subset(only):
        for param, (annotation, default, description) in f.api_fields().items():
            fields[param] = (annotation, Field(default, description=description))
    if len(spec.sorts) > 1:
        keys = ", ".join(s.key for s in spec.sorts)
        fields[SORT_PARAM] = (str | None, Field(None, description=f"{keys} (default {spec.sorts[0].key})"))
    return pydantic.create_model(name, __base__=Schema, **fields)


def api_bind(spec: ListSpec, filters: Schema, ctx: ListContext, *, only: Iterable[str] | None = None):
    """Strict binding for the API: a bad value is a 400 naming its parameter."""
    return spec.bind(filters.model_dump(), ctx, strict=True, only=only)
