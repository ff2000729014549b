"""Issue 2 item 9: `seed_demo --scale N` adds N realistic units with 1–3
residents each; deterministic, idempotent, bulk."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.core.demo_scale import FIRST_BUILDING, household, seed_scale, unit_position
from propdesk.core.excel import MOBILE_RE, resident_id_problem
from propdesk.core.models import Occupancy, Person, Unit

pytestmark = pytest.mark.django_db


def scale_units(project):
    return Unit.objects.filter(project=project, building__code__regex=r"^[1-9][0-9]{2,}$")


def test_scale_adds_n_units_with_one_to_three_residents_each(demo):
    assert seed_scale(demo, 500) == 500
    units = scale_units(demo)
    assert units.count() == 500
    assert all(re.fullmatch(r"1\d\d-[12]-\d{3,4}", c) for c in units.values_list("code", flat=True))
    assert units.order_by("code").first().code.startswith(f"{FIRST_BUILDING}-")
    per_unit = Counter(Occupancy.objects.filter(unit__in=units).values_list("unit_id", flat=True))
    assert len(per_unit) == 500 and set(per_unit.values()) <= {1, 2, 3} and len(set(per_unit.values())) > 1
    owners = Occupancy.objects.filter(unit__in=units, role=Occupancy.Role.OWNER)
    assert owners.count() == 500


def test_scale_residents_have_unique_mobiles_and_valid_id_numbers(demo):
    seed_scale(demo, 300)
    people = Person.objects.filter(occupancies__unit__in=scale_units(demo))
    phones = list(people.values_list("phone", flat=True))
    assert len(phones) == len(set(phones)) and all(MOBILE_RE.match(p) for p in phones)
    assert not set(phones) & set(Person.objects.exclude(pk__in=people).values_list("phone", flat=True))
    ids = [i for i in people.values_list("id_number", flat=True) if i]
    assert ids and all(resident_id_problem(i) is None for i in ids)
    assert len(ids) == len(set(ids))  # one ID number, one person: import matches people by it
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", n) for n in people.values_list("name", flat=True))


def test_scale_is_deterministic_and_idempotent(demo):
    seed_scale(demo, 200)
    people = Person.objects.filter(occupancies__unit__in=scale_units(demo))
    first = sorted(people.values_list("name", "phone", "id_number"))
    assert seed_scale(demo, 200) == 0
    assert scale_units(demo).count() == 200
    assert sorted(people.values_list("name", "phone", "id_number")) == first
    assert seed_scale(demo, 260) == 60  # a larger N adds only the difference
    assert household(7)[0][1].name == household(7)[0][1].name and unit_position(240) == ("102", "1", "101", 1)


def test_scale_id_numbers_are_distinct_and_valid_far_beyond_100k_units():
    from propdesk.core.demo_scale import scale_id_number

    ids = [scale_id_number(k) for k in range(0, 2_000_000, 7)]
    assert len(ids) == len(set(ids))
    assert all(resident_id_problem(i) is None for i in ids[::97])


def test_scale_uses_bulk_inserts_not_a_query_per_row(demo):
    with CaptureQueriesContext(connection) as ctx:
        seed_scale(demo, 1200)
    assert len(ctx) < 60, len(ctx)


def test_seed_demo_command_accepts_scale(demo):
    call_command("seed_demo", "--scale", "30", stdout=io.StringIO())
    assert scale_units(demo).count() == 30
