"""`flush` that respects append-only history.

Django's test runner empties the database between transactional tests with
`flush`. On a test database this command lifts the append-only triggers for
the flush and puts them back; on any other database it refuses, because
flushing would destroy the audit trail and ticket histories (T-2)."""

from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from propdesk.core.appendonly import create_triggers, drop_triggers


def _is_test_database(connection) -> bool:
    name = str(connection.settings_dict.get("NAME") or "")
    return (
        name.startswith("test_")
        or "/test_" in name
        or "memory" in name
        or connection.settings_dict.get("TEST", {}).get("NAME") == name
    )


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        if not _is_test_database(connection):
            raise CommandError(
                "Refusing to flush: the audit trail and ticket histories are append-only. "
                "Drop and re-create the database instead if you really mean to start over."
            )
        drop_triggers(connection)
        try:
            return super().handle(**options)
        finally:
            create_triggers(connection)
