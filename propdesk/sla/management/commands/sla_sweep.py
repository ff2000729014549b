from django.core.management.base import BaseCommand

from propdesk.sla.sweep import run_sweep


class Command(BaseCommand):
    help = "Apply all due breaches and escalations, retry due deliveries, and exit (idempotent, concurrency-safe)."

    def handle(self, *args, **options):
        result = run_sweep()
        self.stdout.write(str(result))
