"""Issue 2 item 6: the estate workbook — template, all-or-nothing import with
row-by-row errors in Chinese, idempotent re-import, export round trip."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.core import excel
from propdesk.core.models import AuditLog, Building, Occupancy, Person, Unit
from propdesk.core.services import estate_import

pytestmark = pytest.mark.django_db

BUILDING_HEAD = ["楼栋编号 *", "名称", "层数"]
UNIT_HEAD = ["房号 *", "楼栋编号 *", "单元", "房间", "楼层", "建筑面积(㎡)", "用途", "状态"]
PERSON_HEAD = ["姓名 *", "手机号", "备用电话", "证件类型", "证件号码", "电子邮箱", "备注"]
OCC_HEAD = ["房号 *", "姓名 *", "证件号码", "手机号", "身份 *", "起始日期", "结束日期"]

GOOD_ID = "11010519491231002X"  # the GB 11643 example: valid checksum
GOOD_ID_2 = "110101199003071234"


def valid_id(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]


def workbook(**sheets) -> bytes:
    """workbook(楼栋=[header, row, ...], ...) → .xlsx bytes."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def small_estate(building="B9", n_units=3):
    id2 = valid_id("11010119900307123")
    return {
        "楼栋": [BUILDING_HEAD, [building, f"{building}栋", 18]],
        "房屋": [UNIT_HEAD]
        + [[f"{building}-1-{100 + i}", building, "", "", 1, 88.5, "住宅", "已入住"] for i in range(1, n_units + 1)],
        "人员": [
            PERSON_HEAD,
            ["张伟", "13800138000", "", "居民身份证", GOOD_ID, "", ""],
            ["李娜", "13900139000", "", "", id2, "", ""],
            ["王小明", "13700137000", "", "", "", "", "家属"],
        ],
        "入住关系": [
            OCC_HEAD,
            [f"{building}-1-101", "张伟", GOOD_ID, "", "业主", "2020-06-01", ""],
            [f"{building}-1-101", "王小明", "", "13700137000", "家属", "2020-06-01", ""],
            [f"{building}-1-102", "李娜", id2, "", "租户", "2024-01-01", "2025-12-31"],
        ],
    }


def counts_in(project):
    return (
        Building.objects.filter(project=project).count(),
        Unit.objects.filter(project=project).count(),
        Person.objects.filter(project=project).count(),
        Occupancy.objects.filter(unit__project=project).count(),
    )


def test_good_workbook_is_imported_with_one_summary_row_and_each_record_audited(demo):
    """One `estate.imported` summary per import, and (issue 7: the unit and person
    history panels show real changes) one row per unit, person and occupancy stored."""
    before = counts_in(demo)
    audits = AuditLog.objects.count()
    result = estate_import(project=demo, actor=None, data=workbook(**small_estate()))
    assert result.ok, result.errors
    assert result.counts["units"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert counts_in(demo) == (before[0] + 1, before[1] + 3, before[2] + 3, before[3] + 3)
    unit = Unit.objects.get(project=demo, code="B9-1-101")
    assert (unit.entrance, unit.room, str(unit.area), unit.use, unit.state) == (
        "1",
        "101",
        "88.50",
        Unit.Use.RESIDENTIAL,
        Unit.State.OCCUPIED,
    )
    assert Occupancy.objects.get(unit__code="B9-1-102").end.isoformat() == "2025-12-31"
    rows = AuditLog.objects.filter(action="estate.imported")
    # summary + 3 units + 3 people + 3 occupancies seen from the unit and from the person
    assert AuditLog.objects.count() == audits + 1 + 3 + 3 + 3 * 2 and rows.count() == 1
    assert rows.get().new["counts"]["people"]["created"] == 3
    trail = AuditLog.objects.filter(object_type="core.unit", object_id=str(unit.pk))
    assert set(trail.values_list("action", flat=True)) == {"unit.created", "unit.occupant_added"}


def test_reimporting_the_same_workbook_updates_instead_of_duplicating(demo):
    data = workbook(**small_estate())
    estate_import(project=demo, actor=None, data=data)
    after_first = counts_in(demo)
    result = estate_import(project=demo, actor=None, data=data)
    assert result.ok
    assert counts_in(demo) == after_first
    assert all(c["created"] == 0 and c["updated"] == 0 for c in result.counts.values())


def test_changed_values_are_updated_by_natural_key(demo):
    estate_import(project=demo, actor=None, data=workbook(**small_estate()))
    sheets = small_estate()
    sheets["房屋"][1][5] = 120  # area of B9-1-101
    sheets["人员"][1][1] = "13800138999"  # person found by ID number, phone changes
    sheets["入住关系"][1][6] = "2026-01-31"  # the owner moved out
    result = estate_import(project=demo, actor=None, data=workbook(**sheets))
    assert result.ok, result.errors
    assert result.counts["units"]["updated"] == 1 and result.counts["people"]["updated"] == 1
    assert result.counts["occupancies"]["updated"] == 1
    assert str(Unit.objects.get(project=demo, code="B9-1-101").area) == "120.00"
    assert Person.objects.filter(project=demo, id_number=GOOD_ID).get().phone == "13800138999"
    assert Occupancy.objects.get(unit__code="B9-1-101", role="owner").end.isoformat() == "2026-01-31"


def test_person_without_id_number_is_found_by_name_and_phone(demo):
    estate_import(project=demo, actor=None, data=workbook(**small_estate()))
    sheets = small_estate()
    sheets["人员"][3][6] = "女儿"  # note changes; no ID number: key is name + phone
    result = estate_import(project=demo, actor=None, data=workbook(人员=sheets["人员"]))
    assert result.counts["people"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert Person.objects.get(project=demo, name="王小明", phone="13700137000").note == "女儿"


def _errors(data, project):
    result = estate_import(project=project, actor=None, data=data)
    assert not result.ok
    return {(e.sheet, e.row, e.column): e.reason for e in result.errors}


@pytest.mark.parametrize(
    "sheet, row, column, value, expected_column, words",
    [
        ("房屋", 1, 1, "Z9", "楼栋编号", "不存在"),  # unknown building
        ("房屋", 2, 0, "B9-1-101", "房号", "重复"),  # duplicate unit code within the file
        ("房屋", 1, 5, "八十", "建筑面积(㎡)", "不是大于 0 的数字"),  # bad area
        ("房屋", 1, 5, -3, "建筑面积(㎡)", "不是大于 0 的数字"),
        ("房屋", 1, 6, "别墅", "用途", "不是可选的值"),  # unknown use
        ("房屋", 1, 7, "卖了", "状态", "不是可选的值"),  # unknown state
        ("人员", 1, 1, "1380013800", "手机号", "电话号码格式不正确"),  # bad phone (10 digits)
        ("人员", 1, 4, "110105194912310021", "证件号码", "校验码"),  # wrong checksum
        ("人员", 1, 4, "110105194902300028", "证件号码", "出生日期"),  # 30 February
        ("人员", 1, 4, "11010519491231", "证件号码", "18 位"),
        ("人员", 1, 3, "驾照", "证件类型", "不是可选的值"),
        ("入住关系", 1, 0, "B9-9-999", "房号", "不存在"),  # occupancy of an unknown unit
        ("入住关系", 2, 1, "赵六", "姓名", "找不到人员"),  # occupancy of an unknown person
        ("入住关系", 1, 4, "房东", "身份", "不是可选的值"),  # unknown role
        ("入住关系", 3, 6, "2023-01-01", "结束日期", "早于起始日期"),  # end before start
        ("入住关系", 1, 5, "去年", "起始日期", "不是日期"),
    ],
)
def test_each_bad_row_is_reported_in_chinese_and_nothing_is_stored(
    demo, sheet, row, column, value, expected_column, words
):
    sheets = small_estate()
    sheets[sheet][row][column] = value
    before, audits = counts_in(demo), AuditLog.objects.count()
    errors = _errors(workbook(**sheets), demo)
    excel_row = row + 1  # header is row 1
    assert (sheet, excel_row, expected_column) in errors, errors
    assert words in errors[(sheet, excel_row, expected_column)]
    assert counts_in(demo) == before and AuditLog.objects.count() == audits


def test_all_bad_rows_are_listed_not_only_the_first(demo):
    sheets = small_estate()
    sheets["房屋"][1][1] = "Z9"
    sheets["人员"][2][1] = "123"
    sheets["入住关系"][3][6] = "2000-01-01"
    errors = _errors(workbook(**sheets), demo)
    assert {("房屋", 2, "楼栋编号"), ("人员", 3, "手机号"), ("入住关系", 4, "结束日期")} <= set(errors)


def test_id_number_typed_as_a_number_is_refused_because_excel_lost_digits(demo):
    sheets = small_estate()
    sheets["人员"][2][4] = 110101199003071234
    errors = _errors(workbook(**sheets), demo)
    assert "文本格式" in errors[("人员", 3, "证件号码")]


def test_missing_required_column_is_reported_on_the_header_row(demo):
    errors = _errors(workbook(房屋=[["楼栋编号", "单元"], ["1", "1"]]), demo)
    assert ("房屋", 1, "房号") in errors


def test_absent_sheets_import_nothing_of_that_kind(demo):
    before = counts_in(demo)
    result = estate_import(project=demo, actor=None, data=workbook(楼栋=[BUILDING_HEAD, ["C7", "", ""]]))
    assert result.ok and set(result.counts) == {"buildings", "units", "people", "occupancies"}
    assert counts_in(demo) == (before[0] + 1, *before[1:])


@pytest.mark.parametrize("payload", [b"building,unit\n1,1-1-101\n", b"PK\x03\x04 not really a zip", b""])
def test_a_file_that_is_not_a_workbook_is_refused_with_a_sentence(demo, payload):
    with pytest.raises(excel.WorkbookRefused) as refused:
        estate_import(project=demo, actor=None, data=payload)
    assert "Excel" in str(refused.value) or "损坏" in str(refused.value)


def test_a_zip_that_is_not_a_workbook_is_refused(demo):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(excel.WorkbookRefused, match="改了扩展名"):
        estate_import(project=demo, actor=None, data=buf.getvalue())


def test_resident_id_checksum():
    assert excel.resident_id_problem(GOOD_ID) is None
    assert excel.resident_id_problem(valid_id("44030419851203401")) is None
    assert "校验码" in excel.resident_id_problem(
        "440304198512034010" if valid_id("44030419851203401")[-1] != "0" else "440304198512034011"
    )


def test_export_then_import_changes_nothing(demo):
    estate_import(project=demo, actor=None, data=workbook(**small_estate()))
    before = counts_in(demo)
    data = excel.export_workbook(demo)
    result = estate_import(project=demo, actor=None, data=data)
    assert result.ok, result.errors[:5]
    assert counts_in(demo) == before
    assert all(c["created"] == 0 and c["updated"] == 0 for c in result.counts.values()), result.counts
    assert result.counts["units"]["unchanged"] == Unit.objects.filter(project=demo).count()


def test_template_has_the_four_sheets_with_chinese_headers_and_drop_downs():
    wb = openpyxl.load_workbook(io.BytesIO(excel.template_workbook()))
    assert {"楼栋", "房屋", "人员", "入住关系"} <= set(wb.sheetnames)
    assert [c.value for c in wb["房屋"][1]][:2] == ["房号 *", "楼栋编号 *"]
    lists = [dv.formula1 for dv in wb["房屋"].data_validations.dataValidation]
    assert any("住宅" in f for f in lists) and any("空置" in f for f in lists)
    assert any("业主" in dv.formula1 for dv in wb["入住关系"].data_validations.dataValidation)


def test_the_empty_template_imports_cleanly(demo):
    before = counts_in(demo)
    assert estate_import(project=demo, actor=None, data=excel.template_workbook()).ok
    assert counts_in(demo) == before


def test_import_query_count_does_not_grow_with_rows(demo):
    def run(building, n):
        data = workbook(**small_estate(building, n))
        with CaptureQueriesContext(connection) as ctx:
            assert estate_import(project=demo, actor=None, data=data).ok
        return len(ctx)

    small, big = run("Q1", 5), run("Q2", 300)
    # Bulk inserts in batches (SQLite caps parameters per statement): a few
    # more statements for 60 times the rows, never one per row.
    assert small <= 15 and big <= small + 5, (small, big)


def test_a_workbook_with_a_damaged_sheet_is_refused_not_a_crash(demo):
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(workbook(**small_estate())))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet2"):
                content = content[: len(content) // 2]  # truncated XML
            out.writestr(item, content)
    before = counts_in(demo)
    with pytest.raises(excel.WorkbookRefused, match="损坏"):
        estate_import(project=demo, actor=None, data=buf.getvalue())
    assert counts_in(demo) == before


def test_export_writes_formula_like_names_as_text(demo):
    Person.objects.create(project=demo, name='=HYPERLINK("http://x")', phone="13312345678", note="=1+1")
    wb = openpyxl.load_workbook(io.BytesIO(excel.export_workbook(demo)))
    cells = [c for row in wb["人员"].iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    assert estate_import(project=demo, actor=None, data=excel.export_workbook(demo)).counts["people"]["updated"] == 0


def test_a_bad_unit_or_person_row_is_reported_once_not_again_by_the_occupancies_using_it(demo):
    sheets = small_estate()
    sheets["房屋"][1][1] = "Z9"  # B9-1-101 has an unknown building
    sheets["人员"][1][1] = "12345"  # 张伟's phone is wrong; the occupancy finds him by ID number
    errors = _errors(workbook(**sheets), demo)
    assert set(errors) == {("房屋", 2, "楼栋编号"), ("人员", 2, "手机号")}, errors
