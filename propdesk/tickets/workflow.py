"""The ticket workflow as data (propdesk.common.workflow): which action may
start from which status and where it leads, the guards that say why not,
and the closing conditions of API.md.

Statuses (API.md): new (立项) → dispatched (派工/转呈) → accepted (接单) →
done (完工) → closed (销项); also on_hold (T-18), reopened (T-16), invalid
(T-8), cancelled.

A `to` of None keeps the current status (follow-ups, answers, slips …);
actions whose target depends on the request (triage, visit, resume) return
it from their `apply` in services, next to the rule that decides it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from propdesk.common.history import labels
from propdesk.common.workflow import Step, Workflow
from propdesk.tickets import display
from propdesk.tickets.models import Capability, Kind, Status, Ticket, TicketEvent
from propdesk.tickets.rights import RIGHTS, visible_to

S = Status

# Statuses in which work is still going on: anything but closed, invalid, cancelled.
OPEN = frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.DONE, S.ON_HOLD, S.REOPENED})
ALL_KINDS = frozenset(Kind.values)
NOT_DONE = frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.REOPENED})


def _is_complaint(ticket) -> bool:
    return ticket.kind == Kind.COMPLAINT


STEPS = [
    Step("create", "ticket.created", frozenset(), S.NEW),
    # T-8: only complaints are judged; an invalid one leaves the flow and may close directly.
    Step(
        "triage",
        "ticket.triaged",
        NOT_DONE,
        None,
        applies=_is_complaint,
        not_applicable=gettext_lazy("Only complaints are judged valid or invalid."),
    ),
    # Re-dispatching (to another department or person) is allowed until the work is done.
    Step("dispatch", "ticket.dispatched", NOT_DONE, S.DISPATCHED),
    Step("accept", "ticket.accepted", frozenset({S.DISPATCHED, S.REOPENED}), S.ACCEPTED),
    Step("follow", "ticket.followed_up", OPEN, None),
    # Answers are also given on invalid complaints: they are still helped (T-8).
    Step("answer", "ticket.answered", OPEN | {S.INVALID}, None),
    # The executor may report completion without a separate accept (signing for it by doing it).
    Step("complete", "ticket.completed", frozenset({S.DISPATCHED, S.ACCEPTED, S.REOPENED}), S.DONE),
    Step("return_slip", "ticket.slip_returned", frozenset({S.DONE}), None),
    # T-16: satisfied keeps `done`, unsatisfied goes to `reopened` (decided in services).
    Step("visit", "ticket.visited", frozenset({S.DONE}), None),
    # The per-kind closing conditions are the `close` guard below.
    Step("close", "ticket.closed", (OPEN - {S.ON_HOLD}) | {S.INVALID, S.CANCELLED}, S.CLOSED),
    Step("hold", "ticket.held", NOT_DONE, S.ON_HOLD),
    Step("resume", "ticket.resumed", frozenset({S.ON_HOLD}), None),  # back to `held_from`
    Step("reopen", "ticket.reopened", frozenset({S.DONE, S.CLOSED, S.INVALID, S.CANCELLED}), S.REOPENED),
    Step(
        "cancel", "ticket.cancelled", frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.ON_HOLD, S.REOPENED}), S.CANCELLED
    ),
    Step("acknowledge", "ticket.acknowledged", OPEN, None),
    Step("instruct", "ticket.instructed", OPEN, None),
    # T-14: a leader's instruction reported carried out. Its own action: it is
    # not the dispatcher's follow-up and meets no follow-up timer (T-13).
    Step("instruction_done", "ticket.instruction_done", OPEN, None),
    Step("signoff", "ticket.signed_off", OPEN, None),
]


# ---------------------------------------------------------------- closing conditions (API.md)


def close_conditions(ticket) -> list[tuple[str | None, str]]:
    """(the API action that would supply it, or None; sentence) for each thing
    still missing before the ticket may be closed (销项)."""
    status = ticket.status
    if status in (S.INVALID, S.CANCELLED):
        return []  # T-8: invalid and cancelled tickets close directly
    if status == S.CLOSED:
        return [(None, _("The ticket is already closed."))]
    if status == S.ON_HOLD:
        return [("resume", _("The ticket is on hold; resume it first."))]
    missing = []
    done = status == S.DONE and ticket.completed_at is not None
    after_done = ticket.completed_at if done else None

    def since_done(at):
        return at is not None and after_done is not None and at >= after_done

    if ticket.kind == Kind.EMERGENCY:
        if ticket.signed_off_at is None:
            missing.append(("signoff", _("The project manager has not signed off.")))  # T-14
    elif ticket.kind == Kind.REPAIR and ticket.capability == Capability.NOT_OFFERED and not done:
        if ticket.answered_at is None:
            missing.append(("answer", _("The resident has not been told that the service is not offered.")))  # T-4
    elif ticket.kind == Kind.REPAIR:
        if not done:
            missing.append(("complete", _("The work is not done yet.")))
        if not since_done(ticket.slip_returned_at):
            missing.append(("return_slip", _("The signed service slip is not back.")))  # T-13
        if not (since_done(ticket.visited_at) and ticket.visit_satisfied):
            missing.append(("visit", _("There is no satisfied follow-up visit.")))  # T-15
    elif ticket.kind == Kind.COMPLAINT:
        if not done:
            missing.append(("complete", _("The work is not done yet.")))
        if not since_done(ticket.answered_at):
            missing.append(("answer", _("The resident has not been told the result.")))  # T-17
        if not since_done(ticket.slip_returned_at):
            missing.append(("return_slip", _("The signed service slip is not back.")))  # T-13
    else:  # inquiries and suggestions: answered at once or called back (T-19)
        if ticket.answered_at is None:
            missing.append(("answer", _("The resident has not been answered.")))
    return missing


def close_blockers(ticket) -> list[str]:
    return [sentence for _action, sentence in close_conditions(ticket)]


def close_refusal(ticket) -> str | None:
    blockers = close_blockers(ticket)
    if not blockers:
        return None
    return _("Cannot close: %(missing)s") % {"missing": " ".join(blockers)}


def close_missing_actions(ticket) -> list[str]:
    """The API actions that would supply what `close` still misses, in order."""
    return list(dict.fromkeys(action for action, _sentence in close_conditions(ticket) if action))


def _triage_guard(ticket) -> str | None:
    if ticket.valid is not None:
        return _("This complaint has already been judged.")
    return None


_NOT_DONE_SLIP = gettext_lazy("The work is not done yet, so no slip can be returned.")
_NOT_DONE_VISIT = gettext_lazy("The work is not done yet, so there is nothing to visit.")

TICKETS = Workflow(
    model=Ticket,
    event_model=TicketEvent,
    record_field="ticket",
    steps=STEPS,
    rights=RIGHTS,
    visible=visible_to,
    noun=gettext_lazy("ticket"),
    guards={"close": close_refusal, "triage": _triage_guard},
    state_sentences={
        ("complete", S.NEW): gettext_lazy("The ticket has not been dispatched yet, so the work cannot be done."),
        ("accept", S.NEW): gettext_lazy("The ticket has not been dispatched yet."),
        ("accept", S.ACCEPTED): gettext_lazy("The ticket has already been signed for."),
        ("return_slip", S.NEW): _NOT_DONE_SLIP,
        ("return_slip", S.DISPATCHED): _NOT_DONE_SLIP,
        ("return_slip", S.ACCEPTED): _NOT_DONE_SLIP,
        ("visit", S.NEW): _NOT_DONE_VISIT,
        ("visit", S.DISPATCHED): _NOT_DONE_VISIT,
        ("visit", S.ACCEPTED): _NOT_DONE_VISIT,
        ("close", S.CLOSED): gettext_lazy("The ticket is already closed."),
        ("close", S.ON_HOLD): gettext_lazy("The ticket is on hold; resume it first."),
    },
    action_labels=display.ACTION_LABELS,
    forbidden=gettext_lazy("You are not permitted to do this on this ticket."),
)

labels.register(display.EVENT_LABELS)

# The API's actions (API.md), in order; `instruction_done` has its own path.
ACTIONS: tuple[str, ...] = tuple(a for a in TICKETS.actions if a != "instruction_done")
CODE_TO_ACTION = TICKETS.code_to_action()


def step_for(action: str) -> Step:
    return TICKETS.step(action)


def possible(action: str, *, status: str, kind: str) -> bool:
    """True when the table lets `action` start from `status` for this kind."""
    step = TICKETS.step(action)
    applies = step.applies is None or step.applies(Ticket(kind=kind, status=status))
    return status in step.sources and applies
