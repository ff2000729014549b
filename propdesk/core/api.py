"""Core endpoints: token, the caller, projects, units, people (API.md)."""

from django.contrib.auth import authenticate
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from propdesk.common.errors import TooManyRequests, Unauthorized
from propdesk.common.paging import keyset_page
from propdesk.core import selectors
from propdesk.core.models import ApiToken, Person, Unit
from propdesk.core.permissions import project_for, resident_of, sees_phones, staff_of, visible_projects
from propdesk.core.schemas import MeOut, PersonOut, ProjectOut, TokenIn, TokenOut, UnitOut, person_out, unit_out
from propdesk.core.throttle import login_allowed, login_failed, login_succeeded

router = Router(tags=["core"])


class ListOut(Schema):
    next_cursor: str | None


class UnitList(ListOut):
    items: list[UnitOut]


class PersonList(ListOut):
    items: list[PersonOut]


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def token(request, payload: TokenIn):
    if "\x00" in payload.username or "\x00" in payload.password:
        # PostgreSQL refuses NUL in text: such a name can never be a user.
        raise Unauthorized(_("The username or password is wrong."))
    if not login_allowed(request, payload.username):
        raise TooManyRequests(_("Too many failed logins. Try again in a few minutes."))
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        login_failed(request, payload.username)
        raise Unauthorized(_("The username or password is wrong."))
    login_succeeded(request, payload.username)
    return {"token": ApiToken.issue(user)}


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    staff = staff_of(user)
    resident = resident_of(user)
    kind = "admin" if user.is_superuser else "staff" if staff else "resident" if resident else "none"
    return {
        "username": user.username,
        "name": staff.display_name if staff else (resident.person.name if resident else user.get_full_name()),
        "kind": kind,
        "rank": staff.rank if staff else None,
        "department": staff.department.code if staff and staff.department_id else None,
        "projects": list(visible_projects(user).values_list("code", flat=True)),
    }


class ProjectList(ListOut):
    items: list[ProjectOut]


@router.get("/projects", response=ProjectList)
def projects(request):
    return {"items": list(visible_projects(request.user).order_by("code")), "next_cursor": None}


@router.get("/projects/{code}", response=ProjectOut)
def project_detail(request, code: str):
    return project_for(request.user, code)


class UnitFilter(Schema):
    project: str
    q: str | None = None
    building: str | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/units", response=UnitList)
def units(request, filters: Query[UnitFilter]):
    project = project_for(request.user, filters.project)
    _staff_only(request)
    qs = selectors.unit_search(project, _no_nul(filters.q), phone_fragments=sees_phones(request.user))
    if filters.building:
        qs = qs.filter(building__code=filters.building) if "\x00" not in filters.building else qs.none()
    rows, cursor = keyset_page(
        selectors.units_with_occupants(qs), order=("code", "id"), cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [unit_out(request.user, u, u.current) for u in rows], "next_cursor": cursor}


@router.get("/units/{unit_id}", response=UnitOut)
def unit_detail(request, unit_id: int):
    _staff_only(request)
    unit = get_object_or_404(
        selectors.units_with_occupants(Unit.objects.filter(project__in=visible_projects(request.user))), pk=unit_id
    )
    return unit_out(request.user, unit, unit.current)


class PersonFilter(Schema):
    project: str
    q: str | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/people", response=PersonList)
def people(request, filters: Query[PersonFilter]):
    project = project_for(request.user, filters.project)
    _staff_only(request)
    qs = selectors.people_with_units(
        selectors.person_search(project, _no_nul(filters.q), phone_fragments=sees_phones(request.user))
    )
    rows, cursor = keyset_page(qs, order=("id",), cursor=filters.cursor, limit=filters.limit)
    return {"items": [person_out(request.user, p, p.occupancies.all()) for p in rows], "next_cursor": cursor}


@router.get("/people/{person_id}", response=PersonOut)
def person_detail(request, person_id: int):
    user = request.user
    resident = resident_of(user)
    qs = Person.objects.filter(project__in=visible_projects(user))
    if resident is not None and staff_of(user) is None:
        qs = qs.filter(pk=resident.person_id)  # residents see only themselves
    person = get_object_or_404(selectors.people_with_units(qs), pk=person_id)
    return person_out(user, person, person.occupancies.all())


def _no_nul(q: str | None) -> str | None:
    # PostgreSQL refuses NUL in text; the search page drops it the same way.
    return q.replace("\x00", "") if q else q


def _staff_only(request):
    if staff_of(request.user) is None and not request.user.is_superuser:
        # Residents do not browse the estate: for them these lists do not exist.
        raise Http404
