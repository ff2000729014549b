"""Issue 7 item 8: the shell, the URLs, the API and the scheduler learn about
apps from the registry. Adding an app is one `Part`: registered here for a
fake app, it shows in the menu, on the dashboard, in the top bar, serves its
pages and its API, and its job is scheduled — with no other edit."""

import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import clear_url_caches, path
from ninja import Router

from propdesk import scheduler
from propdesk.common.rights import FRONT_DESK
from propdesk.web.registry import HeaderItem, NavEntry, NavGroup, Part, Widget, registry

# ---------------------------------------------------------------- the fake app (this module is its urlconf)

app_name = "fakeapp"
CALLS = []


def fake_home(request):
    return HttpResponse("fake app home")


urlpatterns = [path("", fake_home, name="home")]

router = Router(tags=["fakeapp"])


@router.get("/fakeapp/ping", auth=None)
def ping(request):
    return {"pong": True}


def fake_job():
    CALLS.append("ran")
    return "ran"


FAKE = Part(
    app="fakeapp",
    order=50,
    urls=__name__,
    url_prefix="fakeapp/",
    api_router=f"{__name__}:router",
    groups=[NavGroup("fakeapp", "Fake group", order=50)],
    nav=[NavEntry("Fake desk", "fakeapp:home", when=FRONT_DESK, group="fakeapp")],
    widgets=[Widget("fakeapp.count", "fakeapp/_widget.html", context=lambda request: {"n": 7}, when=FRONT_DESK)],
    header=[HeaderItem("fakeapp/_header.html", when=FRONT_DESK)],
    jobs=[scheduler.Job("fake_job", 5, f"{__name__}:fake_job")],
)

FAKE_TEMPLATES = {
    "fakeapp/_widget.html": '<section class="card" id="fake-widget">fake widget {{ n }}</section>',
    "fakeapp/_header.html": '<span id="fake-header">fake header</span>',
}


def _templates_with_fakes():
    engine = dict(settings.TEMPLATES[0])
    options = dict(engine["OPTIONS"])
    options["loaders"] = [
        ("django.template.loaders.locmem.Loader", FAKE_TEMPLATES),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    engine.update(APP_DIRS=False, OPTIONS=options)
    return [engine]


def _reload_routes():
    import propdesk.api
    import propdesk.urls

    importlib.reload(propdesk.api)
    importlib.reload(propdesk.urls)
    clear_url_caches()


@pytest.fixture
def fake_app():
    registry.register(FAKE)
    _reload_routes()
    try:
        with override_settings(TEMPLATES=_templates_with_fakes()):
            yield FAKE
    finally:
        registry.unregister(FAKE.app)
        _reload_routes()


def logged_in(username):
    c = Client()
    assert c.post("/login/", {"username": username, "password": "demo12345"}).status_code == 302
    return c


def test_one_registration_adds_menu_widget_header_pages_api_and_job(fake_app, demo):
    page = logged_in("kefu").get("/").content.decode()
    assert 'href="/fakeapp/"' in page and "Fake desk" in page  # menu
    assert 'aria-label="Fake group"' in page  # its group
    assert 'id="fake-widget">fake widget 7<' in page  # dashboard widget with its context
    assert 'id="fake-header"' in page  # top bar

    # Who sees it is the part's predicate: engineering is not the front desk.
    other = logged_in("gc").get("/").content.decode()
    assert "Fake desk" not in other and "fake-widget" not in other and "fake-header" not in other

    assert logged_in("kefu").get("/fakeapp/").content == b"fake app home"  # urls.py included its urlconf
    assert Client().get("/api/v1/fakeapp/ping").json() == {"pong": True}  # api.py added its router

    job = next(j for j in scheduler.JOBS if j.name == "fake_job")  # the scheduler runs it
    assert job.every_seconds == 5 and job.run() == "ran" and CALLS


def test_without_the_registration_nothing_of_it_remains(demo):
    page = logged_in("kefu").get("/").content.decode()
    assert "Fake desk" not in page and "fake-widget" not in page
    assert Client().get("/fakeapp/").status_code == 404
    assert "fake_job" not in [j.name for j in scheduler.JOBS]


def test_the_real_apps_are_registered_the_same_way():
    apps = {p.app for p in registry.parts()}
    assert {"core", "tickets", "sla", "reports"} <= apps
    assert "sla_sweep" in [j.name for j in scheduler.JOBS]
    prefixes = [prefix for prefix, _urlconf in registry.url_includes()]
    assert prefixes[-1] == "" and prefixes.count("") == 1  # core's catch-all comes last


def test_a_second_part_for_the_same_app_is_refused():
    with pytest.raises(ValueError):
        registry.register(Part(app="tickets"))


SHELL_FILES = [
    "propdesk/urls.py",
    "propdesk/api.py",
    "propdesk/scheduler.py",
    "propdesk/templates/base.html",
    "propdesk/templates/nav.html",
    "propdesk/core/templates/core/dashboard.html",
    "propdesk/core/templates/core/resident_home.html",
    "propdesk/web/context_processors.py",
]


@pytest.mark.parametrize("name", SHELL_FILES)
def test_the_shell_names_no_app(name):
    source = (Path(settings.BASE_DIR) / name).read_text(encoding="utf-8")
    domain_apps = [p.app for p in registry.parts() if p.app != "core"]
    for app in domain_apps:
        assert not re.search(rf"\b{app}\b", source), f"{name} names the app {app!r}"
