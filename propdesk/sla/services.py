"""Every write of the sla app that is not a deadline itself: policy versions,
reading notifications, the project's webhooks, retrying a delivery.

Deadlines are written through `propdesk.sla.deadlines` (by the apps whose
records they are), escalations by `propdesk.sla.escalation` and the sweeper."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.common.errors import BadInput, NotFound
from propdesk.core.services import audit_record
from propdesk.sla import notify, rights
from propdesk.sla.models import Notification, Policy
from propdesk.sla.policy import DEFAULT_FIGURES, FIGURES, OFF, OPTIONAL, figures_with_defaults, normalise, valid_spec

# ---------------------------------------------------------------- policy


def policy_shown(*, project) -> Policy:
    """The project's newest version, or — when none was saved yet — the
    defaults as an unsaved version 1. Reading never writes (GET is safe)."""
    policy = Policy.objects.filter(project=project).select_related("created_by").order_by("-version").first()
    if policy is not None:
        return policy
    return Policy(project=project, version=1, figures=dict(DEFAULT_FIGURES), created_at=None)


def policy_current(*, project) -> Policy:
    """The project's newest policy version, stored: version 1 (the registered
    defaults) is created the first time a deadline needs it."""
    policy = Policy.objects.filter(project=project).order_by("-version").first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return Policy.objects.create(project=project, version=1, figures=dict(DEFAULT_FIGURES))
    except IntegrityError:  # a concurrent first deadline created it
        return Policy.objects.get(project=project, version=1)


def policy_create_version(*, project, actor, figures: dict) -> Policy:
    """A new version with `figures` (keys of the registered figures). A figure
    left out keeps its value in the current version (its default when none):
    a client written before an app registered its figures still works. Only
    the project manager and above may change time limits."""
    rights.check(actor, "policy", project)
    if not isinstance(figures, dict):
        raise BadInput(_("Some time limits are not valid."), {"figures": [_("Required.")]})
    errors = {}
    for key in set(figures) - set(FIGURES):
        errors[str(key)[:64]] = [_("Unknown figure.")]
    with transaction.atomic():
        current = Policy.objects.select_for_update().filter(project=project).order_by("-version").first()
        old = figures_with_defaults(current.figures) if current else dict(DEFAULT_FIGURES)
        clean = {}
        for key in FIGURES:
            value = figures.get(key, old[key])
            if not valid_spec(value):
                errors[key] = [_("Use a number with m, h, d, wd or bh (e.g. 30m, 2h, 3d), or eod.")]
            elif normalise(value) == OFF and key not in OPTIONAL:
                errors[key] = [_("This time limit cannot be switched off.")]
            else:
                clean[key] = normalise(value)
        if errors:
            raise BadInput(_("Some time limits are not valid."), errors)
        version = (current.version if current else 0) + 1
        policy = Policy.objects.create(project=project, version=version, figures=clean, created_by=actor)
        audit_record(
            actor=actor,
            action="sla.policy_changed",
            obj=policy,
            project=project,
            old={"version": version - 1, **old},
            new={"version": version, **clean},
        )
    return policy


# ---------------------------------------------------------------- notifications


def notification_mark_read(*, user, notification_id: int, at=None) -> Notification:
    if not 0 < notification_id < 2**63:
        raise NotFound(_("Not found."))
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound(_("Not found."))
    if notification.read_at is None:
        notification.read_at = at or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user, at=None) -> int:
    return Notification.objects.filter(Q(recipient=user) & Q(read_at__isnull=True)).update(read_at=at or timezone.now())


# ---------------------------------------------------------------- webhooks


def webhook_set(
    *,
    project,
    actor,
    url: str,
    secret: str = "",
    is_active: bool = True,
    transport: str | None = None,
    name: str = "",
    webhook_id: int | None = None,
    new: bool = False,
):
    """Add or change one of the project's webhooks. `webhook_id` names the one
    to change; without it the project's only webhook is changed (or a first one
    added), and `new` adds another. An empty secret keeps the stored one; an
    empty URL switches the webhook off. Addresses on loopback, private,
    link-local or metadata networks are refused unless allowed in settings."""
    from propdesk.sla import transports
    from propdesk.sla.models import Webhook

    rights.check(actor, "webhook", project)
    url = (url or "").strip()
    secret = (secret or "").strip()
    name = (name or "").strip()
    if webhook_id is not None:
        current = Webhook.objects.filter(project=project, pk=webhook_id).first() if 0 < webhook_id < 2**63 else None
        if current is None:
            raise NotFound(_("Not found."))
    elif new:
        current = None
    else:
        hooks = list(Webhook.objects.filter(project=project)[:2])
        current = hooks[0] if len(hooks) == 1 else None
    transport = transport or (current.transport if current else transports.DEFAULT)
    # PostgreSQL refuses NUL in text: such an address or secret is bad input, not a 500.
    if "\x00" in url:
        raise BadInput(_("The webhook address is not valid."), {"url": [_("Enter an http(s) address.")]})
    if "\x00" in secret or "\x00" in name:
        field = "secret" if "\x00" in secret else "name"
        raise BadInput(_("Remove the NUL characters."), {field: [_("Remove the NUL characters.")]})
    if transport not in transports.TRANSPORTS:
        raise BadInput(
            _("Unknown kind of webhook."),
            {"transport": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(transports.TRANSPORTS)}]},
        )
    if url:
        problem = transports.url_problem(url)
        if problem:
            raise BadInput(_("The webhook address is not valid."), {"url": [problem]})
        if transports.TRANSPORTS[transport].needs_secret and not secret and not (current and current.secret):
            raise BadInput(_("The webhook needs a signing secret."), {"secret": [_("Required.")]})
        if len(secret) > 200:
            raise BadInput(_("The signing secret is too long."), {"secret": [_("At most 200 characters.")]})
        if len(name) > 100:
            raise BadInput(_("Some fields are missing or invalid."), {"name": [_("At most 100 characters.")]})
    with transaction.atomic():
        if current is None and not url:
            return None
        old = {"url": current.url, "is_active": current.is_active, "transport": current.transport} if current else None
        if current is None:
            current = Webhook.objects.create(
                project=project, url=url, secret=secret, is_active=is_active, transport=transport, name=name
            )
        else:
            current.url = url or current.url
            current.secret = secret or current.secret
            current.is_active = bool(url) and is_active
            current.transport = transport
            current.name = name or current.name
            current.save()
        # The secret is never written to the audit trail.
        audit_record(
            actor=actor,
            action="sla.webhook_changed",
            obj=current,
            project=project,
            old=old,
            new={
                "url": current.url,
                "is_active": current.is_active,
                "transport": current.transport,
                "secret_changed": bool(secret),
            },
        )
    return current


def delivery_retry_now(*, actor, delivery_id: int) -> bool:
    """A manager asks for an unsent delivery to be tried again at once."""
    from propdesk.core.permissions import visible_projects
    from propdesk.sla.models import Delivery, DeliveryState

    rights.check(actor, "deliveries")
    if not 0 < delivery_id < 2**63:
        raise NotFound(_("Not found."))
    updated = (
        Delivery.objects.filter(pk=delivery_id, notification__project__in=visible_projects(actor))
        .exclude(state=DeliveryState.SENT)
        .update(next_attempt_at=timezone.now())
    )
    if updated:
        notify.send_after_commit([delivery_id])
    return bool(updated)
