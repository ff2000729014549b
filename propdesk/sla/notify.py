"""Notifications and their deliveries.

The in-app notification row is written in the escalation's transaction; e-mail
and webhook deliveries are rows too, written in the same transaction and sent
after commit (transaction.on_commit). A delivery is claimed with a
conditional UPDATE that moves next_attempt_at forward by a lease, so two
senders never send it at once and a sender killed mid-send is retried once
the lease runs out; failures back off and stay visible until sent."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from propdesk.sla.models import Channel, Delivery, DeliveryState, Escalation, Notification, Reason, Webhook

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
BACKOFF_MAX = dt.timedelta(hours=1)
WEBHOOK_TIMEOUT = 10
SIGNATURE_HEADER = "X-Propdesk-Signature"


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes, at most an hour: retried forever, never lost."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _local(moment: dt.datetime, ticket) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(ticket.project.time_zone)).strftime("%m-%d %H:%M")


def escalation_message(escalation: Escalation) -> str:
    """The Chinese sentence the recipient reads (always zh-hans: it is stored)."""
    from propdesk.tickets.models import Kind, Severity

    if translation.get_language() != "zh-hans":
        with translation.override("zh-hans"):
            return escalation_message(escalation)
    ticket = escalation.ticket
    label = str(Kind(ticket.kind).label)
    if ticket.severity:
        label = f"{label}·{Severity(ticket.severity).label}"
    what = {"ticket": str(ticket), "label": label}
    timer = escalation.timer
    if escalation.reason == Reason.EMERGENCY:
        text = _("Emergency %(ticket)s (%(label)s): please acknowledge and take charge.") % what
    elif escalation.reason == Reason.FOLLOW_2:
        text = _("Ticket %(ticket)s (%(label)s) is still not done at the end of the working day.") % what
    elif escalation.reason == Reason.CLIMB:
        parent = escalation.parent
        text = _("Ticket %(ticket)s (%(label)s): the escalation to %(who)s was not acknowledged in time.") % {
            **what,
            "who": parent.recipient.display_name if parent else "-",
        }
    else:
        from propdesk.sla.models import Metric

        metric = str(Metric(timer.metric).label) if timer else "-"
        due = _local(timer.due_at, ticket) if timer else "-"
        text = _("Ticket %(ticket)s (%(label)s): the %(metric)s time limit (due %(due)s) is breached.") % {
            **what,
            "metric": metric,
            "due": due,
        }
    if ticket.description:
        text += " " + ticket.description[:80]
    return text


def notify_escalations(escalations: list[Escalation]) -> list[Notification]:
    """Write each recipient's notification and its deliveries, in the
    escalations' transaction (one notification per escalation: a one-to-one
    column), and send the deliveries after commit."""
    from propdesk.sla.services import _cached

    with translation.override("zh-hans"):  # stored messages are Chinese, whoever triggered them
        notes = [
            Notification(
                recipient_id=e.recipient.user_id,
                at=e.created_at,
                kind=e.reason,
                ticket=e.ticket,
                escalation=e,
                message=escalation_message(e),
            )
            for e in escalations
        ]
    Notification.objects.bulk_create(notes)
    deliveries = []
    for escalation, notification in zip(escalations, notes, strict=True):
        email = escalation.recipient.user.email
        if email:
            deliveries.append(
                Delivery(
                    notification=notification,
                    channel=Channel.EMAIL,
                    target=email,
                    next_attempt_at=escalation.created_at,
                )
            )
        project_id = escalation.ticket.project_id
        hook = _cached(
            ("webhook", project_id),
            lambda project_id=project_id: Webhook.objects.filter(project_id=project_id, is_active=True).first(),
        )
        if hook is not None:
            deliveries.append(
                Delivery(
                    notification=notification,
                    channel=Channel.WEBHOOK,
                    target=hook.url,
                    next_attempt_at=escalation.created_at,
                )
            )
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: deliver_ids(ids))
    return notes


# ---------------------------------------------------------------- sending


def webhook_body(notification: Notification) -> bytes:
    """A text message WeCom and DingTalk group bots accept as is, plus the
    structured facts for other receivers."""
    ticket = notification.ticket
    body = {
        "msgtype": "text",
        "text": {"content": notification.message},
        "propdesk": {
            "notification": notification.pk,
            "kind": notification.kind,
            "ticket": ticket.pk if ticket else None,
            "number": str(ticket) if ticket else None,
            "at": notification.at.isoformat(),
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        with translation.override("zh-hans"):
            subject = _("[propdesk] %(ticket)s needs attention") % {"ticket": str(notification.ticket or "")}
        send_mail(subject, notification.message, settings.DEFAULT_FROM_EMAIL, [delivery.target])
        return
    hook = Webhook.objects.filter(project_id=notification.ticket.project_id).first()
    if hook is None:
        raise RuntimeError("the project's webhook was removed")
    body = webhook_body(notification)
    request = urllib.request.Request(
        delivery.target,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(hook.secret, body)},
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310 (configured URL)
        if response.status >= 300:
            raise RuntimeError(f"HTTP {response.status}")


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take a due delivery for one attempt: 0 rows = another sender has it."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, next_attempt_at__isnull=False, next_attempt_at__lte=now)
        .exclude(state=DeliveryState.SENT)
        .update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    )


def deliver(delivery_id: int, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return False
    delivery = Delivery.objects.select_related("notification__ticket__project").get(pk=delivery_id)
    try:
        _send(delivery)
    except (OSError, urllib.error.URLError, RuntimeError, ValueError) as exc:
        log.warning("delivery %s failed: %s", delivery_id, exc)
        Delivery.objects.filter(pk=delivery_id).update(
            state=DeliveryState.FAILED,
            last_error=str(exc)[:2000],
            next_attempt_at=now + backoff(delivery.attempts),
        )
        return False
    Delivery.objects.filter(pk=delivery_id).update(
        state=DeliveryState.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
    )
    return True


def deliver_ids(ids: list[int]) -> None:
    for delivery_id in ids:
        try:
            deliver(delivery_id)
        except Exception:  # after commit: a sending bug must not break the request that caused it
            log.exception("delivery %s crashed", delivery_id)


def deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Retry deliveries whose next attempt is due (the sweeper calls this)."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(next_attempt_at__isnull=False, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for delivery_id in ids:
        try:
            sent += deliver(delivery_id, now)
        except Exception:
            log.exception("delivery %s crashed", delivery_id)
    return sent
