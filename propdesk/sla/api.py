"""Notifications API (API.md): the caller's own notifications only; the
project's time-limit policy (an addition, in the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Answer

from propdesk.common.errors import NotFound
from propdesk.common.paging import keyset_page
from propdesk.common.rights import as_actor
from propdesk.core.permissions import project_for, staff_of
from propdesk.sla import selectors, services
from propdesk.sla.policy import figures_with_defaults

router = Router(tags=["sla"])


class RecordOut(Schema):
    type: str = Field(description='the record type, its app and model ("app.model")')
    id: int
    title: str = Field(description='how staff name it (e.g. "DEMO-4")')
    url: str = Field(description="where it opens in the browser (empty when unknown)")


class NotificationOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    ticket: int | None = Field(description="the record's id when the record is a ticket, else null")
    message: str
    read: bool
    record: RecordOut | None = Field(None, description="the record the notification is about, whatever its type")


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCount(Schema):
    unread: int


@router.get("/notifications", response=NotificationPage)
def notifications_list(request: HttpRequest, unread: bool = False, cursor: str | None = None, limit: int = 50):
    rows, next_cursor = keyset_page(
        selectors.notifications_for(request.user, unread=unread), order=("-id",), cursor=cursor, limit=limit
    )
    actor = as_actor(request.user)
    return {
        "items": [selectors.notification_dict(n, actor) for n in selectors.with_records(rows)],
        "next_cursor": next_cursor,
    }


@router.get("/notifications/unread_count", response=UnreadCount)
def notifications_unread_count(request: HttpRequest):
    return {"unread": selectors.unread_count(request.user)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_read(request: HttpRequest, notification_id: int):
    notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    return selectors.notification_dict(notification, as_actor(request.user))


class FigureOut(Schema):
    key: str
    label: str
    value: str
    default: str
    optional: bool


class FigureGroupOut(Schema):
    app: str
    name: str
    figures: list[FigureOut]


class PolicyOut(Schema):
    project: str
    version: int
    figures: dict[str, str] = Field(description="every registered figure (key → spec)")
    groups: list[FigureGroupOut] = Field(description="the same figures grouped by the app that registered them")
    created_at: dt.datetime | None
    created_by: str | None


class PolicyIn(Schema):
    project: str
    figures: dict[str, str]


def _policy_body(project, policy) -> dict:
    return {
        "project": project.code,
        "version": policy.version,
        "figures": figures_with_defaults(policy.figures),
        "groups": [
            {
                "app": g["app"],
                "name": g["name"],
                "figures": [{**row, "label": str(row["label"])} for row in g["rows"]],
            }
            for g in selectors.policy_groups(policy)
        ],
        "created_at": policy.created_at,
        "created_by": policy.created_by.username if policy.created_by_id else None,
    }


@router.get("/sla/policy", response=PolicyOut)
def policy_show(request: HttpRequest, project: str):
    """The project's current time-limit figures (API.md table; specs: 30m, 2h, 3d, 1wd, 4bh, eod), every
    registered figure, also grouped by app. Reading stores nothing: before any version is saved the defaults
    show as version 1."""
    the_project = project_for(request.user, project)
    if staff_of(request.user) is None and not request.user.is_superuser:
        raise NotFound(_("Not found."))
    return _policy_body(the_project, services.policy_shown(project=the_project))


@router.post("/sla/policy", response={201: PolicyOut})
def policy_change(request: HttpRequest, payload: PolicyIn):
    """A new policy version (project manager and above). Figures left out keep their current value. Records keep
    the version their deadlines started with."""
    the_project = project_for(request.user, payload.project)
    policy = services.policy_create_version(project=the_project, actor=request.user, figures=payload.figures)
    return Answer(201, _policy_body(the_project, policy))
