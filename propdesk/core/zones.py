"""The time zone a request shows times in: its project's.

Pages activate the current project's zone (core.middleware). The API does
when the query names a project (`?project=DEMO`), with a `ProjectZone` that
learns the zone from the project row the endpoint loads anyway
(`core.permissions.project_for` calls `learn`), and reads it from the
database itself only if a time is converted before that: API calls keep
their query counts."""

from __future__ import annotations

import datetime as dt
import logging
from contextvars import ContextVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

log = logging.getLogger(__name__)
_REQUEST_ZONE: ContextVar[ProjectZone | None] = ContextVar("propdesk_project_zone", default=None)


def zone_named(name: str | None) -> dt.tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a bad zone in the data: the site's zone, not a 500
        log.warning("unknown time zone %r", name)
        return None


class ProjectZone(dt.tzinfo):
    """The zone of the project with `code`, known once the project is read."""

    def __init__(self, code: str):
        self.code = code
        self._zone: dt.tzinfo | None = None

    def learn(self, name: str | None) -> None:
        if self._zone is None:
            self._zone = zone_named(name) or timezone.get_default_timezone()

    def resolved(self) -> dt.tzinfo:
        if self._zone is None:
            from propdesk.core.models import Project

            self.learn(Project.objects.filter(code=self.code).values_list("time_zone", flat=True).first())
        return self._zone

    def utcoffset(self, moment):
        return self.resolved().utcoffset(moment)

    def dst(self, moment):
        return self.resolved().dst(moment)

    def tzname(self, moment):
        return self.resolved().tzname(moment)

    def fromutc(self, moment):
        zone = self.resolved()
        return zone.fromutc(moment.replace(tzinfo=zone))

    def __str__(self) -> str:
        return str(self.resolved())

    def __repr__(self) -> str:
        return f"ProjectZone({self.code!r})"


def activate_for_code(code: str) -> ProjectZone:
    """Activate the zone of the project `code` for this request (API)."""
    zone = ProjectZone(code)
    _REQUEST_ZONE.set(zone)
    timezone.activate(zone)
    return zone


def deactivate() -> None:
    _REQUEST_ZONE.set(None)
    timezone.deactivate()


def learn(project) -> None:
    """A project was read: if the request's zone is this project's, it is now known."""
    zone = _REQUEST_ZONE.get()
    if zone is not None and project is not None and zone.code == project.code:
        zone.learn(project.time_zone)
