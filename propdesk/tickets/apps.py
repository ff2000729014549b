from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "propdesk.tickets"
    label = "tickets"
    verbose_name = _("Service requests")

    def ready(self):
        from django.urls import reverse

        from propdesk.common import records
        from propdesk.core import attachments
        from propdesk.tickets.models import Ticket
        from propdesk.tickets.rights import visible_to
        from propdesk.tickets.workflow import TICKETS

        records.register(
            records.RecordType(
                model=Ticket,
                label=_("service request"),
                visible=visible_to,
                url=lambda t: reverse("tickets:detail", args=[t.pk]),
                resident_url=lambda t: reverse("tickets:mine_detail", args=[t.pk]),
                title=lambda t: f"{t.project.code}-{t.number}",
                unit_field="unit",
                list_url=lambda: reverse("tickets:list"),
            )
        )

        from propdesk.tickets import deadlines

        TICKETS.listen(deadlines.on_change)  # timers, escalations (API.md "Timers, escalation, review")
        attachments.allow_residents(Ticket)  # photos of a leak from the resident's own request

        from propdesk.core import demo_activity

        demo_activity.register("tickets", "propdesk.tickets.demo:seed_activity")
