"""Webhook transports: how a notification is posted to each kind of receiver.

- `wecom`: a WeCom (企业微信) group bot; the key is in the URL; the answer's
  `errcode` must be 0.
- `dingtalk`: a DingTalk (钉钉) group bot; with a secret, the URL is signed
  with `timestamp` and `sign` (HMAC-SHA256 of "timestamp\\nsecret", base64);
  the answer's `errcode` must be 0.
- `signed_json` (the default, what propdesk always sent): a text message that
  WeCom and DingTalk bots also accept, plus the structured facts, signed with
  HMAC-SHA256 of the secret in the `X-Propdesk-Signature` header.

A project may have several webhooks, each with its transport. Register more
with `register(Transport(...))`.

No SSRF: an address whose host is (or resolves to) a loopback, private,
link-local, shared, multicast, reserved or cloud-metadata address is refused,
when it is saved and again when it is sent to (the connection goes to the
address that was checked, so a DNS answer that changes in between cannot
redirect it), unless the host or its network is listed in the setting
`PROPDESK_WEBHOOK_ALLOW` (e.g. `["127.0.0.1", "10.8.0.0/16", "bot.intra"]`) or,
when settings do not name it, in the environment variable of that name
(`PROPDESK_WEBHOOK_ALLOW=10.8.0.0/16,bot.intra`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TIMEOUT = 10
SIGNATURE_HEADER = "X-Propdesk-Signature"
DEFAULT = "signed_json"
# Cloud metadata services (also covered by link-local, listed for clarity).
METADATA = frozenset({"169.254.169.254", "fd00:ec2::254", "100.100.100.200"})


class DeliveryError(Exception):
    """The far end refused or could not be reached; the delivery is retried."""


class Unresolvable(DeliveryError):
    """The host name does not resolve (now)."""


@dataclass(frozen=True)
class Message:
    """What is posted: the notification's text and its facts."""

    text: str
    facts: dict  # notification, kind, ticket, number, record, at


@dataclass(frozen=True)
class Transport:
    key: str
    label: object  # lazy translated name
    # (message, secret) → (url suffix query params, headers, body)
    build: Callable[[Message, str], tuple[dict, dict, bytes]]
    # Checks the answer body; raises DeliveryError when the far end says no.
    check: Callable[[bytes], None] = lambda body: None
    needs_secret: bool = False


TRANSPORTS: dict[str, Transport] = {}


def register(transport: Transport) -> Transport:
    TRANSPORTS[transport.key] = transport
    return transport


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _text(message: Message) -> dict:
    return {"msgtype": "text", "text": {"content": message.text}}


def _errcode_zero(body: bytes) -> None:
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        raise DeliveryError("the bot's answer is not JSON") from None
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise DeliveryError(f"errcode {answer.get('errcode')}: {str(answer.get('errmsg', ''))[:200]}")


def _signed_json(message: Message, secret: str):
    body = _json({**_text(message), "propdesk": message.facts})
    return {}, {SIGNATURE_HEADER: sign(secret, body)}, body


def _wecom(message: Message, secret: str):
    return {}, {}, _json(_text(message))


def _dingtalk(message: Message, secret: str):
    params = {}
    if secret:
        timestamp = str(int(time.time() * 1000))
        digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        params = {"timestamp": timestamp, "sign": base64.b64encode(digest).decode()}
    return params, {}, _json(_text(message))


register(Transport(DEFAULT, gettext_lazy("signed JSON (HMAC-SHA256)"), _signed_json, needs_secret=True))
register(Transport("wecom", gettext_lazy("WeCom group bot"), _wecom, _errcode_zero))
register(Transport("dingtalk", gettext_lazy("DingTalk group bot"), _dingtalk, _errcode_zero))


# ---------------------------------------------------------------- where we may post


def allow_list() -> list[str]:
    """The setting `PROPDESK_WEBHOOK_ALLOW`, else the environment variable of
    that name (comma-separated hosts and networks)."""
    configured = getattr(settings, "PROPDESK_WEBHOOK_ALLOW", None)
    if configured is not None:
        return list(configured)
    from propdesk.envconf import env_list

    return env_list("PROPDESK_WEBHOOK_ALLOW", [])


def _allowed() -> tuple[set[str], list]:
    hosts, networks = set(), []
    for entry in allow_list():
        entry = str(entry).strip().lower()
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry)
    return hosts, networks


def _forbidden_address(address: str, networks) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in networks):
        return False
    return (
        str(ip) in METADATA
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"))
    )


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses of `host` we may connect to; DeliveryError when any of
    them is forbidden (a name that also resolves inside is refused)."""
    hosts, networks = _allowed()
    try:
        addresses = resolve(host, port)
    except OSError as exc:
        raise Unresolvable(f"cannot resolve {host}: {exc}") from None
    if host.lower() in hosts:
        return addresses
    bad = [a for a in addresses if _forbidden_address(a, networks)]
    if bad or not addresses:
        raise DeliveryError(f"{host} resolves to a forbidden address ({', '.join(bad) or 'none'})")
    return addresses


def url_problem(url: str) -> str | None:
    """Why this webhook address may not be saved, or None. A host that does
    not resolve now is accepted (it is checked again at every sending)."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return _("Enter an http(s) address.")
    if len(url) > 500:
        return _("At most 500 characters.")
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _("Enter an http(s) address.")
    try:
        checked_addresses(host, port)
    except Unresolvable:
        return None
    except DeliveryError:
        return _("This address points inside the network (loopback, private or metadata); it is not allowed.")
    return None


# ---------------------------------------------------------------- sending


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, *, timeout: float = TIMEOUT) -> bytes:
    """POST to `url` through a checked address; the answer body, or DeliveryError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError("not an http(s) address")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = checked_addresses(parts.hostname, port)[0]
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = cls(parts.hostname, address, port=port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json; charset=utf-8", **headers})
        response = conn.getresponse()
        answer = response.read(64 * 1024)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(str(exc) or type(exc).__name__) from None
    finally:
        conn.close()
    if response.status >= 300:
        raise DeliveryError(f"HTTP {response.status}")
    return answer


def send(webhook, message: Message) -> None:
    """Post `message` to `webhook` through its transport."""
    transport = TRANSPORTS.get(webhook.transport)
    if transport is None:
        raise DeliveryError(f"unknown transport {webhook.transport!r}")
    params, headers, body = transport.build(message, webhook.secret or "")
    url = webhook.url
    if params:
        url += ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(params)
    transport.check(post(url, body, headers))
