"""Login throttling, shared by the login page and the token endpoint.

Failures are counted per user name *and* client address: after
LOGIN_THROTTLE_LIMIT failures of one name from one address within
LOGIN_THROTTLE_WINDOW seconds, that name is refused from that address — the
right password included — until the failures age out of the window. An
address also has a budget over all names (ten times larger: an office shares
one NAT address), against trying one password on many accounts.

The counts live in the configured cache, which is shared by every worker and
machine (the database by default, Redis when configured): a refusal in one
worker is a refusal in all of them. Each failure claims its own slot with
`cache.add`, which is atomic on every backend, so concurrent failures are
never lost the way a read-modify-write counter loses them, and each slot
expires on its own: the window slides.

The client address is REMOTE_ADDR, unless REMOTE_ADDR is one of
TRUSTED_PROXIES: then it is the X-Forwarded-For entry that the trusted proxy
added (read from the right, skipping further trusted proxies). Entries to
the left of that are written by the client and never believed."""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache

ADDRESS_FACTOR = 10


def client_address(request) -> str:
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return ""
    networks = [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "TRUSTED_PROXIES", [])]
    if not networks or not _trusted(remote, networks):
        return str(remote)
    client = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([part.strip() for part in forwarded.split(",")]):
        address = _address(entry)
        if address is None:
            break  # garbage: stop at the last address a trusted hop vouched for
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def _address(text: str):
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address, networks) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def _digest(text: str) -> str:
    # Hashed: user names may hold any character, cache keys may not.
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


def _budgets(request, username: str) -> list[tuple[list[str], int]]:
    """[(slot keys, limit)] for the name-and-address pair and for the address."""
    limit = max(1, settings.LOGIN_THROTTLE_LIMIT)
    address = client_address(request)
    name = (username or "").strip().lower()
    pair = f"login-fail:pair:{_digest(name + chr(0) + address)}"
    addr = f"login-fail:addr:{_digest(address)}"
    return [
        ([f"{pair}:{i}" for i in range(limit)], limit),
        ([f"{addr}:{i}" for i in range(limit * ADDRESS_FACTOR)], limit * ADDRESS_FACTOR),
    ]


def login_allowed(request, username: str) -> bool:
    budgets = _budgets(request, username)
    taken = cache.get_many([key for keys, _ in budgets for key in keys])
    return all(sum(key in taken for key in keys) < limit for keys, limit in budgets)


def login_failed(request, username: str) -> None:
    budgets = _budgets(request, username)
    window = settings.LOGIN_THROTTLE_WINDOW
    taken = cache.get_many([key for keys, _ in budgets for key in keys])
    for keys, _ in budgets:
        for key in keys:
            # add() fails when another request claimed this slot first: try the next one.
            if key not in taken and cache.add(key, 1, window):
                break


def login_succeeded(request, username: str) -> None:
    """The name's failures from this address are forgiven; the address budget stays."""
    cache.delete_many(_budgets(request, username)[0][0])
