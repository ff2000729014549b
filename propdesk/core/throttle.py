"""Login throttling: after LOGIN_THROTTLE_LIMIT failures for a username or an
address within LOGIN_THROTTLE_WINDOW seconds, further attempts are refused
until the window passes. Shared by the login page and the token endpoint."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(request, username: str) -> list[str]:
    # Hashed: user names may hold any character, cache keys may not.
    user = hashlib.sha256((username or "").strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
    addr = hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()[:32]
    return [f"login-fail:user:{user}", f"login-fail:addr:{addr}"]


def login_allowed(request, username: str) -> bool:
    limit = settings.LOGIN_THROTTLE_LIMIT
    user_key, addr_key = _keys(request, username)
    # An address gets a larger budget: an office shares one NAT address.
    return (cache.get(user_key, 0) < limit) and (cache.get(addr_key, 0) < limit * 10)


def login_failed(request, username: str) -> None:
    for key in _keys(request, username):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_THROTTLE_WINDOW)


def login_succeeded(request, username: str) -> None:
    cache.delete(_keys(request, username)[0])
