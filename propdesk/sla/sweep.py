"""The sweeper (`manage.py sla_sweep`, scheduled every minute by
propdesk.scheduler): breached timers, climbing escalations, delivery retries,
for every record type with deadlines.

Safe with any number of sweepers at once and after one is killed mid-run:
each due timer is claimed with `UPDATE … SET state='breached' WHERE … AND
state='running'` inside the same transaction that writes its escalation, so a
claim is either committed together with its escalation or not at all, and
0 rows updated means another sweeper has it. Climbs are claimed the same way
on next_climb_at. Records are row-locked first (in content type, then id
order — services lock the record, then its timers: the same order), skipping
those another sweeper holds on PostgreSQL. Each query reads only due rows
through a partial index (timer_running_due_idx, sla_escalation_climb_idx,
sla_delivery_due_idx): the cost grows with what is due, not with history."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from propdesk.sla import escalation, notify
from propdesk.sla.deadlines import project_of
from propdesk.sla.memo import memo
from propdesk.sla.models import Escalation, Timer, TimerState

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepResult:
    breached: int = 0
    climbed: int = 0
    escalations: int = 0
    delivered: int = 0

    def __str__(self):
        return (
            f"breached={self.breached} climbed={self.climbed} escalations={self.escalations} delivered={self.delivered}"
        )


def _db_time(moment: dt.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _due_records(qs, order: str, limit: int) -> list[tuple[int, int]]:
    """(content type id, record id) of the first `limit` due rows, distinct, in due order."""
    return list(dict.fromkeys(qs.order_by(order).values_list("content_type_id", "record_id")[:limit]))


def _by_type(keys) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for ct_id, record_id in keys:
        grouped.setdefault(ct_id, []).append(record_id)
    return grouped


def lock_records(keys) -> dict[int, list[int]]:
    """Row-lock these records, type by type in content-type order and by id,
    skipping those another sweeper holds (PostgreSQL; SQLite's write
    transactions are serial). Returns content type id → ids locked."""
    locked = {}
    for ct_id, ids in sorted(_by_type(keys).items()):
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:  # the app is gone: nothing to lock, nothing to escalate
            continue
        qs = model._default_manager.filter(pk__in=ids).order_by("pk")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        got = list(qs.values_list("pk", flat=True))
        if got:
            locked[ct_id] = got
    return locked


def load_records(locked: dict[int, list[int]]) -> dict[tuple[int, int], tuple]:
    """(ct id, record id) → (record, profile, project), one query per type."""
    out = {}
    for ct_id, ids in locked.items():
        ct = ContentType.objects.get_for_id(ct_id)
        profile = escalation.profile_for(ct)
        rows = profile.model._default_manager.filter(pk__in=ids).select_related(*profile.related)
        for record in rows:
            out[(ct_id, record.pk)] = (record, profile, project_of(record))
    return out


def _claim(sql_prefix: str, params: list, locked: dict[int, list[int]]) -> list[int]:
    claimed = []
    with connection.cursor() as cur:
        for ct_id, ids in locked.items():
            cur.execute(
                f"{sql_prefix} AND content_type_id = %s AND record_id IN ({', '.join(['%s'] * len(ids))}) RETURNING id",
                [*params, ct_id, *ids],
            )
            claimed += [row[0] for row in cur.fetchall()]
    return claimed


def sweep_timers(now: dt.datetime, result: SweepResult) -> None:
    """Breach due timers a batch at a time: lock their records (skipping those
    another sweeper holds), claim the timers with one conditional UPDATE …
    RETURNING per record type, and write their escalations, all in one
    transaction."""
    table = Timer._meta.db_table
    while True:
        with transaction.atomic():
            due = _due_records(Timer.objects.filter(state=TimerState.RUNNING, due_at__lte=now), "due_at", BATCH)
            locked = lock_records(due)
            # The claim: rows another sweeper already breached are not 'running' any more.
            claimed = _claim(
                f"UPDATE {table} SET state = %s WHERE state = %s AND due_at <= %s",
                [TimerState.BREACHED, TimerState.RUNNING, _db_time(now)],
                locked,
            )
            if claimed:
                result.breached += len(claimed)
                timers = list(Timer.objects.filter(pk__in=claimed).order_by("due_at", "id"))
                records = load_records(_by_type({(t.content_type_id, t.record_id) for t in timers}))
                told = escalation.Told(records)
                steps = []
                for timer in timers:
                    found = records.get((timer.content_type_id, timer.record_id))
                    if found is None:
                        continue
                    record, profile, project = found
                    steps += escalation.plan_breach(
                        record=record,
                        profile=profile,
                        project=project,
                        timer=timer,
                        policy=escalation.policy_by_id(timer.policy_id),
                        at=now,
                        told=told,
                    )
                result.escalations += len(escalation.write(steps))
        # Fewer than a batch: done. Nothing lockable: another sweeper holds this
        # batch and will go on to the next one itself.
        if len(due) < BATCH or not locked:
            return


def sweep_climbs(now: dt.datetime, result: SweepResult) -> None:
    """Climb unacknowledged escalations whose time has come, claimed the same
    way (next_climb_at set to NULL where it is still due and unacknowledged)."""
    table = Escalation._meta.db_table
    while True:
        with transaction.atomic():
            due_qs = Escalation.objects.filter(next_climb_at__isnull=False, next_climb_at__lte=now)
            due = _due_records(due_qs, "next_climb_at", BATCH)
            locked = lock_records(due)
            claimed = _claim(
                f"UPDATE {table} SET next_climb_at = NULL "
                f"WHERE next_climb_at IS NOT NULL AND next_climb_at <= %s AND acknowledged_at IS NULL",
                [_db_time(now)],
                locked,
            )
            if claimed:
                result.climbed += len(claimed)
                climbing = list(
                    Escalation.objects.filter(pk__in=claimed)
                    .select_related("timer", "recipient")
                    .order_by("created_at", "id")
                )
                records = load_records(_by_type({(e.content_type_id, e.record_id) for e in climbing}))
                told = escalation.Told(records)
                steps = []
                for step in climbing:
                    found = records.get((step.content_type_id, step.record_id))
                    if found is None:
                        continue
                    record, profile, project = found
                    policy = escalation.policy_by_id(step.timer.policy_id if step.timer else None)
                    steps += escalation.plan_climb(
                        record=record,
                        profile=profile,
                        project=project,
                        escalation=step,
                        policy=policy,
                        at=now,
                        told=told,
                    )
                result.escalations += len(escalation.write(steps))
        if len(due) < BATCH or not locked:
            return


def run_sweep(now: dt.datetime | None = None) -> SweepResult:
    """Apply every due breach and climb, then retry due deliveries."""
    now = now or timezone.now()
    result = SweepResult()
    with memo():
        sweep_timers(now, result)
        sweep_climbs(now, result)
        result.delivered = notify.deliver_due(now=now)
    if result.breached or result.climbed:
        log.info("sla sweep: %s", result)
    return result
