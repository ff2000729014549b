"""The estate export through the one Excel writer: typed cells (dates, areas)
that the import reads back unchanged, and codes and phones kept as text."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from propdesk.core import excel
from propdesk.core.models import Occupancy, Person, Unit

pytestmark = pytest.mark.django_db


def test_estate_export_types_dates_and_areas_and_keeps_codes_as_text(demo):
    person = Person.objects.create(project=demo, name="=1+1", phone="13312345678")
    unit = Unit.objects.filter(project=demo).order_by("code").first()
    unit.area = Decimal("89.50")
    unit.save(update_fields=["area"])
    Occupancy.objects.create(unit=unit, person=person, role="tenant", start=dt.date(2026, 3, 1))
    wb = openpyxl.load_workbook(io.BytesIO(excel.export_workbook(demo)))
    occupancy = next(r for r in wb["入住关系"].iter_rows(min_row=2) if r[1].value == "=1+1")
    assert occupancy[5].value == dt.datetime(2026, 3, 1) and occupancy[5].number_format == "yyyy-mm-dd"
    assert occupancy[1].data_type == "s" and occupancy[3].value == "13312345678" and occupancy[3].data_type == "s"
    row = next(r for r in wb["房屋"].iter_rows(min_row=2) if r[0].value == unit.code)
    assert row[0].data_type == "s" and row[0].number_format == "@"
    assert row[5].data_type == "n" and row[5].value == 89.5 and row[5].number_format == "0.00"
