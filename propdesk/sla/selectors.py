"""Reusable reads of the sla app."""

from __future__ import annotations

from propdesk.sla.models import Delivery, Notification, Policy, Timer
from propdesk.sla.policy import FIGURES, figures_with_defaults


def timer_dict(timer: Timer) -> dict:
    """A timer as the ticket API shows it (API.md)."""
    return {
        "metric": timer.metric,
        "started_at": timer.started_at,
        "due_at": timer.due_at,
        "stopped_at": timer.stopped_at,
        "state": timer.state,
    }


def timers_of(ticket) -> list[dict]:
    return [timer_dict(t) for t in ticket.timers.all()]


def notifications_for(user, *, unread: bool = False):
    qs = Notification.objects.filter(recipient=user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_dict(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "at": notification.at,
        "kind": notification.kind,
        "ticket": notification.ticket_id,
        "message": notification.message,
        "read": notification.read_at is not None,
    }


def policy_rows(policy: Policy | None) -> list[dict]:
    figures = figures_with_defaults(policy.figures if policy else None)
    return [
        {"key": key, "label": label, "value": figures[key], "default": default}
        for key, (default, label) in FIGURES.items()
    ]


def deliveries_for(projects):
    return Delivery.objects.filter(notification__ticket__project__in=projects).select_related(
        "notification", "notification__ticket__project"
    )
