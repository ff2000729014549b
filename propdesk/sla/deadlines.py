"""Deadlines on any record: the API apps use.

A deadline is a named metric (`forward`, `visit`, `handling` …) of one
record, due at a moment computed on the project's business calendar from a
figure of the project's policy (`sla.policy`). Apps declare, in a module
named `deadlines` (imported at start-up by sla's AppConfig):

    from propdesk.sla import deadlines

    deadlines.register_figures("frontdesk", {"handling_visitor": ("5m", _("Visitor admitted or refused"))})
    deadlines.register_metrics({"handling": pgettext_lazy("timer metric", "handling time")})
    deadlines.register_profile(deadlines.EscalationProfile(model=Visitor, label=…))

and then, inside the transaction that changes the record:

    deadlines.start(visitor, "answer", figure="answer_visitor", at=now)
    deadlines.meet(visitor, "answer", at=now)          # met if on time, else breached
    deadlines.pause(visitor, at=now); deadlines.resume(visitor, at=later)
    deadlines.cancel(visitor, at=now)                   # every open deadline
    deadlines.handling_start(visitor, figure="handling_visitor", at=now)
    seconds = deadlines.handling_stop(visitor, at=later)

Several changes to one record go through one handle, which loads (and
row-locks) the record's timers once: `d = deadlines.of(record)`, then
`d.start(...)`, `d.meet(...)`, `d.get(metric)`.

Semantics (API.md's timers, for every record type):
- A timer stopped after its due time is `breached` (with stopped_at) even when
  the sweeper has not seen it yet; stopping a paused timer counts as met (its
  clock was stopped). A timer the sweeper breached keeps `breached` and gets
  its stop time when the event comes.
- Pausing stops the clock; resuming moves the due time by the pause.
- A record keeps the policy version its first deadline started with.
- The sweeper (`sla.sweep`) breaches due timers and escalates them through the
  record type's profile (`sla.escalation`); handling deadlines are measures and
  tell nobody when breached."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Avg, Count, F, FloatField, Func, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from propdesk.sla.escalation import (  # noqa: F401 (part of this API)
    EscalationProfile,
    acknowledge,
    addressed_to,
    escalate,
    figures_of,
    policy_by_id,
    profile_for,
    register_profile,
)
from propdesk.sla.memo import calendar_of
from propdesk.sla.metrics import HANDLING, register_metrics  # noqa: F401
from propdesk.sla.models import Policy, Timer, TimerState
from propdesk.sla.policy import OFF, due_from, figures_with_defaults, register_figures  # noqa: F401

OPEN_STATES = (TimerState.RUNNING, TimerState.PAUSED)


def project_of(record):
    """The project a record belongs to (the records registry says how; else `record.project`)."""
    from propdesk.common import records

    try:
        return records.of(record).project_of(record)
    except LookupError:
        return record.project


class Deadlines:
    """The deadlines of one record, loaded once (row-locked with `lock=True`,
    which must run inside the transaction that changes the record: the record
    row first, then its timers — the order the sweeper uses too)."""

    def __init__(self, record, *, lock: bool = True, new: bool = False):
        self.record = record
        self.content_type = ContentType.objects.get_for_model(record)
        self.timers: dict[str, Timer] = {}
        if not new:  # a record created in this transaction has no deadlines yet: no query
            qs = Timer.objects.filter(content_type=self.content_type, record_id=record.pk)
            if lock:
                qs = qs.select_for_update()
            self.timers = {t.metric: t for t in qs}
        self._project = None
        self._policy: Policy | None = None

    # ------------------------------------------------------------ facts

    @property
    def project(self):
        if self._project is None:
            self._project = project_of(self.record)
        return self._project

    @property
    def calendar(self):
        return calendar_of(self.project)

    @property
    def policy(self) -> Policy:
        """The version the record's deadlines started with (the current one,
        created if need be, when it has none yet)."""
        if self._policy is None:
            from propdesk.sla.services import policy_current

            started = sorted(
                (t for t in self.timers.values() if t.policy_id is not None), key=lambda t: (t.due_at, t.pk)
            )
            found = policy_by_id(started[0].policy_id) if started else None
            self._policy = found or policy_current(project=self.project)
        return self._policy

    @property
    def figures(self) -> dict:
        return figures_of(self.policy)

    def get(self, metric: str) -> Timer | None:
        return self.timers.get(metric)

    def __contains__(self, metric: str) -> bool:
        return metric in self.timers

    def open(self) -> list[Timer]:
        return [t for t in self.timers.values() if t.state in OPEN_STATES]

    def due(self, spec: str, start: dt.datetime) -> dt.datetime:
        """`spec` (or a figure's value) counted from `start` on the project's calendar."""
        return due_from(spec, start, self.calendar)

    def _due(self, *, start, figure=None, spec=None, due_at=None, policy=None) -> dt.datetime | None:
        """Exactly one of due_at (a moment), spec ("2h") or figure (a policy key); None when switched off."""
        if due_at is not None:
            return due_at
        if spec is None:
            spec = figures_of(policy or self.policy)[figure]
        if spec == OFF:
            return None
        return self.due(spec, start)

    # ------------------------------------------------------------ writing

    def start(
        self,
        metric: str,
        *,
        at: dt.datetime,
        figure: str | None = None,
        spec: str | None = None,
        due_at: dt.datetime | None = None,
        start: dt.datetime | None = None,
        policy: Policy | None = None,
    ) -> Timer | None:
        """Start `metric` (counting from `start`, default `at`) unless it exists;
        None when its figure is switched off. Returns the (existing) timer."""
        existing = self.timers.get(metric)
        if existing is not None:
            return existing
        start = start or at
        policy = policy or self.policy
        due = self._due(start=start, figure=figure, spec=spec, due_at=due_at, policy=policy)
        if due is None:
            return None
        timer = Timer.objects.create(
            content_type=self.content_type,
            record_id=self.record.pk,
            metric=metric,
            started_at=start,
            due_at=due,
            policy=policy,
        )
        self.timers[metric] = timer
        return timer

    def start_many(self, dues: dict[str, dt.datetime], *, at: dt.datetime, policy: Policy | None = None) -> list[Timer]:
        """Start several metrics at once (`metric → due moment`), one INSERT;
        metrics already started are left as they are."""
        policy = policy or self.policy
        rows = [
            Timer(
                content_type=self.content_type,
                record_id=self.record.pk,
                metric=metric,
                started_at=at,
                due_at=due,
                policy=policy,
            )
            for metric, due in dues.items()
            if metric not in self.timers
        ]
        Timer.objects.bulk_create(rows)
        for row in rows:
            self.timers[row.metric] = row
        return rows

    def stop(self, timer: Timer | None, at: dt.datetime) -> Timer | None:
        """The timer's event happened at `at`: met if on time, else breached."""
        if timer is None:
            return None
        if timer.state in OPEN_STATES:
            on_time = at <= timer.due_at or timer.state == TimerState.PAUSED
            timer.state = TimerState.MET if on_time else TimerState.BREACHED
            timer.stopped_at = at
            timer.paused_at = None
            timer.save(update_fields=["state", "stopped_at", "paused_at"])
        elif timer.state == TimerState.BREACHED and timer.stopped_at is None:
            timer.stopped_at = at
            timer.save(update_fields=["stopped_at"])
        return timer

    def meet(self, metric: str, *, at: dt.datetime) -> Timer | None:
        return self.stop(self.timers.get(metric), at)

    def restart(
        self,
        metric: str,
        *,
        at: dt.datetime,
        figure: str | None = None,
        spec: str | None = None,
        due_at: dt.datetime | None = None,
        policy: Policy | None = None,
    ) -> Timer | None:
        """A fresh cycle of `metric` from `at` (started if it never was)."""
        timer = self.timers.get(metric)
        if timer is None:
            return self.start(metric, at=at, figure=figure, spec=spec, due_at=due_at, policy=policy)
        due = self._due(start=at, figure=figure, spec=spec, due_at=due_at, policy=policy or self.policy)
        if due is None:  # switched off since: the old cycle stays as it ended
            return timer
        timer.started_at = at
        timer.due_at = due
        timer.state = TimerState.RUNNING
        timer.stopped_at = None
        timer.paused_at = None
        timer.save(update_fields=["started_at", "due_at", "state", "stopped_at", "paused_at"])
        return timer

    def reschedule(self, metric: str, due_at: dt.datetime) -> Timer | None:
        """A running timer's due time changes (its basis changed, e.g. a class)."""
        timer = self.timers.get(metric)
        if timer is not None and timer.state == TimerState.RUNNING and timer.due_at != due_at:
            timer.due_at = due_at
            timer.save(update_fields=["due_at"])
        return timer

    def _which(self, metrics) -> list[Timer]:
        if metrics is None:
            return list(self.timers.values())
        names = (metrics,) if isinstance(metrics, str) else metrics
        return [self.timers[m] for m in names if m in self.timers]

    def cancel(self, metrics=None, *, at: dt.datetime) -> None:
        """Cancel open deadlines (all, one metric or several)."""
        for timer in self._which(metrics):
            if timer.state in OPEN_STATES:
                timer.state, timer.stopped_at, timer.paused_at = TimerState.CANCELLED, at, None
                timer.save(update_fields=["state", "stopped_at", "paused_at"])

    def pause(self, metrics=None, *, at: dt.datetime) -> None:
        """Stop the clock of running deadlines (waiting on an outside party)."""
        for timer in self._which(metrics):
            if timer.state == TimerState.RUNNING:
                timer.state, timer.paused_at = TimerState.PAUSED, at
                timer.save(update_fields=["state", "paused_at"])

    def resume(self, metrics=None, *, at: dt.datetime) -> None:
        """Restart paused clocks; their due time moves by the pause."""
        for timer in self._which(metrics):
            if timer.state == TimerState.PAUSED:
                timer.due_at = timer.due_at + (at - (timer.paused_at or at))
                timer.state, timer.paused_at = TimerState.RUNNING, None
                timer.save(update_fields=["state", "paused_at", "due_at"])

    def stop_all(self, *, at: dt.datetime) -> None:
        """The record is finished: whatever is left stops (met on time, else breached)."""
        for timer in list(self.timers.values()):
            self.stop(timer, at)


def of(record, *, lock: bool = True, new: bool = False) -> Deadlines:
    """The deadlines of `record` (row-locked by default; `new`: created in this
    transaction, nothing to load)."""
    return Deadlines(record, lock=lock, new=new)


# ---------------------------------------------------------------- one-call forms
# Each runs in its own transaction (a savepoint inside the caller's): the timers
# are row-locked while they change.


def start(record, metric: str, *, at=None, figure=None, spec=None, due_at=None, start=None) -> Timer | None:
    with transaction.atomic():
        return of(record).start(metric, at=at or timezone.now(), figure=figure, spec=spec, due_at=due_at, start=start)


def meet(record, metric: str, *, at=None) -> Timer | None:
    with transaction.atomic():
        return of(record).meet(metric, at=at or timezone.now())


def restart(record, metric: str, *, at=None, figure=None, spec=None, due_at=None) -> Timer | None:
    with transaction.atomic():
        return of(record).restart(metric, at=at or timezone.now(), figure=figure, spec=spec, due_at=due_at)


def pause(record, metrics=None, *, at=None) -> None:
    with transaction.atomic():
        of(record).pause(metrics, at=at or timezone.now())


def resume(record, metrics=None, *, at=None) -> None:
    with transaction.atomic():
        of(record).resume(metrics, at=at or timezone.now())


def cancel(record, metrics=None, *, at=None) -> None:
    with transaction.atomic():
        of(record).cancel(metrics, at=at or timezone.now())


# ---------------------------------------------------------------- handling times (DOMAIN §7)


def handling_start(record, figure: str, *, at=None, metric: str = HANDLING) -> Timer | None:
    """The register's work on `record` starts (a visitor reported at the gate,
    a key asked for, a move-in opened): a `handling` deadline due after the
    project's `figure` (e.g. 5m)."""
    return start(record, metric, at=at, figure=figure)


def handling_stop(record, *, at=None, metric: str = HANDLING) -> int | None:
    """The work is done: the handling deadline stops (met within the target,
    else breached) and its length in whole seconds is returned (None when
    none was started)."""
    return handling_seconds(meet(record, metric, at=at))


def handling_seconds(timer: Timer | None) -> int | None:
    if timer is None or timer.stopped_at is None or timer.state == TimerState.CANCELLED:
        return None
    return int((timer.stopped_at - timer.started_at).total_seconds())


class _Seconds(Func):
    """stopped_at − started_at in seconds, in SQL (both databases)."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


def handling_averages(*, project, since=None, until=None, metric: str = HANDLING, models=None) -> list[dict]:
    """Average handling seconds per record type and month (the project's time
    zone), in SQL: `[{"record_type": "frontdesk.visitor", "month": date,
    "count": n, "average_seconds": float}]`, oldest month first. Counts the
    handling deadlines stopped (met or breached) in [since, until); a
    deadline's project is its policy's."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(project.time_zone or "Asia/Shanghai")
    qs = Timer.objects.filter(
        metric=metric,
        policy__project=project,
        state__in=(TimerState.MET, TimerState.BREACHED),
        stopped_at__isnull=False,
    )
    if since is not None:
        qs = qs.filter(stopped_at__gte=since)
    if until is not None:
        qs = qs.filter(stopped_at__lt=until)
    if models:
        qs = qs.filter(content_type__in=[ContentType.objects.get_for_model(m) for m in models])
    rows = (
        qs.annotate(month=TruncMonth("stopped_at", tzinfo=zone))
        .values("content_type", "month")
        .annotate(count=Count("id"), average=Avg(_Seconds(F("stopped_at"), F("started_at"))))
        .order_by("month", "content_type")
    )
    out = []
    for row in rows:
        ct = ContentType.objects.get_for_id(row["content_type"])
        month = row["month"]
        out.append(
            {
                "record_type": f"{ct.app_label}.{ct.model}",
                "month": month.date() if isinstance(month, dt.datetime) else month,
                "count": row["count"],
                "average_seconds": round(float(row["average"]), 1) if row["average"] is not None else None,
            }
        )
    return out


def overdue_q(now=None) -> Q:
    """A timer that missed its limit now: breached, or running past due (the
    sweeper may not have run yet)."""
    now = now or timezone.now()
    return Q(state=TimerState.BREACHED) | Q(state=TimerState.RUNNING, due_at__lt=now)
