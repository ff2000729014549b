"""The one Excel writer: typed cells that survive a round trip through
openpyxl, and one formula-injection guard for every text cell."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from propdesk.common import excel

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAYLOADS = [
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def roundtrip(sheets, **kw):
    return load_workbook(io.BytesIO(excel.workbook_bytes(sheets, **kw)))


def test_injection_payloads_come_back_as_text_cells():
    wb = roundtrip([excel.Sheet("Notes", ["note", "other"], [[p, p] for p in PAYLOADS], kinds=(excel.TEXT,))])
    cells = [row[i] for row in wb["Notes"].iter_rows(min_row=2) for i in (0, 1)]
    # (XML reads a stored CR back as LF.)
    assert [c.value for c in cells[::2]] == [p.replace("\r", "\n") for p in PAYLOADS]
    assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]
    # Excel's quote prefix: editing the cell keeps it text.
    assert all(c.quotePrefix for c in cells)


def test_plain_text_has_no_quote_prefix_and_illegal_characters_are_dropped():
    wb = roundtrip([excel.Sheet("S", ["a"], [["张三"], ["bell\x07 and nul\x00"]])])
    first, second = (row[0] for row in wb["S"].iter_rows(min_row=2))
    assert first.value == "张三" and not first.quotePrefix
    assert second.value == "bell and nul"


def test_money_is_a_number_with_two_decimals():
    wb = roundtrip(
        [excel.Sheet("M", ["fee", "untyped decimal"], [[Decimal("1234.50"), Decimal("0.10")]], kinds=(excel.MONEY,))]
    )
    fee, other = next(wb["M"].iter_rows(min_row=2))
    assert fee.data_type == "n" and fee.value == 1234.5 and fee.number_format == "0.00"
    assert other.data_type == "n" and other.number_format == "0.00"


def test_dates_and_times_are_typed_and_written_as_the_zone_wall_clock():
    at = dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    wb = roundtrip(
        [excel.Sheet("D", ["at", "day", "naive"], [[at, dt.date(2026, 12, 1), dt.datetime(2026, 1, 2, 3, 4)]])],
        zone=SHANGHAI,
    )
    when, day, naive = next(wb["D"].iter_rows(min_row=2))
    assert when.value == dt.datetime(2026, 12, 1, 9, 30) and when.number_format == "yyyy-mm-dd hh:mm"
    assert day.value == dt.datetime(2026, 12, 1) and day.number_format == "yyyy-mm-dd"
    assert naive.value == dt.datetime(2026, 1, 2, 3, 4)


def test_percentages_numbers_and_blanks():
    wb = roundtrip([excel.Sheet("P", ["rate", "n", "none", "flag"], [[0.955, 7, None, True]], kinds=(excel.PERCENT,))])
    rate, n, none, flag = next(wb["P"].iter_rows(min_row=2))
    assert rate.value == 0.955 and rate.number_format == "0.0%"
    assert n.value == 7 and n.data_type == "n"
    assert none.value is None and flag.value is True


def test_headers_are_bold_and_text_even_when_formula_like():
    wb = roundtrip([excel.Sheet("H", ["=evil", "名称"], [])])
    a, b = wb["H"][1]
    assert a.value == "=evil" and a.data_type == "s" and a.font.b and b.font.b


def test_sheet_titles_are_cut_to_excels_limit():
    wb = roundtrip([excel.Sheet("x" * 40, ["a"], [])])
    assert wb.sheetnames == ["x" * 31]


@pytest.mark.parametrize(
    "stem,parts,expected",
    [
        ("tickets", ("DEMO",), "tickets-DEMO-20261201-0930.xlsx"),
        ("estate", ("阳光 嘉园", ""), "estate-_____-20261201-0930.xlsx"),
        ("a/b", (), "a_b-20261201-0930.xlsx"),
    ],
)
def test_export_filename_is_ascii_and_stamped_in_local_time(settings, stem, parts, expected):
    settings.TIME_ZONE = "Asia/Shanghai"
    with time_machine.travel(dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.UTC), tick=False):
        assert excel.export_filename(stem, *parts) == expected
