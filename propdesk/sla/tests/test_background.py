"""Side effects after commit, off the request (issue 7 item 9): registering an
emergency never waits for a webhook's far end; the background sender posts
it once the request has answered, exactly once, and the sweep's retry does
not post it again."""

import time

import pytest

from propdesk.sla import sender
from propdesk.sla.models import Delivery, Webhook
from propdesk.sla.sweep import run_sweep
from propdesk.sla.tests.farend import FarEnd

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = 5.0  # seconds the far end takes to answer


@pytest.fixture
def background(settings):
    settings.PROPDESK_DELIVERY_INLINE = False  # the real thing: the sender thread
    settings.PROPDESK_WEBHOOK_ALLOW = ["127.0.0.1"]
    yield
    assert sender.wait_idle(timeout=30), "the sender thread is still busy"


def test_an_emergency_registers_at_once_while_a_slow_webhook_is_posted_once_in_the_background(demo, api_as, background):
    with FarEnd(delay=SLOW) as far:
        Webhook.objects.create(project=demo, url=far.url, secret="k")
        kefu = api_as("kefu")
        started = time.monotonic()
        resp = kefu.post("/api/v1/tickets", {"project": "DEMO", "kind": "emergency", "description": "配电房冒烟"})
        answered = time.monotonic() - started
        assert resp.status_code == 201, resp.content
        assert answered < SLOW / 2, f"the request waited {answered:.1f} s for the far end"
        assert far.received == []  # not yet: the far end is still sleeping on it, or not even asked
        assert sender.wait_idle(timeout=30)
        assert len(far.received) == 1
        assert far.received[0]["body"]["propdesk"]["ticket"] == resp.json()["id"]
        delivery = Delivery.objects.get(channel="webhook")
        assert (delivery.state, delivery.attempts) == ("sent", 1)
        assert run_sweep().delivered == 0  # the retry sweep finds nothing to send again
        assert len(far.received) == 1
