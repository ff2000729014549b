"""Shapes of core data in the API. Personal data is masked here, in one place,
according to core.permissions.sees_personal_data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema

from propdesk.core.permissions import shown_id_number, shown_phone


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class ProjectOut(Schema):
    code: str
    name: str
    time_zone: str
    address: str


class BuildingOut(Schema):
    id: int
    code: str
    name: str


class OccupantOut(Schema):
    person_id: int
    name: str
    phone: str
    role: str
    start: dt.date | None
    end: dt.date | None


class UnitOut(Schema):
    id: int
    project: str
    code: str
    building: str
    entrance: str
    room: str
    floor: int | None
    area: Decimal | None
    use: str
    state: str
    occupants: list[OccupantOut] = []


class PersonOut(Schema):
    id: int
    project: str
    name: str
    phone: str
    phone2: str
    id_type: str
    id_number: str
    units: list[dict] = []


class MeOut(Schema):
    username: str
    name: str
    kind: str  # staff | resident | admin
    rank: int | None
    department: str | None
    projects: list[str]


def occupant_out(user, occ) -> dict:
    return {
        "person_id": occ.person_id,
        "name": occ.person.name,
        "phone": shown_phone(user, occ.person.phone),
        "role": occ.role,
        "start": occ.start,
        "end": occ.end,
    }


def unit_out(user, unit, occupancies=None) -> dict:
    return {
        "id": unit.pk,
        "project": unit.project.code,
        "code": unit.code,
        "building": unit.building.code,
        "entrance": unit.entrance,
        "room": unit.room,
        "floor": unit.floor,
        "area": unit.area,
        "use": unit.use,
        "state": unit.state,
        "occupants": [occupant_out(user, o) for o in (occupancies or [])],
    }


def person_out(user, person, occupancies=None) -> dict:
    return {
        "id": person.pk,
        "project": person.project.code,
        "name": person.name,
        "phone": shown_phone(user, person.phone),
        "phone2": shown_phone(user, person.phone2),
        "id_type": person.id_type,
        "id_number": shown_id_number(user, person.id_number, person_id=person.pk),
        "units": [{"unit": o.unit.code, "role": o.role, "start": o.start, "end": o.end} for o in (occupancies or [])],
    }
