"""Database-level append-only tables: triggers that refuse UPDATE and DELETE,
on SQLite and PostgreSQL alike. Used from migrations:

    operations = [append_only("core_auditlog")]

Even raw SQL through another client is refused; the only way around is to
drop the trigger, which a migration would have to do on purpose."""

from django.db import migrations

MESSAGE = "append-only table: UPDATE and DELETE are refused"

# Every table protected by append_only(); the test-database flush needs them.
APPEND_ONLY_TABLES: list[str] = []


def _create(table: str):
    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END;"
                )
        elif vendor == "postgresql":
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION propdesk_refuse_change() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ': " + MESSAGE + "'; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION propdesk_refuse_change();"
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION propdesk_refuse_change();"
            )
        else:  # pragma: no cover - only the two supported databases
            raise RuntimeError(f"append-only triggers are not written for {vendor}")

    return forwards


def _drop(table: str):
    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_{op}"')
        elif vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"')

    return backwards


def append_only(table: str) -> migrations.RunPython:
    if table not in APPEND_ONLY_TABLES:
        APPEND_ONLY_TABLES.append(table)
    return migrations.RunPython(_create(table), _drop(table))


class _Editor:
    """The little of a schema editor that _create/_drop use."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql):
        with self.connection.cursor() as cursor:
            cursor.execute(sql)


def protected_tables(connection) -> list[str]:
    existing = set(connection.introspection.table_names())
    return [t for t in known_tables() if t in existing]


def known_tables() -> list[str]:
    """Tables with append_only() in any migration (loaded from the migration files)."""
    from django.db.migrations.loader import MigrationLoader

    if not APPEND_ONLY_TABLES:
        MigrationLoader(None, ignore_no_migrations=True)  # importing the migrations registers them
    return list(APPEND_ONLY_TABLES)


def drop_triggers(connection):
    for table in protected_tables(connection):
        _drop(table)(None, _Editor(connection))


def create_triggers(connection):
    for table in protected_tables(connection):
        _create(table)(None, _Editor(connection))
