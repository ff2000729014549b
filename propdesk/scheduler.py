"""Periodic jobs: each app declares its own in its `parts.py`
(propdesk.web.registry); this module runs them.

The default run (`manage.py serve`) calls them from one in-process thread; on
several machines Celery beat sends the same functions to workers (see
propdesk/celery.py). Every job must be idempotent and safe to run twice at
once, because a slow run can overlap the next one on another machine."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence

from propdesk.web.registry import Job  # noqa: F401 (scheduler.Job, as apps and Celery name it)

log = logging.getLogger(__name__)


class RegisteredJobs(Sequence):
    """Every registered app's jobs, read from the registry when used (so a
    part registered later is seen, and importing this module needs no apps)."""

    def _jobs(self) -> list[Job]:
        from propdesk.web.registry import registry

        return registry.jobs()

    def __getitem__(self, index):
        return self._jobs()[index]

    def __len__(self) -> int:
        return len(self._jobs())

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs())

    def __repr__(self) -> str:
        return f"JOBS({self._jobs()!r})"


JOBS: Sequence[Job] = RegisteredJobs()


def run_forever(stop: threading.Event, jobs: Sequence[Job] | None = None, tick: float = 1.0) -> None:
    jobs = list(jobs if jobs is not None else JOBS)
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
