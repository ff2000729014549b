"""Excel import of 10,000 units (issue 2 item 6: under 30 s).

    .venv/bin/python bench/import_10k.py [--sqlite] [--base postgres://postgres@127.0.0.1:5432] [--units 10000]

Generates a workbook of 10,000 units in 42 buildings with their residents
(owner, often family, sometimes a tenant: ~18,500 people and as many
occupancies), imports it into a fresh database — PostgreSQL
`propdesk_bench_import` (dropped and re-created) or, with --sqlite, a new SQLite
file — through the same service the import page calls
(core.services.estate_import), and prints the times. Then imports the same file
again (nothing may change) and times that too. Not part of the test suite.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "propdesk_bench_import"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--base", default="postgres://postgres@127.0.0.1:5432")
parser.add_argument("--sqlite", action="store_true", help="use a new SQLite file instead of PostgreSQL")
parser.add_argument("--units", type=int, default=10_000)
args = parser.parse_args()

if args.sqlite:
    tmp = tempfile.mkdtemp(prefix="propdesk-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    target = f"SQLite {tmp}/bench.sqlite3"
else:
    import psycopg

    with psycopg.connect(f"{args.base}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{args.base}/{DB_NAME}"
    target = f"PostgreSQL {DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")
import django

django.setup()

import openpyxl
from django.core.management import call_command

from propdesk.core import excel
from propdesk.core.demo_scale import FLOORS, household, unit_position
from propdesk.core.models import Company, Occupancy, Person, Project, Unit
from propdesk.core.services import estate_import

call_command("migrate", verbosity=0)
company = Company.objects.create(name="基准测试物业")
project = Project.objects.create(company=company, code="BENCH", name="基准测试花园")

t0 = time.perf_counter()
wb = openpyxl.Workbook(write_only=True)
buildings, units, people, occupancies = (wb.create_sheet(n) for n in ("楼栋", "房屋", "人员", "入住关系"))
buildings.append(["楼栋编号 *", "名称", "层数"])
units.append(["房号 *", "楼栋编号 *", "单元", "房间", "楼层", "建筑面积(㎡)", "用途", "状态"])
people.append(["姓名 *", "手机号", "备用电话", "证件类型", "证件号码", "电子邮箱", "备注"])
occupancies.append(["房号 *", "姓名 *", "证件号码", "手机号", "身份 *", "起始日期", "结束日期"])
seen_buildings = set()
n_people = 0
for i in range(args.units):
    b, e, r, floor = unit_position(i)
    b = str(int(b) - 100)  # buildings 1, 2, 3 …
    if b not in seen_buildings:
        seen_buildings.add(b)
        buildings.append([b, f"{b}栋", FLOORS])
    code = f"{b}-{e}-{r}"
    residents = household(i)
    units.append([code, b, e, r, floor, 89 + (i % 7) * 8.5, "住宅", "出租" if len(residents) == 3 else "已入住"])
    for role, p in residents:
        n_people += 1
        people.append([p.name, p.phone, "", "居民身份证", p.id_number, "", ""])
        occupancies.append([code, p.name, p.id_number, p.phone, excel.ROLE_LABELS[role], "2019-05-01", ""])
buf = io.BytesIO()
wb.save(buf)
data = buf.getvalue()
print(
    f"workbook: {args.units} units, {len(seen_buildings)} buildings, {n_people} people, {n_people} occupancies, "
    f"{len(data) / 1e6:.1f} MB, generated in {time.perf_counter() - t0:.1f} s"
)

t0 = time.perf_counter()
result = estate_import(project=project, actor=None, data=data)
first = time.perf_counter() - t0
assert result.ok, result.errors[:10]
total_rows = sum(c["created"] + c["updated"] + c["unchanged"] for c in result.counts.values())
print(f"import into {target}: {first:.1f} s for {total_rows} rows — {result.counts}")
assert Unit.objects.filter(project=project).count() == args.units
assert Person.objects.filter(project=project).count() == n_people
assert Occupancy.objects.filter(unit__project=project).count() == n_people

t0 = time.perf_counter()
again = estate_import(project=project, actor=None, data=data)
second = time.perf_counter() - t0
assert again.ok and all(c["created"] == c["updated"] == 0 for c in again.counts.values()), again.counts
print(f"re-import of the same file (nothing changes): {second:.1f} s")
print(f"goal < 30 s for 10,000 units: {'met' if first < 30 else 'NOT met'}")
