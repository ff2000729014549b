"""The deadlines of service requests, written on `propdesk.sla.deadlines`
(API.md "Timers, escalation, review"; T-7, T-11 … T-16, T-18).

Declarations (loaded at start-up by sla's AppConfig, which imports every
app's `deadlines` module): the ticket figures of each project's policy, the
metric labels, the escalation profile (who is responsible, which climb figure
applies, whom a late second follow-up also tells, how messages read), and
the reaction to every ticket change (`on_event`), a listener of the tickets
workflow (registered by TicketsConfig.ready).

Timer semantics are API.md's table; the choices API.md leaves open:
- Follow-ups (T-13: "first follow-up 2 hours after 立项, second before the
  end of the working day; if still not handled then, the manager is told"):
  the first `follow` meets follow_1, the next one follow_2, whatever the
  order of their due times; `complete`, or the ticket reaching
  `done`/`closed`, meets both. Marking a leader's instruction carried out is
  not a dispatcher's follow-up and meets neither.
- A timer stopped after its due time is `breached` (with stopped_at) even when
  the sweeper has not seen it yet.
- `close` stops what is left: `met` when on time, else `breached`.
- Reopen (an unsatisfied visit, or `reopen`): a fresh cycle. The complaint's
  `resolve` timer restarts from the reopen moment with the ticket's policy
  figure, and the repair's `visit` timer restarts at the next `complete`.
- Complaints: a `triage` that changes the class recomputes the class-dependent
  timers (forward/answer/resolve) from their start; invalid cancels them.

Escalation (API.md, T-13, T-14): the ladder starts at the supervisor of the
ticket's department (customer service while not dispatched: the front desk
is responsible); unacknowledged steps climb after 5 minutes for emergencies,
1 hour for others; climbs stop on closed, cancelled and invalid tickets."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from propdesk.common import records
from propdesk.core.models import Rank
from propdesk.core.permissions import is_manager, rank_of
from propdesk.sla import deadlines
from propdesk.sla.models import Reason, TimerState
from propdesk.tickets.models import Kind, Severity, Status, Ticket

FORWARD, ANSWER, RESOLVE = "forward", "answer", "resolve"
FOLLOW_1, FOLLOW_2, VISIT = "follow_1", "follow_2", "visit"
SLIP, REMEDY = "slip", "remedy"  # T-11, T-12 (optional)

FOLLOWED_KINDS = (Kind.REPAIR, Kind.COMPLAINT, Kind.EMERGENCY)
DONE_STATUSES = (Status.DONE, Status.CLOSED)
FINISHED_STATUSES = (Status.CLOSED, Status.CANCELLED, Status.INVALID)

# ---------------------------------------------------------------- declarations

# The defaults are API.md's table. T-11 and T-12 are off by default, so that a
# ticket has exactly the timers of API.md's table; a project switches them on.
deadlines.register_figures(
    "tickets",
    {
        "forward_important": ("30m", gettext_lazy("Forward an important complaint")),
        "forward_major": ("eod", gettext_lazy("Forward a major complaint to the project manager")),
        "forward_emergency": ("10m", gettext_lazy("Emergency acknowledged by the project manager")),
        "answer_major": ("2d", gettext_lazy("Answer a major complaint")),
        "resolve_major": ("10d", gettext_lazy("Resolve a major complaint")),
        "resolve_important": ("3d", gettext_lazy("Resolve an important complaint")),
        "resolve_minor": ("2d", gettext_lazy("Resolve a minor complaint (unless the resident's deadline is given)")),
        "follow_1": ("2h", gettext_lazy("First follow-up")),
        "follow_2": ("eod", gettext_lazy("Second follow-up")),
        "visit": ("2d", gettext_lazy("Follow-up visit after a repair")),
        "visit_safety": ("2d", gettext_lazy("Follow-up visit after a safety-facility repair")),
        "visit_leak": ("3d", gettext_lazy("Follow-up visit after the leak test")),
        "slip_complaint": (
            "off",
            gettext_lazy("Report slip signed for by the department complained about (T-11; e.g. 10m)"),
        ),
        "remedy_complaint": ("off", gettext_lazy("Department's remedy for a complaint (T-12; e.g. 3d)")),
        "climb_emergency": ("5m", gettext_lazy("Unacknowledged emergency escalation climbs after")),
    },
    optional={"slip_complaint", "remedy_complaint"},
)

deadlines.register_metrics(
    {
        FORWARD: pgettext_lazy("timer metric", "forwarding"),
        ANSWER: pgettext_lazy("timer metric", "answer to the resident"),
        RESOLVE: pgettext_lazy("timer metric", "resolution"),
        FOLLOW_1: pgettext_lazy("timer metric", "first follow-up"),
        FOLLOW_2: pgettext_lazy("timer metric", "second follow-up"),
        VISIT: pgettext_lazy("timer metric", "follow-up visit"),
        SLIP: pgettext_lazy("timer metric", "report slip signed"),
        REMEDY: pgettext_lazy("timer metric", "department remedy"),
    }
)


def _label(ticket) -> str:
    label = str(Kind(ticket.kind).label)
    if ticket.severity:
        label = f"{label}·{Severity(ticket.severity).label}"
    return label


def _summary(ticket) -> str:
    return ticket.description[:80] if ticket.description else ""


def _also_tell(ticket, timer):
    # T-13: a breached second follow-up on a ticket not yet done also tells the project manager.
    if timer.metric == FOLLOW_2 and ticket.status not in DONE_STATUSES:
        return [(Rank.MANAGER, Reason.FOLLOW_2)]
    return []


PROFILE = deadlines.register_profile(
    deadlines.EscalationProfile(
        model=Ticket,
        related=("project", "department", "assignee"),
        department=lambda t: t.department if t.department_id else None,
        responsible_rank=lambda t: t.assignee.rank if t.assignee_id else Rank.STAFF,
        climb_figure=lambda t: "climb_emergency" if t.kind == Kind.EMERGENCY else "climb_other",
        climbs=lambda t: t.status not in FINISHED_STATUSES,
        also_tell=_also_tell,
        label=_label,
        summary=_summary,
        api_field="ticket",
    )
)


def _visible(actor):
    from propdesk.tickets.permissions import visibility_filter

    return visibility_filter(actor.user)


# The record type, unless the tickets app registered it itself (its own registration wins).
try:
    records.get(Ticket)
except LookupError:
    records.register(
        records.RecordType(
            model=Ticket,
            label=pgettext_lazy("record", "ticket"),
            visible=_visible,
            url=lambda t: reverse("tickets:detail", args=[t.pk]),
            title=str,
            resident_url=lambda t: reverse("tickets:mine_detail", args=[t.pk]),
        )
    )


# ---------------------------------------------------------------- which timers a ticket has


def complaint_specs(ticket, figures) -> dict[str, str | None]:
    """metric → spec (None: the resident's own deadline) for a complaint of its class."""
    specs: dict[str, str | None] = {}
    if ticket.severity == Severity.IMPORTANT:
        specs[FORWARD] = figures["forward_important"]
        specs[RESOLVE] = figures["resolve_important"]
    elif ticket.severity == Severity.MAJOR:
        specs[FORWARD] = figures["forward_major"]
        specs[ANSWER] = figures["answer_major"]
        specs[RESOLVE] = figures["resolve_major"]
    elif ticket.severity == Severity.MINOR:
        specs[RESOLVE] = None if ticket.requested_by else figures["resolve_minor"]
    return specs


def starting_specs(ticket, figures) -> dict[str, str | None]:
    specs: dict[str, str | None] = {}
    if ticket.kind == Kind.COMPLAINT:
        specs.update(complaint_specs(ticket, figures))
        # T-11 / T-12, when the project switched them on: the department complained
        # about signs for the report slip (accept) and answers with its remedy (complete).
        if figures["slip_complaint"] != deadlines.OFF:
            specs[SLIP] = figures["slip_complaint"]
        if figures["remedy_complaint"] != deadlines.OFF:
            specs[REMEDY] = figures["remedy_complaint"]
    elif ticket.kind == Kind.EMERGENCY:
        specs[FORWARD] = figures["forward_emergency"]
    if ticket.kind in FOLLOWED_KINDS:
        specs[FOLLOW_1] = figures["follow_1"]
        specs[FOLLOW_2] = figures["follow_2"]
    return specs


def _due(d: deadlines.Deadlines, ticket, spec: str | None, start: dt.datetime) -> dt.datetime:
    if spec is None:  # a minor complaint with the resident's own deadline
        return ticket.requested_by
    return d.due(spec, start)


def _visit_spec_and_start(ticket, figures, at):
    if ticket.category == "leak":
        return figures["visit_leak"], ticket.leak_test_at or ticket.completed_at or at
    if ticket.category == "safety":
        return figures["visit_safety"], ticket.completed_at or at
    return figures["visit"], ticket.completed_at or at


# ---------------------------------------------------------------- reacting to ticket changes


def on_event(*, record, action: str, actor, at, data) -> None:
    """React to one ticket change, inside its transaction after the ticket row
    is saved: start, stop, pause or cancel timers and raise the immediate
    escalation of an emergency. `actor` is the Django user."""
    ticket = record
    at = at or timezone.now()
    data = data or {}
    if action == "create":
        d = deadlines.of(ticket, new=True)
        figures = d.figures
        d.start_many({m: _due(d, ticket, spec, at) for m, spec in starting_specs(ticket, figures).items()}, at=at)
        if ticket.kind == Kind.EMERGENCY:
            # T-14: the project manager is told at once; unacknowledged, it climbs.
            deadlines.escalate(
                record=ticket,
                project=ticket.project,
                rank=Rank.MANAGER,
                reason=Reason.EMERGENCY,
                at=at,
                timer=d.get(FORWARD),
            )
        return
    d = deadlines.of(ticket)

    if (
        action in ("cancel",)
        or (action == "triage" and data.get("valid") is False)
        or ticket.status in (Status.INVALID, Status.CANCELLED)
    ):
        d.cancel(at=at)
        if action != "close":
            return

    if action == "triage":
        _triage_resync(d, ticket, at)
    elif action == "dispatch":
        forward = d.get(FORWARD)
        if forward and ticket.kind == Kind.COMPLAINT:
            to_manager = ticket.assignee_id is not None and ticket.assignee.rank >= Rank.MANAGER
            if ticket.severity == Severity.IMPORTANT or to_manager:
                d.stop(forward, at)
    elif action == "acknowledge":
        deadlines.acknowledge(record=ticket, user=actor, at=at)
        forward = d.get(FORWARD)
        if (
            forward
            and rank_of(actor) >= Rank.MANAGER
            and ticket.kind in (Kind.EMERGENCY, Kind.COMPLAINT)
            and (ticket.kind == Kind.EMERGENCY or ticket.severity == Severity.MAJOR)
        ):
            d.stop(forward, at)
    elif action == "follow":
        # T-13: the first follow-up counts for follow_1, the second for follow_2; a
        # leader's instruction reported carried out is not a follow-up.
        if not data.get("instruction_done"):
            for metric in (FOLLOW_1, FOLLOW_2):
                timer = d.get(metric)
                if timer is not None and timer.stopped_at is None and timer.state != TimerState.CANCELLED:
                    d.stop(timer, at)
                    break
    elif action == "answer":
        d.meet(ANSWER, at=at)
    elif action == "accept":
        d.meet(SLIP, at=at)
    elif action == "complete":
        for metric in (RESOLVE, SLIP, REMEDY):
            d.meet(metric, at=at)
        if ticket.kind == Kind.REPAIR:
            _start_visit(d, ticket, at)
    elif action == "visit":
        d.meet(VISIT, at=at)
        if data.get("satisfied") is False or ticket.status == Status.REOPENED:
            _reopen(d, ticket, at)
    elif action == "reopen":
        _reopen(d, ticket, at)
    elif action == "hold":
        d.pause(at=at)
    elif action == "resume":
        d.resume(at=at)

    if action == "complete" or ticket.status in DONE_STATUSES:
        for metric in (FOLLOW_1, FOLLOW_2):
            d.meet(metric, at=at)
    if action == "close" or ticket.status == Status.CLOSED:
        d.stop_all(at=at)


def _start_visit(d: deadlines.Deadlines, ticket, at):
    spec, start = _visit_spec_and_start(ticket, d.figures, at)
    if d.get(VISIT) is None:
        d.start(VISIT, at=start, spec=spec)
    else:  # the repair was reopened and is complete again: a fresh visit cycle
        d.restart(VISIT, at=start, spec=spec)


def _reopen(d: deadlines.Deadlines, ticket, at):
    resolve = d.get(RESOLVE)
    if resolve is None or resolve.state in deadlines.OPEN_STATES:
        return
    policy = deadlines.policy_by_id(resolve.policy_id)
    figures = deadlines.figures_of(policy) if policy is not None else deadlines.figures_with_defaults(None)
    spec = complaint_specs(ticket, figures).get(RESOLVE)
    if spec is None and not (ticket.requested_by and ticket.requested_by > at):
        spec = figures["resolve_minor"]  # the resident's deadline has passed: the policy figure
    d.restart(RESOLVE, at=at, spec=spec, due_at=None if spec is not None else ticket.requested_by)


def _triage_resync(d: deadlines.Deadlines, ticket, at):
    """The class may have changed at triage: the class-dependent timers follow."""
    if ticket.kind != Kind.COMPLAINT:
        return
    policy = d.policy
    specs = complaint_specs(ticket, d.figures)
    for metric in (FORWARD, ANSWER, RESOLVE):
        timer = d.get(metric)
        if metric in specs:
            start = timer.started_at if timer else ticket.created_at
            due = _due(d, ticket, specs[metric], start)
            if timer is None:
                d.start(metric, at=start, due_at=due, policy=policy)
            else:
                d.reschedule(metric, due)
        elif timer is not None:
            d.cancel(metric, at=at)


def acknowledge_refusal(*, record, user) -> str | None:
    """None when `user` may acknowledge an escalation on the ticket now (one is
    addressed to them, or they are the project manager or above); else why not."""
    if is_manager(user):
        return None
    if deadlines.addressed_to(record, user):
        return None
    return _("There is no escalation addressed to you on this ticket to acknowledge.")


# ---------------------------------------------------------------- wiring


def on_change(change) -> None:
    """A `propdesk.common.workflow.Workflow` listener (the tickets workflow)."""
    on_event(record=change.record, action=change.action, actor=change.actor.user, at=change.at, data=change.data)
