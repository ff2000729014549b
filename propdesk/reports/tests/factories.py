"""Small factories for reports tests: tickets and timers written directly with
the models (the tickets services are another engineer's work in progress)."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from propdesk.core.models import Company, Department, Project, Rank, Staff, Unit
from propdesk.sla.models import Timer
from propdesk.tickets.models import Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(100000)


def local(*args) -> dt.datetime:
    """An aware datetime on the Asia/Shanghai wall clock."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def unit(project, code="1-1-101") -> Unit:
    return Unit.objects.get(project=project, code=code)


def department(project, code="gongcheng") -> Department:
    return Department.objects.get(project=project, code=code)


def ticket(
    project,
    *,
    created_at,
    kind="repair",
    status="new",
    severity="",
    category="",
    unit=None,
    department=None,
    closed_at=None,
    description="test",
) -> Ticket:
    if kind == "complaint" and not severity:
        severity = "minor"
    return Ticket.objects.create(
        project=project,
        number=next(_numbers),
        kind=kind,
        severity=severity,
        category=category,
        status=status,
        unit=unit,
        department=department,
        description=description,
        created_at=created_at,
        closed_at=closed_at,
    )


def timer(ticket, metric, *, due_at, state="running", started_at=None, stopped_at=None) -> Timer:
    return Timer.objects.create(
        record=ticket,
        metric=metric,
        started_at=started_at or ticket.created_at,
        due_at=due_at,
        stopped_at=stopped_at,
        state=state,
    )


def other_project_staff(username="other_kefu", rank=Rank.STAFF):
    """A customer-service agent of another project."""
    company = Company.objects.get_or_create(name="其他物业")[0]
    project = Project.objects.get_or_create(code="OTHER", defaults={"company": company, "name": "其他项目"})[0]
    dept = Department.objects.get_or_create(
        project=project, code="kefu", defaults={"name": "客服部", "kind": "customer_service"}
    )[0]
    user = get_user_model().objects.create_user(username=username, password="demo12345")
    staff = Staff.objects.create(user=user, display_name=username, department=dept, rank=rank)
    staff.projects.add(project)
    return project, user
