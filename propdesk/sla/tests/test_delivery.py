"""E-mail and signed webhook deliveries: after commit, retried with backoff,
visible to managers, never lost. The webhook's far end is a real HTTP server
on 127.0.0.1 that checks the HMAC signature."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from propdesk.core.models import Staff
from propdesk.sla.models import Delivery, Webhook
from propdesk.sla.notify import SIGNATURE_HEADER
from propdesk.sla.sweep import run_sweep
from propdesk.sla.tests.helpers import cst, make_ticket, user

pytestmark = pytest.mark.django_db

MON = (2026, 11, 23)
SECRET = "s3cret-群机器人"


class GroupBot:
    """A WeCom/DingTalk-like receiver: 200 for a valid signature, 401 for a bad
    one, 503 while `failing` is set."""

    def __init__(self):
        self.received = []
        self.failing = False
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if bot.failing:
                    self.send_response(503)
                elif not hmac.compare_digest(self.headers.get(SIGNATURE_HEADER, ""), expected):
                    self.send_response(401)
                else:
                    bot.received.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"errcode":0}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bot(demo, settings):
    settings.PROPDESK_WEBHOOK_ALLOW = ["127.0.0.1"]  # the far end runs on loopback, refused unless allowed
    with GroupBot() as b:
        Webhook.objects.create(project=demo, url=b.url, secret=SECRET)
        yield b


def test_emergency_is_mailed_and_posted_to_the_group_bot_after_commit(demo, bot, django_capture_on_commit_callbacks):
    jl = user("jl")
    jl.email = "jl@example.com"
    jl.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
        assert mail.outbox == [] and bot.received == []  # nothing leaves before commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jl@example.com"] and str(ticket) in mail.outbox[0].subject
    assert "紧急事件" in mail.outbox[0].body
    assert len(bot.received) == 1
    body = bot.received[0]
    assert body["msgtype"] == "text" and "紧急事件" in body["text"]["content"]
    assert body["propdesk"]["ticket"] == ticket.pk
    assert set(Delivery.objects.values_list("channel", "state", "attempts")) == {
        ("email", "sent", 1),
        ("webhook", "sent", 1),
    }
    run_sweep(now=cst(*MON, 10, 1))  # sent deliveries are never sent again
    assert len(bot.received) == 1 and len(mail.outbox) == 1


def test_failed_webhook_is_retried_with_backoff_until_sent(demo, bot, django_capture_on_commit_callbacks):
    import time_machine

    bot.failing = True
    with time_machine.travel(cst(*MON, 10, 0), tick=False), django_capture_on_commit_callbacks(execute=True):
        make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert "503" in delivery.last_error
    assert delivery.next_attempt_at == cst(*MON, 10, 1)  # 1 minute backoff
    assert run_sweep(now=cst(*MON, 10, 0, 30)).delivered == 0  # not due yet
    assert run_sweep(now=cst(*MON, 10, 1)).delivered == 0  # due, fails again
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (2, cst(*MON, 10, 3))  # 2 minutes
    bot.failing = False
    assert run_sweep(now=cst(*MON, 10, 3)).delivered == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("sent", 3, None)
    assert len(bot.received) == 1


def test_a_wrong_secret_is_refused_by_the_far_end_and_stays_visible(
    demo, bot, client, django_capture_on_commit_callbacks
):
    Webhook.objects.filter(project=demo).update(secret="wrong")
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.state == "failed" and "401" in delivery.last_error
    assert bot.received == []
    client.force_login(user("jl"))
    page = client.get("/sla/deliveries/", {"state": "failed"}).content.decode()
    assert bot.url in page and "发送失败" in page


def test_a_sender_killed_mid_send_is_retried_after_its_lease(demo, bot):
    """A claim moves next_attempt_at forward by a lease; a sender that dies
    before recording the result leaves the row to be retried once it runs out."""
    from propdesk.sla.notify import LEASE, _claim

    make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")  # on_commit not run: still pending
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.state == "pending"
    assert _claim(delivery.pk, cst(*MON, 10, 0))  # claimed ... and the sender dies here
    assert not _claim(delivery.pk, cst(*MON, 10, 1))  # nobody else takes it within the lease
    assert run_sweep(now=cst(*MON, 10, 2)).delivered == 0
    run_sweep(now=cst(*MON, 10, 0) + LEASE + dt.timedelta(seconds=1))
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert [b["propdesk"]["notification"] for b in bot.received].count(delivery.notification_id) == 1


def test_no_email_delivery_without_an_address(demo):
    assert not Staff.objects.get(user__username="jl").user.email
    make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    assert not Delivery.objects.exists()


def test_manager_sets_the_webhook_on_the_policy_page(client, demo):
    from propdesk.core.models import AuditLog

    client.force_login(user("kefu_zg"))
    assert client.post("/sla/webhook/", {"url": "https://qyapi.weixin.qq.com/x", "secret": "k"}).status_code == 403
    client.force_login(user("jl"))
    client.post("/sla/webhook/", {"url": "not a url", "secret": "k", "is_active": "on"})
    assert not Webhook.objects.filter(project=demo).exists()
    client.post("/sla/webhook/", {"url": "https://qyapi.weixin.qq.com/x", "secret": "", "is_active": "on"})
    assert not Webhook.objects.filter(project=demo).exists()  # a new webhook needs a secret
    assert (
        client.post(
            "/sla/webhook/", {"url": "https://qyapi.weixin.qq.com/x", "secret": "签名密钥-k1", "is_active": "on"}
        ).status_code
        == 302
    )
    client.post("/sla/webhook/", {"url": "https://oapi.dingtalk.com/robot/send", "secret": "", "is_active": "on"})
    hook = Webhook.objects.get(project=demo)
    assert (hook.url, hook.secret, hook.is_active) == ("https://oapi.dingtalk.com/robot/send", "签名密钥-k1", True)
    trail = AuditLog.objects.filter(action="sla.webhook_changed")
    assert trail.count() == 2 and all("签名密钥-k1" not in str(a.new) for a in trail)
    page = client.get("/sla/policy/").content.decode()
    assert "https://oapi.dingtalk.com/robot/send" in page and "签名密钥-k1" not in page


def test_manager_retries_a_failed_delivery_from_the_page(demo, bot, client, django_capture_on_commit_callbacks):
    bot.failing = True
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(demo, at=cst(*MON, 10, 0), kind="emergency")
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.state == "failed"
    bot.failing = False
    client.force_login(user("kefu"))
    assert client.post(f"/sla/deliveries/{delivery.pk}/retry/").status_code == 403
    client.force_login(user("jl"))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/sla/deliveries/{delivery.pk}/retry/").status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert len(bot.received) == 1
    assert client.post("/sla/deliveries/999999/retry/").status_code == 302  # nothing to retry: no error
