"""Core pages: login, project switcher, dashboard, resident home, global
search, unit and person pages. Thin: read via selectors, write via services;
who may see what is asked of core.permissions."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from propdesk.core import selectors
from propdesk.core.middleware import SESSION_PROJECT_KEY
from propdesk.core.models import AuditLog, Occupancy, Person, Unit
from propdesk.core.permissions import (
    may_manage_estate,
    project_for,
    resident_of,
    sees_phones,
    shown_id_number,
    shown_phone,
    staff_of,
    visible_projects,
)
from propdesk.core.services import calendar_missing_next_year
from propdesk.core.throttle import login_allowed, login_failed, login_succeeded

SEARCH_LIMIT = 20  # units and people each: the box is for finding one record, not browsing
SEARCH_MAX_LENGTH = 64
HISTORY_LIMIT = 50
# Keys of audit data that are not model fields.
AUDIT_KEY_NAMES = {
    "person": _lazy("person"),
    "unit": _lazy("unit"),
    "role": _lazy("role"),
    "start": _lazy("from"),
    "end": _lazy("to"),
}
_MAX_PK = 2**63 - 1  # larger ids overflow the database integer and are simply not found


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def is_staff_user(user) -> bool:
    """Staff pages (search, estate records) are for staff and superusers; a
    resident portal account never gets them."""
    return user.is_authenticated and (user.is_superuser or staff_of(user) is not None)


def _demo_logins():
    if not (settings.DEBUG or getattr(settings, "SHOW_DEMO_LOGINS", False)):
        return None
    from propdesk.core.demo import DEMO_PASSWORD, login_list

    return {"password": DEMO_PASSWORD, "users": login_list()}


@require_http_methods(["GET", "POST"])
def login_view(request):
    error = None
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()[:150]
        password = request.POST.get("password", "")
        if not login_allowed(request, username):
            error = _("Too many failed logins. Try again in a few minutes.")
        else:
            # PostgreSQL refuses NUL characters in a query: such a name is simply wrong.
            bad_input = "\x00" in username or "\x00" in password
            user = None if bad_input else authenticate(request, username=username, password=password)
            if user is None or not user.is_active:
                login_failed(request, username)
                error = _("The username or password is wrong.")
            else:
                login_succeeded(request, username)
                login(request, user)
                return redirect(_safe_next(request, "core:dashboard"))
    elif request.user.is_authenticated:
        return redirect("core:dashboard")
    context = {"error": error, "username": username, "next": _safe_next(request, ""), "demo": _demo_logins()}
    return render(request, "core/login.html", context, status=200 if error is None else 400)


@require_http_methods(["POST"])
def logout_view(request):
    logout(request)
    return redirect("core:login")


@login_required
@require_http_methods(["POST"])
def switch_project(request):
    """Project switcher: only a project this user may see (else 404, as for
    any record outside their projects)."""
    code = request.POST.get("project", "").strip()
    if "\x00" in code or len(code) > 32:
        raise Http404
    project = project_for(request.user, code)
    request.session[SESSION_PROJECT_KEY] = project.code
    return redirect(_safe_next(request, "core:dashboard"))


@login_required
def dashboard(request):
    """Home page: a greeting, then what each app shows this user (propdesk.web.registry).
    The calendar warning goes only to those who can fix it."""
    resident = resident_of(request.user)
    if resident is not None and not is_staff_user(request.user):
        return resident_home(request, resident)
    project = request.project
    staff = staff_of(request.user)
    return render(
        request,
        "core/dashboard.html",
        {
            "display_name": (staff.display_name if staff else "")
            or request.user.get_full_name()
            or request.user.username,
            "calendar_warning": project is not None
            and may_manage_estate(request.user, project)
            and calendar_missing_next_year(project),
            "next_year": timezone.localdate().year + 1,
        },
    )


def resident_home(request, resident):
    person = resident.person
    occupancies = [o for o in person.occupancies.select_related("unit").order_by("unit__code") if o.is_current]
    return render(request, "core/resident_home.html", {"person": person, "occupancies": occupancies})


_ROLE_ORDER = {role: i for i, role in enumerate(Occupancy.Role.values)}  # owner, tenant, family, agent


def _occupant_order(occ):
    return (_ROLE_ORDER.get(occ.role, 99), occ.start or dt.date.min, occ.id)


def _clean_query(raw: str | None) -> str:
    # NUL characters are refused by PostgreSQL; over-long input is no search.
    return (raw or "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]


@vary_on_headers("HX-Request")
def search(request):
    """Global search by unit code prefix, name fragment or phone fragment.
    With htmx (results as you type) only the results partial is sent."""
    if not request.user.is_authenticated:
        if request.headers.get("HX-Request"):
            # The session ended while typing: send the whole page to the login form,
            # not a login form into the results box.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?next=/"
            return response
        return redirect_to_login(request.get_full_path())
    if not is_staff_user(request.user):
        raise PermissionDenied
    q = _clean_query(request.GET.get("q"))
    project = request.project
    units, people = [], []
    if q and project is not None:
        fragments = sees_phones(request.user)  # masked roles find people by the whole number only
        units = list(
            selectors.units_with_occupants(
                selectors.unit_search(project, q, phone_fragments=fragments).order_by("code")
            )[:SEARCH_LIMIT]
        )
        people = list(
            selectors.people_with_units(
                selectors.person_search(project, q, phone_fragments=fragments).order_by("name", "id")
            )[:SEARCH_LIMIT]
        )
        for unit in units:
            unit.current.sort(key=_occupant_order)
            for occ in unit.current:
                occ.person.phone_shown = shown_phone(request.user, occ.person.phone)
        for person in people:
            person.phone_shown = shown_phone(request.user, person.phone)
            person.units_now = [o.unit for o in person.occupancies.all() if o.is_current]
    context = {"q": q, "units": units, "people": people, "limit": SEARCH_LIMIT}
    if request.headers.get("HX-Request"):
        return render(request, "core/_search_results.html", context)
    context["search_page"] = True
    return render(request, "core/search.html", context)


def _int_pk(pk: int) -> int:
    if pk > _MAX_PK:
        raise Http404
    return pk


def _split(occupancies):
    now = [o for o in occupancies if o.is_current]
    before = [o for o in occupancies if not o.is_current]
    return now, before


def _audit_rows(object_type: str, pk: int, model):
    """The record's own recorded changes, newest first, each with its label
    and "field: old → new" lines in the reader's language."""
    from propdesk.common.history import labels

    rows = list(
        AuditLog.objects.filter(object_type=object_type, object_id=str(pk))
        .select_related("actor")
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    )
    fields = {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")}
    names = {name: str(f.verbose_name) for name, f in fields.items()}
    names.update({k: str(v) for k, v in AUDIT_KEY_NAMES.items()})
    shown = {name: dict(f.flatchoices) for name, f in fields.items() if getattr(f, "choices", None)}
    shown["role"] = dict(Occupancy.Role.choices)

    def value(key, raw):
        return shown.get(key, {}).get(raw, raw)

    for row in rows:
        row.label = labels.label(row.action)
        old, new = row.old or {}, row.new or {}
        row.changes = [
            (names.get(k, k), value(k, old.get(k)) if k in old else None, value(k, v)) for k, v in new.items()
        ]
        row.changes += [(names.get(k, k), value(k, v), None) for k, v in old.items() if k not in new]
    return rows


def _unit_record_links(user, unit) -> list[tuple[str, str]]:
    """(label, URL of its list filtered to this unit) for every record type that
    belongs to units and has records of this unit the user may see: the unit
    page names no app (propdesk.common.records)."""
    from django.utils.http import urlencode

    from propdesk.common import records

    links = []
    for record_type in records.all_types():
        if not record_type.unit_field or record_type.list_url is None:
            continue
        qs = record_type.queryset(user).filter(**{record_type.unit_field: unit})
        if qs.exists():
            links.append((str(record_type.label), f"{record_type.list_url()}?{urlencode({'unit': unit.code})}"))
    return links


@login_required
def unit_detail(request, pk: int):
    """Staff of the unit's project see everything; a resident sees only a unit
    they live in now, and only its current household."""
    user = request.user
    staff = is_staff_user(user)
    qs = Unit.objects.select_related("project", "building").filter(project__in=visible_projects(user))
    resident = None if staff else resident_of(user)
    if not staff:
        if resident is None:
            raise Http404
        own = selectors.current_occupancies().filter(person=resident.person_id).values("unit")
        qs = qs.filter(pk__in=own)
    unit = qs.filter(pk=_int_pk(pk)).first()
    if unit is None:
        raise Http404
    occupancies = list(Occupancy.objects.filter(unit=unit).select_related("person").order_by("role", "start", "id"))
    for occ in occupancies:
        occ.person.phone_shown = shown_phone(user, occ.person.phone)
    now, before = _split(occupancies)
    now.sort(key=_occupant_order)
    before.sort(key=lambda o: (o.end, o.id), reverse=True)
    context = {"unit": unit, "now": now, "before": before if staff else [], "staff_view": staff}
    if staff:
        context["history"] = _audit_rows("core.unit", unit.pk, Unit)
        context["record_links"] = _unit_record_links(user, unit)
    return render(request, "core/unit_detail.html", context)


@login_required
def person_detail(request, pk: int):
    """Staff of the person's project, or the resident who is this person."""
    user = request.user
    staff = is_staff_user(user)
    qs = Person.objects.select_related("project").filter(project__in=visible_projects(user))
    if not staff:
        resident = resident_of(user)
        if resident is None:
            raise Http404
        qs = qs.filter(pk=resident.person_id)
    person = qs.filter(pk=_int_pk(pk)).first()
    if person is None:
        raise Http404
    occupancies = list(person.occupancies.select_related("unit").order_by("-start", "id"))
    now, before = _split(occupancies)
    context = {
        "person": person,
        "phone_shown": shown_phone(user, person.phone),
        "phone2_shown": shown_phone(user, person.phone2),
        "id_number_shown": shown_id_number(user, person.id_number, person_id=person.pk),
        "now": now,
        "before": before,
        "staff_view": staff,
    }
    if staff:
        context["history"] = _audit_rows("core.person", person.pk, Person)
    return render(request, "core/person_detail.html", context)
