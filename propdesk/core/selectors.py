"""Reusable reads of core data. Every list is indexed and keyset-paginated."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import F, Func, Prefetch, Q, TextField, Value
from django.utils import timezone

from propdesk.core.models import Occupancy, Person, Unit


def current_occupancies():
    today = timezone.localdate()
    return Occupancy.objects.filter(Q(end__isnull=True) | Q(end__gte=today)).select_related("person")


def units_with_occupants(qs):
    return qs.select_related("project", "building").prefetch_related(
        Prefetch("occupancies", queryset=current_occupancies(), to_attr="current")
    )


def unit_search(project, q: str | None, *, phone_fragments: bool = True):
    """Units whose code starts with q, or that q's people (person_search: a
    name fragment, or a phone fragment) occupy or occupied.

    Shaped for the indexes of migration 0003 (< 100 ms with 100,000 residents
    on PostgreSQL, bench/search_100k.py): `id IN (units by code prefix UNION
    units of the matching people)`. Each half uses its own index (code
    varchar_pattern_ops; the person indexes, then the occupancy person index);
    an OR of the two would make PostgreSQL walk every unit of the project."""
    qs = Unit.objects.filter(project=project)
    q = (q or "").strip()
    if q:
        by_code = Unit.objects.filter(project=project, code__startswith=q).order_by().values("pk")
        by_person = (
            Occupancy.objects.filter(
                person__in=person_search(project, q, phone_fragments=phone_fragments).order_by().values("pk")
            )
            .order_by()
            .values("unit_id")
        )
        qs = qs.filter(pk__in=by_code.union(by_person))
    return qs


def person_search(project, q: str | None, *, phone_fragments: bool = True):
    """People whose phone (either number) contains q when q is digits (a dash
    only after an area code 0xx-), else whose name contains q: `LIKE '%q%'`.
    Without `phone_fragments` (a caller who sees phones masked, API.md) a phone
    matches only as a whole number: hidden digits are never recoverable by
    searching for them. On PostgreSQL the name
    condition is preceded by "has all of q's characters", which the GIN index
    over `string_to_array(name, NULL)` answers (migration 0003); phones use the
    pg_trgm index over `phone || ' ' || phone2`."""
    qs = Person.objects.filter(project=project)
    q = (q or "").strip()
    if q:
        if q.replace("-", "").isdigit():
            if not phone_fragments:
                from propdesk.common.clean import normalise_phone

                whole = normalise_phone(q)
                qs = qs.filter(Q(phone=whole) | Q(phone2=whole))
            elif "-" in q and not q.startswith("0"):
                # "1-1-101" is a unit code: a phone has a dash only after an area
                # code (0xx-). Trigrams of such a fragment match every number.
                qs = qs.filter(phone=q)  # the (project, phone) btree
            elif connections[qs.db].vendor == "postgresql":
                # One expression over both numbers, matching the trigram index of
                # migration 0003: an OR of two indexes made the planner scan.
                qs = qs.alias(
                    phones=Func(
                        F("phone"),
                        F("phone2"),
                        template="(%(expressions)s)",
                        arg_joiner=" || ' ' || ",
                        output_field=TextField(),
                    )
                ).filter(phones__contains=q)
            else:
                qs = qs.filter(Q(phone__contains=q) | Q(phone2__contains=q))
        else:
            if connections[qs.db].vendor == "postgresql":
                qs = qs.alias(
                    name_chars=Func(
                        F("name"), Value(None), function="string_to_array", output_field=ArrayField(TextField())
                    )
                ).filter(name_chars__contains=sorted(set(q)))
                if len(q) > 1:  # one character: containing it is the whole test
                    qs = qs.filter(name__contains=q)
                # (…and leaving out the redundant LIKE keeps the row estimate
                # right, so a common surname gets hash joins, not 5,000 loops.)
            else:
                qs = qs.filter(name__contains=q)
    return qs


def people_with_units(qs):
    return qs.select_related("project").prefetch_related(
        Prefetch("occupancies", queryset=Occupancy.objects.select_related("unit").order_by("-start", "id"))
    )
