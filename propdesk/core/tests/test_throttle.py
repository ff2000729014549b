"""Login throttling (issue 9 item 6): keyed on user name and client address,
counted in the shared cache (the database table by default, Redis when
configured), a consistent lockout that the right password does not lift, and
the client address taken from a trusted proxy only."""

import datetime as dt
import os
import threading
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from propdesk.core.throttle import client_address, login_allowed, login_failed

pytestmark = pytest.mark.django_db

PASSWORD = "demo12345"
TOKEN = "/api/v1/auth/token"
REDIS_URL = os.environ.get("PROPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def use_database_cache(settings):
    """The default without PROPDESK_CACHE_URL; its table is made here as `make install` does."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "propdesk_cache"}
    }
    call_command("createcachetable", verbosity=0)


@pytest.fixture
def redis_cache(settings):
    # A prefix of our own: other test runs may share this Redis database.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",
        }
    }
    yield cache._cache.get_client(write=True)
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{cache.key_prefix}:*"):
        client.delete(key)


@pytest.fixture(params=["database", "redis"])
def shared_cache(request, settings, db):
    """The cache backends production uses."""
    if request.param == "database":
        use_database_cache(settings)
    else:
        request.getfixturevalue("redis_cache")
    return request.param


def page_login(username, password, **meta):
    return Client().post("/login/", {"username": username, "password": password}, **meta)


def token(username, password, **meta):
    return Client().post(TOKEN, {"username": username, "password": password}, content_type="application/json", **meta)


def test_page_lockout_refuses_the_right_password_until_the_window_passes(demo, settings, shared_cache):
    settings.LOGIN_THROTTLE_LIMIT = 5
    settings.LOGIN_THROTTLE_WINDOW = 300
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert page_login("kefu", "wrong-password").status_code == 400
        for _ in range(3):  # consistently refused, not "refused five times and then accepted"
            resp = page_login("kefu", PASSWORD)
            assert resp.status_code == 400 and "登录失败次数过多" in resp.content.decode()
    if shared_cache == "redis":
        return  # Redis expires keys on its own clock: the window is checked on the database cache
    with time_machine.travel(start + dt.timedelta(seconds=299), tick=False):
        assert page_login("kefu", PASSWORD).status_code == 400
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        assert page_login("kefu", PASSWORD).status_code == 302


def test_token_lockout_is_429_for_the_right_password_then_200_after_the_window(demo, settings, shared_cache):
    settings.LOGIN_THROTTLE_LIMIT = 5
    settings.LOGIN_THROTTLE_WINDOW = 120
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert token("gc", "nope").status_code == 401
        for _ in range(3):
            resp = token("gc", PASSWORD)
            assert resp.status_code == 429 and resp.json()["detail"]
    if shared_cache == "redis":
        return
    with time_machine.travel(start + dt.timedelta(seconds=121), tick=False):
        assert token("gc", PASSWORD).status_code == 200


def test_redis_slots_expire_with_the_window(demo, settings, redis_cache):
    settings.LOGIN_THROTTLE_WINDOW = 90
    token("gc", "nope")
    ttls = [redis_cache.ttl(key) for key in redis_cache.scan_iter(f"{cache.key_prefix}:*")]
    assert len(ttls) == 2 and all(0 < ttl <= 90 for ttl in ttls)  # one slot for the name, one for the address


def test_page_and_token_share_one_count(demo, settings):
    settings.LOGIN_THROTTLE_LIMIT = 4
    for _ in range(2):
        page_login("kefu", "wrong-password")
        token("kefu", "wrong-password")
    assert token("kefu", PASSWORD).status_code == 429
    assert page_login("kefu", PASSWORD).status_code == 400


def test_lockout_is_per_name_and_address(demo, settings):
    settings.LOGIN_THROTTLE_LIMIT = 5
    for _ in range(5):
        token("kefu", "wrong", REMOTE_ADDR="203.0.113.7")
    assert token("kefu", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    # The same name from another address, and another name from the same address, still log in:
    # a stranger cannot lock a colleague out by guessing at their name.
    assert token("kefu", PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 200
    assert token("diaodu", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 200


def test_name_is_matched_without_case_or_spaces(demo, settings):
    settings.LOGIN_THROTTLE_LIMIT = 3
    for name in ("kefu", "KEFU", " Kefu "):
        token(name, "wrong")
    assert token("kefu", PASSWORD).status_code == 429


def test_an_address_trying_many_names_is_stopped(demo, settings):
    settings.LOGIN_THROTTLE_LIMIT = 2
    for i in range(20):  # 2 × 10: the address's budget over all names
        assert token(f"guess{i}", "demo12345", REMOTE_ADDR="203.0.113.9").status_code == 401
    assert token("kefu", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert token("kefu", PASSWORD, REMOTE_ADDR="203.0.113.10").status_code == 200


def test_success_forgives_earlier_failures_of_that_name(demo, settings):
    settings.LOGIN_THROTTLE_LIMIT = 3
    token("kefu", "wrong")
    token("kefu", "wrong")
    assert token("kefu", PASSWORD).status_code == 200
    token("kefu", "wrong")
    token("kefu", "wrong")
    assert token("kefu", PASSWORD).status_code == 200


def test_concurrent_failures_are_all_counted(demo, settings, redis_cache):
    """Each failure claims its own slot with an atomic add: failures arriving
    together (other workers, other machines) are not lost as with a
    read-then-write counter."""
    settings.LOGIN_THROTTLE_LIMIT = 8
    request = RequestFactory().post("/login/", REMOTE_ADDR="203.0.113.50")
    barrier = threading.Barrier(8)

    def fail():
        barrier.wait()
        login_failed(request, "kefu")

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not login_allowed(request, "kefu")
    assert len(list(redis_cache.scan_iter(f"{cache.key_prefix}:*pair*"))) == 8


# ---------------------------------------------------------------- the client address


def meta_request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(meta_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_forwarded_for_is_ignored_from_an_untrusted_peer(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(meta_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_trusted_proxy_names_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.5/32"]
    assert client_address(meta_request("10.1.2.3", "198.51.100.1")) == "198.51.100.1"
    # A client-written entry to the left of the proxy's is not believed.
    assert client_address(meta_request("10.1.2.3", "6.6.6.6, 198.51.100.1")) == "198.51.100.1"
    # A chain of trusted proxies: the first untrusted entry from the right.
    assert client_address(meta_request("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.168.1.5")) == "198.51.100.1"
    # Ports and IPv6.
    assert client_address(meta_request("10.1.2.3", "198.51.100.1:51234")) == "198.51.100.1"
    assert client_address(meta_request("10.1.2.3", "[2001:db8::7]:443")) == "2001:db8::7"
    # No header or garbage: the proxy itself (never a value the client chose).
    assert client_address(meta_request("10.1.2.3")) == "10.1.2.3"
    assert client_address(meta_request("10.1.2.3", "not-an-address")) == "10.1.2.3"
    assert client_address(meta_request("10.1.2.3", "6.6.6.6, garbage")) == "10.1.2.3"


def test_lockout_behind_a_trusted_proxy_follows_the_real_client(demo, settings):
    settings.LOGIN_THROTTLE_LIMIT = 3
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    for _ in range(3):
        token("kefu", "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert token("kefu", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # Another client behind the same proxy is not locked out …
    assert token("kefu", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    # … and the locked-out one cannot escape by writing a header of its own.
    resp = token("kefu", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.1")
    assert resp.status_code == 429


def test_without_trusted_proxies_a_forged_header_changes_nothing(demo, settings):
    settings.LOGIN_THROTTLE_LIMIT = 3
    settings.TRUSTED_PROXIES = []
    for i in range(3):
        token("kefu", "wrong", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert token("kefu", PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429
