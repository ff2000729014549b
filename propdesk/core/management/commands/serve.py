"""Serve propdesk on one machine: a threaded WSGI server plus the in-process
scheduler for periodic jobs (no broker needed). For several machines use
gunicorn + Celery workers and beat instead (README, "Production")."""

from django.core.management.base import BaseCommand
from django.core.servers.basehttp import WSGIServer, get_internal_wsgi_application, run

from propdesk import scheduler


class Command(BaseCommand):
    help = "Serve propdesk with the periodic-job scheduler (single machine)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-scheduler", action="store_true")

    def handle(self, *args, host, port, no_scheduler, **options):
        if not no_scheduler:
            scheduler.start_in_background()
            jobs = ", ".join(f"{j.name} every {j.every_seconds}s" for j in scheduler.JOBS)
            self.stdout.write(f"Scheduler running: {jobs}")
        self.stdout.write(self.style.SUCCESS(f"propdesk is serving at http://{host}:{port}/ (Ctrl-C to stop)"))
        self.stdout.write(
            "Demo logins (demo credentials): kefu, diaodu, kefu_zg, gc, gc_zg, ba_zg, jl, fz, zjl, yz "
            "— password demo12345"
        )
        run(host, port, get_internal_wsgi_application(), threading=True, server_cls=WSGIServer)
