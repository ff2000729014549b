"""Shared test fixtures: the demo estate of API.md, API clients per demo user,
and a Chromium for browser tests (Debian's, driven by Playwright)."""

import os

import pytest
from django.conf import settings

from propdesk.testing import ApiClient


def pytest_configure(config):
    # Fast hashing in tests only: the demo users are created once per session.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_THROTTLE_LIMIT = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL leg of `make test`")
        for item in items:
            if "pg" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from propdesk.core.demo import seed_demo

    with django_db_blocker.unblock():
        seed_demo()


@pytest.fixture
def demo(db):
    """The DEMO project (seeded once per session; transactional tests re-seed)."""
    from propdesk.core.demo import seed_demo
    from propdesk.core.models import Project

    project = Project.objects.filter(code="DEMO").first()
    return project or seed_demo()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def api_as(demo, client):
    """api_as("kefu") → an ApiClient holding a token for that demo user."""
    from django.test import Client

    def make(username):
        c = Client()
        resp = c.post(
            "/api/v1/auth/token", {"username": username, "password": "demo12345"}, content_type="application/json"
        )
        assert resp.status_code == 200, resp.content
        return ApiClient(c, resp.json()["token"])

    return make


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium. Missing Chromium is an error, never a silent skip."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium fonts-noto-cjk)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    from propdesk.core.demo import seed_demo

    seed_demo()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.base_url = live_server.url
    yield pg
    context.close()
