"""The contract between tickets and sla.

tickets.services calls these inside the transaction of every ticket change,
after the ticket row is saved and its event written. sla owns timers,
escalations and notifications; tickets never touches those tables."""

from __future__ import annotations


def on_ticket_event(*, ticket, action: str, actor, at, data: dict) -> None:
    """React to a ticket change: start, stop, pause or cancel timers and raise
    immediate escalations (an emergency notifies the project manager at once).

    `action` is the API action name: "create", "triage", "dispatch",
    "accept", "follow", "answer", "complete", "return_slip", "visit", "close",
    "hold", "resume", "reopen", "cancel", "acknowledge", "instruct",
    "signoff". `data` is the event's data (the request body fields that were
    applied, e.g. {"department": "gongcheng", "assignee": "gc"})."""
    from propdesk.sla import services

    services.timers_on_ticket_event(ticket=ticket, action=action, actor=actor, at=at, data=data)


def acknowledge_refusal(*, ticket, user) -> str | None:
    """None when `user` may acknowledge an escalation on `ticket` now; else the
    sentence saying why not (shown to the user with a 409)."""
    from propdesk.sla import services

    return services.acknowledge_refusal(ticket=ticket, user=user)
