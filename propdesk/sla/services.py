"""Every write of the sla app: policies, timers (started, met, paused, cancelled
by ticket events), escalations and reading notifications.

Timer semantics are API.md's table; the choices API.md leaves open:
- Follow-ups (T-13: "first follow-up 2 hours after 立项, second before the
  end of the working day; if still not handled then, the manager is told"):
  the first `follow` meets follow_1, the next one follow_2, whatever the
  order of their due times; `complete`, or the ticket reaching
  `done`/`closed`, meets both.
- A timer stopped after its due time is `breached` (with stopped_at) even when
  the sweeper has not seen it yet.
- `close` stops what is left: `met` when on time, else `breached`.
- Reopen (an unsatisfied visit, or `reopen`): a fresh cycle. The complaint's
  `resolve` timer restarts from the reopen moment with the ticket's policy
  figure, and the repair's `visit` timer restarts at the next `complete`.
- Complaints: a `triage` that changes the class recomputes the class-dependent
  timers (forward/answer/resolve) from their start; invalid cancels them.

Escalation (API.md, T-13, T-14): the ladder of a ticket is the supervisor of
its department (customer service while not dispatched: the front desk is
responsible), then project manager, deputy GM, GM; `level` is the recipient's
rank. A breach tells the first person above both the responsible one and the
highest already told on the ticket, so each further breach climbs; an
unacknowledged step climbs after the policy's interval. A person is told about
a ticket once (unique constraint), so two paths reaching the same person (a
climb and a breach at the same minute) give one notification. Climbs stop on
closed, cancelled and invalid tickets and at the top of the ladder.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.common.errors import BadInput, Forbidden, NotFound
from propdesk.core.calendar import BusinessCalendar
from propdesk.core.models import Department, Rank, Staff
from propdesk.core.permissions import is_manager, is_staff_in, rank_of, staff_of
from propdesk.core.services import audit_record
from propdesk.sla import notify
from propdesk.sla.models import Escalation, Metric, Notification, Policy, Reason, Timer, TimerState
from propdesk.sla.policy import (
    DEFAULT_FIGURES,
    FIGURES,
    OFF,
    OPTIONAL,
    figures_with_defaults,
    normalise,
    valid_spec,
)
from propdesk.tickets.models import Kind, Severity, Status

OPEN_TIMER_STATES = (TimerState.RUNNING, TimerState.PAUSED)
FOLLOWED_KINDS = (Kind.REPAIR, Kind.COMPLAINT, Kind.EMERGENCY)
DONE_STATUSES = (Status.DONE, Status.CLOSED)

# A per-sweep memo of slow-changing lookups (calendars, the ladder's people,
# policies), so a sweep of N due timers costs O(N) small queries, not O(N) calendar loads.
_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sla_memo", default=None)


@contextlib.contextmanager
def memo():
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _cached(key, compute):
    store = _memo.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def calendar_of(project) -> BusinessCalendar:
    return _cached(("calendar", project.pk), lambda: BusinessCalendar.for_project(project))


# ---------------------------------------------------------------- policy


def policy_current(*, project) -> Policy:
    """The project's newest policy version; version 1 (API.md's defaults) is
    created the first time it is needed."""
    policy = Policy.objects.filter(project=project).order_by("-version").first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return Policy.objects.create(project=project, version=1, figures=dict(DEFAULT_FIGURES))
    except IntegrityError:  # a concurrent first ticket created it
        return Policy.objects.get(project=project, version=1)


def policy_create_version(*, project, actor, figures: dict) -> Policy:
    """A new version with `figures` (keys of sla.policy.FIGURES). Only the
    project manager and above may change time limits."""
    if not (is_manager(actor) and is_staff_in(actor, project)):
        raise Forbidden(_("Only the project manager or above may change time limits."))
    errors = {}
    clean = {}
    for key in FIGURES:
        value = figures.get(key)
        if value is None and key in OPTIONAL:
            value = DEFAULT_FIGURES[key]  # optional limits left out stay off
        if value is None:
            errors[key] = [_("Required.")]
        elif not valid_spec(value):
            errors[key] = [_("Use a number with m, h, d, wd or bh (e.g. 30m, 2h, 3d), or eod.")]
        elif normalise(value) == OFF and key not in OPTIONAL:
            errors[key] = [_("This time limit cannot be switched off.")]
        else:
            clean[key] = normalise(value)
    unknown = set(figures) - set(FIGURES)
    for key in unknown:
        errors[key] = [_("Unknown figure.")]
    if errors:
        raise BadInput(_("Some time limits are not valid."), errors)
    with transaction.atomic():
        current = Policy.objects.select_for_update().filter(project=project).order_by("-version").first()
        old = figures_with_defaults(current.figures) if current else dict(DEFAULT_FIGURES)
        version = (current.version if current else 0) + 1
        policy = Policy.objects.create(project=project, version=version, figures=clean, created_by=actor)
        audit_record(
            actor=actor,
            action="sla.policy_changed",
            obj=policy,
            project=project,
            old={"version": version - 1, **old},
            new={"version": version, **clean},
        )
    return policy


def _ticket_policy(ticket) -> Policy:
    policy_id = Timer.objects.filter(ticket=ticket, policy__isnull=False).values_list("policy_id", flat=True).first()
    if policy_id is None:
        return policy_current(project=ticket.project)
    return _cached(("policy", policy_id), lambda: Policy.objects.get(pk=policy_id))


# ---------------------------------------------------------------- timers


def _complaint_specs(ticket, figures) -> dict[str, str | None]:
    """metric → spec (None: the resident's own deadline) for a complaint of its class."""
    specs: dict[str, str | None] = {}
    if ticket.severity == Severity.IMPORTANT:
        specs[Metric.FORWARD] = figures["forward_important"]
        specs[Metric.RESOLVE] = figures["resolve_important"]
    elif ticket.severity == Severity.MAJOR:
        specs[Metric.FORWARD] = figures["forward_major"]
        specs[Metric.ANSWER] = figures["answer_major"]
        specs[Metric.RESOLVE] = figures["resolve_major"]
    elif ticket.severity == Severity.MINOR:
        specs[Metric.RESOLVE] = None if ticket.requested_by else figures["resolve_minor"]
    return specs


def _starting_specs(ticket, figures) -> dict[str, str | None]:
    specs: dict[str, str | None] = {}
    if ticket.kind == Kind.COMPLAINT:
        specs.update(_complaint_specs(ticket, figures))
        # T-11 / T-12, when the project switched them on: the department complained
        # about signs for the report slip (accept) and answers with its remedy (complete).
        if figures["slip_complaint"] != OFF:
            specs[Metric.SLIP] = figures["slip_complaint"]
        if figures["remedy_complaint"] != OFF:
            specs[Metric.REMEDY] = figures["remedy_complaint"]
    elif ticket.kind == Kind.EMERGENCY:
        specs[Metric.FORWARD] = figures["forward_emergency"]
    if ticket.kind in FOLLOWED_KINDS:
        specs[Metric.FOLLOW_1] = figures["follow_1"]
        specs[Metric.FOLLOW_2] = figures["follow_2"]
    return specs


def _due(ticket, spec: str | None, start: dt.datetime, calendar) -> dt.datetime:
    from propdesk.sla.policy import due_from

    if spec is None:  # a minor complaint with the resident's own deadline
        return ticket.requested_by
    return due_from(spec, start, calendar)


def timers_start(*, ticket, at: dt.datetime) -> list[Timer]:
    policy = policy_current(project=ticket.project)
    figures = figures_with_defaults(policy.figures)
    calendar = calendar_of(ticket.project)
    rows = [
        Timer(ticket=ticket, metric=metric, started_at=at, due_at=_due(ticket, spec, at, calendar), policy=policy)
        for metric, spec in _starting_specs(ticket, figures).items()
    ]
    Timer.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def _stop(timer: Timer, at: dt.datetime) -> None:
    """The timer's event happened at `at`: met if on time, else breached."""
    if timer.state in OPEN_TIMER_STATES:
        timer.state = TimerState.MET if at <= timer.due_at or timer.state == TimerState.PAUSED else TimerState.BREACHED
        timer.stopped_at = at
        timer.paused_at = None
        timer.save(update_fields=["state", "stopped_at", "paused_at"])
    elif timer.state == TimerState.BREACHED and timer.stopped_at is None:
        timer.stopped_at = at
        timer.save(update_fields=["stopped_at"])


def _restart(timer: Timer, *, at: dt.datetime, spec: str | None, ticket, calendar) -> None:
    timer.started_at = at
    timer.due_at = _due(ticket, spec, at, calendar)
    timer.state = TimerState.RUNNING
    timer.stopped_at = None
    timer.paused_at = None
    timer.save(update_fields=["started_at", "due_at", "state", "stopped_at", "paused_at"])


def _visit_spec_and_start(ticket, figures, at):
    if ticket.category == "leak":
        return figures["visit_leak"], ticket.leak_test_at or ticket.completed_at or at
    if ticket.category == "safety":
        return figures["visit_safety"], ticket.completed_at or at
    return figures["visit"], ticket.completed_at or at


def timers_on_ticket_event(*, ticket, action: str, actor, at, data) -> None:
    """React to one ticket change (called by tickets.services inside its
    transaction, after the ticket row is saved)."""
    at = at or timezone.now()
    data = data or {}
    if action == "create":
        timers_start(ticket=ticket, at=at)
        if ticket.kind == Kind.EMERGENCY:
            escalate_emergency(ticket=ticket, at=at)
        return
    timers = {t.metric: t for t in Timer.objects.select_for_update().filter(ticket=ticket)}

    if (
        action in ("cancel",)
        or (action == "triage" and data.get("valid") is False)
        or ticket.status in (Status.INVALID, Status.CANCELLED)
    ):
        for timer in timers.values():
            if timer.state in OPEN_TIMER_STATES:
                timer.state, timer.stopped_at, timer.paused_at = TimerState.CANCELLED, at, None
                timer.save(update_fields=["state", "stopped_at", "paused_at"])
        if action != "close":
            return

    if action == "triage":
        _triage_resync(ticket, timers, at)
    elif action == "dispatch":
        forward = timers.get(Metric.FORWARD)
        if forward and ticket.kind == Kind.COMPLAINT:
            to_manager = ticket.assignee_id is not None and ticket.assignee.rank >= Rank.MANAGER
            if ticket.severity == Severity.IMPORTANT or to_manager:
                _stop(forward, at)
    elif action == "acknowledge":
        escalations_acknowledge(ticket=ticket, user=actor, at=at)
        forward = timers.get(Metric.FORWARD)
        if (
            forward
            and rank_of(actor) >= Rank.MANAGER
            and ticket.kind in (Kind.EMERGENCY, Kind.COMPLAINT)
            and (ticket.kind == Kind.EMERGENCY or ticket.severity == Severity.MAJOR)
        ):
            _stop(forward, at)
    elif action == "follow":
        # T-13: the first follow-up counts for follow_1, the second for follow_2.
        for metric in (Metric.FOLLOW_1, Metric.FOLLOW_2):
            timer = timers.get(metric)
            if timer is not None and timer.stopped_at is None and timer.state != TimerState.CANCELLED:
                _stop(timer, at)
                break
    elif action == "answer":
        if Metric.ANSWER in timers:
            _stop(timers[Metric.ANSWER], at)
    elif action == "accept":
        if Metric.SLIP in timers:
            _stop(timers[Metric.SLIP], at)
    elif action == "complete":
        for metric in (Metric.RESOLVE, Metric.SLIP, Metric.REMEDY):
            if metric in timers:
                _stop(timers[metric], at)
        if ticket.kind == Kind.REPAIR:
            _start_visit(ticket, timers, at)
    elif action == "visit":
        if Metric.VISIT in timers:
            _stop(timers[Metric.VISIT], at)
        if data.get("satisfied") is False or ticket.status == Status.REOPENED:
            _reopen(ticket, timers, at)
    elif action == "reopen":
        _reopen(ticket, timers, at)
    elif action == "hold":
        for timer in timers.values():
            if timer.state == TimerState.RUNNING:
                timer.state, timer.paused_at = TimerState.PAUSED, at
                timer.save(update_fields=["state", "paused_at"])
    elif action == "resume":
        for timer in timers.values():
            if timer.state == TimerState.PAUSED:
                timer.due_at = timer.due_at + (at - (timer.paused_at or at))
                timer.state, timer.paused_at = TimerState.RUNNING, None
                timer.save(update_fields=["state", "paused_at", "due_at"])

    if action == "complete" or ticket.status in DONE_STATUSES:
        for metric in (Metric.FOLLOW_1, Metric.FOLLOW_2):
            if metric in timers:
                _stop(timers[metric], at)
    if action == "close" or ticket.status == Status.CLOSED:
        for timer in timers.values():
            _stop(timer, at)


def _start_visit(ticket, timers, at):
    policy = _ticket_policy(ticket)
    figures = figures_with_defaults(policy.figures)
    spec, start = _visit_spec_and_start(ticket, figures, at)
    calendar = calendar_of(ticket.project)
    visit = timers.get(Metric.VISIT)
    if visit is None:
        visit = Timer.objects.create(
            ticket=ticket,
            metric=Metric.VISIT,
            started_at=start,
            due_at=_due(ticket, spec, start, calendar),
            policy=policy,
        )
        timers[Metric.VISIT] = visit
    else:  # the repair was reopened and is complete again: a fresh visit cycle
        _restart(visit, at=start, spec=spec, ticket=ticket, calendar=calendar)


def _reopen(ticket, timers, at):
    resolve = timers.get(Metric.RESOLVE)
    if resolve is None or resolve.state in OPEN_TIMER_STATES:
        return
    figures = figures_with_defaults(resolve.policy.figures if resolve.policy else None)
    spec = _complaint_specs(ticket, figures).get(Metric.RESOLVE)
    if spec is None and not (ticket.requested_by and ticket.requested_by > at):
        spec = figures["resolve_minor"]  # the resident's deadline has passed: the policy figure
    _restart(resolve, at=at, spec=spec, ticket=ticket, calendar=calendar_of(ticket.project))


def _triage_resync(ticket, timers, at):
    """The class may have changed at triage: the class-dependent timers follow."""
    if ticket.kind != Kind.COMPLAINT:
        return
    policy = _ticket_policy(ticket)
    figures = figures_with_defaults(policy.figures)
    calendar = calendar_of(ticket.project)
    specs = _complaint_specs(ticket, figures)
    for metric in (Metric.FORWARD, Metric.ANSWER, Metric.RESOLVE):
        timer = timers.get(metric)
        if metric in specs:
            start = timer.started_at if timer else ticket.created_at
            due = _due(ticket, specs[metric], start, calendar)
            if timer is None:
                timers[metric] = Timer.objects.create(
                    ticket=ticket, metric=metric, started_at=start, due_at=due, policy=policy
                )
            elif timer.state == TimerState.RUNNING and timer.due_at != due:
                timer.due_at = due
                timer.save(update_fields=["due_at"])
        elif timer is not None and timer.state in OPEN_TIMER_STATES:
            timer.state, timer.stopped_at, timer.paused_at = TimerState.CANCELLED, at, None
            timer.save(update_fields=["state", "stopped_at", "paused_at"])


# ---------------------------------------------------------------- escalation


def _project_staff_of_rank(project, rank: int) -> Staff | None:
    return _cached(
        ("rank", project.pk, rank),
        lambda: (
            Staff.objects.filter(projects=project, rank=rank, user__is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        ),
    )


def ladder(ticket) -> list[Staff]:
    """Who is above the responsible person, bottom first: the supervisor of the
    ticket's department (of customer service while not yet dispatched: the
    front desk is responsible), then project manager, deputy GM, GM."""
    department = ticket.department
    if department is None:
        department = _cached(
            ("front_desk", ticket.project_id),
            lambda: (
                Department.objects.filter(project_id=ticket.project_id, kind=Department.Kind.CUSTOMER_SERVICE)
                .order_by("id")
                .first()
            ),
        )
    chain = []
    if department is not None and department.supervisor_id:
        supervisor_id = department.supervisor_id
        chain.append(
            _cached(("staff", supervisor_id), lambda: Staff.objects.select_related("user").get(pk=supervisor_id))
        )
    for rank in (Rank.MANAGER, Rank.DEPUTY_GM, Rank.GM):
        person = _project_staff_of_rank(ticket.project, rank)
        if person is not None:
            chain.append(person)
    return chain


def _above(chain: list[Staff], rank: int, told: set[int]) -> Staff | None:
    for person in chain:
        if person.rank > rank and person.pk not in told:
            return person
    return None


def policy_by_id(policy_id) -> Policy | None:
    if policy_id is None:
        return None
    return _cached(("policy", policy_id), lambda: Policy.objects.get(pk=policy_id))


def _climb_at(ticket, policy: Policy | None, created_at: dt.datetime, top: bool) -> dt.datetime | None:
    """When an unacknowledged step climbs: 5 minutes for emergencies, 1 hour
    for others (the ticket's policy)."""
    if top:
        return None
    from propdesk.sla.policy import due_from

    policy = policy or _ticket_policy(ticket)
    figures = _cached(("figures", policy.pk), lambda: figures_with_defaults(policy.figures))
    spec = figures["climb_emergency"] if ticket.kind == Kind.EMERGENCY else figures["climb_other"]
    return due_from(spec, created_at, calendar_of(ticket.project))


def _step(*, ticket, recipient: Staff, reason, at, chain, policy, timer=None, parent=None) -> Escalation:
    top = not any(p.rank > recipient.rank for p in chain)
    return Escalation(
        ticket=ticket,
        timer=timer,
        parent=parent,
        level=recipient.rank,
        recipient=recipient,
        reason=reason,
        created_at=at,
        next_climb_at=_climb_at(ticket, policy, at, top),
    )


class Told:
    """Who has been told about each ticket so far (escalation rows already
    written plus those planned in this batch): a person is told once."""

    def __init__(self, ticket_ids):
        self.people: dict[int, set[int]] = {}
        self.level: dict[int, int] = {}
        for ticket_id, recipient_id, level in Escalation.objects.filter(ticket_id__in=list(ticket_ids)).values_list(
            "ticket_id", "recipient_id", "level"
        ):
            self.add(ticket_id, recipient_id, level)

    def add(self, ticket_id, recipient_id, level):
        self.people.setdefault(ticket_id, set()).add(recipient_id)
        self.level[ticket_id] = max(self.level.get(ticket_id, 0), level)


def plan_breach(*, ticket, timer: Timer, policy, at, told: Told) -> list[Escalation]:
    """A breached timer tells the next person up from the responsible one
    (further breaches climb one level each); a breached follow_2 on a ticket
    not yet done also tells the project manager (T-13)."""
    chain = ladder(ticket)
    people = told.people.get(ticket.pk, set())
    base = max(told.level.get(ticket.pk, 0), ticket.assignee.rank if ticket.assignee_id else Rank.STAFF)
    steps = []
    recipient = _above(chain, base, people)
    if recipient is not None:
        steps.append(
            _step(
                ticket=ticket, recipient=recipient, reason=Reason.BREACH, at=at, chain=chain, policy=policy, timer=timer
            )
        )
        told.add(ticket.pk, recipient.pk, recipient.rank)
    if timer.metric == Metric.FOLLOW_2 and ticket.status not in DONE_STATUSES:
        manager = next((p for p in chain if p.rank == Rank.MANAGER), None)
        if manager is not None and manager.pk not in told.people.get(ticket.pk, set()):
            steps.append(
                _step(
                    ticket=ticket,
                    recipient=manager,
                    reason=Reason.FOLLOW_2,
                    at=at,
                    chain=chain,
                    policy=policy,
                    timer=timer,
                )
            )
            told.add(ticket.pk, manager.pk, manager.rank)
    return steps


def plan_climb(*, ticket, escalation: Escalation, policy, at, told: Told) -> list[Escalation]:
    """An unacknowledged step climbs: the next person above its recipient."""
    if ticket.status in (Status.CLOSED, Status.CANCELLED, Status.INVALID):
        return []
    chain = ladder(ticket)
    recipient = _above(chain, escalation.level, told.people.get(ticket.pk, set()))
    if recipient is None:
        return []
    told.add(ticket.pk, recipient.pk, recipient.rank)
    return [
        _step(
            ticket=ticket,
            recipient=recipient,
            reason=Reason.CLIMB,
            at=at,
            chain=chain,
            policy=policy,
            timer=escalation.timer,
            parent=escalation,
        )
    ]


def escalations_write(steps: list[Escalation]) -> list[Escalation]:
    """Store planned steps and their notifications (inside the caller's
    transaction, under the tickets' row locks; the unique constraints are the
    last word: a person is told about a ticket once)."""
    if not steps:
        return []
    Escalation.objects.bulk_create(steps)
    notify.notify_escalations(steps)
    return steps


def escalate_emergency(*, ticket, at) -> Escalation | None:
    """T-14: the project manager is told at once; unacknowledged, it climbs."""
    manager = _project_staff_of_rank(ticket.project, Rank.MANAGER)
    if manager is None:
        return None
    forward = Timer.objects.filter(ticket=ticket, metric=Metric.FORWARD).select_related("policy").first()
    step = _step(
        ticket=ticket,
        recipient=manager,
        reason=Reason.EMERGENCY,
        at=at,
        chain=ladder(ticket),
        policy=forward.policy if forward else None,
        timer=forward,
    )
    try:
        with transaction.atomic():
            escalations_write([step])
    except IntegrityError:  # already told (a repeated create hook)
        return None
    return step


def lock_tickets(ids) -> list[int]:
    """Row-lock these tickets, in id order (the order every sweeper and
    tickets.services use: ticket, then its timers), skipping those another
    sweeper holds on PostgreSQL. Returns the ids locked."""
    from propdesk.tickets.models import Ticket

    qs = Ticket.objects.filter(pk__in=list(ids)).order_by("pk")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True)
    return list(qs.values_list("pk", flat=True))


def tickets_for_escalation(ids) -> dict:
    from propdesk.tickets.models import Ticket

    return {
        t.pk: t for t in Ticket.objects.filter(pk__in=list(ids)).select_related("project", "department", "assignee")
    }


def escalations_acknowledge(*, ticket, user, at) -> int:
    staff = staff_of(user)
    if staff is None:
        return 0
    return Escalation.objects.filter(ticket=ticket, recipient=staff, acknowledged_at__isnull=True).update(
        acknowledged_at=at, next_climb_at=None
    )


def acknowledge_refusal(*, ticket, user) -> str | None:
    """Allowed for a user with an unacknowledged escalation on the ticket, or
    the project manager and above."""
    if is_manager(user):
        return None
    staff = staff_of(user)
    if (
        staff is not None
        and Escalation.objects.filter(ticket=ticket, recipient=staff, acknowledged_at__isnull=True).exists()
    ):
        return None
    return _("There is no escalation addressed to you on this ticket to acknowledge.")


# ---------------------------------------------------------------- notifications


def notification_mark_read(*, user, notification_id: int, at=None) -> Notification:
    if not 0 < notification_id < 2**63:
        raise NotFound(_("Not found."))
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound(_("Not found."))
    if notification.read_at is None:
        notification.read_at = at or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user, at=None) -> int:
    return Notification.objects.filter(Q(recipient=user) & Q(read_at__isnull=True)).update(read_at=at or timezone.now())


# ---------------------------------------------------------------- webhook


def webhook_set(*, project, actor, url: str, secret: str = "", is_active: bool = True):
    """Set the project's group-bot webhook (WeCom / DingTalk). An empty secret
    keeps the stored one; an empty URL switches the webhook off."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    from propdesk.sla.models import Webhook

    if not (is_manager(actor) and is_staff_in(actor, project)):
        raise Forbidden(_("Only the project manager or above may change the webhook."))
    url = (url or "").strip()
    secret = (secret or "").strip()
    current = Webhook.objects.filter(project=project).first()
    # PostgreSQL refuses NUL in text: such an address or secret is bad input, not a 500.
    if "\x00" in url:
        raise BadInput(_("The webhook address is not valid."), {"url": [_("Enter an http(s) address.")]})
    if "\x00" in secret:
        raise BadInput(_("Remove the NUL characters."), {"secret": [_("Remove the NUL characters.")]})
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise BadInput(_("The webhook address is not valid."), {"url": [_("Enter an http(s) address.")]})
        if len(url) > 500:
            raise BadInput(_("The webhook address is not valid."), {"url": [_("At most 500 characters.")]})
        if not secret and current is None:
            raise BadInput(_("The webhook needs a signing secret."), {"secret": [_("Required.")]})
        if len(secret) > 200:
            raise BadInput(_("The signing secret is too long."), {"secret": [_("At most 200 characters.")]})
    with transaction.atomic():
        if current is None and not url:
            return None
        old = {"url": current.url, "is_active": current.is_active} if current else None
        if current is None:
            current = Webhook.objects.create(project=project, url=url, secret=secret, is_active=is_active)
        else:
            current.url = url or current.url
            current.secret = secret or current.secret
            current.is_active = bool(url) and is_active
            current.save()
        # The secret is never written to the audit trail.
        audit_record(
            actor=actor,
            action="sla.webhook_changed",
            obj=current,
            project=project,
            old=old,
            new={"url": current.url, "is_active": current.is_active, "secret_changed": bool(secret)},
        )
    return current


def delivery_retry_now(*, actor, delivery_id: int) -> bool:
    """A manager asks for an unsent delivery to be tried again at once."""
    from propdesk.core.permissions import visible_projects
    from propdesk.sla.models import Delivery, DeliveryState

    if not is_manager(actor):
        raise Forbidden(_("Only the project manager or above may see deliveries."))
    if not 0 < delivery_id < 2**63:
        raise NotFound(_("Not found."))
    updated = (
        Delivery.objects.filter(pk=delivery_id, notification__ticket__project__in=visible_projects(actor))
        .exclude(state=DeliveryState.SENT)
        .update(next_attempt_at=timezone.now())
    )
    if updated:
        transaction.on_commit(lambda: notify.deliver_ids([delivery_id]))
    return bool(updated)
