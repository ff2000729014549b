from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "propdesk.sla"
    label = "sla"
    verbose_name = _("Time limits and escalation")

    def ready(self):
        # Every app declares its deadline figures, metric labels and escalation
        # profile in its own `deadlines` module; sla names none of them.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("deadlines")
