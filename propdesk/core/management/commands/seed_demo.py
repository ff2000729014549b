from django.core.management.base import BaseCommand

from propdesk.core.demo import DEMO_PASSWORD, USERS, seed_demo


class Command(BaseCommand):
    help = "Create the demo project DEMO (阳光嘉园) with its users (idempotent). --scale N adds N units for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=0, help="also generate N units with residents")

    def handle(self, *args, scale=0, **options):
        project = seed_demo()
        if scale:
            from propdesk.core.demo_scale import seed_scale

            seed_scale(project, scale, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo project {project.code} ({project.name}) is ready."))
        self.stdout.write(f"Demo logins (demo credentials, password {DEMO_PASSWORD}):")
        for username, name, dept, *_ in USERS:
            self.stdout.write(f"  {username:8} {name} {dept or ''}")
        self.stdout.write("  yz       owner of 1-1-101 (resident portal)")
