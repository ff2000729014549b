"""Service requests (T-1 … T-19): one numbered ticket per request, whatever
its kind or channel, with an append-only event history."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propdesk.common.history import EventBase
from propdesk.core.models import Department, Person, Project, Staff, Unit


class Kind(models.TextChoices):
    REPAIR = "repair", pgettext_lazy("ticket kind", "repair")
    COMPLAINT = "complaint", pgettext_lazy("ticket kind", "complaint")
    INQUIRY = "inquiry", pgettext_lazy("ticket kind", "inquiry")
    SUGGESTION = "suggestion", pgettext_lazy("ticket kind", "suggestion")
    EMERGENCY = "emergency", pgettext_lazy("ticket kind", "emergency")


class Severity(models.TextChoices):
    """Complaint classes (T-7)."""

    MAJOR = "major", pgettext_lazy("complaint class", "major")
    IMPORTANT = "important", pgettext_lazy("complaint class", "important")
    MINOR = "minor", pgettext_lazy("complaint class", "minor")


class Category(models.TextChoices):
    LEAK = "leak", pgettext_lazy("category", "leak")
    SAFETY = "safety", pgettext_lazy("category", "safety facility")
    POWER = "power", pgettext_lazy("category", "power")
    WATER = "water", pgettext_lazy("category", "water")
    ELEVATOR = "elevator", pgettext_lazy("category", "elevator")
    NOISE = "noise", pgettext_lazy("category", "noise")
    CLEANING = "cleaning", pgettext_lazy("category", "cleaning")
    GREENING = "greening", pgettext_lazy("category", "greening")
    SECURITY = "security", pgettext_lazy("category", "security")
    PARKING = "parking", pgettext_lazy("category", "parking")
    FEE = "fee", pgettext_lazy("category", "fee")
    OTHER = "other", pgettext_lazy("category", "other")


class Channel(models.TextChoices):
    PHONE = "phone", pgettext_lazy("channel", "phone")
    VISIT = "visit", pgettext_lazy("channel", "walk-in")
    LETTER = "letter", pgettext_lazy("channel", "letter")
    FAX = "fax", pgettext_lazy("channel", "fax")
    APP = "app", pgettext_lazy("channel", "app")


class Capability(models.TextChoices):
    """The answer engineering gives before a repair is promised (T-4)."""

    AVAILABLE = "available", pgettext_lazy("repair capability", "staff available, dispatch now")
    SCHEDULE = "schedule", pgettext_lazy("repair capability", "no staff now, a time agreed")
    NOT_OFFERED = "not_offered", pgettext_lazy("repair capability", "service not offered")


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "registered")
    DISPATCHED = "dispatched", pgettext_lazy("ticket status", "dispatched")
    ACCEPTED = "accepted", pgettext_lazy("ticket status", "accepted")
    DONE = "done", pgettext_lazy("ticket status", "done")
    CLOSED = "closed", pgettext_lazy("ticket status", "closed")
    ON_HOLD = "on_hold", pgettext_lazy("ticket status", "on hold")
    REOPENED = "reopened", pgettext_lazy("ticket status", "reopened")
    INVALID = "invalid", pgettext_lazy("ticket status", "invalid")
    CANCELLED = "cancelled", pgettext_lazy("ticket status", "cancelled")


OPEN_STATUSES = (
    Status.NEW,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.DONE,
    Status.ON_HOLD,
    Status.REOPENED,
)


class Ticket(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tickets")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    severity = models.CharField(_("complaint class"), max_length=16, choices=Severity.choices, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    location = models.CharField(_("location"), max_length=200, blank=True)
    reporter = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    reporter_name = models.CharField(_("reporter"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=32, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    description = models.TextField(_("description"))
    requested_by = models.DateTimeField(_("requested by"), null=True, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    urgent_cause = models.CharField(_("cause of the stoppage"), max_length=500, blank=True)  # T-6
    paid = models.BooleanField(_("paid service"), default=False)
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, null=True, blank=True)
    # Office buildings record the reporter's own department (T-3).
    reporter_department = models.CharField(_("reporter's department"), max_length=100, blank=True)
    # T-4: engineering's answer before a repair is promised, and what the resident is told.
    capability = models.CharField(_("capability check"), max_length=16, choices=Capability.choices, blank=True)
    capability_note = models.CharField(_("reason / arrangement"), max_length=500, blank=True)
    agreed_at = models.DateTimeField(_("agreed time"), null=True, blank=True)
    # T-10: the complaint record.
    event_at = models.DateTimeField(_("time of the event"), null=True, blank=True)
    event_place = models.CharField(_("place of the event"), max_length=200, blank=True)
    complained_about = models.CharField(_("person complained about"), max_length=200, blank=True)
    complained_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints_against"
    )
    demand = models.TextField(_("resident's demand"), blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    assignee = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    valid = models.BooleanField(_("valid"), null=True, blank=True)
    # Facts the closing conditions and timers read; each is set by one service.
    completed_at = models.DateTimeField(null=True, blank=True)
    leak_test_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    slip_returned_at = models.DateTimeField(null=True, blank=True)
    visited_at = models.DateTimeField(null=True, blank=True)
    visit_satisfied = models.BooleanField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The status a ticket returns to on `resume` (T-18).
    held_from = models.CharField(max_length=16, choices=Status.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # The ticket's deadlines and escalations (sla, generic rows): ticket.timers.all(),
    # prefetch_related("timers"), Timer.objects.filter(ticket__project=…).
    timers = GenericRelation("sla.Timer", object_id_field="record_id", related_query_name="ticket")
    escalations = GenericRelation("sla.Escalation", object_id_field="record_id", related_query_name="ticket")

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="ticket_number_unique")]
        indexes = [
            models.Index(fields=["project", "status", "id"], name="ticket_status_idx"),
            models.Index(fields=["project", "kind", "id"], name="ticket_kind_idx"),
            models.Index(fields=["department", "status", "id"], name="ticket_department_idx"),
            models.Index(fields=["project", "created_at"], name="ticket_created_idx"),
            models.Index(fields=["reporter", "id"], name="ticket_reporter_idx"),
            models.Index(fields=["unit", "category", "created_at"], name="ticket_unit_cat_idx"),
        ]

    def __str__(self):
        return f"{self.project.code}-{self.number}"


class TicketEvent(EventBase):
    """Append-only history of a ticket (T-2): the database refuses UPDATE and
    DELETE on this table."""

    ticket = models.ForeignKey(Ticket, on_delete=models.DO_NOTHING, related_name="events")

    class Meta(EventBase.Meta):
        indexes = [models.Index(fields=["ticket", "id"], name="ticket_event_idx")]


class Instruction(models.Model):
    """A leader's instruction on an emergency (T-14), tracked as its own item
    until someone reports it carried out."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="instructions")
    text = models.TextField(_("instruction"))
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["ticket", "id"]
