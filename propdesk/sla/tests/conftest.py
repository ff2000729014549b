import pytest
from django.db.models import Q
from django.utils.translation import gettext_lazy

from propdesk.common import records
from propdesk.core.models import Person
from propdesk.sla import deadlines, escalation, policy


@pytest.fixture(autouse=True)
def deliveries_sent_in_the_commit_callback(settings):
    """The delivery rules (claim, backoff, retry, signatures) are checked by
    running the on-commit callback: it sends at once instead of handing the
    rows to the background thread. test_background.py switches this off to
    check that the request never waits for the far end."""
    settings.PROPDESK_DELIVERY_INLINE = True


@pytest.fixture
def person_type(demo):
    """Figures, a metric label, an escalation profile and a record type for people."""
    figures = {
        "answer_person": ("30m", gettext_lazy("Answer a person")),
        "handling_person": ("5m", gettext_lazy("Person handled")),
        "extra_person": ("off", gettext_lazy("Optional person limit")),
    }
    deadlines.register_figures("core", figures, optional={"extra_person"})
    deadlines.register_profile(deadlines.EscalationProfile(model=Person, summary=lambda p: p.name))
    saved = records._REGISTRY.get("core.person")
    records.register(
        records.RecordType(
            model=Person,
            label="person",
            visible=lambda actor: Q(project_id__in=actor.project_ids),
            url=lambda p: f"/people/{p.pk}/",
            title=lambda p: f"P-{p.pk}",
        )
    )
    yield
    for key in figures:
        for table in (policy.REGISTRY, policy.FIGURES, policy.DEFAULT_FIGURES):
            table.pop(key, None)
    policy.OPTIONAL.discard("extra_person")
    escalation._PROFILES.pop("core.person", None)
    if saved is None:
        records._REGISTRY.pop("core.person", None)
    else:
        records._REGISTRY["core.person"] = saved
