"""Notifications and their deliveries (an outbox).

The in-app notification row is written in the transaction that causes it
(an escalation, a parcel arriving …); e-mail and webhook deliveries are rows
too, written in the same transaction. After commit their ids are handed to
the background sender (`sla.sender`): never sent inside the web request. A
delivery is claimed with a conditional UPDATE that moves next_attempt_at
forward by a lease, so two senders never send it at once and a sender killed
mid-send is retried once the lease runs out; failures back off and stay
visible until sent (the sweeper retries what is due)."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from propdesk.sla import transports
from propdesk.sla.memo import cached
from propdesk.sla.metrics import label as metric_label
from propdesk.sla.models import Channel, Delivery, DeliveryState, Escalation, Notification, Reason, Webhook

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
BACKOFF_MAX = dt.timedelta(hours=1)
SIGNATURE_HEADER = transports.SIGNATURE_HEADER


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes, at most an hour: retried forever, never lost."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# ---------------------------------------------------------------- what a record is called


def record_title(record) -> str:
    """How staff name the record ("DEMO-4"): the records registry's title."""
    from propdesk.common import records

    try:
        return str(records.of(record).title(record))[:100]
    except LookupError:
        return str(record)[:100]


def record_noun(record) -> str:
    from propdesk.common import records

    try:
        return str(records.of(record).label)
    except LookupError:
        return str(type(record)._meta.verbose_name)


def local_time(moment: dt.datetime, project) -> str:
    try:
        zone = ZoneInfo(project.time_zone or "Asia/Shanghai")
    except (ValueError, KeyError):
        zone = ZoneInfo("Asia/Shanghai")
    return moment.astimezone(zone).strftime("%m-%d %H:%M")


def escalation_message(escalation: Escalation, record=None, project=None) -> str:
    """The Chinese sentence the recipient reads (always zh-hans: it is stored).
    The record type's profile may word it itself; these are the generic ones."""
    from propdesk.sla.deadlines import project_of
    from propdesk.sla.escalation import profile_for

    if translation.get_language() != "zh-hans":
        with translation.override("zh-hans"):
            return escalation_message(escalation, record, project)
    record = record if record is not None else escalation.record
    profile = profile_for(record)
    if profile.message is not None:
        return profile.message(escalation, record)
    project = project or project_of(record)
    label = profile.label(record)
    what = {"noun": record_noun(record), "title": record_title(record), "label": f"（{label}）" if label else ""}
    timer = escalation.timer
    if escalation.reason == Reason.EMERGENCY:
        text = _("Urgent: %(noun)s %(title)s%(label)s, please acknowledge and take charge.") % what
    elif escalation.reason == Reason.FOLLOW_2:
        text = _("%(noun)s %(title)s%(label)s is still not done at the end of the working day.") % what
    elif escalation.reason == Reason.CLIMB:
        parent = escalation.parent
        text = _("%(noun)s %(title)s%(label)s: the escalation to %(who)s was not acknowledged in time.") % {
            **what,
            "who": parent.recipient.display_name if parent else "-",
        }
    else:
        text = _("%(noun)s %(title)s%(label)s: the %(metric)s time limit (due %(due)s) is breached.") % {
            **what,
            "metric": metric_label(timer.metric) if timer else "-",
            "due": local_time(timer.due_at, project) if timer else "-",
        }
    summary = profile.summary(record)
    return f"{text} {summary}" if summary else text


def notify_escalations(escalations: list[Escalation]) -> list[Notification]:
    """Write each recipient's notification and its deliveries, in the
    escalations' transaction (one notification per escalation: a one-to-one
    column); the deliveries go to the sender after commit."""
    from propdesk.sla.deadlines import project_of

    notes = []
    with translation.override("zh-hans"):  # stored messages are Chinese, whoever triggered them
        for e in escalations:
            record = e.record
            project = project_of(record)
            notes.append(
                Notification(
                    recipient_id=e.recipient.user_id,
                    at=e.created_at,
                    kind=e.reason,
                    content_type_id=e.content_type_id,
                    record_id=e.record_id,
                    project=project,
                    title=record_title(record),
                    escalation=e,
                    message=escalation_message(e, record, project),
                )
            )
    Notification.objects.bulk_create(notes)
    _write_deliveries(notes, {n.pk: e.recipient.user.email for n, e in zip(notes, escalations, strict=True)})
    return notes


def notify_people(*, users, record=None, kind: str, message: str, at=None, project=None) -> list[Notification]:
    """Tell `users` about `record` (any record, or none) in the caller's
    transaction: for apps (a parcel waiting for its residents …). Deliveries
    by e-mail (to users with an address) and to the project's webhooks go to
    the sender after commit."""
    from propdesk.sla.deadlines import project_of

    at = at or timezone.now()
    project = project or (project_of(record) if record is not None else None)
    ct = ContentType.objects.get_for_model(record) if record is not None else None
    notes = [
        Notification(
            recipient=user,
            at=at,
            kind=kind,
            content_type=ct,
            record_id=record.pk if record is not None else None,
            project=project,
            title=record_title(record) if record is not None else "",
            message=message,
        )
        for user in users
    ]
    Notification.objects.bulk_create(notes)
    _write_deliveries(notes, {n.pk: n.recipient.email for n in notes})
    return notes


def _write_deliveries(notes: list[Notification], emails: dict[int, str]) -> None:
    deliveries = []
    for notification in notes:
        email = emails.get(notification.pk)
        if email:
            deliveries.append(
                Delivery(
                    notification=notification, channel=Channel.EMAIL, target=email, next_attempt_at=notification.at
                )
            )
        project_id = notification.project_id
        hooks = (
            cached(
                ("webhooks", project_id),
                lambda project_id=project_id: list(Webhook.objects.filter(project_id=project_id, is_active=True)),
            )
            if project_id
            else []
        )
        for hook in hooks:
            deliveries.append(
                Delivery(
                    notification=notification,
                    channel=Channel.WEBHOOK,
                    webhook=hook,
                    target=hook.url,
                    next_attempt_at=notification.at,
                )
            )
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        send_after_commit([d.pk for d in deliveries])


def send_after_commit(ids: list[int]) -> None:
    """Hand these deliveries to the background sender once the transaction
    commits (nothing leaves for a rolled-back change)."""
    from propdesk.sla import sender

    sender.after_commit(ids)


# ---------------------------------------------------------------- what is sent


def api_field_value(notification: Notification, field: str) -> int | None:
    """The record id under an API field of the record's type (API.md: "ticket")."""
    from propdesk.sla.escalation import profile_for

    if notification.content_type_id is None:
        return None
    ct = ContentType.objects.get_for_id(notification.content_type_id)
    try:
        profile = profile_for(ct)
    except LookupError:
        return None
    return notification.record_id if profile.api_field == field else None


def record_facts(notification: Notification, url: str = "") -> dict | None:
    if notification.content_type_id is None:
        return None
    ct = ContentType.objects.get_for_id(notification.content_type_id)
    return {
        "type": f"{ct.app_label}.{ct.model}",
        "id": notification.record_id,
        "title": notification.title,
        "url": url,
    }


def message_of(notification: Notification) -> transports.Message:
    """The text and facts posted to webhooks (the body WeCom and DingTalk
    accept as is, plus the structured facts for other receivers)."""
    return transports.Message(
        text=notification.message,
        facts={
            "notification": notification.pk,
            "kind": notification.kind,
            "ticket": api_field_value(notification, "ticket"),
            "number": notification.title or None,
            "record": record_facts(notification, _absolute_url(notification)),
            "at": notification.at.isoformat(),
        },
    )


def webhook_body(notification: Notification) -> bytes:
    """The signed-JSON body (kept for callers that check a signature)."""
    return transports._json({**transports._text(message_of(notification)), "propdesk": message_of(notification).facts})


def _absolute_url(notification: Notification) -> str:
    from propdesk.sla.selectors import record_url

    path = record_url(notification)
    base = getattr(settings, "PROPDESK_BASE_URL", "") or ""
    return f"{base.rstrip('/')}{path}" if path and base else path


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        with translation.override("zh-hans"):
            subject = _("[propdesk] %(title)s needs attention") % {"title": notification.title or "-"}
        send_mail(subject, notification.message, settings.DEFAULT_FROM_EMAIL, [delivery.target])
        return
    hook = delivery.webhook
    if hook is None:
        raise transports.DeliveryError("the webhook was removed")
    target = Webhook(url=delivery.target, secret=hook.secret, transport=hook.transport)
    transports.send(target, message_of(notification))


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
    delivery = Delivery.objects.select_related("notification", "webhook").get(pk=delivery_id)
    try:
        _send(delivery)
    except (OSError, transports.DeliveryError, RuntimeError, ValueError) as exc:
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


def deliver_ids(ids: list[int]) -> int:
    sent = 0
    for delivery_id in ids:
        try:
            sent += deliver(delivery_id)
        except Exception:  # a sending bug must not stop the other deliveries
            log.exception("delivery %s crashed", delivery_id)
    return sent


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
