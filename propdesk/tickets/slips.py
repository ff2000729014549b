"""The ticket's printed slips, declared on the one slip template
(propdesk.web.slips): the engineering service slip (工程服务单 / 派工单, whose
signed copy must come back before closing) and the complaint and repair report
slip (投诉、维修呈报单, signed for by the department concerned)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from propdesk.core.permissions import shown_phone
from propdesk.web.slips import Cell, Signature, Slip, shown


def _joined(*parts) -> str:
    return " ".join(str(p) for p in parts if p)


def _code(obj, attr="code") -> str:
    return getattr(obj, attr) if obj is not None else ""


def _phone(t, ctx) -> str:
    return shown_phone(ctx.user, t.reporter_phone, record=t)


def _agreed(t, ctx) -> str:
    before = f"({_('before')} {shown(t.requested_by, 'm-d H:i')})" if t.requested_by else ""
    return _joined(shown(t.agreed_at), before)


def _paid(t, ctx) -> str:
    return f"{_('yes')} ¥{t.fee}" if t.paid else _("no")


def _kind(t, ctx) -> str:
    return " · ".join(p for p in (t.get_kind_display(), t.get_severity_display()) if p)


def _sent_to(t, ctx) -> str:
    return _code(t.department or t.complained_department, "name")


RELATED = ("project", "unit", "department", "assignee", "complained_department")
REGISTERED = Cell(gettext_lazy("Registered at"), lambda t, ctx: t.created_at)
REPORTER = (Cell(gettext_lazy("Reporter"), lambda t, ctx: t.reporter_name), Cell(gettext_lazy("Phone"), _phone))
TIME = Signature(gettext_lazy("Time"))

SERVICE = Slip(
    title=gettext_lazy("Engineering service slip / dispatch slip"),
    rows=(
        (REGISTERED, Cell(gettext_lazy("Channel"), lambda t, ctx: t.get_channel_display())),
        (
            Cell(gettext_lazy("Unit / place"), lambda t, ctx: _joined(_code(t.unit), t.location)),
            Cell(gettext_lazy("Category"), lambda t, ctx: t.get_category_display()),
        ),
        REPORTER,
        (Cell(gettext_lazy("Content"), lambda t, ctx: t.description, wide=True, text=True),),
        (Cell(gettext_lazy("Agreed time"), _agreed), Cell(gettext_lazy("Paid special service"), _paid)),
        (
            Cell(gettext_lazy("Department"), lambda t, ctx: _code(t.department, "name")),
            Cell(gettext_lazy("Assignee"), lambda t, ctx: _code(t.assignee, "display_name")),
        ),
        (Cell(gettext_lazy("Work done / materials"), wide=True),),
        (
            Cell(gettext_lazy("Completed at"), lambda t, ctx: t.completed_at),
            Cell(
                gettext_lazy("Owner's verdict"),
                lambda t, ctx: f"□ {_('Satisfied')} □ {_('Not satisfied')}",
            ),
        ),
    ),
    signatures=(
        Signature(gettext_lazy("Dispatched by")),
        Signature(gettext_lazy("Repaired by")),
        Signature(gettext_lazy("Owner's confirmation"), date=True),
        Signature(gettext_lazy("Received by the department")),
        TIME,
    ),
    copies=(
        pgettext_lazy("slip copy", "Copy 1: resident"),
        pgettext_lazy("slip copy", "Copy 2: customer-service centre, signed and returned"),
        pgettext_lazy("slip copy", "Copy 3: engineering"),
    ),
    foot=gettext_lazy(
        "The signed copy goes back to the customer-service centre; the ticket is closed only when it is back."
    ),
    related=RELATED,
)

REPORT = Slip(
    title=gettext_lazy("Complaint and repair report slip"),
    rows=(
        (REGISTERED, Cell(gettext_lazy("Kind"), _kind)),
        (
            Cell(
                gettext_lazy("When and where it happened"),
                lambda t, ctx: _joined(shown(t.event_at), t.event_place or t.location, _code(t.unit)),
            ),
        ),
        (
            Cell(
                gettext_lazy("Complained about"),
                lambda t, ctx: _joined(t.complained_about, _code(t.complained_department, "name")),
            ),
        ),
        (Cell(gettext_lazy("What happened"), lambda t, ctx: t.description, wide=True, text=True),),
        (Cell(gettext_lazy("Resident's demand"), lambda t, ctx: t.demand, wide=True, text=True),),
        REPORTER,
        (
            Cell(gettext_lazy("Sent to"), _sent_to),
            Cell(gettext_lazy("Answer due within"), lambda t, ctx: _("3 days at most")),
        ),
        (Cell(gettext_lazy("Remedy / result"), wide=True),),
    ),
    signatures=(
        Signature(gettext_lazy("Reported by")),
        Signature(gettext_lazy("Received by the department"), date=True),
        Signature(gettext_lazy("Handled by")),
        Signature(gettext_lazy("Owner's confirmation"), date=True),
        TIME,
    ),
    copies=(
        pgettext_lazy("slip copy", "Copy 1: customer-service centre"),
        pgettext_lazy("slip copy", "Copy 2: department concerned"),
    ),
    foot=gettext_lazy(
        "To the department complained about within 10 minutes of intake, signed for on receipt, and returned to "
        "the customer-service centre when handled."
    ),
    related=RELATED,
)

SLIPS = {"service": SERVICE, "report": REPORT}
