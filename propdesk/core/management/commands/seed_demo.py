import time

from django.core.management.base import BaseCommand

from propdesk.core.demo import DEMO_PASSWORD, login_list, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo project DEMO (阳光嘉园) with its users (idempotent, no activity). "
        "--activity adds months of history (once); --scale N adds N units for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=0, help="also generate N units with residents")
        parser.add_argument(
            "--activity",
            action="store_true",
            help="also add about four months of realistic history through the services (once per project)",
        )

    def handle(self, *args, scale=0, activity=False, **options):
        project = seed_demo()
        if scale:
            from propdesk.core.demo_scale import seed_scale

            seed_scale(project, scale, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo project {project.code} ({project.name}) is ready."))
        if activity:
            from propdesk.core.demo_activity import seed_activity

            started = time.monotonic()
            self.stdout.write("Demo activity:")
            seed_activity(project, stdout=self.stdout)
            self.stdout.write(f"Demo activity done in {time.monotonic() - started:.1f} s.")
        self.stdout.write(f"Demo logins (demo credentials, password {DEMO_PASSWORD}):")
        for username, who in login_list():
            self.stdout.write(f"  {username:8} {who}")
