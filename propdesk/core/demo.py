"""The demo estate of API.md and API-2.md ("Demo data, added"): project DEMO
(阳光嘉园) with its buildings, units (each with an area; a few in building 3
vacant, ready for move-in), residents, departments and users. Deterministic
and idempotent: running it again changes nothing. It creates no activity
(no tickets …): `seed_demo --activity` adds that (core/demo_activity.py)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from propdesk.core.models import (
    Building,
    Company,
    Department,
    Occupancy,
    Person,
    Project,
    Rank,
    ResidentAccount,
    Staff,
    Unit,
)
from propdesk.core.services import calendar_seed

DEMO_PASSWORD = "demo12345"
PROJECT_CODE = "DEMO"

DEPARTMENTS = [
    ("kefu", "客服部", Department.Kind.CUSTOMER_SERVICE),
    ("gongcheng", "工程部", Department.Kind.ENGINEERING),
    ("baoan", "保安部", Department.Kind.SECURITY),
    ("qingjie", "清洁部", Department.Kind.CLEANING),
    ("lvhua", "绿化部", Department.Kind.GREENING),
    ("caiwu", "财务部", Department.Kind.FINANCE),
    ("pinzhi", "品质部", Department.Kind.QUALITY),
    ("xingzheng", "行政部", Department.Kind.ADMINISTRATION),
]

# username, name, department code, rank, dispatcher, phone
USERS = [
    ("kefu", "李娜", "kefu", Rank.STAFF, False, "13900000001"),
    ("diaodu", "王芳", "kefu", Rank.STAFF, True, "13900000002"),
    ("kefu_zg", "刘洋", "kefu", Rank.SUPERVISOR, True, "13900000003"),
    ("gc", "陈强", "gongcheng", Rank.STAFF, False, "13900000004"),
    ("gc_zg", "杨军", "gongcheng", Rank.SUPERVISOR, False, "13900000005"),
    ("ba_zg", "赵勇", "baoan", Rank.SUPERVISOR, False, "13900000006"),
    ("jl", "黄明", None, Rank.MANAGER, False, "13900000007"),
    ("fz", "周涛", None, Rank.DEPUTY_GM, False, "13900000008"),
    ("zjl", "吴刚", None, Rank.GM, False, "13900000009"),
    # API-2.md "Demo data, added"
    ("ba", "孙磊", "baoan", Rank.STAFF, False, "13900000010"),
    ("cw", "郑丽", "caiwu", Rank.STAFF, False, "13900000011"),
    ("pz", "何静", "pinzhi", Rank.STAFF, False, "13900000012"),
]
# Resident portal accounts: username, the unit whose owner they are.
RESIDENTS = [("yz", "1-1-101"), ("yz2", "1-1-102")]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏建华红梅飞鑫波斌宇"
    "浩凯健俊帆帅旭宁龙林欣雪琳晶婷颖晨阳博文杨峰"
)

BUILDINGS = 3
ENTRANCES = 2
FLOORS = 6
ROOMS_PER_FLOOR = 2
# Empty flats with no occupant at all, ready for a move-in (API-2.md).
VACANT_UNITS = frozenset({"3-1-501", "3-1-502", "3-1-601", "3-1-602", "3-2-601"})


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def id_number(rng: random.Random, birth_year: int) -> str:
    body = f"110101{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


# name → "module:function" (or the function): fn(project) adds an app's own demo
# records (fee items, meeting rooms, stock items …); idempotent, no activity.
_BASE: dict[str, object] = {}


def register_base(name: str, target) -> None:
    """Apps add their part of the plain demo (no history) from AppConfig.ready()."""
    _BASE[name] = target


def _resolve(target):
    if callable(target):
        return target
    import importlib

    module, _, func = str(target).partition(":")
    return getattr(importlib.import_module(module), func)


@transaction.atomic
def seed_demo(stdout=None) -> Project:
    company, _ = Company.objects.get_or_create(name="阳光物业服务有限公司")
    project, _ = Project.objects.get_or_create(
        code=PROJECT_CODE,
        defaults={"company": company, "name": "阳光嘉园", "time_zone": "Asia/Shanghai", "address": "阳光路 1 号"},
    )
    calendar_seed(project=project)
    departments = {}
    for code, name, kind in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            project=project, code=code, defaults={"name": name, "kind": kind}
        )
    User = get_user_model()
    for username, name, dept_code, rank, dispatcher, phone in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        staff, _ = Staff.objects.get_or_create(
            user=user,
            defaults={
                "display_name": name,
                "department": departments.get(dept_code),
                "rank": rank,
                "is_dispatcher": dispatcher,
                "phone": phone,
            },
        )
        staff.projects.add(project)
        if rank == Rank.SUPERVISOR and dept_code and departments[dept_code].supervisor_id is None:
            Department.objects.filter(pk=departments[dept_code].pk).update(supervisor=staff)
    _seed_estate(project)
    for username, unit_code in RESIDENTS:
        owner = Occupancy.objects.get(
            unit__project=project, unit__code=unit_code, role=Occupancy.Role.OWNER, end__isnull=True
        ).person
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": owner.name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        ResidentAccount.objects.get_or_create(user=user, defaults={"person": owner})
    for target in _BASE.values():  # the records each app adds to the demo (API-2.md "Demo data, added")
        _resolve(target)(project)
    return project


def login_names() -> list[str]:
    return [u[0] for u in USERS] + [r[0] for r in RESIDENTS]


def login_list() -> list[tuple[str, str]]:
    """(username, who) of every demo login, for the login page and the console."""
    from django.utils.translation import pgettext

    owner = pgettext("occupancy role", "owner")
    return [(u[0], u[1]) for u in USERS] + [(username, f"{unit} {owner}") for username, unit in RESIDENTS]


def _seed_estate(project: Project) -> None:
    if Unit.objects.filter(project=project).exists():
        return
    rng = random.Random(20261123)
    start = dt.date(2020, 6, 1)
    for b in range(1, BUILDINGS + 1):
        building = Building.objects.create(project=project, code=str(b), name=f"{b}栋", floors=FLOORS)
        for e in range(1, ENTRANCES + 1):
            for floor in range(1, FLOORS + 1):
                for r in range(1, ROOMS_PER_FLOOR + 1):
                    room = f"{floor}{r:02d}"
                    code = Unit.make_code(str(b), str(e), room)
                    vacant = code in VACANT_UNITS
                    unit = Unit.objects.create(
                        project=project,
                        building=building,
                        code=code,
                        entrance=str(e),
                        room=room,
                        floor=floor,
                        area=Decimal(rng.choice([89, 96, 112, 128, 143])),
                        state=Unit.State.VACANT if vacant else Unit.State.OCCUPIED,
                    )
                    _seed_household(project, unit, rng, start, create=not vacant)


def _seed_household(project, unit, rng, start, create=True):
    """An owner and often a family member. The random draws are made even for
    a vacant unit, so that every other unit keeps the same people."""
    seq = unit.pk
    owner_name, owner_id = person_name(rng), id_number(rng, rng.randint(1955, 1995))
    family_name = owner_name[0] + person_name(rng)[1:] if rng.random() < 0.6 else None
    if not create:
        return
    owner = Person.objects.create(project=project, name=owner_name, phone=f"138{seq:08d}"[-11:], id_number=owner_id)
    Occupancy.objects.create(unit=unit, person=owner, role=Occupancy.Role.OWNER, start=start)
    if family_name:
        family = Person.objects.create(project=project, name=family_name, phone=f"139{seq:08d}"[-11:])
        Occupancy.objects.create(unit=unit, person=family, role=Occupancy.Role.FAMILY, start=start)
