"""Time limits on tickets: one timer row per (ticket, metric)."""

from django.db import models
from django.utils import timezone

from propdesk.tickets.models import Ticket


class TimerState(models.TextChoices):
    RUNNING = "running", "running"
    PAUSED = "paused", "paused"
    MET = "met", "met"
    BREACHED = "breached", "breached"
    CANCELLED = "cancelled", "cancelled"


class Timer(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="timers")
    metric = models.CharField(max_length=16)  # forward, answer, resolve, follow_1, follow_2, visit
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=TimerState.choices, default=TimerState.RUNNING)

    class Meta:
        ordering = ["ticket", "due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="timer_ticket_metric_unique")]
        indexes = [
            # The sweeper's query: running timers that are due.
            models.Index(
                fields=["due_at"], name="timer_running_due_idx", condition=models.Q(state="running")
            ),
        ]
