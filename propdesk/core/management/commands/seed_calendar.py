"""`manage.py seed_calendar [--project CODE] [--year Y]`: public holidays and
make-up working days (调休) from chinese-calendar into project calendars.
Idempotent; dates a manager entered by hand are never overwritten."""

from django.core.management.base import BaseCommand, CommandError

from propdesk.core.models import Project
from propdesk.core.services import calendar_known_until, calendar_seed


class Command(BaseCommand):
    help = "Seed project calendars with Chinese public holidays and make-up working days (chinese-calendar)."

    def add_arguments(self, parser):
        parser.add_argument("--project", help="project code (default: every active project)")
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            help="only this year (repeatable; default: every year chinese-calendar knows)",
        )

    def handle(self, *args, project=None, year=None, **options):
        known_until = calendar_known_until()
        if year:
            unknown = [y for y in year if y > known_until]
            if unknown:
                raise CommandError(
                    f"chinese-calendar knows the holidays only up to {known_until}; "
                    f"{', '.join(map(str, unknown))} must be entered by a manager on the calendar page "
                    f"(/estate/calendar/?year={unknown[0]}) or after upgrading chinese-calendar."
                )
        projects = Project.objects.filter(is_active=True)
        if project:
            projects = projects.filter(code=project)
            if not projects.exists():
                raise CommandError(f"no active project with code {project!r}")
        for p in projects:
            added = calendar_seed(project=p, years=year)
            self.stdout.write(f"{p.code}: {added} dates added")
        self.stdout.write(f"chinese-calendar knows public holidays up to {known_until}.")
