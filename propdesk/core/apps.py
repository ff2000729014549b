from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "propdesk.core"
    label = "core"
    verbose_name = _("Estate and organisation")

    def ready(self):
        from propdesk.common.rights import set_actor_resolver
        from propdesk.core.actors import actor_of

        set_actor_resolver(actor_of)

        from propdesk.common.history import labels
        from propdesk.core.display import AUDIT_LABELS

        labels.register(AUDIT_LABELS)
