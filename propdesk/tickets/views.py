"""Ticket pages: phone intake, dispatcher board, department inbox, ticket page
with its actions, list and export, printed slips, follow-up visits, and the
residents' own requests. Thin: reads through selectors, every write through
one tickets.services call; a refusal (DomainError) is shown as its sentence."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DateTimeField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from propdesk.common import excel
from propdesk.common.errors import DomainError, NotFound
from propdesk.common.history import changes_described, timeline
from propdesk.common.paging import keyset_page
from propdesk.core.attachments import attachment_add
from propdesk.core.models import Department, Unit
from propdesk.core.permissions import mask_phone, resident_of, sees_phones, shown_phone, staff_of
from propdesk.core.selectors import current_occupancies, unit_search, units_with_occupants
from propdesk.sla.metrics import METRIC_LABELS
from propdesk.sla.models import Timer
from propdesk.tickets import lists, selectors, services
from propdesk.tickets.forms import (
    ACTION_FORMS,
    ACTION_LABELS,
    CAPABILITY_SAY,
    PRIMARY_ACTIONS,
    SEVERITY_HELP,
    CompleteForm,
    DispatchForm,
    IntakeForm,
    ResidentRepairForm,
)
from propdesk.tickets.lists import BOARD_DEFAULTS, BOARD_FILTERS, INBOX_FILTERS, TICKET_LIST
from propdesk.tickets.models import Category, Channel, Kind, Status, Ticket
from propdesk.tickets.schemas import RESIDENT_READABLE
from propdesk.tickets.slips import SLIPS
from propdesk.tickets.workflow import TICKETS
from propdesk.web.api import status_of
from propdesk.web.components import Fact, action_forms, facts, when
from propdesk.web.lists import export_response, list_form, page, pager, querystring
from propdesk.web.pages import refuse_form, submit_once
from propdesk.web.slips import slip_page

PAGE_SIZE = 30
# Sorts tickets without a running timer after all others, keeping keyset cursors comparable.
FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
INBOX_STATUSES = (Status.DISPATCHED, Status.ACCEPTED, Status.REOPENED)
VISIT_CHANNEL_LABELS = {"phone": gettext_lazy("phone call"), "home": gettext_lazy("home visit")}
TIMER_STATE_LABELS = {
    "running": gettext_lazy("running"),
    "paused": gettext_lazy("paused"),
    "met": gettext_lazy("met"),
    "breached": gettext_lazy("breached"),
    "cancelled": gettext_lazy("cancelled"),
}


# ---------------------------------------------------------------- helpers


def staff_page(view):
    """Staff only: anonymous users go to the login page, residents get 403."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_superuser or staff_of(request.user)):
            raise PermissionDenied(_("This page is for property staff."))
        if request.project is None:
            raise PermissionDenied(_("You do not serve any project."))
        return view(request, *args, **kwargs)

    return wrapped


def resident_page(view):
    """Resident portal only: staff have their own pages."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if resident_of(request.user) is None:
            raise PermissionDenied(_("This page is for residents."))
        return view(request, *args, **kwargs)

    return wrapped


def ticket_type() -> ContentType:
    """The content type of tickets: timers are filtered on (content_type, record_id) directly."""
    return ContentType.objects.get_for_model(Ticket)


def with_due_key(qs):
    """Annotate `due_key`: the nearest running timer deadline, far future when
    none, so keyset cursors can compare it (a NULL cannot be paged past)."""
    nearest = (
        Timer.objects.filter(content_type=ticket_type(), record_id=OuterRef("pk"), state="running")
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return qs.annotate(
        due_key=Coalesce(
            Subquery(nearest, output_field=DateTimeField()), Value(FAR_FUTURE), output_field=DateTimeField()
        )
    )


def for_rows(qs):
    """What a list row shows, in a fixed number of queries."""
    return qs.select_related("project", "unit", "department", "assignee").prefetch_related("timers")


def annotate_rows(rows, now=None):
    """Per-row display facts computed from prefetched timers (no queries)."""
    now = now or timezone.now()
    for t in rows:
        timers = label_timers(t.timers.all())
        running = sorted((x for x in timers if x.state == "running"), key=lambda x: x.due_at)
        t.next_timer = running[0] if running else None
        t.breached = any(x.state == "breached" for x in timers) or any(x.due_at <= now for x in running)
        t.follow_due = [x for x in running if x.metric in ("follow_1", "follow_2")]
    return rows


def label_timers(timers):
    timers = list(timers)
    for x in timers:
        x.label = METRIC_LABELS.get(x.metric, x.metric)
        x.state_label = TIMER_STATE_LABELS.get(x.state, x.state)
    return timers


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# ---------------------------------------------------------------- intake


@staff_page
@require_http_methods(["GET", "POST"])
@submit_once
def intake(request):
    """Phone intake (T-3 … T-7, T-14): one screen, keyboard only if the agent wishes."""
    project = request.project
    status = 200
    if request.method == "POST":
        form = IntakeForm(request.POST, project=project)
        if form.is_valid():
            try:
                ticket = services.ticket_create(actor=request.user, **form.service_kwargs())
            except DomainError as exc:
                form.add_error(None, exc.detail)
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                status = status_of(exc)
            else:
                messages.success(request, _("Registered as number %(number)s.") % {"number": ticket.number})
                return redirect("tickets:detail", pk=ticket.pk)
        else:
            status = 400
    else:
        form = IntakeForm(project=project)
    return render(
        request,
        "tickets/intake.html",
        {
            "form": form,
            "severity_help": SEVERITY_HELP,
            "capability_say": CAPABILITY_SAY,
        },
        status=status,
    )


@staff_page
@require_GET
def lookup(request):
    """htmx: units and their current occupants matching a unit code, a name or a phone fragment."""
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:64]  # PostgreSQL refuses NUL in text
    rows = []
    if len(q) >= 1:
        units = units_with_occupants(
            unit_search(request.project, q, phone_fragments=sees_phones(request.user)).order_by("code")
        )[:8]
        for unit in units:
            occupants = list(unit.current) or [None]
            for occ in occupants:
                person = occ.person if occ else None
                rows.append(
                    {
                        "unit": unit.code,
                        "person": person.pk if person else "",
                        "name": person.name if person else "",
                        "phone": mask_phone(person.phone) if person else "",
                        "shown_phone": shown_phone(request.user, person.phone) if person else "",
                        "role": occ.get_role_display() if occ else "",
                    }
                )
    return render(request, "tickets/_lookup.html", {"rows": rows[:12], "q": q})


# ---------------------------------------------------------------- board, inbox, list


@staff_page
@require_GET
def board(request):
    """Dispatcher board: open tickets by the nearest running deadline, breached first in line."""
    form = list_form(request, TICKET_LIST, lists.context(request), only=BOARD_FILTERS, defaults=BOARD_DEFAULTS)
    qs = form.bound.apply(selectors.tickets_visible_to(request.user, request.project))
    rows, next_cursor = _page_by_keys(
        request, with_due_key(qs), ("due_key", "id"), for_rows(selectors.with_details(Ticket.objects.all()))
    )
    annotate_rows(rows)
    return render(
        request,
        "tickets/board.html",
        {"form": form, "rows": rows, "far_future": FAR_FUTURE, **pager(request, next_cursor)},
    )


def _page(request, qs, order):
    return page(request, qs, order, size=PAGE_SIZE)


def _page_by_keys(request, qs, order, rows_qs):
    """`_page` over `qs` (annotated by `with_due_key`) reading only ids and sort
    keys, then the page's rows from `rows_qs` (joins, prefetches) in the same
    order: sorting every open ticket with its joined rows is what made the
    board slow. Tickets with a running timer sort before all others (the rest
    have FAR_FUTURE), so when they alone fill the page after the cursor, that
    is the page, found without computing `due_key` for every open ticket."""
    with_running = qs.filter(
        pk__in=Timer.objects.filter(content_type=ticket_type(), state="running").values("record_id")
    )
    try:
        keys, next_cursor = keyset_page(
            with_running.only("id"), order=order, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
        )
    except DomainError:  # a bad cursor: `_page` below says so
        keys, next_cursor = None, None
    if next_cursor is None:  # not a full page: tickets without a running timer may follow
        keys, next_cursor = _page(request, qs.only("id"), order)
    full = rows_qs.in_bulk([k.pk for k in keys])
    rows = []
    for k in keys:
        row = full.get(k.pk)
        if row is not None:
            for field in order:
                setattr(row, field.lstrip("-"), getattr(k, field.lstrip("-")))
            rows.append(row)
    return rows, next_cursor


@staff_page
@require_GET
def inbox(request):
    """A department's inbox: what is dispatched to it, to accept and complete (phone-sized)."""
    staff = staff_of(request.user)
    department = staff.department if staff and staff.department_id else None
    form = list_form(request, TICKET_LIST, lists.context(request), only=INBOX_FILTERS)
    rows, next_cursor = [], None
    if department is not None:
        qs = selectors.tickets_visible_to(request.user, request.project).filter(
            department=department, status__in=INBOX_STATUSES
        )
        qs = form.bound.apply(qs)
        rows, next_cursor = _page_by_keys(request, with_due_key(qs), ("due_key", "id"), for_rows(Ticket.objects.all()))
        annotate_rows(rows)
        for t in rows:
            t.actions = set(selectors.allowed_actions(t, request.user, check_acknowledge=False))
    return render(
        request,
        "tickets/inbox.html",
        {"department": department, "form": form, "rows": rows, "leak": Category.LEAK, **pager(request, next_cursor)},
    )


@staff_page
@require_GET
def ticket_list(request):
    """All tickets the user may see, with the ticket list spec's filters, search and sorts."""
    form = list_form(request, TICKET_LIST, lists.context(request))
    qs = form.bound.apply(selectors.tickets_visible_to(request.user, request.project))
    rows, next_cursor = _page(request, for_rows(qs), form.bound.order)
    annotate_rows(rows)
    return render(request, "tickets/list.html", {"form": form, "rows": rows, **pager(request, next_cursor)})


@staff_page
@require_GET
def export(request):
    """Exactly the rows the list shows (same filters and sort), as an Excel
    workbook of at most TICKET_LIST.export_limit rows."""
    form = list_form(request, TICKET_LIST, lists.context(request))
    visible = selectors.tickets_visible_to(request.user, request.project)
    return export_response(TICKET_LIST, form.bound, visible, excel.export_filename("tickets", request.project.code))


# ---------------------------------------------------------------- visits


@staff_page
@require_GET
def visits(request):
    """Follow-up visits due (T-15): repairs done and not yet visited, by the visit timer's deadline."""
    visit_due = Timer.objects.filter(content_type=ticket_type(), record_id=OuterRef("pk"), metric="visit").values(
        "due_at"
    )[:1]
    qs = (
        selectors.tickets_visible_to(request.user, request.project)
        .filter(kind=Kind.REPAIR, status=Status.DONE, visited_at__isnull=True)
        .annotate(
            next_due=Coalesce(
                Subquery(visit_due, output_field=DateTimeField()), Value(FAR_FUTURE), output_field=DateTimeField()
            )
        )
    )
    rows, next_cursor = _page(request, for_rows(qs), ("next_due", "id"))
    annotate_rows(rows)
    now = timezone.now()
    for t in rows:
        t.visit_overdue = t.next_due != FAR_FUTURE and t.next_due <= now
    return render(
        request,
        "tickets/visits.html",
        {
            "rows": rows,
            "next_cursor": next_cursor,
            "far_future": FAR_FUTURE,
            "more_qs": querystring(request, cursor=next_cursor) if next_cursor else "",
        },
    )


# ---------------------------------------------------------------- ticket page and actions


def _detail_context(request, ticket, *, bound=None):
    """The ticket page, composed of components: facts, deadlines, the
    timeline (propdesk.common.history.timeline) and the allowed actions."""
    actions = selectors.allowed_actions(ticket, request.user)
    events = ticket.events.select_related("actor", "actor__staff").order_by("id")
    departments = dict(Department.objects.filter(project=ticket.project).values_list("code", "name"))
    now = timezone.now()
    return {
        "ticket": ticket,
        "facts": _ticket_facts(request, ticket),
        "timers": label_timers(ticket.timers.order_by("due_at", "id")),
        "timeline": timeline(events, describe=lambda event, data: _event_details(event, data, departments)),
        "instructions": list(ticket.instructions.select_related("given_by", "done_by")),
        "actions": action_forms(
            actions,
            form_for=lambda action: _action_form(action, None, ticket),
            label_for=lambda action: ACTION_LABELS.get(action, action),
            url_for=lambda action: reverse("tickets:act", args=[ticket.pk, action]),
            primary=PRIMARY_ACTIONS,
            bound=bound,
        ),
        "can_follow": "follow" in actions,
        "blockers": selectors.close_blockers(ticket) if ticket.status != Status.CLOSED else [],
        "now": now,
    }


def _joined(*parts, sep=" ") -> str:
    return sep.join(str(p) for p in parts if p)


def _reporter(request, t):
    """Name, phone (a call link when this user sees it in full) and department."""
    phone = shown_phone(request.user, t.reporter_phone, record=t)
    department = f" · {t.reporter_department}" if t.reporter_department else ""
    if phone and "*" not in phone:
        name = t.reporter_name or "—"
        return format_html('{} <a class="phone" href="tel:{}">{}</a>{}', name, phone, phone, department)
    return _joined(t.reporter_name or "—", phone) + department


def _ticket_facts(request, ticket) -> list[Fact]:
    """What the ticket page says about the ticket, label by label."""
    t = ticket
    creator = (t.created_by.first_name or t.created_by.username) if t.created_by_id else ""
    capability = ""
    if t.capability:
        agreed = _joined(_("agreed time"), when(t.agreed_at)) if t.agreed_at else ""
        capability = _joined(t.get_capability_display(), agreed, t.capability_note, sep=" · ")
    completed = ""
    if t.completed_at:
        leak = _joined(_("leak test"), when(t.leak_test_at)) if t.leak_test_at else ""
        completed = _joined(when(t.completed_at), leak, sep=" · ")
    visit = ""
    if t.visited_at:
        visit = _joined(when(t.visited_at), _("Satisfied") if t.visit_satisfied else _("Not satisfied"), sep=" · ")
    if t.valid is None:
        judgement = _("not judged yet")
    else:
        judgement = _("Valid complaint") if t.valid else _("Invalid complaint")
    complaint = t.kind == Kind.COMPLAINT
    return facts(
        [
            Fact(_("Registered at"), _joined(when(t.created_at), t.get_channel_display(), creator, sep=" · ")),
            Fact(_("Unit / place"), _joined(t.unit.code if t.unit_id else "", t.location)),
            Fact(_("Reporter"), _reporter(request, t)),
            Fact(_("Category"), t.get_category_display(), hide_empty=True),
            Fact(_("Content"), linebreaksbr(t.description, autoescape=True), wide=True),
            Fact(_("Resident's own deadline"), when(t.requested_by), hide_empty=True),
            Fact(_("Checked with engineering"), capability, hide_empty=True),
            Fact(_("Paid special service"), f"¥{t.fee}") if t.paid else None,
            Fact(_("Cause of the stoppage"), t.urgent_cause, wide=True) if t.urgent else None,
            Fact(_("Judgement"), judgement) if complaint else None,
            Fact(_("When and where it happened"), _joined(when(t.event_at), t.event_place), hide_empty=True)
            if complaint
            else None,
            Fact(
                _("Complained about"),
                _joined(t.complained_about, t.complained_department.name if t.complained_department_id else ""),
                hide_empty=True,
            )
            if complaint
            else None,
            Fact(_("Resident's demand"), t.demand, wide=True, hide_empty=True) if complaint else None,
            Fact(
                _("Department"),
                _joined(
                    t.department.name if t.department_id else "—",
                    t.assignee.display_name if t.assignee_id else "",
                    sep=" · ",
                ),
            ),
            Fact(_("Completed at"), completed, hide_empty=True),
            Fact(_("Signed slip returned"), when(t.slip_returned_at) or _("not yet"))
            if t.kind in (Kind.REPAIR, Kind.COMPLAINT)  # the kinds that close on a signed slip
            else None,
            Fact(_("Follow-up visit"), visit, hide_empty=True),
            Fact(_("Closed at"), when(t.closed_at), hide_empty=True),
        ]
    )


def _event_details(event, data, departments):
    """The few event data worth a word on the timeline, beyond notes and reasons."""
    out = []
    if data.get("department"):
        out.append(departments.get(data["department"], data["department"]))
    if data.get("assignee"):
        out.append(data["assignee"])
    if data.get("valid") is not None and "valid" in data:
        out.append(_("Valid complaint") if data["valid"] else _("Invalid complaint"))
    channel = data.get("channel")
    if event.action == TICKETS.step("visit").code and channel in VISIT_CHANNEL_LABELS:
        out.append(str(VISIT_CHANNEL_LABELS[channel]))  # how the resident was visited
    elif event.action == TICKETS.step("create").code and channel in Channel.values:
        out.append(str(Channel(channel).label))  # how the request came in
    if data.get("satisfied") is not None and "satisfied" in data:
        out.append(_("Satisfied") if data["satisfied"] else _("Not satisfied"))
    out.extend(changes_described(data))
    return out


# Where a request usually goes, to preselect on the dispatch form (the dispatcher may change it).
CATEGORY_DEPARTMENT_KIND = {
    Category.CLEANING: Department.Kind.CLEANING,
    Category.GREENING: Department.Kind.GREENING,
    Category.SECURITY: Department.Kind.SECURITY,
    Category.PARKING: Department.Kind.SECURITY,
}


def _action_form(action, data, ticket):
    form_class = ACTION_FORMS[action]
    if form_class is DispatchForm:
        form = form_class(data, project=ticket.project, prefix=action)
        if data is None:
            form.initial["department"] = _usual_department(form, ticket)
        return form
    if form_class is CompleteForm:
        form = form_class(data, prefix=action, ticket=ticket)
        if ticket.category != Category.LEAK:
            del form.fields["leak_test_at"]  # asked only of leak repairs (T-15)
        return form
    return form_class(data, prefix=action)


def _usual_department(form, ticket):
    if ticket.department_id:
        return ticket.department_id
    if ticket.complained_department_id:
        return ticket.complained_department_id
    kind = CATEGORY_DEPARTMENT_KIND.get(ticket.category)
    if kind is None and ticket.kind == Kind.REPAIR:
        kind = Department.Kind.ENGINEERING
    if kind is None:
        return None
    # The form's choices are already loaded for rendering; pick from them.
    for dept in form.fields["department"].queryset:
        if dept.kind == kind:
            return dept.pk
    return None


def _load(request, pk) -> Ticket:
    """The ticket if this user may see it; otherwise 404 (API.md: not visible = not found)."""
    try:
        return selectors.ticket_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@staff_page
@require_GET
def detail(request, pk):
    ticket = _load(request, pk)
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


@staff_page
@require_POST
@submit_once
def act(request, pk, action):
    """Run one action through its service; on refusal show the ticket with the sentence."""
    if action not in ACTION_FORMS:
        raise Http404
    ticket = _load(request, pk)
    form = _action_form(action, request.POST, ticket)
    status = 400
    if form.is_valid():
        kwargs = {k: v for k, v in form.cleaned_data.items() if v is not None and v != ""}
        if action == "triage" and "severity" not in kwargs:
            kwargs["severity"] = None
        service = getattr(services, f"ticket_{action}")
        try:
            service(ticket=ticket, actor=request.user, **kwargs)
        except DomainError as exc:
            status = status_of(exc)
            refuse_form(form, exc)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
            return redirect(safe_next(request, reverse("tickets:detail", args=[ticket.pk])))
    ticket = _load(request, pk)
    context = _detail_context(request, ticket, bound=(action, form))
    context["refused"] = (ACTION_LABELS[action], [str(e) for errs in form.errors.values() for e in errs])
    return render(request, "tickets/detail.html", context, status=status)


@staff_page
@require_POST
@submit_once
def instruction_done(request, pk, instruction_id):
    """T-14: a leader's instruction reported carried out."""
    ticket = _load(request, pk)
    instruction = ticket.instructions.filter(pk=instruction_id).first()
    if instruction is None:
        raise Http404
    try:
        services.instruction_done(
            instruction=instruction, actor=request.user, note=(request.POST.get("note") or "")[:2000]
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The instruction is marked carried out."))
    return redirect("tickets:detail", pk=ticket.pk)


@staff_page
@require_GET
def slip(request, pk, kind):
    """A printed slip of the ticket (tickets.slips: `service`, `report`)."""
    return slip_page(request, Ticket, pk, SLIPS.get(kind))


# ---------------------------------------------------------------- residents


def _resident_units(person):
    return Unit.objects.filter(pk__in=current_occupancies().filter(person=person).values("unit_id")).order_by("code")


@resident_page
@require_http_methods(["GET", "POST"])
@submit_once
def mine(request):
    """A resident's own requests, and a repair request for their unit."""
    person = resident_of(request.user).person
    units = _resident_units(person)
    status = 200
    form = ResidentRepairForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():  # a refused photo registers nothing
                    ticket = services.ticket_create(
                        project=person.project,
                        actor=request.user,
                        kind=Kind.REPAIR,
                        channel=Channel.APP,
                        unit=d["unit"],
                        category=d.get("category") or "",
                        description=d["description"],
                        requested_by=d.get("requested_by"),
                        reporter_name=person.name,
                        reporter_phone=person.phone,
                    )
                    if d.get("photo"):
                        attachment_add(record=ticket, actor=request.user, upload=d["photo"], kind="photo")
            except DomainError as exc:
                form.add_error(None, exc.detail)
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error("photo" if field == "file" else None, error)
                status = status_of(exc)
            else:
                messages.success(
                    request, _("Your request is registered as number %(number)s.") % {"number": ticket.number}
                )
                return redirect("tickets:mine")
        else:
            status = 400
    rows = list(selectors.tickets_visible_to(request.user).select_related("unit").order_by("-id")[:50])
    return render(
        request, "tickets/mine.html", {"form": form, "rows": rows, "has_units": units.exists()}, status=status
    )


@resident_page
@require_GET
def mine_detail(request, pk):
    """A resident's own request: what it is, where it stands, and its history
    without staff notes (the resident filter of propdesk.common.history.timeline)."""
    ticket = _load(request, pk)
    events = ticket.events.order_by("id")
    rows = timeline(
        events,
        for_resident=True,
        resident_readable=RESIDENT_READABLE,
        describe=lambda event, data: [],
        actor_name=lambda event: "",
    )
    about = facts(
        [
            Fact(_("Registered at"), when(ticket.created_at)),
            Fact(_("Unit / place"), _joined(ticket.unit.code if ticket.unit_id else "", ticket.location)),
            Fact(_("Content"), linebreaksbr(ticket.description, autoescape=True), wide=True),
        ]
    )
    return render(request, "tickets/mine_detail.html", {"ticket": ticket, "facts": about, "timeline": rows})
