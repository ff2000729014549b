"""`seed_demo --activity`: months of realistic history on top of the demo estate.

Each domain app registers its own seeder, usually from its AppConfig.ready():

    from propdesk.core import demo_activity
    demo_activity.register("tickets", "propdesk.tickets.demo:seed_activity")

A seeder is `fn(project, rng, now)`: it creates its records *through the
app's services* (never raw rows), at their own past times (time travel while
calling the services), up to `now`, and returns a summary for the console
(e.g. counts per status). Seeders run in the order they were registered, each
with its own random stream (seeded from the seeder's name, so adding a seeder
changes nothing in the others) and in its own transaction. A seeder that has
run for a project is recorded in the audit trail and never runs again there:
`--activity` twice adds nothing, and a seeder registered later by a new app
still runs on an estate seeded before it existed."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from propdesk.core.models import AuditLog, Project
from propdesk.core.services import audit_record

SEED = 20261201
MARKER = "demo.activity_seeded"

SeederFn = Callable[[Project, random.Random, dt.datetime], Any]


@dataclass(frozen=True)
class Seeder:
    name: str
    target: SeederFn | str  # the function, or "module:function" (imported when run)

    def resolve(self) -> SeederFn:
        if callable(self.target):
            return self.target
        module, _, func = self.target.partition(":")
        return getattr(importlib.import_module(module), func)


_SEEDERS: dict[str, Seeder] = {}


def register(name: str, fn: SeederFn | str) -> None:
    """Add a seeder (registering a name again replaces it, keeping its place)."""
    _SEEDERS[name] = Seeder(name, fn)


def seeders() -> list[Seeder]:
    return list(_SEEDERS.values())


def seeded_names(project: Project) -> set[str]:
    return set(AuditLog.objects.filter(project=project, action=MARKER).values_list("object_id", flat=True))


def seed_activity(project: Project, *, now: dt.datetime | None = None, seed: int = SEED, stdout=None) -> dict:
    """Run every registered seeder not yet run for `project`; {name: summary}."""
    now = now or timezone.now()
    done = seeded_names(project)
    results = {}
    for seeder in seeders():
        if seeder.name in done:
            if stdout:
                stdout.write(f"  {seeder.name}: already seeded, nothing added")
            continue
        rng = random.Random(f"{seed}:{project.code}:{seeder.name}")
        with transaction.atomic():
            summary = seeder.resolve()(project, rng, now)
            audit_record(
                actor=None,
                action=MARKER,
                object_type="demo.activity",
                object_id=seeder.name,
                project=project,
                new={"seed": seed, "summary": summary if isinstance(summary, dict | list | int | str) else None},
            )
        results[seeder.name] = summary
        if stdout:
            stdout.write(f"  {seeder.name}: {summary}")
    return results
