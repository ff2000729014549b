"""The record-type registry: what the shared mechanisms need to know about
every kind of record (a ticket, a visitor, a key loan, a bill …).

Each app registers its record types in its AppConfig.ready():

    records.register(RecordType(
        model=Visitor, label=_("visitor"),
        visible=visitors_visible_to,              # Actor -> Q | None: the ONE visibility filter
        url=lambda v: reverse("frontdesk:visitor", args=[v.pk]),
        title=lambda v: f"{v.project.code}-V{v.number}",
    ))

Notifications, attachments, deadlines, the timeline and global search look
record types up here by key (`"frontdesk.visitor"`, the model's label) and
never import the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from propdesk.common.errors import NotFound
from propdesk.common.rights import Actor, Who, as_actor

MAX_ID = 2**63 - 1

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class RecordType(Generic[M]):
    model: type[M]
    label: Any  # lazy translated noun: "service request", "visitor"
    # Actor -> Q restricting the model's rows to those the actor may see; None = nothing.
    visible: Callable[[Actor], Q | None]
    url: Callable[[M], str] = field(default=lambda record: "")
    # How staff name the record ("DEMO-4"); shown in notifications and lists.
    title: Callable[[M], str] = field(default=str)
    # The project a record belongs to (for deadlines, numbering, the calendar).
    project_of: Callable[[M], Any] = field(default=lambda record: record.project)
    resident_url: Callable[[M], str] | None = None
    # The field naming the unit a record belongs to ("unit"): the unit page
    # lists such records, linking to `list_url` filtered by `?unit=<code>`.
    unit_field: str | None = None
    list_url: Callable[[], str] | None = None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    def queryset(self, actor: Who, qs: QuerySet[M] | None = None) -> QuerySet[M]:
        """Rows of this type the actor (an Actor or a user) may see, optionally narrowing `qs`."""
        base = self.model._default_manager.all() if qs is None else qs
        condition = self.visible(as_actor(actor))
        if condition is None:
            return base.none()
        return base.filter(condition)

    def get(self, actor: Who, pk: int | str, qs: QuerySet[M] | None = None) -> M:
        """The record if the actor may see it, else NotFound (whether it exists or not)."""
        try:
            number = int(pk)
        except (TypeError, ValueError):
            number = 0
        record = self.queryset(actor, qs).filter(pk=number).first() if 0 < number <= MAX_ID else None
        if record is None:
            raise NotFound(_("No such %(what)s.") % {"what": self.label})
        return record

    def link_for(self, actor: Who, record: M) -> str:
        """Where this actor opens the record: residents have their own pages."""
        if as_actor(actor).is_resident and self.resident_url is not None:
            return self.resident_url(record)
        return self.url(record)


_REGISTRY: dict[str, RecordType[Any]] = {}


def register(record_type: RecordType[M]) -> RecordType[M]:
    _REGISTRY[record_type.key] = record_type
    return record_type


def get(key_or_model: str | type[Model]) -> RecordType[Any]:
    key = key_or_model if isinstance(key_or_model, str) else key_or_model._meta.label_lower
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"record type {key!r} is not registered") from None


def of(record: Model) -> RecordType[Any]:
    return get(type(record)._meta.label_lower)


def all_types() -> list[RecordType[Any]]:
    return list(_REGISTRY.values())
