"""The old contract between a domain's services and sla, kept as thin
adapters while services still call it (the ticket services do, until they run
on `propdesk.common.workflow.Workflow` whose listeners do the same).

The domain app connects its handlers in its `deadlines` module:

    hooks.connect(record_event=on_event, acknowledge_refusal=refusal)

sla itself names no domain app."""

from __future__ import annotations

from collections.abc import Callable

_handlers: dict[str, Callable] = {}


def connect(**handlers: Callable) -> None:
    _handlers.update(handlers)


def _handler(name: str) -> Callable:
    try:
        return _handlers[name]
    except KeyError:
        raise RuntimeError(
            f"no {name} handler connected to sla.hooks (is the app's deadlines module loaded?)"
        ) from None


def on_ticket_event(*, ticket, action: str, actor, at, data: dict) -> None:
    """React to a change of the record (start, stop, pause or cancel its
    deadlines, raise immediate escalations), inside the change's transaction.

    `action` is the API action name: "create", "triage", "dispatch",
    "accept", "follow", "answer", "complete", "return_slip", "visit", "close",
    "hold", "resume", "reopen", "cancel", "acknowledge", "instruct",
    "signoff". `data` is the event's data (the request body fields that were
    applied, e.g. {"department": "gongcheng", "assignee": "gc"})."""
    _handler("record_event")(record=ticket, action=action, actor=actor, at=at, data=data)


def acknowledge_refusal(*, ticket, user) -> str | None:
    """None when `user` may acknowledge an escalation on the record now; else
    the sentence saying why not (shown to the user with a 409)."""
    return _handler("acknowledge_refusal")(record=ticket, user=user)
