"""How ticket events and actions read to people: one translated map each."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from propdesk.tickets.models import Capability

# Dotted event codes (TicketEvent.action) → what the timeline shows. Their own
# context: "dispatched" as an event is not the status, "follow-up visit" not the timer.
EVENT_LABELS = {
    "ticket.created": pgettext_lazy("ticket event", "registered"),
    "ticket.triaged": pgettext_lazy("ticket event", "judged valid or invalid"),
    "ticket.dispatched": pgettext_lazy("ticket event", "dispatched"),
    "ticket.accepted": pgettext_lazy("ticket event", "signed for by the department"),
    "ticket.followed_up": pgettext_lazy("ticket event", "followed up"),
    "ticket.answered": pgettext_lazy("ticket event", "answered the resident"),
    "ticket.completed": pgettext_lazy("ticket event", "work reported done"),
    "ticket.slip_returned": pgettext_lazy("ticket event", "signed service slip returned"),
    "ticket.visited": pgettext_lazy("ticket event", "follow-up visit"),
    "ticket.closed": pgettext_lazy("ticket event", "closed"),
    "ticket.held": pgettext_lazy("ticket event", "put on hold"),
    "ticket.resumed": pgettext_lazy("ticket event", "resumed"),
    "ticket.reopened": pgettext_lazy("ticket event", "reopened"),
    "ticket.cancelled": pgettext_lazy("ticket event", "cancelled"),
    "ticket.acknowledged": pgettext_lazy("ticket event", "escalation acknowledged"),
    "ticket.instructed": pgettext_lazy("ticket event", "leader's instruction"),
    "ticket.signed_off": pgettext_lazy("ticket event", "manager's sign-off"),
    "ticket.instruction_done": pgettext_lazy("ticket event", "leader's instruction carried out"),
}

# API action names → the verb on a button and in "cannot … now" sentences.
ACTION_LABELS = {
    "triage": pgettext_lazy("ticket action", "judge validity"),
    "dispatch": pgettext_lazy("ticket action", "dispatch"),
    "accept": pgettext_lazy("ticket action", "sign for it"),
    "follow": pgettext_lazy("ticket action", "follow up"),
    "answer": pgettext_lazy("ticket action", "answer the resident"),
    "complete": pgettext_lazy("ticket action", "report the work done"),
    "return_slip": pgettext_lazy("ticket action", "record the returned slip"),
    "visit": pgettext_lazy("ticket action", "record a follow-up visit"),
    "close": pgettext_lazy("ticket action", "close"),
    "hold": pgettext_lazy("ticket action", "put on hold"),
    "resume": pgettext_lazy("ticket action", "resume"),
    "reopen": pgettext_lazy("ticket action", "reopen"),
    "cancel": pgettext_lazy("ticket action", "cancel"),
    "acknowledge": pgettext_lazy("ticket action", "acknowledge the escalation"),
    "instruct": pgettext_lazy("ticket action", "give an instruction"),
    "signoff": pgettext_lazy("ticket action", "sign off"),
    "instruction_done": pgettext_lazy("ticket action", "report an instruction carried out"),
}


def event_label(code: str) -> str:
    label = EVENT_LABELS.get(code)
    return str(label) if label is not None else code


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def capability_sentence(ticket) -> str:
    """What the agent tells the resident after the T-4 check."""
    if ticket.capability == Capability.AVAILABLE:
        return _("Engineering has staff available; someone will come now.")
    if ticket.capability == Capability.SCHEDULE:
        when = date_format(localtime(ticket.agreed_at), "Y-m-d H:i") if ticket.agreed_at else ""
        return _("No engineer is free right now; we have agreed to come at %(when)s.") % {"when": when}
    if ticket.capability == Capability.NOT_OFFERED:
        return _("Sorry, we do not offer this service: %(reason)s") % {"reason": ticket.capability_note}
    return ""
