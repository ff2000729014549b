"""Reusable reads of the sla app."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType

from propdesk.sla.deadlines import handling_averages  # noqa: F401 (a read other apps use: the KPI page)
from propdesk.sla.metrics import label as metric_label
from propdesk.sla.models import Delivery, Notification, Policy, Timer
from propdesk.sla.policy import figures_by_app, figures_with_defaults


def timer_dict(timer: Timer) -> dict:
    """A timer as the record API shows it (API.md)."""
    return {
        "metric": timer.metric,
        "started_at": timer.started_at,
        "due_at": timer.due_at,
        "stopped_at": timer.stopped_at,
        "state": timer.state,
    }


def timers_of(record) -> list[dict]:
    """The record's timers (prefetched `timers` when the model declares the relation)."""
    related = getattr(record, "timers", None)
    if related is not None:
        return [timer_dict(t) for t in related.all()]
    ct = ContentType.objects.get_for_model(record)
    return [timer_dict(t) for t in Timer.objects.filter(content_type=ct, record_id=record.pk)]


def labelled(timers) -> list[Timer]:
    """Timers with `label` (the metric's name) for pages."""
    timers = list(timers)
    for timer in timers:
        timer.label = metric_label(timer.metric)
    return timers


# ---------------------------------------------------------------- notifications


def notifications_for(user, *, unread: bool = False):
    qs = Notification.objects.filter(recipient=user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def with_records(notifications) -> list[Notification]:
    """Load the records a page of notifications points at: one query per
    record type (their URLs need them), none per row."""
    notifications = list(notifications)
    by_type: dict[int, set[int]] = {}
    for n in notifications:
        if n.content_type_id is not None:
            by_type.setdefault(n.content_type_id, set()).add(n.record_id)
    loaded = {}
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is not None:
            for record in model._default_manager.filter(pk__in=ids):
                loaded[(ct_id, record.pk)] = record
    for n in notifications:
        n.loaded_record = loaded.get((n.content_type_id, n.record_id))
    return notifications


def record_url(notification: Notification, actor=None) -> str:
    """Where the notification's record opens (the records registry), or ""."""
    from propdesk.common import records

    record = getattr(notification, "loaded_record", None)
    if record is None and notification.content_type_id is not None:
        record = notification.record
    if record is None:
        return ""
    try:
        record_type = records.of(record)
    except LookupError:
        return ""
    return record_type.link_for(actor, record) if actor is not None else record_type.url(record)


def notification_dict(notification: Notification, actor=None) -> dict:
    """API.md's shape `{"id","at","kind","ticket","message","read"}` plus the
    record it points at, whatever its type."""
    from propdesk.sla.notify import api_field_value, record_facts

    return {
        "id": notification.pk,
        "at": notification.at,
        "kind": notification.kind,
        "ticket": api_field_value(notification, "ticket"),
        "message": notification.message,
        "read": notification.read_at is not None,
        "record": record_facts(notification, record_url(notification, actor)),
    }


# ---------------------------------------------------------------- policy


def _app_name(label: str) -> str:
    try:
        return str(django_apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


def policy_groups(policy: Policy | None) -> list[dict]:
    """Every registered figure with its value in `policy`, grouped by the app
    that registered it (sla's general figures last)."""
    figures = figures_with_defaults(policy.figures if policy else None)
    groups = [
        {
            "app": app,
            "name": _app_name(app),
            "rows": [
                {"key": f.key, "label": f.label, "value": figures[f.key], "default": f.default, "optional": f.optional}
                for f in items
            ],
        }
        for app, items in figures_by_app()
    ]
    return sorted(groups, key=lambda g: g["app"] == "sla")


def policy_rows(policy: Policy | None) -> list[dict]:
    return [row for group in policy_groups(policy) for row in group["rows"]]


def deliveries_for(projects):
    return Delivery.objects.filter(notification__project__in=projects).select_related("notification", "webhook")
