"""Periodic jobs, registered in one place.

The default run (`manage.py serve`) calls them from one in-process thread; on
several machines Celery beat sends the same functions to workers (see
propdesk/celery.py). Every job must be idempotent and safe to run twice at
once, because a slow run can overlap the next one on another machine."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    target: str  # "module:function"

    def run(self):
        module, _, func = self.target.partition(":")
        return getattr(importlib.import_module(module), func)()


JOBS: list[Job] = [
    Job("sla_sweep", 60, "propdesk.sla.sweep:run_sweep"),
]


def run_forever(stop: threading.Event, jobs: list[Job] | None = None, tick: float = 1.0) -> None:
    jobs = jobs or JOBS
    next_run = {job.name: 0.0 for job in jobs}
    while not stop.is_set():
        now = time.monotonic()
        for job in jobs:
            if now >= next_run[job.name]:
                next_run[job.name] = now + job.every_seconds
                try:
                    job.run()
                except Exception:  # one failing job must not stop the others
                    log.exception("periodic job %s failed", job.name)
                finally:
                    from django.db import close_old_connections

                    close_old_connections()
        stop.wait(tick)


def start_in_background() -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop,), name="propdesk-scheduler", daemon=True)
    thread.start()
    return stop
