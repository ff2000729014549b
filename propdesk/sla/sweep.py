"""The sweeper (`manage.py sla_sweep`, scheduled every minute by
propdesk.scheduler): breached timers, climbing escalations, delivery retries.

Safe with any number of sweepers at once and after one is killed mid-run:
each due timer is claimed with `UPDATE … SET state='breached' WHERE id=… AND
state='running'` inside the same transaction that writes its escalation, so a
claim is either committed together with its escalation or not at all, and
0 rows updated means another sweeper has it. Climbs are claimed the same way
on next_climb_at. Each query reads only due rows through a partial index
(timer_running_due_idx, sla_escalation_climb_idx, sla_delivery_due_idx): the
cost grows with what is due, not with history."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from propdesk.sla import notify, services
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


def _due_ticket_ids(qs, order: str, limit: int) -> list[int]:
    return list(dict.fromkeys(qs.order_by(order).values_list("ticket_id", flat=True)[:limit]))


def sweep_timers(now: dt.datetime, result: SweepResult) -> None:
    """Breach due timers a batch at a time: lock their tickets (skipping those
    another sweeper holds), claim the timers with one conditional UPDATE …
    RETURNING, and write their escalations, all in one transaction."""
    timer_table = Timer._meta.db_table
    while True:
        with transaction.atomic():
            due = _due_ticket_ids(Timer.objects.filter(state=TimerState.RUNNING, due_at__lte=now), "due_at", BATCH)
            ticket_ids = services.lock_tickets(due)
            claimed = []
            if ticket_ids:
                with connection.cursor() as cur:
                    # The claim: rows another sweeper already breached are not 'running' any more.
                    cur.execute(
                        f"UPDATE {timer_table} SET state = %s WHERE state = %s AND due_at <= %s "
                        f"AND ticket_id IN ({', '.join(['%s'] * len(ticket_ids))}) "
                        f"RETURNING id",
                        [TimerState.BREACHED, TimerState.RUNNING, _db_time(now), *ticket_ids],
                    )
                    claimed = [row[0] for row in cur.fetchall()]
            if claimed:
                result.breached += len(claimed)
                timers = list(Timer.objects.filter(pk__in=claimed).order_by("due_at", "id"))
                tickets = services.tickets_for_escalation({t.ticket_id for t in timers})
                told = services.Told(tickets)
                steps = []
                for timer in timers:
                    timer.ticket = tickets[timer.ticket_id]
                    steps += services.plan_breach(
                        ticket=timer.ticket,
                        timer=timer,
                        policy=services.policy_by_id(timer.policy_id),
                        at=now,
                        told=told,
                    )
                result.escalations += len(services.escalations_write(steps))
        # Fewer than a batch: done. Nothing lockable: another sweeper holds this
        # batch and will go on to the next one itself.
        if len(due) < BATCH or not ticket_ids:
            return


def sweep_climbs(now: dt.datetime, result: SweepResult) -> None:
    """Climb unacknowledged escalations whose time has come, claimed the same
    way (next_climb_at set to NULL where it is still due and unacknowledged)."""
    while True:
        with transaction.atomic():
            due_qs = Escalation.objects.filter(next_climb_at__isnull=False, next_climb_at__lte=now)
            due = _due_ticket_ids(due_qs, "next_climb_at", BATCH)
            ticket_ids = services.lock_tickets(due)
            claimed_ids = []
            if ticket_ids:
                with connection.cursor() as cur:
                    cur.execute(
                        f"UPDATE {Escalation._meta.db_table} SET next_climb_at = NULL "
                        f"WHERE next_climb_at IS NOT NULL AND next_climb_at <= %s AND acknowledged_at IS NULL "
                        f"AND ticket_id IN ({', '.join(['%s'] * len(ticket_ids))}) RETURNING id",
                        [_db_time(now), *ticket_ids],
                    )
                    claimed_ids = [row[0] for row in cur.fetchall()]
            if claimed_ids:
                result.climbed += len(claimed_ids)
                climbing = list(
                    Escalation.objects.filter(pk__in=claimed_ids)
                    .select_related("timer", "recipient")
                    .order_by("created_at", "id")
                )
                tickets = services.tickets_for_escalation({e.ticket_id for e in climbing})
                told = services.Told(tickets)
                steps = []
                for escalation in climbing:
                    ticket = tickets[escalation.ticket_id]
                    policy = services.policy_by_id(escalation.timer.policy_id if escalation.timer else None)
                    steps += services.plan_climb(ticket=ticket, escalation=escalation, policy=policy, at=now, told=told)
                result.escalations += len(services.escalations_write(steps))
        if len(due) < BATCH or not ticket_ids:
            return


def run_sweep(now: dt.datetime | None = None) -> SweepResult:
    """Apply every due breach and climb, then retry due deliveries."""
    now = now or timezone.now()
    result = SweepResult()
    with services.memo():
        sweep_timers(now, result)
        sweep_climbs(now, result)
    result.delivered = notify.deliver_due(now=now)
    if result.breached or result.climbed:
        log.info("sla sweep: %s", result)
    return result
