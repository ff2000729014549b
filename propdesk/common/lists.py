"""List specs: one declaration per record type of how its lists are filtered,
searched, sorted, paged and exported.

    TICKET_LIST = ListSpec(
        filters=(
            Search(contains=("description", "reporter_name"), prefix=("unit__code",),
                   number="number", phones=("reporter_phone",)),
            Choice("status", _("Status"), Status, pseudo={"open": Pseudo(_("open"), lambda ctx: Q(status__in=OPEN))}),
            Code("department", _("Department"), "department__code", options=departments_of),
            DateRange("date", _("Registered from"), "created_at"),
            Boolean("overdue", _("Overdue"), lambda ctx: overdue_condition()),
        ),
        sorts=(Sort("newest", _("Newest first"), ("-id",)), Sort("oldest", _("Oldest first"), ("id",))),
        columns=(Column(_("No."), lambda t, ctx: t.number), ...),
        related=("unit", "department"),
    )

From the one spec:
- the page: `ListForm` (the filter form; forgiving: a bad value drops only
  its own filter and is shown next to it) and the keyset order of the "more"
  pager (`Bound.order`);
- the Excel export of exactly the filtered rows (`ListSpec.export_sheet`);
- the API list filter (`bind(..., strict=True)`: 400 naming every bad value);
  propdesk.web.lists builds the query schema and the responses.

Search and phones (API.md "Personal data"): a role that sees phone numbers
masked finds people by phone only with the whole number, never by a fragment.
The caller says whether the user sees them in full (`ListContext.phones_in_full`,
the same predicate that masks the phone on screen)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django import forms
from django.db.models import Choices, Model, Q, QuerySet
from django.db.models.expressions import BaseExpression
from django.forms.utils import ErrorDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from propdesk.common import excel
from propdesk.common.clean import Cleaner, normalise_phone, phone_valid

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_M = TypeVar("_M", bound=Model)

# PositiveIntegerField's ceiling: a longer run of digits names no record number.
MAX_NUMBER = 2**31 - 1
TRUE_WORDS = frozenset({"true", "1", "yes", "on", "t", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", "f", "n"})
SORT_PARAM = "sort"


@dataclass
class ListContext:
    """Who is listing what: the project (None: every project the user may see),
    the user, and whether the user sees phone numbers in full (a bool or a
    callable, asked only when a search needs it)."""

    project: Any = None
    user: Any = None
    phones_in_full: bool | Callable[[], bool] = False

    def sees_phones(self) -> bool:
        if callable(self.phones_in_full):
            self.phones_in_full = bool(self.phones_in_full())
        return bool(self.phones_in_full)


def _all_label() -> str:
    return _("all")


# ---------------------------------------------------------------- filters


class Filter:
    """One filter of a list: its query parameter(s), how a raw value is
    checked, how it narrows a queryset, and its field on the page form."""

    name: str
    label: Any

    def params(self) -> tuple[str, ...]:
        return (self.name,)

    def parse(self, c: Cleaner, data: Mapping[str, Any], ctx: ListContext) -> Any:
        raise NotImplementedError

    def apply(self, qs: QuerySet[_M], value: Any, ctx: ListContext) -> QuerySet[_M]:
        raise NotImplementedError

    def form_fields(self, ctx: ListContext) -> dict[str, forms.Field]:
        raise NotImplementedError

    def api_fields(self) -> dict[str, tuple[Any, Any, str]]:
        """{param: (annotation, default, description)} for the API's query schema."""
        return {self.name: (str | None, None, str(self.label))}


@dataclass(frozen=True)
class Pseudo:
    """A value of a choice filter that is not a stored value: `status=open`."""

    label: Any
    condition: Callable[[ListContext], Q]


class Choice(Filter):
    """One of a fixed set of stored values (TextChoices or (value, label) pairs),
    plus pseudo-values standing for a condition."""

    def __init__(
        self,
        name: str,
        label: StrOrPromise,
        choices: type[Choices] | Iterable[tuple[Any, Any]],
        *,
        field: str | None = None,
        pseudo: dict[str, Pseudo] | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.field = field or name
        self._choices = choices
        self.pseudo = dict(pseudo or {})

    @property
    def choices(self) -> list[tuple[str, Any]]:
        choices = self._choices.choices if hasattr(self._choices, "choices") else self._choices
        return [(str(v), label) for v, label in choices]

    def values(self) -> list[str]:
        return [v for v, _label in self.choices] + list(self.pseudo)

    def parse(self, c: Cleaner, data: Mapping[str, Any], ctx: ListContext) -> Any:
        return c.choice(self.name, data.get(self.name), self.values())

    def apply(self, qs: QuerySet[_M], value: Any, ctx: ListContext) -> QuerySet[_M]:
        if value in self.pseudo:
            return qs.filter(self.pseudo[value].condition(ctx))
        return qs.filter(**{self.field: value})

    def form_fields(self, ctx: ListContext) -> dict[str, forms.Field]:
        options = [("", _all_label())] + [(v, p.label) for v, p in self.pseudo.items()] + self.choices
        return {self.name: forms.ChoiceField(label=self.label, choices=options, required=False)}

    def api_fields(self) -> dict[str, tuple[Any, Any, str]]:
        return {self.name: (str | None, None, f"{self.label}: {', '.join(self.values())}")}


class Code(Filter):
    """A record named by its code (`department=gongcheng`). The API takes any
    code (an unknown one matches nothing); the page offers the project's
    `options(project)` and drops a code that is not among them, or, without
    options, takes the code as typed (`unit=1-1-101`)."""

    def __init__(
        self,
        name: str,
        label: StrOrPromise,
        lookup: str,
        *,
        options: Callable[[Any], Iterable[tuple[str, Any]]] | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.lookup = lookup
        self.options = options

    def parse(self, c: Cleaner, data: Mapping[str, Any], ctx: ListContext) -> Any:
        return c.code(self.name, data.get(self.name))

    def apply(self, qs: QuerySet[_M], value: Any, ctx: ListContext) -> QuerySet[_M]:
        return qs.filter(**{self.lookup: value})

    def form_fields(self, ctx: ListContext) -> dict[str, forms.Field]:
        if self.options is None:
            return {self.name: forms.CharField(label=self.label, max_length=64, required=False)}
        options = list(self.options(ctx.project)) if ctx.project is not None else []
        return {self.name: forms.ChoiceField(label=self.label, choices=[("", _all_label())] + options, required=False)}


class DateRange(Filter):
    """From and to dates, both included, on a date or datetime field (a
    datetime is compared by its date in the current time zone):
    `<name>_from`, `<name>_to`."""

    def __init__(
        self, name: str, label: StrOrPromise, field: str, *, to_label: StrOrPromise | None = None, datetime: bool = True
    ) -> None:
        self.name = name
        self.label = label
        self.to_label = to_label or pgettext_lazy("date range", "to")
        self.field = f"{field}__date" if datetime else field

    def params(self) -> tuple[str, ...]:
        return (f"{self.name}_from", f"{self.name}_to")

    def parse(self, c: Cleaner, data: Mapping[str, Any], ctx: ListContext) -> Any:
        start, end = (c.date(p, data.get(p)) for p in self.params())
        return (start, end) if start or end else None

    def apply(self, qs: QuerySet[_M], value: Any, ctx: ListContext) -> QuerySet[_M]:
        start, end = value
        if start:
            qs = qs.filter(**{f"{self.field}__gte": start})
        if end:
            qs = qs.filter(**{f"{self.field}__lte": end})
        return qs

    def form_fields(self, ctx: ListContext) -> dict[str, forms.Field]:
        start, end = self.params()
        return {
            start: forms.DateField(label=self.label, required=False, widget=forms.DateInput(attrs={"type": "date"})),
            end: forms.DateField(label=self.to_label, required=False, widget=forms.DateInput(attrs={"type": "date"})),
        }

    def api_fields(self) -> dict[str, tuple[Any, Any, str]]:
        start, end = self.params()
        return {
            start: (str | None, None, f"{self.label} (2026-12-01)"),
            end: (str | None, None, f"{self.to_label} (2026-12-31)"),
        }


class Boolean(Filter):
    """A yes/no condition (`overdue=true` keeps rows meeting it, `false` the others)."""

    def __init__(self, name: str, label: StrOrPromise, condition: Callable[[ListContext], Q | BaseExpression]) -> None:
        self.name = name
        self.label = label
        self.condition = condition

    def parse(self, c: Cleaner, data: Mapping[str, Any], ctx: ListContext) -> Any:
        raw = data.get(self.name)
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        c.add(self.name, _("Say true or false."))
        return None

    def apply(self, qs: QuerySet[_M], value: Any, ctx: ListContext) -> QuerySet[_M]:
        condition = self.condition(ctx)
        return qs.filter(condition) if value else qs.exclude(condition)

    def form_fields(self, ctx: ListContext) -> dict[str, forms.Field]:
        options = [("", _all_label()), ("true", _("yes")), ("false", _("no"))]
        return {self.name: forms.ChoiceField(label=self.label, choices=options, required=False)}

    def api_fields(self) -> dict[str, tuple[Any, Any, str]]:
        return {self.name: (bool | None, None, str(self.label))}


class Search(Filter):
    """Free text: `contains` fields hold it, `prefix` fields start with it, a
    whole number matches `number` exactly, and `phones` match a fragment only
    for callers who see phones in full (others must give the whole number)."""

    def __init__(
        self,
        *,
        contains: Sequence[str] = (),
        prefix: Sequence[str] = (),
        number: str | None = None,
        phones: Sequence[str] = (),
        name: str = "q",
        label: StrOrPromise | None = None,
        max_length: int = 100,
    ) -> None:
        self.name = name
        self.label = label or gettext_lazy("Search")
        self.contains = tuple(contains)
        self.prefix = tuple(prefix)
        self.number = number
        self.phones = tuple(phones)
        self.max_length = max_length

    def parse(self, c: Cleaner, data: Mapping[str, Any], ctx: ListContext) -> Any:
        text = c.text(self.name, data.get(self.name), max_length=self.max_length)
        return text or None

    def condition(self, q: str, ctx: ListContext) -> Q:
        cond = Q()
        for f in self.contains:
            cond |= Q(**{f"{f}__contains": q})
        for f in self.prefix:
            cond |= Q(**{f"{f}__startswith": q})
        if self.number and q.isdecimal() and int(q) <= MAX_NUMBER:  # isdecimal, not isdigit: "²" is a digit
            cond |= Q(**{self.number: int(q)})
        if self.phones:
            cond |= self._phone_condition(q, ctx)
        return cond

    def _phone_condition(self, q: str, ctx: ListContext) -> Q:
        cond = Q()
        digits = q.replace("-", "").replace(" ", "")
        if not digits.isdecimal():
            return cond
        if ctx.sees_phones():
            for f in self.phones:
                cond |= Q(**{f"{f}__contains": q})
            return cond
        whole = normalise_phone(q)
        if phone_valid(whole):  # a masked role finds a phone only by the whole number
            for f in self.phones:
                cond |= Q(**{f: whole})
        return cond

    def apply(self, qs: QuerySet[_M], value: Any, ctx: ListContext) -> QuerySet[_M]:
        return qs.filter(self.condition(value, ctx))

    def form_fields(self, ctx: ListContext) -> dict[str, forms.Field]:
        return {
            self.name: forms.CharField(
                label=self.label, required=False, max_length=self.max_length, widget=forms.TextInput({"type": "search"})
            )
        }


# ---------------------------------------------------------------- sorts, columns


@dataclass(frozen=True)
class Sort:
    """A sort offered to the user; `order` is the keyset order (its last field unique)."""

    key: str
    label: Any
    order: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    """One export column: `value(row, ctx)`; `kind` types the cell (common.excel)."""

    header: Any
    value: Callable[[Any, ListContext], Any]
    kind: str | None = None
    width: int | None = None


NEWEST = Sort("newest", gettext_lazy("Newest first"), ("-id",))
OLDEST = Sort("oldest", gettext_lazy("Oldest first"), ("id",))


# ---------------------------------------------------------------- the spec


@dataclass
class Bound:
    """A spec bound to request values: what applies, what was refused, the sort."""

    spec: ListSpec
    ctx: ListContext
    values: dict[str, Any]
    errors: dict[str, list[str]]
    sort: Sort

    def apply(self, qs: QuerySet[_M]) -> QuerySet[_M]:
        for f in self.spec.filters:
            value = self.values.get(f.name)
            if value is not None:
                qs = f.apply(qs, value, self.ctx)
        return qs

    @property
    def order(self) -> tuple[str, ...]:
        return self.sort.order

    def drop(self, name: str, message: str) -> None:
        """Forget one filter's value (the page's forgiving mode), saying why."""
        self.values.pop(name, None)
        self.errors.setdefault(name, []).append(str(message))


@dataclass(frozen=True)
class ListSpec:
    filters: tuple[Filter, ...]
    sorts: tuple[Sort, ...] = (NEWEST,)
    columns: tuple[Column, ...] = ()
    related: tuple[str, ...] = ()  # select_related for the export's rows
    sheet: Any = field(default_factory=lambda: gettext_lazy("List"))
    export_limit: int = 10000

    def filter(self, name: str) -> Filter:
        for f in self.filters:
            if f.name == name:
                return f
        raise KeyError(name)

    def subset(self, only: Iterable[str] | None) -> tuple[Filter, ...]:
        if only is None:
            return self.filters
        wanted = set(only)
        return tuple(f for f in self.filters if f.name in wanted)

    def bind(
        self,
        data: Mapping[str, Any],
        ctx: ListContext,
        *,
        strict: bool,
        only: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> Bound:
        """Check the values in `data`. strict (the API): any bad value is a
        BadInput naming it; otherwise (pages) a bad value is dropped and
        reported in `Bound.errors`. Missing values take `defaults`."""
        c = Cleaner()
        merged = dict(defaults or {})
        merged.update({k: v for k, v in _items(data) if v not in (None, "")})
        values: dict[str, Any] = {}
        for f in self.subset(only):
            value = f.parse(c, merged, ctx)
            if value is not None and not any(c.has(p) for p in f.params()):
                values[f.name] = value
        sort = self.sorts[0]
        raw_sort = merged.get(SORT_PARAM)
        if raw_sort is not None:
            by_key = {s.key: s for s in self.sorts}
            if isinstance(raw_sort, str) and raw_sort in by_key:
                sort = by_key[raw_sort]
            else:
                c.add(SORT_PARAM, _("Choose one of: %(choices)s.") % {"choices": ", ".join(by_key)})
        if strict:
            c.raise_if_any()
        return Bound(self, ctx, values, dict(c.errors), sort)

    # ------------------------------------------------------------ export

    def export_rows(self, qs: QuerySet[Any], ctx: ListContext) -> Iterator[list[Any]]:
        for row in qs:
            yield [col.value(row, ctx) for col in self.columns]

    def export_queryset(self, bound: Bound, qs: QuerySet[_M]) -> QuerySet[_M]:
        """Exactly the filtered rows, in the list's order, at most `export_limit`."""
        qs = bound.apply(qs)
        if self.related:
            qs = qs.select_related(*self.related)
        return qs.order_by(*bound.order)[: self.export_limit]

    def export_sheet(self, bound: Bound, qs: QuerySet[Any]) -> excel.Sheet:
        rows = self.export_rows(self.export_queryset(bound, qs), bound.ctx)
        return excel.Sheet(
            title=str(self.sheet),
            headers=[str(col.header) for col in self.columns],
            rows=rows,
            kinds=[col.kind for col in self.columns],
            widths=[col.width for col in self.columns],
        )


def _items(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Key/value pairs of a dict, a QueryDict (last value wins) or an API schema."""
    if hasattr(data, "model_dump"):
        data = data.model_dump()
    return [(key, data.get(key)) for key in data]


# ---------------------------------------------------------------- the page form


class ListForm(forms.Form):
    """The page's filter form, built from a spec. Values and errors come from
    the spec in forgiving mode: a bad value drops only its own filter (and is
    shown next to it); a code that is not one of the project's is dropped too."""

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        spec: ListSpec,
        ctx: ListContext,
        only: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        sort: bool = True,
    ) -> None:
        super().__init__(data or None, initial=dict(defaults or {}))
        self.spec = spec
        self.ctx = ctx
        self.only = None if only is None else tuple(only)
        self.defaults = dict(defaults or {})
        for f in spec.subset(self.only):
            self.fields.update(f.form_fields(ctx))
        if sort and len(spec.sorts) > 1:
            self.fields[SORT_PARAM] = forms.ChoiceField(
                label=_("Sort"), choices=[(s.key, s.label) for s in spec.sorts], required=False
            )
        self.bound = spec.bind(data or {}, ctx, strict=False, only=self.only, defaults=self.defaults)
        for f in spec.subset(self.only):
            value = self.bound.values.get(f.name)
            if isinstance(f, Code) and f.options is not None and value is not None:
                # Code.form_fields made a ChoiceField; Django keeps its choices as (value, label) pairs.
                field_choices = cast(list[tuple[Any, Any]], cast(forms.ChoiceField, self.fields[f.name]).choices)
                offered = {str(v) for v, _label in field_choices}
                if value not in offered:
                    self.bound.drop(f.name, _("Choose one of the listed values."))

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = dict(self.bound.values)
        for name, messages in self.bound.errors.items():
            if name in self.fields:
                self._errors[name] = self.error_class(messages)
