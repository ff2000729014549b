"""How core's audit codes read to people (one translated map)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "unit.created": _("unit recorded"),
    "unit.updated": _("unit details changed"),
    "unit.occupant_added": _("occupant added"),
    "unit.occupant_ended": _("occupant left"),
    "person.created": _("person recorded"),
    "person.updated": _("person's details changed"),
    "person.unit_added": _("became an occupant of a unit"),
    "person.unit_ended": _("left a unit"),
    "estate.imported": _("estate imported from Excel"),
    "calendar.seeded": _("public holidays added to the calendar"),
    "calendar.weekly_changed": _("weekly working hours changed"),
    "calendar.day_set": _("calendar day set"),
    "calendar.day_cleared": _("calendar day cleared"),
    "sla.policy_changed": _("time limits changed"),
    "sla.webhook_changed": _("webhook changed"),
    "review_note.created": _("case recorded for the manager"),
    "monthly_signoff.created": _("monthly report signed off"),
}
