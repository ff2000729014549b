"""Who may change the time limits, the webhooks and see deliveries: the sla
app's rights table (a project is the record these rules are asked about)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from propdesk.common.rights import MANAGER, Rights, rule


@rule
def serves(actor, project) -> bool:
    return project is None or actor.serves(getattr(project, "pk", None))


RIGHTS = Rights(
    {
        "policy": MANAGER & serves,
        "webhook": MANAGER & serves,
        "deliveries": MANAGER & serves,
    }
)

REFUSALS = {
    "policy": _("Only the project manager or above may change time limits."),
    "webhook": _("Only the project manager or above may change the webhook."),
    "deliveries": _("Only the project manager or above may see deliveries."),
}


def check(actor, action: str, project=None) -> None:
    from propdesk.common.rights import as_actor

    RIGHTS.check(as_actor(actor), action, project, sentence=str(REFUSALS[action]))


def may(actor, action: str, project=None) -> bool:
    from propdesk.common.rights import as_actor

    return RIGHTS.may(as_actor(actor), action, project)
