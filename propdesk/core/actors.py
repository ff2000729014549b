"""The Actor of a Django user: the facts every right depends on, read once
per request and kept on the user object (propdesk.common.rights.Actor)."""

from __future__ import annotations

from django.utils import timezone

from propdesk.common.rights import Actor
from propdesk.core.models import Occupancy, ResidentAccount, Staff

_CACHE_ATTR = "_propdesk_actor"


def actor_of(user) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    actor = _build(user)
    setattr(user, _CACHE_ATTR, actor)
    return actor


def forget(user) -> None:
    """Drop the cached actor (after a change of the user's staff record)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _build(user) -> Actor:
    cache = getattr(getattr(user, "_state", None), "fields_cache", {})
    if "staff" in cache:  # already read this request (the project middleware reads it)
        staff = cache["staff"]
    else:
        staff = Staff.objects.select_related("department").filter(user_id=user.pk).first()
    if staff is not None:
        return Actor(
            user=user,
            user_id=user.pk,
            superuser=user.is_superuser,
            staff_id=staff.pk,
            rank=staff.rank,
            department_id=staff.department_id,
            department_kind=staff.department.kind if staff.department_id else "",
            dispatcher=staff.is_dispatcher,
            project_ids=frozenset(staff.projects.filter(is_active=True).values_list("pk", flat=True)),
        )
    account = ResidentAccount.objects.select_related("person").filter(user_id=user.pk).first()
    if account is not None:
        today = timezone.localdate()
        units = (
            Occupancy.objects.filter(person_id=account.person_id)
            .exclude(end__lt=today)
            .values_list("unit_id", flat=True)
        )
        return Actor(
            user=user,
            user_id=user.pk,
            superuser=user.is_superuser,
            person_id=account.person_id,
            project_ids=frozenset({account.person.project_id}),
            unit_ids=frozenset(units),
        )
    return Actor(user=user, user_id=user.pk, superuser=user.is_superuser)
