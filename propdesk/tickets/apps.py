from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "propdesk.tickets"
    label = "tickets"
    verbose_name = _("Service requests")

    def ready(self):
        from propdesk.core import demo_activity

        demo_activity.register("tickets", "propdesk.tickets.demo:seed_activity")
