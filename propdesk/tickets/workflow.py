"""The ticket workflow as data: which action may start from which status and
where it leads. `services.transition()` is the only code that reads it.

Statuses (API.md): new (立项) → dispatched (派工/转呈) → accepted (接单) →
done (完工) → closed (销项); also on_hold (T-18), reopened (T-16), invalid
(T-8), cancelled.

A `to` of None keeps the current status (follow-ups, answers, slips …);
actions whose target depends on the request (triage, visit, resume) name it
in `services`, next to the rule that decides it."""

from __future__ import annotations

from dataclasses import dataclass

from propdesk.tickets.models import Kind, Status

S = Status

# Statuses in which work is still going on: anything but closed, invalid, cancelled.
OPEN = frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.DONE, S.ON_HOLD, S.REOPENED})
ALL_KINDS = frozenset(Kind.values)


@dataclass(frozen=True)
class Step:
    action: str
    code: str  # dotted event code, rendered through display.EVENT_LABELS
    sources: frozenset  # statuses the action may start from
    to: str | None  # target status; None = unchanged (or decided by the service)
    kinds: frozenset = ALL_KINDS


TRANSITIONS: dict[str, Step] = {
    step.action: step
    for step in [
        Step("create", "ticket.created", frozenset(), S.NEW),
        # T-8: only complaints are judged; an invalid one leaves the flow and may close directly.
        Step(
            "triage",
            "ticket.triaged",
            frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.REOPENED}),
            None,
            frozenset({Kind.COMPLAINT}),
        ),
        # Re-dispatching (to another department or person) is allowed until the work is done.
        Step("dispatch", "ticket.dispatched", frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.REOPENED}), S.DISPATCHED),
        Step("accept", "ticket.accepted", frozenset({S.DISPATCHED, S.REOPENED}), S.ACCEPTED),
        Step("follow", "ticket.followed_up", OPEN, None),
        # Answers are also given on invalid complaints: they are still helped (T-8).
        Step("answer", "ticket.answered", OPEN | {S.INVALID}, None),
        # The executor may report completion without a separate accept (signing for it by doing it).
        Step("complete", "ticket.completed", frozenset({S.DISPATCHED, S.ACCEPTED, S.REOPENED}), S.DONE),
        Step("return_slip", "ticket.slip_returned", frozenset({S.DONE}), None),
        # T-16: satisfied keeps `done`, unsatisfied goes to `reopened` (decided in services).
        Step("visit", "ticket.visited", frozenset({S.DONE}), None),
        # The per-kind closing conditions are checked by selectors.close_blockers.
        Step("close", "ticket.closed", (OPEN - {S.ON_HOLD}) | {S.INVALID, S.CANCELLED}, S.CLOSED),
        Step("hold", "ticket.held", frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.REOPENED}), S.ON_HOLD),
        Step("resume", "ticket.resumed", frozenset({S.ON_HOLD}), None),  # back to `held_from`
        Step("reopen", "ticket.reopened", frozenset({S.DONE, S.CLOSED, S.INVALID, S.CANCELLED}), S.REOPENED),
        Step(
            "cancel",
            "ticket.cancelled",
            frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.ON_HOLD, S.REOPENED}),
            S.CANCELLED,
        ),
        Step("acknowledge", "ticket.acknowledged", OPEN, None),
        Step("instruct", "ticket.instructed", OPEN, None),
        Step("signoff", "ticket.signed_off", OPEN, None),
    ]
}

ACTIONS: tuple[str, ...] = tuple(a for a in TRANSITIONS if a != "create")
CODE_TO_ACTION = {step.code: step.action for step in TRANSITIONS.values()}


def step_for(action: str) -> Step:
    return TRANSITIONS[action]


def possible(action: str, *, status: str, kind: str) -> bool:
    """True when the table lets `action` start from `status` for this kind."""
    step = TRANSITIONS[action]
    return status in step.sources and kind in step.kinds
