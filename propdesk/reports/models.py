"""Records of the review and reporting routine (T-13, T-20): the dispatcher's
Monday-review notes and the project manager's monthly sign-off. The figures
themselves are never stored: they are computed from tickets and timers."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import Project
from propdesk.tickets.models import Ticket


class ReviewNote(models.Model):
    """T-13: a case the dispatcher could not handle, recorded at the Monday
    review for the manager to decide. Append-only: a later note supersedes."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="review_notes")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="review_notes")
    week = models.CharField(_("ISO week"), max_length=8)  # 2026-W47: the review the note was made at
    text = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["ticket", "id"]
        verbose_name = _("review note")
        indexes = [models.Index(fields=["ticket", "id"], name="review_note_ticket_idx")]


class MonthlySignoff(models.Model):
    """T-13/T-20: the project manager's comment and signature on the monthly
    complaint and dispatch summary (投诉调度记录月总结表). One per project and month."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="monthly_signoffs")
    month = models.DateField(_("month"))  # the first day of the month
    comment = models.TextField(_("comment"), blank=True)
    corrective_action = models.TextField(_("corrective and preventive action"), blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField(_("signed off at"), default=timezone.now)

    class Meta:
        ordering = ["project", "-month"]
        verbose_name = _("monthly sign-off")
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="monthly_signoff_unique")]
