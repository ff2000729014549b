"""The background sender: deliveries leave after commit, off the request.

`after_commit(ids)` registers, in the caller's transaction, the hand-over of
these delivery rows once it commits:
- with a broker (`CELERY_BROKER_URL`), a Celery task (`propdesk.sla.deliver`)
  sends them on a worker;
- without one, an in-process queue read by one daemon thread (started on
  first use) sends them; the request that caused them has long answered.
Either way a delivery that is not sent (the process died, the broker was
down, the far end failed) stays due in its row and the scheduler's sweep
retries it (`notify.deliver_due`); the claim in `notify.deliver` makes sure
two senders never send the same delivery.

`PROPDESK_DELIVERY_INLINE = True` (tests of the delivery rules only) sends in
the on-commit callback instead."""

from __future__ import annotations

import logging
import queue
import threading
import time

from django.conf import settings
from django.db import connections, transaction

log = logging.getLogger(__name__)

_queue: queue.Queue[list[int]] = queue.Queue()
_thread: threading.Thread | None = None
_start_lock = threading.Lock()


def after_commit(ids: list[int]) -> None:
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: submit(ids))


def submit(ids: list[int]) -> None:
    """Hand committed deliveries to whoever sends them (never sends here)."""
    from propdesk.sla import notify

    if getattr(settings, "PROPDESK_DELIVERY_INLINE", False):
        notify.deliver_ids(ids)
        return
    if getattr(settings, "CELERY_BROKER_URL", ""):
        from propdesk.celery import app

        try:  # sla.tasks.deliver on a worker; the web process needs no task import
            app.send_task("propdesk.sla.deliver", args=(ids,))
        except Exception:  # the broker is away: the rows stay due, the sweep retries them
            log.exception("could not queue deliveries %s", ids)
        return
    _ensure_thread()
    _queue.put(ids)


def _ensure_thread() -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    with _start_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="propdesk-sender", daemon=True)
            _thread.start()


def _work() -> None:
    from propdesk.sla import notify

    while True:
        ids = _queue.get()
        try:
            notify.deliver_ids(ids)
        except Exception:  # pragma: no cover - deliver_ids logs per delivery already
            log.exception("sending deliveries %s failed", ids)
        finally:
            connections.close_all()  # this thread's connections only: no idle connection held between sends
            _queue.task_done()


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until the in-process queue is empty and nothing is being sent
    (tests, orderly shutdown). True when idle."""
    deadline = time.monotonic() + timeout
    while _queue.unfinished_tasks:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
