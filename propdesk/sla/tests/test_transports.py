"""Webhook transports as a registry (WeCom, DingTalk, signed JSON), several
webhooks per project, and no SSRF (issue 7 item 9, issue 9 item 4): addresses
inside the network are refused when saved and again when sent to, unless the
setting allows them."""

import base64
import hashlib
import hmac

import pytest

from propdesk.common.errors import BadInput
from propdesk.sla.models import Delivery, Webhook
from propdesk.sla.services import webhook_set
from propdesk.sla.tests.farend import FarEnd
from propdesk.sla.tests.helpers import cst, make_ticket, user

pytestmark = pytest.mark.django_db

MON = (2026, 11, 23)
INSIDE = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.1.10/hook",
    "http://172.16.0.5/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::ffff:127.0.0.1]/hook",
]


@pytest.fixture
def emergency(demo, django_capture_on_commit_callbacks):
    """An emergency registered and committed (its deliveries go out after commit)."""

    def make(minute=0):
        with django_capture_on_commit_callbacks(execute=True):
            return make_ticket(demo, at=cst(*MON, 10, minute), kind="emergency")

    return make


@pytest.mark.parametrize("url", INSIDE)
def test_addresses_inside_the_network_are_refused(demo, url):
    with pytest.raises(BadInput) as exc:
        webhook_set(project=demo, actor=user("jl"), url=url, secret="k")
    assert "url" in exc.value.errors
    assert not Webhook.objects.filter(project=demo).exists()


def test_a_setting_allows_listed_hosts_and_networks(demo, settings):
    settings.PROPDESK_WEBHOOK_ALLOW = ["10.1.2.0/24", "localhost"]
    assert webhook_set(project=demo, actor=user("jl"), url="http://10.1.2.3/hook", secret="k").url.startswith(
        "http://10"
    )
    hook = webhook_set(project=demo, actor=user("jl"), url="http://localhost/hook", secret="k", new=True)
    assert hook.url == "http://localhost/hook"
    with pytest.raises(BadInput):
        webhook_set(project=demo, actor=user("jl"), url="http://10.1.3.3/hook", secret="k", new=True)


def test_the_page_refuses_an_inside_address_with_a_message(client, demo):
    client.force_login(user("jl"))
    resp = client.post("/sla/webhook/", {"url": "http://169.254.169.254/latest", "secret": "k", "is_active": "on"})
    assert resp.status_code == 302
    assert not Webhook.objects.filter(project=demo).exists()
    assert "内网" in client.get("/sla/policy/").content.decode()


def test_an_inside_address_stored_anyway_is_refused_when_sending(demo, emergency):
    with FarEnd() as far:
        Webhook.objects.create(project=demo, url=far.url, secret="k")  # written around the service
        emergency()
        delivery = Delivery.objects.get(channel="webhook")
        assert delivery.state == "failed" and "forbidden address" in delivery.last_error
        assert far.received == []


@pytest.fixture
def loopback_allowed(settings):
    settings.PROPDESK_WEBHOOK_ALLOW = ["127.0.0.1"]


def test_wecom_gets_a_text_message_and_its_errcode_is_checked(demo, loopback_allowed, emergency):
    with FarEnd() as far:
        webhook_set(project=demo, actor=user("jl"), url=far.url, transport="wecom")  # the key is in the URL
        ticket = emergency()
        assert len(far.received) == 1
        got = far.received[0]
        assert set(got["body"]) == {"msgtype", "text"} and got["body"]["msgtype"] == "text"
        assert str(ticket) in got["body"]["text"]["content"] and "紧急事件" in got["body"]["text"]["content"]
        assert "X-Propdesk-Signature" not in got["headers"]
        assert Delivery.objects.get(channel="webhook").state == "sent"
        far.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}  # HTTP 200, refused all the same
        emergency(5)
        failed = Delivery.objects.filter(channel="webhook").order_by("-id").first()
        assert failed.state == "failed" and "93000" in failed.last_error


def test_dingtalk_signs_the_address_with_timestamp_and_sign(demo, loopback_allowed, emergency):
    secret = "SEC-钉钉-密钥"
    with FarEnd() as far:
        webhook_set(
            project=demo, actor=user("jl"), url=f"{far.url}?access_token=abc", secret=secret, transport="dingtalk"
        )
        emergency()
        [got] = far.received
        query = got["query"]
        assert query["access_token"] == "abc"
        expected = hmac.new(secret.encode(), f"{query['timestamp']}\n{secret}".encode(), hashlib.sha256).digest()
        assert query["sign"] == base64.b64encode(expected).decode()
        assert got["body"]["msgtype"] == "text" and "紧急事件" in got["body"]["text"]["content"]
    assert Delivery.objects.get(channel="webhook").state == "sent"


def test_a_project_posts_to_each_of_its_webhooks_with_its_transport(demo, loopback_allowed, emergency):
    with FarEnd() as signed, FarEnd() as wecom:
        webhook_set(project=demo, actor=user("jl"), url=signed.url, secret="k1", name="值班群")
        webhook_set(project=demo, actor=user("jl"), url=wecom.url, transport="wecom", name="经理群", new=True)
        ticket = emergency()
        assert len(signed.received) == 1 and len(wecom.received) == 1
        facts = signed.received[0]["body"]["propdesk"]
        assert facts["ticket"] == ticket.pk and facts["number"] == str(ticket)
        assert facts["record"]["type"] == "tickets.ticket" and facts["record"]["url"].endswith(f"/tickets/{ticket.pk}/")
        assert signed.received[0]["headers"]["X-Propdesk-Signature"].startswith("sha256=")
    assert sorted(Delivery.objects.filter(channel="webhook").values_list("webhook__name", "state")) == [
        ("值班群", "sent"),
        ("经理群", "sent"),
    ]


def test_the_policy_page_edits_each_webhook(client, demo, loopback_allowed):
    client.force_login(user("jl"))
    client.post("/sla/webhook/", {"url": "https://qyapi.weixin.qq.com/a", "transport": "wecom", "is_active": "on"})
    client.post(
        "/sla/webhook/",
        {"url": "https://oapi.dingtalk.com/robot/send", "transport": "dingtalk", "new": "1", "is_active": "on"},
    )
    first, second = Webhook.objects.filter(project=demo).order_by("id")
    assert (first.transport, second.transport) == ("wecom", "dingtalk")
    client.post(
        "/sla/webhook/", {"webhook": str(second.pk), "url": second.url, "transport": "dingtalk", "name": "钉钉"}
    )
    second.refresh_from_db()
    assert (second.name, second.is_active) == ("钉钉", False)  # the box was not ticked
    first.refresh_from_db()
    assert first.is_active
    html = client.get("/sla/policy/").content.decode()
    assert html.count('name="webhook"') == 2 and "企业微信群机器人" in html and "钉钉群机器人" in html
    client.force_login(user("kefu_zg"))
    assert client.post("/sla/webhook/", {"webhook": str(first.pk), "url": "https://x.example/"}).status_code == 403
