"""Time limits on tickets (API.md "Timers, escalation, review"): versioned
policies, one timer row per (ticket, metric), escalations up the ladder,
notifications and their deliveries (e-mail, webhook)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propdesk.core.models import Project, Staff
from propdesk.tickets.models import Ticket


class Policy(models.Model):
    """The figures of one project, versioned: editing creates a new version and
    a ticket keeps the version its timers started with (Timer.policy)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sla_policies")
    version = models.PositiveIntegerField()
    # {"forward_important": "30m", "follow_2": "eod", …}: see sla.policy.FIGURES.
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


class Metric(models.TextChoices):
    FORWARD = "forward", pgettext_lazy("sla metric", "forward")
    ANSWER = "answer", pgettext_lazy("sla metric", "answer")
    RESOLVE = "resolve", pgettext_lazy("sla metric", "resolve")
    FOLLOW_1 = "follow_1", pgettext_lazy("sla metric", "first follow-up")
    FOLLOW_2 = "follow_2", pgettext_lazy("sla metric", "second follow-up")
    VISIT = "visit", pgettext_lazy("sla metric", "follow-up visit")
    SLIP = "slip", pgettext_lazy("sla metric", "report slip signed")
    REMEDY = "remedy", pgettext_lazy("sla metric", "department remedy")


class TimerState(models.TextChoices):
    RUNNING = "running", pgettext_lazy("timer state", "running")
    PAUSED = "paused", pgettext_lazy("timer state", "paused")
    MET = "met", pgettext_lazy("timer state", "met")
    BREACHED = "breached", pgettext_lazy("timer state", "breached")
    CANCELLED = "cancelled", pgettext_lazy("timer state", "cancelled")


class Timer(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="timers")
    metric = models.CharField(max_length=16)  # forward, answer, resolve, follow_1, follow_2, visit
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=TimerState.choices, default=TimerState.RUNNING)
    # The policy version the ticket started with; later versions never move it.
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="timers")

    class Meta:
        ordering = ["ticket", "due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="timer_ticket_metric_unique")]
        indexes = [
            # The sweeper's query: running timers that are due.
            models.Index(fields=["due_at"], name="timer_running_due_idx", condition=models.Q(state="running")),
            # A ticket's nearest running deadline (board and inbox order): an index-only probe per ticket.
            models.Index(
                fields=["ticket", "due_at"], name="timer_running_ticket_idx", condition=models.Q(state="running")
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id}:{self.metric}:{self.state}"


class Reason(models.TextChoices):
    BREACH = "breach", _("time limit breached")
    CLIMB = "climb", _("escalation not acknowledged")
    FOLLOW_2 = "follow_2", _("not done at the end of the working day")
    EMERGENCY = "emergency", _("emergency")


class Escalation(models.Model):
    """One step up the ladder (assignee → department supervisor → project
    manager → deputy GM → GM) on one ticket. A person is told about a ticket
    at most once: the unique (ticket, recipient) constraint makes that hold
    with any number of sweepers."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="escalations")
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
        ordering = ["ticket", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "recipient"], name="sla_escalation_once_per_person"),
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
            models.Index(fields=["recipient", "ticket"], name="sla_escalation_recipient_idx"),
        ]


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sla_notifications")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=Reason.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
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
    """One notification on one outside channel. Written with the notification,
    sent after commit, retried by the sweeper with backoff until sent."""

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
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
            models.UniqueConstraint(fields=["notification", "channel"], name="sla_delivery_once_per_channel"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="sla_delivery_due_idx",
                condition=models.Q(next_attempt_at__isnull=False),
            ),
        ]


class Webhook(models.Model):
    """The project's group-bot webhook (WeCom / DingTalk). The body is signed
    with HMAC-SHA256 of `secret` in X-Propdesk-Signature."""

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="sla_webhook")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
