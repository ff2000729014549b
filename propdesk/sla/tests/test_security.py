"""Security rules of the sla pages: bad input is a message, never a 500."""

import pytest

from propdesk.sla.models import Webhook


@pytest.mark.django_db
def test_bad_input_never_500_webhook_secret_with_nul(client, demo):
    # PostgreSQL refuses NUL in text: storing such a secret was a 500 there.
    assert client.login(username="jl", password="demo12345")
    resp = client.post("/sla/webhook/", {"url": "https://example.com/hook", "secret": "s\x00cret", "is_active": "on"})
    assert resp.status_code == 302
    assert not Webhook.objects.filter(project=demo).exists()
    resp = client.post("/sla/webhook/", {"url": "https://example.com/hook\x00", "secret": "secret"})
    assert resp.status_code == 302
    assert not Webhook.objects.filter(project=demo).exists()
