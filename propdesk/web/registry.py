"""What each app adds to the shell, the URLs, the API and the scheduler.

The shell (base.html, nav.html, the dashboards), `propdesk/urls.py`,
`propdesk/api.py` and `propdesk/scheduler.py` name no app: they read this
registry. An app contributes one `Part`, declared in its `parts.py`:

    PART = Part(
        app="frontdesk",
        urls="propdesk.frontdesk.urls", url_prefix="frontdesk/",
        api_router="propdesk.frontdesk.api:router",
        nav=[NavEntry(_("Visitors"), "frontdesk:visitors", when=FRONT_DESK, group="frontdesk", order=10)],
        widgets=[Widget("frontdesk.today", "frontdesk/_widget.html", context=today_widget, when=FRONT_DESK)],
        jobs=[Job("visitor_overstay", 300, "propdesk.frontdesk.sweep:run")],
    )

`parts.py` must import no models: it is read before the app registry is ready
(Celery beat builds its schedule from the jobs at import time). Parts are
discovered from INSTALLED_APPS on first use; `register()` adds one at any
time (an AppConfig.ready() may call it, and so do tests).

Who sees a navigation entry, a widget or a header item is a predicate on
`propdesk.common.rights.Actor` (a `Rule` works: `FRONT_DESK | MANAGER`)."""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from propdesk.common.rights import Actor

STAFF = "staff"  # the staff shell: search, project switcher, work pages
RESIDENT = "resident"  # the residents' portal

Predicate = Callable[[Actor], bool]


def everyone(actor: Actor) -> bool:
    return True


@dataclass(frozen=True)
class Job:
    """A periodic job: `target` ("module:function") every `every_seconds`,
    run by propdesk.scheduler (in-process) or Celery beat."""

    name: str
    every_seconds: int
    target: str  # "module:function"

    def run(self) -> object:
        import importlib

        module, _, func = self.target.partition(":")
        return getattr(importlib.import_module(module), func)()


@dataclass(frozen=True)
class NavGroup:
    """A heading in the menu; an app's entries usually form one group."""

    key: str
    label: Any  # lazy translated
    order: int = 100


@dataclass(frozen=True)
class NavEntry:
    label: Any  # lazy translated
    url_name: str  # "tickets:board"
    when: Predicate = everyone
    group: str = ""
    order: int = 100
    portal: str = STAFF
    # Arguments of the URL for this actor ("My details" → the resident's person id).
    url_args: Callable[[Actor], Sequence[Any]] | None = None
    query: str = ""  # appended to the URL ("year=2026")
    needs_project: bool = False  # shown only when a current project is chosen


@dataclass(frozen=True)
class Widget:
    """A card on a home page (the staff dashboard or the resident's home)."""

    name: str
    template: str
    # request -> the template's context, or None when there is nothing to show.
    context: Callable[[Any], dict | None] | None = None
    when: Predicate = everyone
    order: int = 100
    portal: str = STAFF


@dataclass(frozen=True)
class HeaderItem:
    """A small template in the top bar (the unread notifications count)."""

    template: str
    when: Predicate = everyone
    order: int = 100
    portal: str = STAFF


@dataclass(frozen=True)
class Part:
    """Everything one app adds to the site."""

    app: str
    urls: str | None = None  # dotted urlconf module
    url_prefix: str = ""  # "tickets/"; "" is the catch-all and is included last
    # "module:attribute" of a ninja Router, or several of them
    api_router: str | Sequence[str] | None = None
    nav: Iterable[NavEntry] = ()
    groups: Iterable[NavGroup] = ()
    widgets: Iterable[Widget] = ()
    header: Iterable[HeaderItem] = ()
    jobs: Iterable[Job] = ()
    # state code → tone of its status badge ("dispatched": "info"; propdesk.web.components)
    tones: Mapping[str, str] = field(default_factory=dict)
    order: int = 100

    def __post_init__(self):
        for name in ("nav", "groups", "widgets", "header", "jobs"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


class Registry:
    def __init__(self) -> None:
        self._parts: dict[str, Part] = {}
        self._discovered = False
        self._lock = threading.RLock()

    # ------------------------------------------------------------ filling

    def discover(self) -> None:
        """Import `<app>.parts` for every installed app that has one (once)."""
        if self._discovered:
            return
        with self._lock:
            if self._discovered:
                return
            from django.conf import settings

            for app in settings.INSTALLED_APPS:
                module = f"{app}.parts"
                try:
                    found = importlib.util.find_spec(module) is not None
                except ModuleNotFoundError:  # the app is a module, not a package
                    found = False
                if not found:
                    continue
                part = getattr(importlib.import_module(module), "PART", None)
                if part is not None and part.app not in self._parts:
                    self._add(part)
            self._discovered = True

    def register(self, part: Part) -> Part:
        self.discover()
        with self._lock:
            existing = self._parts.get(part.app)
            if existing is not None and existing is not part:
                raise ValueError(f"app {part.app!r} already has a registered part")
            self._add(part)
        return part

    def _add(self, part: Part) -> None:
        from propdesk.web.components import register_tones

        register_tones(part.tones)
        self._parts[part.app] = part

    def unregister(self, app: str) -> None:
        with self._lock:
            self._parts.pop(app, None)

    def parts(self) -> list[Part]:
        self.discover()
        return sorted(self._parts.values(), key=lambda p: (p.order, p.app))

    # ------------------------------------------------------------ reading

    def jobs(self) -> list[Job]:
        out: dict[str, Job] = {}
        for part in self.parts():
            for job in part.jobs:
                if job.name in out:
                    raise ValueError(f"periodic job {job.name!r} is registered twice")
                out[job.name] = job
        return list(out.values())

    def url_includes(self) -> list[tuple[str, str]]:
        """(prefix, urlconf) in inclusion order: the catch-all prefix "" last."""
        with_urls = [p for p in self.parts() if p.urls]
        return [(p.url_prefix, p.urls) for p in sorted(with_urls, key=lambda p: p.url_prefix == "")]

    def api_routers(self) -> list[Any]:
        routers = []
        for part in self.parts():
            names = [part.api_router] if isinstance(part.api_router, str) else list(part.api_router or ())
            for name in names:
                module, _, attr = name.partition(":")
                routers.append(getattr(importlib.import_module(module), attr or "router"))
        return routers

    def nav_groups(self) -> dict[str, NavGroup]:
        return {g.key: g for part in self.parts() for g in part.groups}

    def nav_entries(self, actor: Actor, portal: str) -> list[NavEntry]:
        entries = [e for part in self.parts() for e in part.nav if e.portal == portal and e.when(actor)]
        groups = self.nav_groups()

        def key(e: NavEntry):
            group = groups.get(e.group)
            return (group.order if group else 100, e.group, e.order)

        return sorted(entries, key=key)

    def widgets(self, actor: Actor, portal: str) -> list[Widget]:
        found = [w for part in self.parts() for w in part.widgets if w.portal == portal and w.when(actor)]
        return sorted(found, key=lambda w: (w.order, w.name))

    def header_items(self, actor: Actor, portal: str) -> list[HeaderItem]:
        found = [h for part in self.parts() for h in part.header if h.portal == portal and h.when(actor)]
        return sorted(found, key=lambda h: h.order)


registry = Registry()


@dataclass
class NavLink:
    """A navigation entry resolved for one request."""

    label: str
    url: str
    current: bool
    group: str = ""


@dataclass
class NavSection:
    key: str
    label: str
    links: list[NavLink] = field(default_factory=list)


def portal_of(actor: Actor) -> str | None:
    if actor.is_staff:
        return STAFF
    if actor.is_resident:
        return RESIDENT
    return None


def navigation(request, actor: Actor) -> list[NavSection]:
    """The menu of this request: sections in order, each with its links."""
    from django.urls import NoReverseMatch, reverse

    portal = portal_of(actor)
    if portal is None:
        return []
    has_project = getattr(request, "project", None) is not None
    groups = registry.nav_groups()
    sections: list[NavSection] = []
    for entry in registry.nav_entries(actor, portal):
        if entry.needs_project and not has_project:
            continue
        try:
            url = reverse(entry.url_name, args=list(entry.url_args(actor)) if entry.url_args else None)
        except NoReverseMatch:
            continue  # the app's URLs are not installed here
        if entry.query:
            url = f"{url}?{entry.query}"
        if not sections or sections[-1].key != entry.group:
            group = groups.get(entry.group)
            sections.append(NavSection(entry.group, str(group.label) if group else ""))
        sections[-1].links.append(NavLink(str(entry.label), url, request.path == url.split("?")[0], entry.group))
    return sections
