"""Serve propdesk on one machine: gunicorn for the web requests, and beside it
exactly one in-process scheduler for the periodic jobs (no broker needed).

This process owns both: it runs the scheduler thread itself and gunicorn as a
child in a process group of its own (so only one scheduler runs, however many
workers there are). SIGTERM/SIGINT stop gunicorn (gracefully / at once) and
then this process; whatever is left of the group after the grace period is
killed, so no worker keeps the port. If this process is killed outright, the
kernel sends gunicorn's master SIGTERM (parent-death signal), and gunicorn's
workers leave by themselves when their master is gone. If gunicorn dies, this
process exits with an error for the supervisor to restart both.

For several machines use gunicorn + Celery workers and beat instead (README)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from propdesk import scheduler

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    # Not Linux: no parent-death signal, but the supervisor's stop still stops the group.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def gunicorn_command(*, host: str, port: int, workers: int, threads: int, timeout: int, graceful: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "propdesk.wsgi:application",
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        str(graceful),
        "--chdir",
        str(settings.BASE_DIR),
        "--access-logfile",
        "-" if settings.SERVE_ACCESS_LOG else "/dev/null",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
    ]


class Command(BaseCommand):
    help = "Serve propdesk with gunicorn and the periodic-job scheduler (single machine)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (PROPDESK_WORKERS, 2)")
        parser.add_argument("--threads", type=int, default=None, help="threads per worker (PROPDESK_THREADS, 4)")
        parser.add_argument("--no-scheduler", action="store_true", help="serve only (Celery beat runs the jobs)")

    def handle(self, *args, host, port, workers, threads, no_scheduler, **options):
        workers = workers or settings.SERVE_WORKERS
        threads = threads or settings.SERVE_THREADS
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1")
        if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
            call_command("createcachetable", verbosity=0)  # the shared cache (login throttling); idempotent
        graceful = settings.SERVE_GRACEFUL_TIMEOUT
        command = gunicorn_command(
            host=host, port=port, workers=workers, threads=threads, timeout=settings.SERVE_TIMEOUT, graceful=graceful
        )
        # gunicorn first, the scheduler thread after: fork/exec before any thread exists.
        gunicorn = subprocess.Popen(command, start_new_session=True, preexec_fn=_die_with_parent)
        stopping: dict[str, float] = {}

        def forward(signum, frame):
            if "deadline" not in stopping:
                stopping["deadline"] = time.monotonic() + graceful + 5
            # SIGTERM: finish the requests in flight; SIGINT (Ctrl-C): stop now.
            _signal(gunicorn, signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGHUP, lambda signum, frame: _signal(gunicorn, signal.SIGHUP))  # reload the workers

        stop_jobs = None
        if not no_scheduler:
            stop_jobs = scheduler.start_in_background()
            jobs = ", ".join(f"{j.name} every {j.every_seconds}s" for j in scheduler.JOBS)
            self.stdout.write(f"Scheduler running: {jobs}")
        self.stdout.write(
            self.style.SUCCESS(
                f"propdesk is serving at http://{host}:{port}/ with gunicorn, {workers} workers × {threads} threads "
                "(Ctrl-C to stop)"
            )
        )
        if settings.DEBUG or settings.SHOW_DEMO_LOGINS:
            from propdesk.core.demo import DEMO_PASSWORD, login_names

            self.stdout.write(f"Demo logins (demo credentials): {', '.join(login_names())} — password {DEMO_PASSWORD}")
        self.stdout.flush()

        try:
            code = self._wait(gunicorn, stopping)
        finally:
            if stop_jobs is not None:
                stop_jobs.set()
            _kill_group(gunicorn)
        if "deadline" not in stopping:  # gunicorn ended without being asked: tell the supervisor
            raise CommandError(f"gunicorn exited unexpectedly (code {code})", returncode=code if code > 0 else 1)

    def _wait(self, gunicorn: subprocess.Popen, stopping: dict[str, float]) -> int:
        while True:
            try:
                return gunicorn.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                deadline = stopping.get("deadline")
                if deadline is not None and time.monotonic() > deadline:
                    self.stderr.write("gunicorn did not stop in time: killing it")
                    _kill_group(gunicorn)


def _signal(proc: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signum)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill whatever is left of gunicorn's process group (a stuck worker must not keep the port)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
