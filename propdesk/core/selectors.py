"""Reusable reads of core data. Every list is indexed and keyset-paginated."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone

from propdesk.core.models import Occupancy, Person, Unit


def current_occupancies():
    today = timezone.localdate()
    return Occupancy.objects.filter(Q(end__isnull=True) | Q(end__gte=today)).select_related("person")


def units_with_occupants(qs):
    return qs.select_related("project", "building").prefetch_related(
        Prefetch("occupancies", queryset=current_occupancies(), to_attr="current")
    )


def unit_search(project, q: str | None):
    """Units whose code starts with q, or whose current occupant's name or
    phone contains q."""
    qs = Unit.objects.filter(project=project)
    if q:
        q = q.strip()
        person_ids = person_search(project, q).values("pk")
        qs = qs.filter(Q(code__startswith=q) | Q(occupancies__person__in=person_ids)).distinct()
    return qs


def person_search(project, q: str | None):
    qs = Person.objects.filter(project=project)
    if q:
        q = q.strip()
        if q.replace("-", "").isdigit():
            qs = qs.filter(Q(phone__contains=q) | Q(phone2__contains=q))
        else:
            qs = qs.filter(name__contains=q)
    return qs


def people_with_units(qs):
    return qs.select_related("project").prefetch_related(
        Prefetch("occupancies", queryset=Occupancy.objects.select_related("unit").order_by("-start", "id"))
    )
