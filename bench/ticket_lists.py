"""Ticket lists against history: builds ~1,000,000 tickets on PostgreSQL (~97%
closed, the rest open across statuses, kinds, departments and buildings, with
their timers and events), then times the ticket API (list with filters and
cursor, detail, events) and the board, inbox and list pages through the Django
test Client; prints median / p95 over `--runs` runs and the query count of each
request. Target: every median under 100 ms.

    .venv/bin/python bench/ticket_lists.py [--tickets 1000000] [--keep] [--runs 20] [--explain]

Uses its own database `propdesk_bench_tickets` (dropped and created by this
script on postgres://postgres@127.0.0.1:5432; `--keep` reuses it). The sla
bench's `propdesk_bench` is left alone: its tickets are all `dispatched`, no
realistic mix for lists. Not part of the test suite."""

import argparse
import statistics
import time

DB = "propdesk_bench_tickets"

from benchlib import not_null_columns, open_bench_database  # bench/ is on sys.path as a script

parser = argparse.ArgumentParser()
parser.add_argument("--tickets", type=int, default=1_000_000)
parser.add_argument("--keep", action="store_true", help="reuse an existing bench database")
parser.add_argument("--runs", type=int, default=20)
parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest query per request")
parser.add_argument("--only", default="", help="only the requests whose label contains this text")
args = parser.parse_args()

fresh = open_bench_database(DB, keep=args.keep)
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext

from propdesk.core.demo import seed_demo
from propdesk.core.models import ApiToken, Department, Project, Staff, Unit
from propdesk.sla.services import policy_current
from propdesk.tickets.models import Ticket

# Buckets of a pseudo-random 0..99 per ticket (from g, the generate_series value).
STATUS_SQL = """CASE
    WHEN NOT open THEN CASE WHEN g % 100 = 3 THEN 'cancelled' WHEN g % 100 = 4 THEN 'invalid' ELSE 'closed' END
    WHEN (g * 31) % 100 < 15 THEN 'new' WHEN (g * 31) % 100 < 45 THEN 'dispatched'
    WHEN (g * 31) % 100 < 70 THEN 'accepted' WHEN (g * 31) % 100 < 85 THEN 'done'
    WHEN (g * 31) % 100 < 93 THEN 'on_hold' ELSE 'reopened' END"""
KIND_SQL = """CASE WHEN (g * 17) % 100 < 55 THEN 'repair' WHEN (g * 17) % 100 < 70 THEN 'complaint'
    WHEN (g * 17) % 100 < 85 THEN 'inquiry' WHEN (g * 17) % 100 < 93 THEN 'suggestion' ELSE 'emergency' END"""
DEPT_SQL = """CASE WHEN (g * 13) % 100 < 50 THEN 'gongcheng' WHEN (g * 13) % 100 < 65 THEN 'kefu'
    WHEN (g * 13) % 100 < 75 THEN 'baoan' WHEN (g * 13) % 100 < 85 THEN 'qingjie'
    WHEN (g * 13) % 100 < 92 THEN 'lvhua' WHEN (g * 13) % 100 < 95 THEN 'caiwu'
    WHEN (g * 13) % 100 < 98 THEN 'pinzhi' ELSE 'xingzheng' END"""
CATEGORIES = ["leak", "power", "water", "elevator", "noise", "cleaning", "greening", "security", "parking", "other"]


def ticket_columns():
    """Column → SQL expression over the staging row `s` for every NOT NULL
    column of the ticket table; generic so new ticket columns still fill."""
    special = {
        "project": "s.project_id",
        "number": "s.g",
        "kind": "s.kind",
        "status": "s.status",
        "severity": "CASE WHEN s.kind = 'complaint' THEN (ARRAY['major','important','minor'])[s.g % 3 + 1] ELSE '' END",
        "category": f"(ARRAY{CATEGORIES!r})[s.g % {len(CATEGORIES)} + 1]",
        "unit": "s.unit_id",
        "department": "s.department_id",
        "assignee": "s.assignee_id",
        "created_by": "s.created_by_id",
        "channel": "(ARRAY['phone','phone','visit','app'])[s.g % 4 + 1]",
        "description": "'bench ' || s.g",
        "reporter_name": "'张三'",
        "reporter_phone": "'13800001111'",
        "created_at": "s.created_at",
        "updated_at": "s.created_at + interval '1 day'",
        "completed_at": "CASE WHEN s.status IN ('done', 'closed') THEN s.created_at + interval '6 hours' END",
        "closed_at": "CASE WHEN s.status IN ('closed', 'cancelled', 'invalid') "
        "THEN s.created_at + interval '3 days' END",
    }
    return not_null_columns(Ticket, special, special["created_at"])


def build():
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    project = seed_demo()
    policy = policy_current(project=project)
    n = args.tickets
    depts = dict(Department.objects.filter(project=project).values_list("code", "pk"))
    units = list(Unit.objects.filter(building__project=project).order_by("pk").values_list("pk", flat=True))
    gc = Staff.objects.get(user__username="gc")
    kefu_user = get_user_model().objects.get(username="kefu")
    start = Ticket.objects.filter(project=project).aggregate(m=models.Max("number"))["m"] or 0
    dept_case = DEPT_SQL
    for code, pk in depts.items():
        dept_case = dept_case.replace(f"'{code}'", str(pk))
    cols = ticket_columns()
    ticket_ct = ContentType.objects.get_for_model(Ticket).pk  # timers point at (content type, record id)
    with connection.cursor() as cur:
        # Open: most of the last 25,000 tickets (~17 days) plus a few old stragglers.
        cur.execute(f"""
            CREATE TEMP TABLE stage AS
            SELECT g, {project.pk} AS project_id, {STATUS_SQL} AS status, {KIND_SQL} AS kind,
                   CASE WHEN g % 10 = 0 THEN NULL
                        ELSE (ARRAY{units!r}::bigint[])[(g * 7) % {len(units)} + 1] END AS unit_id,
                   now() - ({n + start} - g) * interval '1 minute' AS created_at, {kefu_user.pk} AS created_by_id,
                   {dept_case} AS department_id
            FROM (SELECT g + {start} AS g, (g > {n} - 25000 AND g % 5 <> 0) OR g % 997 = 0 AS open
                  FROM generate_series(1, {n}) AS g) AS x""")
        cur.execute("UPDATE stage SET department_id = NULL WHERE status = 'new'")
        cur.execute("ALTER TABLE stage ADD COLUMN assignee_id bigint")
        cur.execute(f"UPDATE stage SET assignee_id = {gc.pk} WHERE department_id = {depts['gongcheng']} AND g % 2 = 0")
        cur.execute(
            f"INSERT INTO tickets_ticket ({', '.join(cols)}) SELECT {', '.join(cols.values())} "
            f"FROM stage s ORDER BY s.g"
        )
        closed = "t.status IN ('closed', 'cancelled', 'invalid')"
        # Follow-ups for every ticket but inquiries and suggestions: met, or (about 3% of the
        # history and every open ticket older than 8 hours) breached; the young open ones run.
        cur.execute(f"""
            INSERT INTO sla_timer (content_type_id, record_id, metric, started_at, due_at, stopped_at, state, policy_id)
            SELECT {ticket_ct}, t.id, m.metric, t.created_at, t.created_at + m.span,
                   CASE WHEN {closed} OR m.metric = 'follow_1' THEN t.created_at + interval '1 hour'
                        WHEN t.created_at + m.span < now() THEN t.created_at + m.span END,
                   CASE WHEN {closed} AND m.metric = 'follow_2' AND t.number % 33 = 0 THEN 'breached'
                        WHEN {closed} OR m.metric = 'follow_1' THEN 'met'
                        WHEN t.created_at + m.span < now() THEN 'breached' ELSE 'running' END, {policy.pk}
            FROM tickets_ticket t
            CROSS JOIN (VALUES ('follow_1', interval '2 hours'), ('follow_2', interval '8 hours')) AS m(metric, span)
            WHERE t.kind NOT IN ('inquiry', 'suggestion')""")
        # Complaints resolve in 10 days (running while open); done repairs wait for their visit.
        cur.execute(f"""
            INSERT INTO sla_timer (content_type_id, record_id, metric, started_at, due_at, stopped_at, state, policy_id)
            SELECT {ticket_ct}, t.id, 'resolve', t.created_at, t.created_at + interval '10 days',
                   CASE WHEN {closed} THEN t.created_at + interval '2 days' END,
                   CASE WHEN {closed} THEN 'met' ELSE 'running' END, {policy.pk}
            FROM tickets_ticket t WHERE t.kind = 'complaint'""")
        cur.execute(f"""
            INSERT INTO sla_timer (content_type_id, record_id, metric, started_at, due_at, state, policy_id)
            SELECT {ticket_ct}, t.id, 'visit', t.completed_at, t.completed_at + interval '2 days', 'running',
                   {policy.pk}
            FROM tickets_ticket t WHERE t.status = 'done' AND t.kind = 'repair'""")
        cur.execute(f"""
            INSERT INTO tickets_ticketevent (ticket_id, at, actor_id, action, data)
            SELECT t.id, t.created_at, {kefu_user.pk}, 'ticket.created', '{{}}'::jsonb
            FROM tickets_ticket t ORDER BY t.id""")
        cur.execute(f"""
            INSERT INTO tickets_ticketevent (ticket_id, at, actor_id, action, data)
            SELECT t.id, t.created_at + interval '10 minutes', {kefu_user.pk}, 'ticket.dispatched',
                   jsonb_build_object('department', d.code, 'note', '请尽快处理')
            FROM tickets_ticket t JOIN core_department d ON d.id = t.department_id
            WHERE t.status NOT IN ('closed', 'cancelled', 'invalid') ORDER BY t.id""")
        cur.execute(f"UPDATE core_counter SET value = {n + start} WHERE project_id = {project.pk} AND name = 'ticket'")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"built {n:,} tickets in {time.perf_counter() - t0:.1f} s")


if fresh:
    build()
else:
    call_command("migrate", verbosity=0)  # a kept database gets new indexes
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

project = Project.objects.get(code="DEMO")
with connection.cursor() as cur:
    cur.execute(
        "SELECT count(*), count(*) FILTER (WHERE status NOT IN ('closed', 'cancelled', 'invalid')) FROM tickets_ticket"
    )
    total, open_ = cur.fetchone()
    cur.execute("SELECT count(*) FROM sla_timer")
    timers = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM tickets_ticketevent")
    events = cur.fetchone()[0]
print(
    f"tickets: {total:,} ({open_:,} open, {100 * (total - open_) / total:.1f}% closed), "
    f"timers: {timers:,}, events: {events:,}"
)

User = get_user_model()
tokens = {}
for name in ("diaodu", "gc"):
    user = User.objects.get(username=name)
    ApiToken.objects.filter(user=user).delete()
    tokens[name] = ApiToken.issue(user)


def api_client(name):
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens[name]}")


def page_client(name):
    c = Client()
    c.force_login(User.objects.get(username=name))
    return c


api = api_client("diaodu")
pages = {"diaodu": page_client("diaodu"), "gc": page_client("gc")}

# Page 50 of the plain list: walk the cursor there once.
cursor = None
for _ in range(49):
    body = api.get("/api/v1/tickets", {"project": "DEMO", **({"cursor": cursor} if cursor else {})}).json()
    cursor = body["next_cursor"]
newest_open = (
    Ticket.objects.filter(project=project, status="dispatched").order_by("-id").values_list("pk", flat=True).first()
)

REQUESTS = [
    ("api list, first page", api, "/api/v1/tickets", {"project": "DEMO"}),
    ("api list, page 50 (cursor)", api, "/api/v1/tickets", {"project": "DEMO", "cursor": cursor}),
    ("api list status=open", api, "/api/v1/tickets", {"project": "DEMO", "status": "open"}),
    ("api list status=on_hold", api, "/api/v1/tickets", {"project": "DEMO", "status": "on_hold"}),
    ("api list status=closed", api, "/api/v1/tickets", {"project": "DEMO", "status": "closed"}),
    ("api list kind=emergency", api, "/api/v1/tickets", {"project": "DEMO", "kind": "emergency"}),
    ("api list kind=complaint", api, "/api/v1/tickets", {"project": "DEMO", "kind": "complaint"}),
    ("api list department=lvhua", api, "/api/v1/tickets", {"project": "DEMO", "department": "lvhua"}),
    ("api list overdue=true", api, "/api/v1/tickets", {"project": "DEMO", "overdue": "true"}),
    ("api list overdue=false", api, "/api/v1/tickets", {"project": "DEMO", "overdue": "false"}),
    ("api list open+overdue", api, "/api/v1/tickets", {"project": "DEMO", "status": "open", "overdue": "true"}),
    ("api list as gc", api_client("gc"), "/api/v1/tickets", {"project": "DEMO"}),
    ("api detail", api, f"/api/v1/tickets/{newest_open}", {}),
    ("api events", api, f"/api/v1/tickets/{newest_open}/events", {}),
    ("page /tickets/board/ (diaodu)", pages["diaodu"], "/tickets/board/", {}),
    ("page /tickets/board/?department=gongcheng", pages["diaodu"], "/tickets/board/", {"department": "gongcheng"}),
    ("page /tickets/board/ (gc)", pages["gc"], "/tickets/board/", {}),
    ("page /tickets/inbox/ (gc)", pages["gc"], "/tickets/inbox/", {}),
    ("page /tickets/inbox/ (diaodu)", pages["diaodu"], "/tickets/inbox/", {}),
    ("page /tickets/ (diaodu)", pages["diaodu"], "/tickets/", {}),
    ("page /tickets/?status=on_hold", pages["diaodu"], "/tickets/", {"status": "on_hold"}),
    ("page /tickets/ (gc)", pages["gc"], "/tickets/", {}),
]


print(f"\n{'request':45} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'sql ms':>7} {'rows':>5}")
worst = 0.0
for label, client, url, params in REQUESTS:
    if args.only and args.only not in label:
        continue
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    captured = list(ctx.captured_queries)  # the next request's request_started resets the log
    assert response.status_code == 200, (label, response.status_code, response.content[:300])
    rows = len(response.json()["items"]) if url.startswith("/api/") and "items" in response.json() else ""
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        client.get(url, params)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    median = statistics.median(times)
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    worst = max(worst, median)
    print(
        f"{label:45} {median:10.1f} {p95:8.1f} {len(captured):8d} "
        f"{sum(float(q['time']) for q in captured) * 1000:7.1f} {rows!s:>5}"
    )
    if args.explain:
        connection.ensure_connection()
        slow = []
        for q in captured:
            slow.append((float(q["time"]), q["sql"]))
        slow.sort(reverse=True)
        t, sql = slow[0]
        print(f"  slowest query ({t * 1000:.1f} ms): {sql[:300]}…")
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join("    " + r[0] for r in cur.fetchall()))
print(f"\nworst median: {worst:.1f} ms — goal < 100 ms: {'met' if worst < 100 else 'NOT met'}")
