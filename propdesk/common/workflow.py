"""Workflows as data: one `Workflow` per record type, one `run()` for every action.

A workflow declares its steps (which action may start from which statuses
and where it leads), the event model its history goes to, its rights table,
its guards (a function per action that returns the sentence saying why not,
or None) and its listeners (deadlines, notifications). `run()` is the only
code that changes a record's state:

    TICKET_FLOW.run(record=ticket, actor=user, action="dispatch", data={...}, apply=apply)

in one transaction it locks the row (filtered by the record type's visibility:
not visible → NotFound), checks the rights (Forbidden), checks the step and
guard against the *locked* status (Conflict with the sentence: of two people
acting at once one wins, the other is told why not), lets `apply(locked, now)`
change the row, saves it, writes the event and calls the listeners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.common.errors import Conflict, Forbidden, NotFound
from propdesk.common.records import MAX_ID
from propdesk.common.rights import Actor, Rights, Who, as_actor

R = TypeVar("R", bound=Model)
# Why an action is impossible for this record now (a sentence), or None.
Guard = Callable[[R], "str | None"]


@dataclass(frozen=True)
class Step:
    action: str
    code: str  # dotted event code, rendered through propdesk.common.history.labels
    sources: frozenset[str] = frozenset()  # statuses the action may start from
    to: str | None = None  # target status; None = unchanged (or decided by `apply`)
    # When the action applies to this record at all (e.g. only complaints are triaged),
    # and the sentence when it does not.
    applies: Callable[[Any], bool] | None = None
    not_applicable: Any = None


@dataclass
class Change(Generic[R]):
    """What one run did; listeners receive it inside the transaction."""

    record: R
    action: str
    step: Step
    actor: Actor
    at: dt.datetime
    data: dict[str, Any]
    old_status: str | None
    new_status: str | None
    event: Model | None = None

    @property
    def user(self) -> Any:
        return self.actor.user


Listener = Callable[[Change[R]], None]


@dataclass(init=False)
class Workflow(Generic[R]):
    """The steps, rights, guards and listeners of one record type `R`."""

    model: type[R]
    event_model: type[Model]
    record_field: str  # the event model's FK to the record ("ticket")
    steps: dict[str, Step]  # by action, in declaration order
    rights: Rights
    visible: Callable[[Actor], Q | None]  # the record type's one visibility filter
    noun: Any  # "ticket", "visitor" (lazy): used in sentences
    status_field: str
    guards: Mapping[str, Guard[R]]
    # (action, status) → sentence, for the refusals worth a specific explanation.
    state_sentences: Mapping[tuple[str, str], Any]
    action_labels: Mapping[str, Any]
    listeners: list[Listener[R]]
    forbidden: Any  # the sentence of a refusal for lack of rights

    def __init__(
        self,
        model: type[R],
        event_model: type[Model],
        record_field: str,
        steps: Iterable[Step],
        rights: Rights,
        visible: Callable[[Actor], Q | None],
        noun: Any = None,
        status_field: str = "status",
        guards: Mapping[str, Guard[R]] | None = None,
        state_sentences: Mapping[tuple[str, str], Any] | None = None,
        action_labels: Mapping[str, Any] | None = None,
        listeners: list[Listener[R]] | None = None,
        forbidden: Any = None,
    ) -> None:
        self.model = model
        self.event_model = event_model
        self.record_field = record_field
        self.steps = {step.action: step for step in steps}
        self.rights = rights
        self.visible = visible
        self.noun = noun
        self.status_field = status_field
        self.guards = {} if guards is None else guards
        self.state_sentences = {} if state_sentences is None else state_sentences
        self.action_labels = {} if action_labels is None else action_labels
        self.listeners = [] if listeners is None else listeners
        self.forbidden = forbidden

    # ------------------------------------------------------------ reading the table

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action but creation, in declaration order."""
        return tuple(a for a in self.steps if a != "create")

    def step(self, action: str) -> Step:
        return self.steps[action]

    def code_to_action(self) -> dict[str, str]:
        return {step.code: step.action for step in self.steps.values()}

    def label(self, action: str) -> str:
        label = self.action_labels.get(action)
        return str(label) if label is not None else action

    def listen(self, listener: Listener[R]) -> Listener[R]:
        if listener not in self.listeners:
            self.listeners.append(listener)
        return listener

    def status_of(self, record: R) -> str:
        return cast(str, getattr(record, self.status_field))

    def refusal(self, record: R, action: str) -> str | None:
        """Why `action` is impossible in the record's current state, or None.
        Rights are not considered here (see `allowed`)."""
        step = self.steps[action]
        if step.applies is not None and not step.applies(record):
            return str(step.not_applicable or _("This action does not apply to this record."))
        status = self.status_of(record)
        if step.sources and status not in step.sources:
            specific = self.state_sentences.get((action, status))
            if specific is not None:
                return str(specific)
            display = getattr(record, f"get_{self.status_field}_display", lambda: status)()
            return _("The %(noun)s is %(status)s; you cannot %(action)s now.") % {
                "noun": self.noun or _("record"),
                "status": display,
                "action": self.label(action),
            }
        guard = self.guards.get(action)
        return guard(record) if guard is not None else None

    def may(self, actor: Who, action: str, record: R | None) -> bool:
        return self.rights.may(as_actor(actor), action, record)

    def allowed(self, actor: Who, record: R, actions: Iterable[str] | None = None) -> list[str]:
        """The actions `actor` may take on `record` now (for buttons)."""
        actor = as_actor(actor)
        return [
            a
            for a in (actions if actions is not None else self.actions)
            if self.rights.may(actor, a, record) and self.refusal(record, a) is None
        ]

    def check_rights(self, actor: Who, action: str, record: R | None) -> None:
        self.rights.check(as_actor(actor), action, record, sentence=self._forbidden())

    def _forbidden(self) -> str:
        return str(self.forbidden or _("You are not permitted to do this."))

    def _not_found(self) -> NotFound:
        return NotFound(_("No such %(what)s.") % {"what": self.noun or _("record")})

    # ------------------------------------------------------------ writing

    def lock(self, actor: Who, record_or_pk: R | int | str) -> R:
        """The row locked FOR UPDATE if `actor` may see it; NotFound otherwise.
        Must run inside a transaction."""
        pk: Any = getattr(record_or_pk, "pk", record_or_pk)  # a record or its primary key (text from a URL)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise self._not_found() from None
        condition = self.visible(as_actor(actor))
        if condition is None or not 0 < pk <= MAX_ID:
            raise self._not_found()
        locked = self.model._default_manager.select_for_update(of=("self",)).filter(condition).filter(pk=pk).first()
        if locked is None:
            raise self._not_found()
        return locked

    def run(
        self,
        *,
        record: R | int | str,
        actor: Who,
        action: str,
        data: dict[str, Any] | None = None,
        apply: Callable[[R, dt.datetime], str | None] | None = None,
    ) -> R:
        """Run `action` on `record` as `actor`. `apply(locked, now)` changes the
        locked row and may return the target status when it depends on the
        request; otherwise the step's target (or no change) holds."""
        actor = as_actor(actor)
        step = self.steps[action]
        with transaction.atomic():
            # Lock first, then judge everything on the locked row: a concurrent
            # action that committed before us is seen here, and its effect decides.
            locked = self.lock(actor, record)
            self.rights.check(actor, action, locked, sentence=self._forbidden())
            refusal = self.refusal(locked, action)
            if refusal:
                raise Conflict(refusal)
            now = timezone.now()
            old = self.status_of(locked)
            target = apply(locked, now) if apply else None
            setattr(locked, self.status_field, target or step.to or old)
            if hasattr(locked, "updated_at"):
                locked.updated_at = now
            locked.save()
            event_data = dict(data or {})
            new = self.status_of(locked)
            if new != old:
                event_data["status"] = {"from": old, "to": new}
            self.record_event(record=locked, actor=actor, action=action, at=now, data=event_data, old_status=old)
        return locked

    def record_event(
        self,
        *,
        record: R,
        actor: Who,
        action: str,
        at: dt.datetime,
        data: dict[str, Any],
        old_status: str | None = None,
    ) -> Model:
        """Write the append-only event and call the listeners (inside the
        caller's transaction). Creation services call this after creating the row."""
        actor = as_actor(actor)
        step = self.steps[action]
        event = self.event_model._default_manager.create(
            **{self.record_field: record},
            at=at,
            actor=actor.user if actor.user_id else None,
            action=step.code,
            data=data,
        )
        change = Change(
            record=record,
            action=action,
            step=step,
            actor=actor,
            at=at,
            data=data,
            old_status=old_status,
            new_status=self.status_of(record),
            event=event,
        )
        for listener in self.listeners:
            listener(change)
        return event


def forbid_unless(condition: bool, sentence: str) -> None:
    """Small helper for services: raise Forbidden with `sentence` unless `condition`."""
    if not condition:
        raise Forbidden(sentence)
