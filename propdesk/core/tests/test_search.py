"""Issue 2 item 7: search by unit code prefix, name fragment or phone fragment
(core.selectors.unit_search / person_search), and the PostgreSQL indexes that
keep it under 100 ms with 100,000 residents (bench/search_100k.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.core.models import Building, Occupancy, Person, Unit
from propdesk.core.selectors import person_search, unit_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(demo):
    building = Building.objects.create(project=demo, code="77")
    units = [
        Unit.objects.create(project=demo, building=building, code=f"77-1-{r}", entrance="1", room=str(r))
        for r in (101, 102, 201)
    ]
    zhang = Person.objects.create(project=demo, name="欧阳娜娜", phone="15612345678")
    landline = Person.objects.create(project=demo, name="钱多多", phone="021-55667788")
    Occupancy.objects.create(unit=units[0], person=zhang, role="owner")
    Occupancy.objects.create(unit=units[2], person=zhang, role="tenant")
    Occupancy.objects.create(unit=units[1], person=landline, role="owner", end="2020-01-01")  # moved out
    return demo, units, zhang, landline


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_unit_code_prefix(estate):
    project, *_ = estate
    assert codes(unit_search(project, "77-1-1")) == ["77-1-101", "77-1-102"]
    assert "1-1-101" in codes(unit_search(project, "1-1-10"))


def test_name_fragment_finds_the_units_of_that_person_once_each(estate):
    project, *_ = estate
    assert codes(unit_search(project, "阳娜")) == ["77-1-101", "77-1-201"]
    assert list(person_search(project, "阳娜").values_list("name", flat=True)) == ["欧阳娜娜"]
    assert not person_search(project, "娜阳").exists()  # characters in order, not just present


def test_a_single_character_finds_every_name_containing_it(estate):
    project, *_ = estate
    assert set(person_search(project, "多").values_list("name", flat=True)) >= {"钱多多"}
    assert "欧阳娜娜" not in set(person_search(project, "多").values_list("name", flat=True))
    assert codes(unit_search(project, "欧")) == ["77-1-101", "77-1-201"]


def test_phone_fragment_finds_people_and_their_units(estate):
    project, *_ = estate
    assert codes(unit_search(project, "2345")) == ["77-1-101", "77-1-201"]
    assert list(person_search(project, "5566").values_list("name", flat=True)) == ["钱多多"]
    assert list(person_search(project, "021-5566").values_list("name", flat=True)) == ["钱多多"]


def test_former_occupants_still_lead_to_the_unit(estate):
    project, *_ = estate
    assert codes(unit_search(project, "钱多")) == ["77-1-102"]


def test_a_code_and_a_person_matching_together_give_each_unit_once(estate):
    project, units, zhang, _ = estate
    zhang.name = "77-1-欧"  # contrived: the name also looks like a code prefix
    zhang.save()
    assert codes(unit_search(project, "77-1-欧")) == ["77-1-101", "77-1-201"]


def test_blank_query_is_every_unit_of_the_project(estate):
    project, *_ = estate
    assert unit_search(project, "  ").count() == Unit.objects.filter(project=project).count()


def test_search_is_one_query_and_stays_in_the_project(estate):
    project, *_ = estate
    with CaptureQueriesContext(connection) as ctx:
        list(unit_search(project, "阳娜").order_by("code")[:20])
        list(person_search(project, "阳娜").order_by("name", "id")[:20])
    assert len(ctx) == 2
    from propdesk.core.models import Company, Project

    other = Project.objects.create(company=Company.objects.create(name="别的物业"), code="OTHER", name="别的")
    assert not unit_search(other, "阳娜").exists() and not person_search(other, "阳娜").exists()


@pytest.mark.pg
@pytest.mark.parametrize("index", ["core_person_name_chars", "core_person_phones_trgm", "core_unit_code_pattern"])
def test_search_indexes_exist_on_postgresql(db, index):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index])
        assert cursor.fetchone(), f"{index} is missing: migration 0003"


@pytest.mark.pg
@pytest.mark.parametrize(
    "q, index",
    [
        ("阳娜", "core_person_name_chars"),
        ("12345", "core_person_phones_trgm"),
        ("021-5566", "core_person_phones_trgm"),
    ],
)
def test_person_search_can_use_its_index_on_postgresql(estate, q, index):
    """The query expression must match the index expression exactly (casts
    included), or PostgreSQL scans. On a tiny table the planner would rather
    use a project_id btree, so those are dropped inside this test's
    transaction (rolled back afterwards) and sequential scans are disabled."""
    project, *_ = estate
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'core_person' "
            "AND indexdef NOT LIKE '%%USING gin%%' AND indexname NOT LIKE '%%pkey'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = person_search(project, q).order_by("name", "id")[:20].explain()
    assert index in plan, plan


@pytest.mark.pg
def test_unit_search_uses_the_code_prefix_index_on_postgresql(estate):
    project, *_ = estate
    with connection.cursor() as cursor:
        # Tiny tables: make the planner show whether the index *can* serve the
        # query shape (the expression must match the index exactly).
        cursor.execute("ANALYZE core_person; ANALYZE core_unit")
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
    plan = unit_search(project, "77-1-1").order_by("code")[:20].explain()
    assert "core_unit_code_pattern" in plan, plan
