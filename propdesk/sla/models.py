"""Deadlines on any record (API.md "Timers, escalation, review", generalised):
versioned per-project policies, one timer row per (record, metric),
escalations up the ladder, notifications and their deliveries (e-mail,
webhooks).

A record is pointed at by its content type and id (`content_type`,
`record_id`), never by a foreign key to a domain app: sla sits below the
domains. A domain model that has deadlines declares `GenericRelation`s to
`Timer` and `Escalation` with its own `related_query_name` so its queries
read naturally (`Timer.objects.filter(<name>__project=…)`); hot paths filter
on the two columns directly."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propdesk.core.models import Project, Staff


class Policy(models.Model):
    """The figures of one project, versioned: editing creates a new version and
    a record keeps the version its deadlines started with (Timer.policy)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sla_policies")
    version = models.PositiveIntegerField()
    # {"forward_important": "30m", "follow_2": "eod", …}: the figures apps register (sla.policy).
    figures = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["project", "-version"]
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="sla_policy_version_unique")]

    def __str__(self):
        return f"{self.project.code} v{self.version}"


class TimerState(models.TextChoices):
    RUNNING = "running", pgettext_lazy("timer state", "running")
    PAUSED = "paused", pgettext_lazy("timer state", "paused")
    MET = "met", pgettext_lazy("timer state", "met")
    BREACHED = "breached", pgettext_lazy("timer state", "breached")
    CANCELLED = "cancelled", pgettext_lazy("timer state", "cancelled")


class Timer(models.Model):
    """One named deadline (metric) of one record: running until met, breached,
    or cancelled; paused while the record waits on an outside party."""

    # No index of its own: the unique (content_type, record_id, …) index leads with it.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    record_id = models.BigIntegerField()
    record = GenericForeignKey("content_type", "record_id")
    metric = models.CharField(max_length=32)  # forward, follow_1, visit, handling … (sla.metrics)
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=TimerState.choices, default=TimerState.RUNNING)
    # The policy version the record started with; later versions never move it.
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="timers")

    class Meta:
        ordering = ["record_id", "due_at", "id"]
        constraints = [
            # One row per (record, metric); also the index of a record's deadlines (prefetch, locks).
            models.UniqueConstraint(
                fields=["content_type", "record_id", "metric"], name="sla_timer_record_metric_unique"
            )
        ]
        indexes = [
            # The sweeper's query: running timers that are due.
            models.Index(fields=["due_at"], name="timer_running_due_idx", condition=models.Q(state="running")),
            # A record's nearest running deadline (board and inbox order): an index-only probe per record.
            models.Index(
                fields=["content_type", "record_id", "due_at"],
                name="timer_running_record_idx",
                condition=models.Q(state="running"),
            ),
        ]

    def __str__(self):
        return f"{self.content_type_id}:{self.record_id}:{self.metric}:{self.state}"


class Reason(models.TextChoices):
    BREACH = "breach", _("time limit breached")
    CLIMB = "climb", _("escalation not acknowledged")
    FOLLOW_2 = "follow_2", _("not done at the end of the working day")
    EMERGENCY = "emergency", _("emergency")


class Escalation(models.Model):
    """One step up the ladder (assignee → department supervisor → project
    manager → deputy GM → GM) on one record. A person is told about a record
    at most once: the unique (record, recipient) constraint makes that hold
    with any number of sweepers."""

    # No index of its own: the unique (content_type, record_id, …) index leads with it.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    record_id = models.BigIntegerField()
    record = GenericForeignKey("content_type", "record_id")
    timer = models.ForeignKey(Timer, on_delete=models.PROTECT, null=True, blank=True, related_name="escalations")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    level = models.PositiveSmallIntegerField()  # the recipient's core.Rank
    recipient = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="escalations")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # When this step climbs if still unacknowledged; NULL once claimed, acknowledged or at the top.
    next_climb_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["record_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "record_id", "recipient"], name="sla_escalation_once_per_person"
            ),
            models.UniqueConstraint(
                fields=["parent"], condition=models.Q(parent__isnull=False), name="sla_escalation_climbs_once"
            ),
        ]
        indexes = [
            # The sweeper's climb query: unacknowledged steps whose climb is due.
            models.Index(
                fields=["next_climb_at"],
                name="sla_escalation_climb_idx",
                condition=models.Q(next_climb_at__isnull=False),
            ),
            # acknowledge: "is something addressed to me on this record?"
            models.Index(fields=["recipient", "content_type", "record_id"], name="sla_escalation_recipient_idx"),
        ]


class Notification(models.Model):
    """What one person is told, about one record (any type) or about nothing
    in particular. `title` is how staff name the record ("DEMO-4"), kept with
    the message so lists need not load the records."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sla_notifications")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=32)  # sla.models.Reason, or a kind an app notifies (e.g. parcel)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    record_id = models.BigIntegerField(null=True, blank=True)
    record = GenericForeignKey("content_type", "record_id")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=100, blank=True)
    escalation = models.OneToOneField(
        Escalation, on_delete=models.PROTECT, null=True, blank=True, related_name="notification"
    )
    message = models.TextField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "id"], name="sla_notification_idx"),
            models.Index(
                fields=["recipient", "id"], name="sla_notification_unread_idx", condition=models.Q(read_at__isnull=True)
            ),
        ]


class Channel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("delivery channel", "e-mail")
    WEBHOOK = "webhook", pgettext_lazy("delivery channel", "webhook")


class DeliveryState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery state", "pending")
    SENT = "sent", pgettext_lazy("delivery state", "sent")
    FAILED = "failed", pgettext_lazy("delivery state", "failed")


class Delivery(models.Model):
    """One notification on one outside channel (an e-mail address, one of the
    project's webhooks). Written with the notification, handed to the
    background sender after commit, retried by the sweeper with backoff
    until sent."""

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    webhook = models.ForeignKey("Webhook", on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries")
    target = models.CharField(max_length=500)  # e-mail address or webhook URL
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Next try (a claim moves it forward by a lease); NULL once sent.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Once per notification by e-mail, once per notification and webhook.
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=models.Q(webhook__isnull=True),
                name="sla_delivery_once_per_channel",
            ),
            models.UniqueConstraint(
                fields=["notification", "webhook"],
                condition=models.Q(webhook__isnull=False),
                name="sla_delivery_once_per_webhook",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="sla_delivery_due_idx",
                condition=models.Q(next_attempt_at__isnull=False),
            ),
        ]


class Webhook(models.Model):
    """One of the project's webhooks (a WeCom or DingTalk group bot, or any
    receiver of signed JSON); `transport` names how it is spoken to
    (sla.transports)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sla_webhooks")
    transport = models.CharField(max_length=16, default="signed_json")
    name = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["project", "id"]

    def __str__(self):
        return self.name or self.url
