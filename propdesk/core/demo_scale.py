"""`seed_demo --scale N`: a large, realistic estate for benchmarks.

N units in extra buildings numbered from 101 on (codes `<building>-<entrance>-
<room>`, e.g. `101-2-1503`), each with 1–3 residents: an owner, often a family
member, sometimes a tenant — Chinese names, unique 11-digit mobile numbers,
valid 18-digit resident ID numbers for owners and tenants.

Deterministic (unit i always gets the same people) and idempotent: only the
units not yet present are created, so running it twice does not double
anything and a larger N adds the difference. Bulk inserts in batches, one
transaction per batch, no per-row queries."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import transaction

from propdesk.core.demo import person_name
from propdesk.core.models import Building, Occupancy, Person, Project, Unit
from propdesk.core.services import audit_record

FIRST_BUILDING = 101
ENTRANCES = 2
FLOORS = 30
ROOMS_PER_FLOOR = 4
UNITS_PER_BUILDING = ENTRANCES * FLOORS * ROOMS_PER_FLOOR  # 240
BATCH_UNITS = 5000
AREAS = [Decimal(a) for a in (68, 76, 89, 96, 112, 128, 143, 160)]
# Mobile prefixes not used by the base demo (138/139) or the demo staff (139…);
# each role has its own set, so numbers of different roles never collide.
OWNER_PREFIXES, FAMILY_PREFIXES, TENANT_PREFIXES = ("135", "136", "137"), ("150", "151", "152"), ("186", "187", "188")


def scale_phone(prefixes: tuple[str, ...], i: int) -> str:
    """A unique, realistic-looking mobile number for unit i: the last 8 digits
    are a permutation of i (48271 is prime to 10^8), not a run of zeros."""
    return prefixes[i % len(prefixes)] + f"{(i * 48271 + 20261123) % 100_000_000:08d}"


def unit_position(i: int) -> tuple[str, str, str, int]:
    """The i-th scale unit (0-based) → (building, entrance, room, floor)."""
    building = FIRST_BUILDING + i // UNITS_PER_BUILDING
    rest = i % UNITS_PER_BUILDING
    entrance = 1 + rest // (FLOORS * ROOMS_PER_FLOOR)
    rest %= FLOORS * ROOMS_PER_FLOOR
    floor = 1 + rest // ROOMS_PER_FLOOR
    room = f"{floor}{1 + rest % ROOMS_PER_FLOOR:02d}"
    return str(building), str(entrance), room, floor


# Real county-level region codes (not the base demo's 110101), for ID numbers.
REGIONS = (
    "110105",
    "310104",
    "440304",
    "330106",
    "320102",
    "510107",
    "420106",
    "610113",
    "370102",
    "210102",
    "120101",
    "500103",
    "350203",
    "430104",
    "410105",
    "340104",
    "360102",
    "450103",
    "530102",
    "130102",
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
DAYS_1950_2000 = 18262  # 1950-01-01 … 1999-12-31; 3659 is prime to it, so k → date is one-to-one


def scale_id_number(k: int) -> str:
    """A valid 18-digit resident ID number, distinct for every k < 18262 × 1000 × 20."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=(k * 3659) % DAYS_1950_2000)
    rest = k // DAYS_1950_2000
    body = f"{REGIONS[(rest // 1000) % len(REGIONS)]}{birth:%Y%m%d}{rest % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def household(i: int) -> list[tuple[str, Person]]:
    """Deterministic residents of the i-th unit: [(role, unsaved Person)]."""
    rng = random.Random(1_000_003 * (i + 1))
    owner = Person(name=person_name(rng), phone=scale_phone(OWNER_PREFIXES, i), id_number=scale_id_number(2 * i))
    people = [(Occupancy.Role.OWNER, owner)]
    if rng.random() < 0.6:
        people.append(
            (
                Occupancy.Role.FAMILY,
                Person(name=owner.name[0] + person_name(rng)[1:], phone=scale_phone(FAMILY_PREFIXES, i)),
            )
        )
    if rng.random() < 0.25:
        people.append(
            (
                Occupancy.Role.TENANT,
                Person(
                    name=person_name(rng), phone=scale_phone(TENANT_PREFIXES, i), id_number=scale_id_number(2 * i + 1)
                ),
            )
        )
    return people


def seed_scale(project: Project, n: int, stdout=None) -> int:
    """Make sure the first `n` scale units exist with their residents. Returns
    how many units were created."""
    if n <= 0:
        return 0
    if n >= 100_000_000:
        raise ValueError("at most 99,999,999 scale units")
    started = time.monotonic()
    positions = [unit_position(i) for i in range(n)]
    building_codes = sorted({p[0] for p in positions}, key=int)
    existing_buildings = set(
        Building.objects.filter(project=project, code__in=building_codes).values_list("code", flat=True)
    )
    Building.objects.bulk_create(
        [
            Building(project=project, code=code, name=f"{code}栋", floors=FLOORS)
            for code in building_codes
            if code not in existing_buildings
        ],
        batch_size=1000,
    )
    building_ids = dict(Building.objects.filter(project=project, code__in=building_codes).values_list("code", "id"))
    existing_units = set(
        Unit.objects.filter(project=project, building_id__in=building_ids.values()).values_list("code", flat=True)
    )
    missing = [i for i, (b, e, r, _f) in enumerate(positions) if Unit.make_code(b, e, r) not in existing_units]
    start = dt.date(2018, 3, 1)
    created = 0
    for offset in range(0, len(missing), BATCH_UNITS):
        batch = missing[offset : offset + BATCH_UNITS]
        with transaction.atomic():
            units, people, roles = [], [], []
            for i in batch:
                b, e, r, floor = positions[i]
                rng = random.Random(i)
                residents = household(i)
                state = (
                    Unit.State.RENTED
                    if any(role == Occupancy.Role.TENANT for role, _ in residents)
                    else Unit.State.OCCUPIED
                )
                units.append(
                    Unit(
                        project=project,
                        building_id=building_ids[b],
                        code=Unit.make_code(b, e, r),
                        entrance=e,
                        room=r,
                        floor=floor,
                        area=rng.choice(AREAS),
                        state=state,
                    )
                )
                for role, person in residents:
                    person.project = project
                    people.append(person)
                    roles.append((len(units) - 1, role))
            Unit.objects.bulk_create(units, batch_size=2000)
            Person.objects.bulk_create(people, batch_size=2000)
            Occupancy.objects.bulk_create(
                [
                    Occupancy(unit_id=units[u].pk, person_id=p.pk, role=role, start=start)
                    for (u, role), p in zip(roles, people, strict=True)
                ],
                batch_size=2000,
            )
            created += len(units)
        if stdout is not None:
            stdout.write(f"  scale: {offset + len(batch)}/{len(missing)} units ({time.monotonic() - started:.1f} s)")
    if created:
        audit_record(
            actor=None,
            action="estate.scale_seeded",
            object_type="core.project",
            object_id=project.pk,
            project=project,
            new={"units": created, "n": n},
        )
    if stdout is not None:
        stdout.write(f"Scale estate: {n} units wanted, {created} created in {time.monotonic() - started:.1f} s.")
    return created
