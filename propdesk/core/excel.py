"""The estate workbook (.xlsx): template, reading and checking an upload, export.

One workbook, four sheets with Chinese headers — 楼栋 (buildings), 房屋 (units),
人员 (people), 入住关系 (occupancies) — the way a 客服部 already keeps them. A
sheet that is absent means "nothing of that kind to import".

Reading never writes: `plan_import()` checks every row against the file itself
and the project's data already stored and returns either the row errors or a
plan; `core.services.estate_import` applies a plan in one transaction. The
reasons in row errors are written in Chinese on purpose: they describe cells of
a Chinese workbook and are shown to the person fixing that workbook, whatever
the page language.

Natural keys (re-importing updates instead of duplicating): building code; unit
code; person by ID number, else name + phone; occupancy by unit + person +
role + start date. A blank optional cell leaves an existing value unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from propdesk.common import excel as writer
from propdesk.core.models import Building, Occupancy, Person, Unit

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A .xlsx is a zip: refuse archives that would inflate beyond this (zip bombs).
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_ROWS_PER_SHEET = 300_000
# Stop listing after this many row errors: the file has to be fixed anyway.
MAX_ERRORS = 1000

SHEET_BUILDINGS = "楼栋"
SHEET_UNITS = "房屋"
SHEET_PEOPLE = "人员"
SHEET_OCCUPANCIES = "入住关系"
SHEET_NOTES = "说明"

USE_LABELS = {
    Unit.Use.RESIDENTIAL: "住宅",
    Unit.Use.SHOP: "商铺",
    Unit.Use.OFFICE: "办公",
    Unit.Use.PARKING: "车位",
}
STATE_LABELS = {
    Unit.State.VACANT: "空置",
    Unit.State.OCCUPIED: "已入住",
    Unit.State.RENTED: "出租",
    Unit.State.RENOVATING: "装修中",
}
ROLE_LABELS = {
    Occupancy.Role.OWNER: "业主",
    Occupancy.Role.TENANT: "租户",
    Occupancy.Role.FAMILY: "家属",
    Occupancy.Role.AGENT: "代理人",
}
ID_TYPE_LABELS = {
    Person.IdType.RESIDENT_ID: "居民身份证",
    Person.IdType.PASSPORT: "护照",
    Person.IdType.HK_MACAO: "港澳通行证",
    Person.IdType.TAIWAN: "台湾通行证",
    Person.IdType.OTHER: "其他",
}


def _reverse(labels: dict, extra: dict | None = None) -> dict:
    out = {label: value for value, label in labels.items()}
    out.update({str(value): value for value in labels})  # the stored values are accepted too
    out.update(extra or {})
    return out


USE_VALUES = _reverse(
    USE_LABELS,
    {"住宅用房": Unit.Use.RESIDENTIAL, "商业": Unit.Use.SHOP, "写字楼": Unit.Use.OFFICE, "车库": Unit.Use.PARKING},
)
STATE_VALUES = _reverse(
    STATE_LABELS,
    {
        "入住": Unit.State.OCCUPIED,
        "自住": Unit.State.OCCUPIED,
        "已出租": Unit.State.RENTED,
        "装修": Unit.State.RENOVATING,
    },
)
ROLE_VALUES = _reverse(
    ROLE_LABELS,
    {
        "家庭成员": Occupancy.Role.FAMILY,
        "租客": Occupancy.Role.TENANT,
        "中介": Occupancy.Role.AGENT,
        "代理": Occupancy.Role.AGENT,
    },
)
ID_TYPE_VALUES = _reverse(
    ID_TYPE_LABELS,
    {
        "身份证": Person.IdType.RESIDENT_ID,
        "港澳居民来往内地通行证": Person.IdType.HK_MACAO,
        "台胞证": Person.IdType.TAIWAN,
    },
)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    note: str = ""
    text: bool = False  # formatted as text in the template (phones, ID numbers)
    choices: tuple[str, ...] = ()


BUILDING_COLUMNS = (
    Column("code", "楼栋编号", True, "楼栋的编号，如 1、A 座；房号以它开头"),
    Column("name", "名称", note="如 1栋"),
    Column("floors", "层数", note="整数"),
)
UNIT_COLUMNS = (
    Column("code", "房号", True, "楼栋-单元-房间，如 1-1-101；在项目内唯一", text=True),
    Column("building", "楼栋编号", True, "须在“楼栋”表或系统中已有", text=True),
    Column("entrance", "单元", note="留空则取房号的中间一段", text=True),
    Column("room", "房间", note="留空则取房号的最后一段", text=True),
    Column("floor", "楼层", note="整数，地下层为负数"),
    Column("area", "建筑面积(㎡)", note="大于 0，最多两位小数"),
    Column("use", "用途", note="住宅/商铺/办公/车位，新房屋留空为住宅", choices=tuple(USE_LABELS.values())),
    Column("state", "状态", note="空置/已入住/出租/装修中，新房屋留空为空置", choices=tuple(STATE_LABELS.values())),
)
PERSON_COLUMNS = (
    Column("name", "姓名", True),
    Column("phone", "手机号", note="11 位手机号或带区号的固定电话", text=True),
    Column("phone2", "备用电话", text=True),
    Column("id_type", "证件类型", note="留空为居民身份证", choices=tuple(ID_TYPE_LABELS.values())),
    Column("id_number", "证件号码", note="居民身份证须为 18 位且校验码正确；请设为文本格式", text=True),
    Column("email", "电子邮箱"),
    Column("note", "备注"),
)
OCCUPANCY_COLUMNS = (
    Column("unit", "房号", True, "须在“房屋”表或系统中已有", text=True),
    Column("name", "姓名", True, "须在“人员”表或系统中已有"),
    Column("id_number", "证件号码", note="用于找到人员；留空则按姓名+手机号查找", text=True),
    Column("phone", "手机号", text=True),
    Column("role", "身份", True, "业主/租户/家属/代理人", choices=tuple(ROLE_LABELS.values())),
    Column("start", "起始日期", note="如 2024-05-01"),
    Column("end", "结束日期", note="不早于起始日期；留空表示至今"),
)
SHEETS = (
    (SHEET_BUILDINGS, BUILDING_COLUMNS),
    (SHEET_UNITS, UNIT_COLUMNS),
    (SHEET_PEOPLE, PERSON_COLUMNS),
    (SHEET_OCCUPANCIES, OCCUPANCY_COLUMNS),
)
EXAMPLES = {
    SHEET_BUILDINGS: ("1", "1栋", 18),
    SHEET_UNITS: ("1-1-101", "1", "1", "101", 1, 89.5, "住宅", "已入住"),
    SHEET_PEOPLE: ("张伟", "13800138000", "", "居民身份证", "11010519491231002X", "", ""),
    SHEET_OCCUPANCIES: ("1-1-101", "张伟", "11010519491231002X", "13800138000", "业主", "2020-06-01", ""),
}


class WorkbookRefused(Exception):
    """The upload is not a workbook we can read at all (one sentence, in Chinese)."""


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    reason: str


# ---------------------------------------------------------------- checks of single values

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def resident_id_problem(value: str, today: dt.date | None = None) -> str | None:
    """Why an 18-digit resident ID number (GB 11643) is wrong, or None."""
    if len(value) != 18:
        return f"居民身份证号应为 18 位，这里是 {len(value)} 位"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "居民身份证号前 17 位须为数字，最后一位为数字或 X"
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "居民身份证号中的出生日期不存在"
    if birth.year < 1900 or (today and birth > today):
        return "居民身份证号中的出生日期不合理"
    check = ID_CHECK[sum(int(c) * w for c, w in zip(value[:17], ID_WEIGHTS, strict=True)) % 11]
    if check != value[17]:
        return "居民身份证号校验码不正确，请核对是否抄错"
    return None


def normalise_phone(value: str) -> str:
    phone = value.replace(" ", "").replace("\u3000", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if MOBILE_RE.match(phone.replace("-", "")):
        phone = phone.replace("-", "")
    return phone


def phone_problem(phone: str) -> str | None:
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return None
    return "电话号码格式不正确（应为 11 位手机号或带区号的固定电话）"


def _text(value) -> str:
    """A cell as text: integers typed as numbers lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return str(value).replace("\x00", "").strip()  # PostgreSQL refuses NUL in text


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", text) or re.match(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", text)
    if not m:
        raise ValueError
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


# ---------------------------------------------------------------- reading


@dataclass
class SheetRows:
    name: str
    rows: list[tuple[int, dict]]  # (Excel row number, {column key: raw value})


def _open(data: bytes):
    import openpyxl

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookRefused(
            "上传的文件不是 Excel 工作簿（.xlsx）：内容无法识别，请用 Excel 或 WPS 另存为 .xlsx 后再上传。"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        raise WorkbookRefused("上传的文件已损坏，无法作为 Excel 工作簿打开。")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise WorkbookRefused("上传的文件不是 Excel 工作簿（.xlsx）：可能是改了扩展名的其他文件。")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRefused("工作簿解压后过大，请分成几个文件导入。")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on malformed parts
        raise WorkbookRefused("上传的文件无法作为 Excel 工作簿读取，请用 Excel 或 WPS 另存为 .xlsx 后再上传。")


def _header_key(text) -> str:
    return _text(text).replace("*", "").replace("＊", "").replace(" ", "").replace("（", "(").replace("）", ")")


def read_workbook(data: bytes) -> tuple[dict[str, SheetRows], list[RowError]]:
    """Rows of the known sheets, keyed by column, plus header errors."""
    wb = _open(data)
    try:
        return _read_sheets(wb)
    except WorkbookRefused:
        raise
    except Exception:  # sheets are parsed lazily: a damaged sheet fails here, not in _open
        raise WorkbookRefused("工作簿中有工作表已损坏，无法读取，请用 Excel 或 WPS 另存为 .xlsx 后再上传。")
    finally:
        wb.close()


def _read_sheets(wb) -> tuple[dict[str, SheetRows], list[RowError]]:
    sheets: dict[str, SheetRows] = {}
    errors: list[RowError] = []
    for sheet_name, columns in SHEETS:
        if sheet_name not in wb.sheetnames:
            continue
        ws = wb[sheet_name]
        rows_iter = ws.iter_rows(values_only=True)
        header = next(rows_iter, None)
        if header is None:
            continue
        by_header = {_header_key(h): i for i, h in enumerate(header) if _header_key(h)}
        index = {}
        for col in columns:
            pos = by_header.get(_header_key(col.header))
            if pos is None:
                if col.required:
                    errors.append(RowError(sheet_name, 1, col.header, "缺少这一必填列（请使用模板的表头）"))
                continue
            index[col.key] = pos
        rows = []
        for number, values in enumerate(rows_iter, start=2):
            if values is None or all(v is None or _text(v) == "" for v in values):
                continue
            if len(rows) >= MAX_ROWS_PER_SHEET:
                errors.append(RowError(sheet_name, number, "", f"行数超过 {MAX_ROWS_PER_SHEET} 行，请分成几个文件导入"))
                break
            rows.append((number, {k: values[i] if i < len(values) else None for k, i in index.items()}))
        sheets[sheet_name] = SheetRows(sheet_name, rows)
    return sheets, errors


# ---------------------------------------------------------------- planning


@dataclass
class Plan:
    """What an import would do; `errors` non-empty means: store nothing."""

    errors: list[RowError] = field(default_factory=list)
    buildings: list[dict] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    occupancies: list[dict] = field(default_factory=list)
    truncated: bool = False
    # Unit codes and person keys of rows that already have an error: other rows
    # referring to them are not reported again ("unknown unit" would only echo
    # the first error).
    bad_units: set = field(default_factory=set)
    bad_people: set = field(default_factory=set)

    def error(self, sheet, row, column, reason):
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(sheet, row, column, reason))
        else:
            self.truncated = True


@dataclass
class Existing:
    """The project's stored rows the import is matched against (one query each)."""

    buildings: dict[str, dict]
    units: dict[str, dict]
    people: dict[int, dict]
    people_by_id: dict[str, int]
    people_by_name_phone: dict[tuple[str, str], int]
    occupancies: dict[tuple, dict]

    @classmethod
    def load(cls, project) -> Existing:
        buildings = {
            b["code"]: b for b in Building.objects.filter(project=project).values("id", "code", "name", "floors")
        }
        units = {
            u["code"]: u
            for u in Unit.objects.filter(project=project).values(
                "id", "code", "building_id", "entrance", "room", "floor", "area", "use", "state"
            )
        }
        people = {
            p["id"]: p
            for p in Person.objects.filter(project=project)
            .order_by("id")
            .values("id", "name", "phone", "phone2", "id_type", "id_number", "email", "note")
        }
        by_id: dict[str, int] = {}
        by_np: dict[tuple[str, str], int] = {}
        for p in people.values():
            if p["id_number"]:
                by_id.setdefault(p["id_number"].upper(), p["id"])
            by_np.setdefault((p["name"], p["phone"]), p["id"])
        occupancies = {
            (o["unit_id"], o["person_id"], o["role"], o["start"]): o
            for o in Occupancy.objects.filter(unit__project=project)
            .order_by("id")
            .values("id", "unit_id", "person_id", "role", "start", "end")
        }
        return cls(buildings, units, people, by_id, by_np, occupancies)


def plan_import(project, sheets: dict[str, SheetRows], existing: Existing, today: dt.date | None = None) -> Plan:
    plan = Plan()
    building_codes = _plan_buildings(plan, sheets.get(SHEET_BUILDINGS), existing)
    unit_codes = _plan_units(plan, sheets.get(SHEET_UNITS), existing, building_codes)
    person_keys = _plan_people(plan, sheets.get(SHEET_PEOPLE), existing, today)
    _plan_occupancies(plan, sheets.get(SHEET_OCCUPANCIES), existing, unit_codes, person_keys)
    return plan


def _int(plan, sheet, number, header, raw, lo, hi):
    text = _text(raw)
    if not text:
        return None
    try:
        value = int(Decimal(text))
        if Decimal(text) != value:
            raise ValueError
    except (InvalidOperation, ValueError):
        plan.error(sheet, number, header, f"“{text}”不是整数")
        return None
    if not lo <= value <= hi:
        plan.error(sheet, number, header, f"{value} 超出合理范围（{lo}～{hi}）")
        return None
    return value


def _plan_buildings(plan: Plan, sheet: SheetRows | None, existing: Existing) -> set[str]:
    codes = set(existing.buildings)
    if sheet is None:
        return codes
    seen: dict[str, int] = {}
    for number, row in sheet.rows:
        code = _text(row.get("code"))
        ok = True
        if not code:
            plan.error(sheet.name, number, "楼栋编号", "楼栋编号不能为空")
            ok = False
        elif len(code) > 32 or "-" in code or " " in code:
            plan.error(sheet.name, number, "楼栋编号", "楼栋编号最长 32 个字符，且不能含“-”或空格")
            ok = False
        elif code in seen:
            plan.error(sheet.name, number, "楼栋编号", f"楼栋编号 {code} 在本表中重复（第 {seen[code]} 行已有）")
            ok = False
        name = _text(row.get("name"))
        if len(name) > 100:
            plan.error(sheet.name, number, "名称", "名称最长 100 个字符")
            ok = False
        floors = _int(plan, sheet.name, number, "层数", row.get("floors"), 1, 200)
        if _text(row.get("floors")) and floors is None:
            ok = False
        if ok:
            seen[code] = number
            plan.buildings.append({"code": code, "name": name or None, "floors": floors})
    return codes | set(seen)


def _plan_units(plan: Plan, sheet: SheetRows | None, existing: Existing, building_codes: set[str]) -> set[str]:
    codes = set(existing.units)
    if sheet is None:
        return codes
    seen: dict[str, int] = {}
    for number, row in sheet.rows:
        ok = True
        code = _text(row.get("code"))
        building = _text(row.get("building"))
        parts = code.split("-")
        if not code:
            plan.error(sheet.name, number, "房号", "房号不能为空")
            ok = False
        elif len(code) > 64 or " " in code:
            plan.error(sheet.name, number, "房号", "房号最长 64 个字符，且不能含空格")
            ok = False
        elif code in seen:
            plan.error(sheet.name, number, "房号", f"房号 {code} 在本表中重复（第 {seen[code]} 行已有）")
            ok = False
        if not building:
            plan.error(sheet.name, number, "楼栋编号", "楼栋编号不能为空")
            ok = False
        elif building not in building_codes:
            plan.error(sheet.name, number, "楼栋编号", f"楼栋 {building} 不存在（“楼栋”表和系统中都没有）")
            ok = False
        elif code and parts[0] != building:
            plan.error(sheet.name, number, "房号", f"房号 {code} 应以楼栋编号 {building} 开头")
            ok = False
        entrance = _text(row.get("entrance")) or (parts[1] if len(parts) == 3 else "")
        room = _text(row.get("room")) or (parts[2] if len(parts) == 3 else "")
        if code and (not entrance or not room):
            plan.error(sheet.name, number, "房号", "无法从房号得出单元和房间，请填写“单元”和“房间”两列")
            ok = False
        if len(entrance) > 16 or len(room) > 16:
            plan.error(sheet.name, number, "单元" if len(entrance) > 16 else "房间", "单元和房间最长 16 个字符")
            ok = False
        floor = _int(plan, sheet.name, number, "楼层", row.get("floor"), -10, 200)
        if _text(row.get("floor")) and floor is None:
            ok = False
        area = None
        area_text = _text(row.get("area"))
        if area_text:
            try:
                area = Decimal(area_text.replace("㎡", "").replace("m²", "").strip())
                if not area.is_finite() or area <= 0 or area >= Decimal("10000000"):
                    raise InvalidOperation
                if area != area.quantize(Decimal("0.01")):
                    plan.error(sheet.name, number, "建筑面积(㎡)", f"面积 {area_text} 最多保留两位小数")
                    ok = False
                area = area.quantize(Decimal("0.01"))
            except InvalidOperation:
                plan.error(sheet.name, number, "建筑面积(㎡)", f"面积“{area_text}”不是大于 0 的数字")
                ok = False
        use = _choice(plan, sheet.name, number, "用途", row.get("use"), USE_VALUES)
        state = _choice(plan, sheet.name, number, "状态", row.get("state"), STATE_VALUES)
        if use is False or state is False:
            ok = False
        if ok:
            seen[code] = number
            plan.units.append(
                {
                    "code": code,
                    "building": building,
                    "entrance": entrance,
                    "room": room,
                    "floor": floor,
                    "area": area,
                    "use": use,
                    "state": state,
                }
            )
        elif code:
            plan.bad_units.add(code)
    return codes | set(seen)


def _choice(plan, sheet, number, header, raw, values):
    text = _text(raw)
    if not text:
        return None
    if text not in values:
        allowed = "/".join(dict.fromkeys(k for k in values if not k.isascii()))
        plan.error(sheet, number, header, f"“{text}”不是可选的值（可选：{allowed}）")
        return False
    return values[text]


def _plan_people(plan: Plan, sheet: SheetRows | None, existing: Existing, today) -> dict:
    """Returns the file's person keys → ("file", index) for occupancy lookups."""
    keys: dict[tuple, tuple] = {}
    if sheet is None:
        return keys
    seen: dict[tuple, int] = {}
    for number, row in sheet.rows:
        ok = True
        name = _text(row.get("name"))
        if not name:
            plan.error(sheet.name, number, "姓名", "姓名不能为空")
            ok = False
        elif len(name) > 100:
            plan.error(sheet.name, number, "姓名", "姓名最长 100 个字符")
            ok = False
        phones = []
        for key, header in (("phone", "手机号"), ("phone2", "备用电话")):
            phone = normalise_phone(_text(row.get(key)))
            if phone and (problem := phone_problem(phone)):
                plan.error(sheet.name, number, header, f"{problem}：{phone}")
                ok = False
            phones.append(phone)
        id_type = _choice(plan, sheet.name, number, "证件类型", row.get("id_type"), ID_TYPE_VALUES)
        if id_type is False:
            ok = False
        raw_id = row.get("id_number")
        id_number = _text(raw_id).replace(" ", "").upper()
        if isinstance(raw_id, int | float) and len(id_number) >= 15:
            plan.error(
                sheet.name,
                number,
                "证件号码",
                "证件号码被 Excel 存成了数字，末几位可能已丢失：请把该列设为文本格式后重新填写",
            )
            ok = False
        elif id_number:
            if (id_type or Person.IdType.RESIDENT_ID) == Person.IdType.RESIDENT_ID:
                if problem := resident_id_problem(id_number, today):
                    plan.error(sheet.name, number, "证件号码", problem)
                    ok = False
            elif not re.match(r"^[A-Z0-9()（）-]{5,64}$", id_number):
                plan.error(sheet.name, number, "证件号码", "证件号码只能含字母、数字，长度 5～64")
                ok = False
        email = _text(row.get("email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                plan.error(sheet.name, number, "电子邮箱", f"“{email}”不是有效的电子邮箱")
                ok = False
        note = _text(row.get("note"))
        if len(note) > 500:
            plan.error(sheet.name, number, "备注", "备注最长 500 个字符")
            ok = False
        if not ok:
            if id_number:
                plan.bad_people.add(("id", id_number))
            plan.bad_people.add(("np", name, phones[0]))
            continue
        key = ("id", id_number) if id_number else ("np", name, phones[0])
        if key in seen:
            what = f"证件号码 {id_number}" if id_number else f"姓名 {name} 和手机号 {phones[0] or '（空）'}"
            plan.error(
                sheet.name, number, "证件号码" if id_number else "姓名", f"{what} 在本表中重复（第 {seen[key]} 行已有）"
            )
            continue
        seen[key] = number
        index = len(plan.people)
        plan.people.append(
            {
                "name": name,
                "phone": phones[0],
                "phone2": phones[1],
                "id_type": id_type,
                "id_number": id_number,
                "email": email,
                "note": note,
                "row": number,
            }
        )
        ref = ("file", index)
        keys[key] = ref
        keys.setdefault(("np", name, phones[0]), ref)
    return keys


def _plan_occupancies(
    plan: Plan, sheet: SheetRows | None, existing: Existing, unit_codes: set[str], person_keys: dict
) -> None:
    if sheet is None:
        return
    seen: dict[tuple, int] = {}
    for number, row in sheet.rows:
        ok = True
        unit = _text(row.get("unit"))
        if not unit:
            plan.error(sheet.name, number, "房号", "房号不能为空")
            ok = False
        elif unit in plan.bad_units and unit not in unit_codes:
            ok = False  # its row in 房屋 is already reported
        elif unit not in unit_codes:
            plan.error(sheet.name, number, "房号", f"房号 {unit} 不存在（“房屋”表和系统中都没有）")
            ok = False
        name = _text(row.get("name"))
        id_number = _text(row.get("id_number")).replace(" ", "").upper()
        phone = normalise_phone(_text(row.get("phone")))
        person = None
        if not name:
            plan.error(sheet.name, number, "姓名", "姓名不能为空")
            ok = False
        else:
            if id_number:
                person = person_keys.get(("id", id_number))
                if person is None and id_number in existing.people_by_id:
                    person = ("db", existing.people_by_id[id_number])
            else:
                person = person_keys.get(("np", name, phone))
                if person is None and (name, phone) in existing.people_by_name_phone:
                    person = ("db", existing.people_by_name_phone[(name, phone)])
            bad_key = ("id", id_number) if id_number else ("np", name, phone)
            if person is None and bad_key in plan.bad_people:
                ok = False  # its row in 人员 is already reported
            elif person is None:
                how = f"证件号码 {id_number}" if id_number else f"姓名 {name}、手机号 {phone or '（空）'}"
                plan.error(
                    sheet.name,
                    number,
                    "证件号码" if id_number else "姓名",
                    f"找不到人员（{how}）：请先在“人员”表中列出",
                )
                ok = False
        role = _choice(plan, sheet.name, number, "身份", row.get("role"), ROLE_VALUES)
        if role is None:
            plan.error(sheet.name, number, "身份", "身份不能为空（业主/租户/家属/代理人）")
            ok = False
        elif role is False:
            ok = False
        dates = {}
        for key, header in (("start", "起始日期"), ("end", "结束日期")):
            raw = row.get(key)
            dates[key] = None
            if _text(raw):
                try:
                    dates[key] = _date(raw)
                except ValueError:
                    plan.error(sheet.name, number, header, f"“{_text(raw)}”不是日期（格式如 2024-05-01）")
                    ok = False
        if dates["start"] and dates["end"] and dates["end"] < dates["start"]:
            plan.error(sheet.name, number, "结束日期", f"结束日期 {dates['end']} 早于起始日期 {dates['start']}")
            ok = False
        if not ok:
            continue
        key = (unit, person, role, dates["start"])
        if key in seen:
            plan.error(
                sheet.name, number, "房号", f"同一房屋、人员、身份和起始日期的记录在本表中重复（第 {seen[key]} 行已有）"
            )
            continue
        seen[key] = number
        plan.occupancies.append(
            {"unit": unit, "person": person, "role": role, "start": dates["start"], "end": dates["end"]}
        )


# ---------------------------------------------------------------- writing workbooks


def _new_workbook(write_only=False):
    import openpyxl

    return openpyxl.Workbook(write_only=write_only)


def template_workbook() -> bytes:
    """The empty import workbook: headers, an explanation sheet with an example
    row per sheet, text-formatted phone/ID columns and drop-down lists."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = _new_workbook()
    notes = wb.active
    notes.title = SHEET_NOTES
    notes.append(["物业客服系统 · 房产资料导入模板"])
    notes.append(["每张表第一行是表头，请勿修改；从第二行起每行一条记录。不需要导入的表可以删除。"])
    notes.append(
        [
            "带 * 的列必填。已有的楼栋、房屋、人员、入住关系按编号/房号/证件号码（或姓名+手机号）识别，"
            "再次导入会更新而不会重复。"
        ]
    )
    notes.append(["空白单元格不会清除系统里已有的值。任何一行有错误时，整个文件都不会导入，并逐行列出错误。"])
    notes.append([])
    notes.append(["表", "列", "说明", "示例"])
    for sheet_name, columns in SHEETS:
        for col, example in zip(columns, EXAMPLES[sheet_name], strict=True):
            notes.append([sheet_name, col.header + (" *" if col.required else ""), col.note, example])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 16
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 22
    notes["A1"].font = Font(bold=True, size=14)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet_name, columns in SHEETS:
        ws = wb.create_sheet(sheet_name)
        ws.append([c.header + (" *" if c.required else "") for c in columns])
        for i, col in enumerate(columns, start=1):
            letter = get_column_letter(i)
            cell = ws.cell(row=1, column=i)
            cell.font = bold
            cell.fill = fill
            if col.note:
                cell.comment = Comment(col.note, "propdesk")
            ws.column_dimensions[letter].width = max(12, len(col.header) * 2 + 4)
            if col.text:
                for row in range(2, 2002):
                    ws.cell(row=row, column=i).number_format = "@"
            if col.choices:
                dv = DataValidation(
                    type="list",
                    formula1='"' + ",".join(col.choices) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="请从列表中选择",
                    error="可选：" + "/".join(col.choices),
                )
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}100000")
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _headers(columns) -> list[str]:
    return [c.header + (" *" if c.required else "") for c in columns]


def export_workbook(project) -> bytes:
    """The project's buildings, units, people and occupancies in the import
    format: importing the file back changes nothing. Codes, names, phones and
    ID numbers are text cells (never numbers, never formulas)."""
    T = writer.TEXT
    buildings = Building.objects.filter(project=project).order_by("code").values_list("code", "name", "floors")
    units = (
        Unit.objects.filter(project=project)
        .order_by("code")
        .values_list("code", "building__code", "entrance", "room", "floor", "area", "use", "state")
        .iterator(chunk_size=5000)
    )
    people = (
        Person.objects.filter(project=project)
        .order_by("id")
        .values_list("name", "phone", "phone2", "id_type", "id_number", "email", "note")
        .iterator(chunk_size=5000)
    )
    occupancies = (
        Occupancy.objects.filter(unit__project=project)
        .order_by("unit__code", "id")
        .values_list("unit__code", "person__name", "person__id_number", "person__phone", "role", "start", "end")
        .iterator(chunk_size=5000)
    )
    return writer.workbook_bytes(
        [
            writer.Sheet(SHEET_BUILDINGS, _headers(BUILDING_COLUMNS), buildings, kinds=(T, T, None)),
            writer.Sheet(
                SHEET_UNITS,
                _headers(UNIT_COLUMNS),
                ((*u[:6], USE_LABELS.get(u[6], u[6]), STATE_LABELS.get(u[7], u[7])) for u in units),
                kinds=(T, T, T, T, None, None, None, None),
            ),
            writer.Sheet(
                SHEET_PEOPLE,
                _headers(PERSON_COLUMNS),
                ((*p[:3], ID_TYPE_LABELS.get(p[3], p[3]), *p[4:]) for p in people),
                kinds=(T, T, T, None, T, T, T),
            ),
            writer.Sheet(
                SHEET_OCCUPANCIES,
                _headers(OCCUPANCY_COLUMNS),
                ((*o[:4], ROLE_LABELS.get(o[4], o[4]), o[5], o[6]) for o in occupancies),
                kinds=(T, T, T, T, None, writer.DATE, writer.DATE),
            ),
        ]
    )
