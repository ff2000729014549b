"""Sweep cost against history (issue 4 item 5): builds 1,000,000 tickets on
PostgreSQL, each with a met first follow-up and a running second follow-up, of
which 1,000 are due; prints the sweep time (target < 2 s) and the time of a
sweep with nothing due (target < 50 ms).

    .venv/bin/python bench/sla_sweep.py [--tickets 1000000] [--due 1000] [--keep] [--db NAME]

Uses its own database `propdesk_bench` (or --db; dropped and created by this
script on postgres://postgres@127.0.0.1:5432). Timers point at their ticket
through (content_type_id, record_id). Not part of the test suite."""

import argparse
import datetime as dt
import statistics
import time

DB = "propdesk_bench"

from benchlib import not_null_columns, open_bench_database  # bench/ is on sys.path as a script

parser = argparse.ArgumentParser()
parser.add_argument("--tickets", type=int, default=1_000_000)
parser.add_argument("--due", type=int, default=1_000)
parser.add_argument("--keep", action="store_true", help="reuse an existing bench database")
parser.add_argument("--db", default=DB, help=f"database name (default {DB})")
args = parser.parse_args()

fresh = open_bench_database(args.db, keep=args.keep)
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from propdesk.core.demo import seed_demo
from propdesk.core.models import Department, Staff
from propdesk.sla.services import policy_current
from propdesk.sla.sweep import run_sweep
from propdesk.tickets.models import Ticket


def ticket_columns(project_id, department_id, assignee_id):
    """Column → SQL expression for every NOT NULL column of the ticket table
    (g = the generate_series value); generic so new ticket columns still fill."""
    special = {
        "project": str(project_id),
        "number": "g",
        "kind": "'repair'",
        "status": "'dispatched'",
        "department": str(department_id),
        "assignee": str(assignee_id),
        "channel": "'phone'",
        "description": "'bench ' || g",
        "reporter_name": "'张三'",
        "reporter_phone": "'13800001111'",
        "created_at": "now() - interval '400 days' + (g * interval '30 seconds')",
        "updated_at": "now() - interval '400 days' + (g * interval '30 seconds')",
    }
    return not_null_columns(Ticket, special, special["created_at"])


def build():
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    project = seed_demo()
    policy = policy_current(project=project)
    department = Department.objects.get(project=project, code="gongcheng")
    assignee = Staff.objects.get(user__username="gc")
    cols = ticket_columns(project.pk, department.pk, assignee.pk)
    ct = ContentType.objects.get_for_model(Ticket).pk  # timers point at any record: (content type, id)
    n, due = args.tickets, args.due
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO tickets_ticket ({', '.join(cols)}) "
            f"SELECT {', '.join(cols.values())} FROM generate_series(1, %s) AS g",
            [n],
        )
        # History: a met first follow-up per ticket.
        cur.execute(
            """INSERT INTO sla_timer (content_type_id, record_id, metric, started_at, due_at, stopped_at, state,
                                             policy_id)
                       SELECT %s, id, 'follow_1', created_at, created_at + interval '2 hours',
                              created_at + interval '1 hour', 'met', %s FROM tickets_ticket""",
            [ct, policy.pk],
        )
        # Running second follow-ups: all due in the future except `due` of them.
        cur.execute(
            """INSERT INTO sla_timer (content_type_id, record_id, metric, started_at, due_at, state, policy_id)
                       SELECT %s, id, 'follow_2', created_at,
                              CASE WHEN number <= %s THEN now() - interval '1 hour'
                                   ELSE now() + interval '30 days' + (number * interval '1 second') END,
                              'running', %s FROM tickets_ticket""",
            [ct, due, policy.pk],
        )
        cur.execute("UPDATE core_counter SET value = %s WHERE project_id = %s AND name = 'ticket'", [n, project.pk])
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"built {n:,} tickets, {2 * n:,} timers ({due:,} due) in {time.perf_counter() - t0:.1f} s")


if fresh:
    build()
else:  # re-arm a kept database: the due timers run again, their escalations go
    with connection.cursor() as cur:
        cur.execute("DELETE FROM sla_delivery; DELETE FROM sla_notification; DELETE FROM sla_escalation")
        cur.execute("UPDATE sla_timer SET state = 'running', stopped_at = NULL WHERE state = 'breached'")
        cur.execute("VACUUM ANALYZE sla_timer, sla_escalation, sla_notification, sla_delivery")

with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM tickets_ticket")
    print(f"tickets: {cur.fetchone()[0]:,}")
    cur.execute(
        "EXPLAIN SELECT content_type_id, record_id FROM sla_timer WHERE state = 'running' AND due_at <= now() "
        "ORDER BY due_at LIMIT 500"
    )
    print("due-timer query plan:", " / ".join(r[0].strip() for r in cur.fetchall()))

run_sweep(now=timezone.now() - dt.timedelta(days=1))  # warm-up: a long-lived sweeper has its imports loaded
t0 = time.perf_counter()
result = run_sweep()
print(f"sweep with {args.due:,} due: {time.perf_counter() - t0:.3f} s  ({result})")

idle = []
for _ in range(20):
    t0 = time.perf_counter()
    run_sweep()
    idle.append(time.perf_counter() - t0)
print(
    f"sweep with nothing due: median {statistics.median(idle) * 1000:.1f} ms, max {max(idle) * 1000:.1f} ms "
    f"over {len(idle)} runs"
)
