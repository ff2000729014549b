"""Search with 100,000 residents on PostgreSQL (issue 2 item 7: < 100 ms).

    .venv/bin/python bench/search_100k.py [--reuse] [--base postgres://postgres@127.0.0.1:5432]

Creates its own database `propdesk_bench_search` (dropped and re-created
unless --reuse), migrates, seeds the demo plus `seed_demo --scale` up to at
least 100,000 residents, then times the exact selector calls of the search page
(core.views.search: first 20 units by code with their occupants, first 20
people by name with their units) for unit-code prefixes, name fragments and
phone fragments, and prints median and p95 per kind. Not part of the test suite.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "propdesk_bench_search"
TARGET_RESIDENTS = 100_000
LIMIT = 20  # core.views.SEARCH_LIMIT

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--base", default="postgres://postgres@127.0.0.1:5432")
parser.add_argument("--reuse", action="store_true", help="keep the database if it exists (skip re-seeding work)")
parser.add_argument("--queries", type=int, default=40, help="queries per kind")
parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of one query per kind")
args = parser.parse_args()

import psycopg

with psycopg.connect(f"{args.base}/postgres", autocommit=True) as admin:
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    if exists and not args.reuse:
        admin.execute(f"DROP DATABASE {DB_NAME} WITH (FORCE)")
        exists = None
    if not exists:
        admin.execute(f"CREATE DATABASE {DB_NAME}")

os.environ["DATABASE_URL"] = f"{args.base}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")
import django

django.setup()

from django.core.management import call_command
from django.db import connection, reset_queries

from propdesk.core import selectors
from propdesk.core.demo import seed_demo
from propdesk.core.demo_scale import seed_scale
from propdesk.core.models import Person

t0 = time.perf_counter()
call_command("migrate", verbosity=0)
print(f"migrate: {time.perf_counter() - t0:.1f} s")
t0 = time.perf_counter()
project = seed_demo()
n = 55_000
while True:
    seed_scale(project, n)
    residents = Person.objects.filter(project=project).count()
    if residents >= TARGET_RESIDENTS:
        break
    n = int(n * TARGET_RESIDENTS / residents) + 500
print(f"seed: {residents} residents, {n} scale units, {time.perf_counter() - t0:.1f} s")
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")


def search_page(q):
    """The two queries of core.views.search, rows fetched (with prefetches)."""
    units = list(selectors.units_with_occupants(selectors.unit_search(project, q).order_by("code"))[:LIMIT])
    people = list(selectors.people_with_units(selectors.person_search(project, q).order_by("name", "id"))[:LIMIT])
    return units, people


rng = random.Random(7)
sample = list(Person.objects.filter(project=project).order_by("?").values_list("name", "phone")[: args.queries * 3])
kinds = {
    "unit code prefix": [
        rng.choice(["", "1"]) + f"{rng.randint(101, 330)}-{rng.randint(1, 2)}-{rng.randint(1, 30)}"
        for _ in range(args.queries)
    ],
    "name fragment": [
        name[:2] if i % 3 == 0 else (name[1:] if i % 3 == 1 else name)
        for i, (name, _) in enumerate(sample[: args.queries])
    ],
    "phone fragment": [
        phone[-4:] if i % 2 == 0 else phone[3:10] for i, (_, phone) in enumerate(sample[: args.queries])
    ],
}
search_page("warm-up")
print(f"\nsearch page calls ({args.queries} queries per kind, first {LIMIT} units + first {LIMIT} people):")
print(f"{'kind':18} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'avg rows':>9}")
worst = 0.0
for kind, queries in kinds.items():
    times, rows = [], []
    for q in queries:
        start = time.perf_counter()
        units, people = search_page(q)
        times.append((time.perf_counter() - start) * 1000)
        rows.append(len(units) + len(people))
    times.sort()
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    worst = max(worst, p95)
    print(f"{kind:18} {statistics.median(times):10.1f} {p95:8.1f} {times[-1]:8.1f} {statistics.mean(rows):9.1f}")
    if args.explain:
        qs = selectors.unit_search(project, queries[0]).order_by("code")[:LIMIT]
        print(qs.explain(analyze=True))
        qs = selectors.person_search(project, queries[0]).order_by("name", "id")[:LIMIT]
        print(qs.explain(analyze=True))
reset_queries()
print(f"\nworst p95: {worst:.1f} ms — goal < 100 ms: {'met' if worst < 100 else 'NOT met'}")
