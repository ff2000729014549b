"""Writes of the reports app: review notes and monthly sign-offs."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.common import records
from propdesk.common.clean import Cleaner
from propdesk.common.errors import BadInput, Conflict, NotFound
from propdesk.common.rights import as_actor
from propdesk.core.models import Project
from propdesk.core.services import audit_record
from propdesk.reports import rights
from propdesk.reports.models import MonthlySignoff, ReviewNote
from propdesk.reports.selectors import Period
from propdesk.tickets.models import Ticket

NOTE_MAX = 2000
COMMENT_MAX = 5000


def review_note_add(*, ticket: Ticket, actor, week: str, text: str) -> ReviewNote:
    """T-13: record a case that cannot be handled, for the manager to decide."""
    rights.check(actor, "review_note")
    records.get("tickets.ticket").get(as_actor(actor), ticket.pk)  # not visible: 404
    c = Cleaner(_("Write what cannot be handled and why."))
    text = c.text("text", text, max_length=NOTE_MAX, required=True)
    c.raise_if_any()
    with transaction.atomic():
        note = ReviewNote.objects.create(
            project_id=ticket.project_id, ticket=ticket, week=week, text=text, author=actor
        )
        audit_record(actor=actor, action="review_note.created", obj=note, new={"ticket": ticket.pk, "text": text})
    return note


def monthly_signoff(
    *, project: Project, period: Period, actor, comment: str = "", corrective_action: str = ""
) -> MonthlySignoff:
    """T-13/T-20: the manager's comment and signature on a month; once only."""
    rights.check(actor, "signoff")
    if not as_actor(actor).serves(project.pk):
        raise NotFound(_("No such project."))
    comment = (comment or "").strip()
    corrective_action = (corrective_action or "").strip()
    errors = {}
    for field, value in (("comment", comment), ("corrective_action", corrective_action)):
        if len(value) > COMMENT_MAX:
            errors[field] = [_("At most %(n)d characters.") % {"n": COMMENT_MAX}]
        elif "\x00" in value:
            errors[field] = [_("Remove the NUL characters.")]
    if period.start > timezone.now():
        errors["month"] = [_("This month has not begun yet.")]
    if errors:
        raise BadInput(_("The sign-off has invalid fields."), errors)
    if MonthlySignoff.objects.filter(project=project, month=period.first_day).exists():
        raise Conflict(_("The report for %(month)s has already been signed off.") % {"month": period.label})
    try:
        with transaction.atomic():
            signoff = MonthlySignoff.objects.create(
                project=project,
                month=period.first_day,
                comment=comment,
                corrective_action=corrective_action,
                signed_off_by=actor,
                signed_off_at=timezone.now(),
            )
            audit_record(
                actor=actor,
                action="monthly_signoff.created",
                obj=signoff,
                new={"month": period.label, "comment": comment},
            )
    except IntegrityError:
        # A concurrent sign-off won the unique (project, month) race.
        raise Conflict(_("The report for %(month)s has already been signed off.") % {"month": period.label}) from None
    return signoff
