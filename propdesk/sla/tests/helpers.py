"""Making tickets for sla tests: a Ticket row plus the hook call that
tickets.services makes, so the timer rules can be checked on their own."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from propdesk.core.models import Department, Staff
from propdesk.core.services import counter_next
from propdesk.tickets.deadlines import on_event
from propdesk.tickets.models import Status, Ticket

CST = ZoneInfo("Asia/Shanghai")


def cst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def user(username):
    return get_user_model().objects.get(username=username)


def staff(username) -> Staff:
    return Staff.objects.get(user__username=username)


def make_ticket(project, *, at, kind="repair", severity="", category="", requested_by=None, actor="kefu"):
    with transaction.atomic():
        ticket = Ticket.objects.create(
            project=project,
            number=counter_next(project=project, name="ticket"),
            kind=kind,
            severity=severity,
            category=category,
            description="测试工单",
            reporter_name="张三",
            reporter_phone="13800001111",
            requested_by=requested_by,
            created_at=at,
            updated_at=at,
        )
        on_event(record=ticket, action="create", actor=user(actor), at=at, data={})
    return ticket


def act(ticket, action, *, at, actor="diaodu", data=None, **changes):
    """Apply `changes` to the ticket row, then call the hook as tickets.services does."""
    data = data or {}
    with transaction.atomic():
        if action == "dispatch":
            changes.setdefault("status", Status.DISPATCHED)
            changes["department"] = Department.objects.get(project=ticket.project, code=data["department"])
            if data.get("assignee"):
                changes["assignee"] = staff(data["assignee"])
        for key, value in changes.items():
            setattr(ticket, key, value)
        ticket.updated_at = at
        ticket.save()
        on_event(record=ticket, action=action, actor=user(actor), at=at, data=data)
    ticket.refresh_from_db()
    return ticket


def timers(ticket) -> dict:
    return {t.metric: t for t in ticket.timers.all()}


def of_record(record) -> dict:
    """Filter arguments for the generic rows (timers, escalations, notifications) of `record`."""
    from django.contrib.contenttypes.models import ContentType

    return {"content_type": ContentType.objects.get_for_model(record), "record_id": record.pk}
