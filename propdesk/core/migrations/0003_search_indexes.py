"""Indexes for the global search (issue 2 item 7: < 100 ms with 100,000
residents on PostgreSQL). PostgreSQL only — SQLite has no trigram indexes and
answers the demo-sized searches by scanning.

- person name: a GIN index over the name's characters,
  `string_to_array(name, NULL)`: names are 2–4 Chinese characters and searched
  by 1–2 of them, too short for trigrams; `chars @> ARRAY['张','伟']` finds the
  candidates, `LIKE '%张伟%'` checks the order (selectors.person_search);
- person phones: one pg_trgm GIN index over `phone || ' ' || phone2` serves
  `LIKE '%fragment%'` for fragments of 3 digits and more (one expression: an OR
  of two indexed columns made the planner prefer a scan);
- unit code: a varchar_pattern_ops btree serves `code LIKE 'prefix%'` under any
  collation (selectors.unit_search).

`CREATE EXTENSION pg_trgm` needs a privileged role; where it is refused the
trigram indexes are skipped with a warning and search still works, by scan."""

import logging

from django.db import migrations, transaction

log = logging.getLogger(__name__)

TRIGRAM = [
    # The expression must stay identical to selectors.person_search's.
    ("core_person_phones_trgm", "core_person", '("phone" || \' \' || "phone2")'),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS core_unit_code_pattern ON "core_unit" ("project_id", "code" varchar_pattern_ops)'
    )
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS core_person_name_chars ON "core_person" USING gin (string_to_array("name", NULL))'
    )
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as error:  # insufficient privilege: search falls back to scans
        log.warning("pg_trgm is not available (%s): search will scan instead of using trigram indexes", error)
        return
    for name, table, column in TRIGRAM:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" USING gin (({column}) gin_trgm_ops)')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ["core_unit_code_pattern", "core_person_name_chars"] + [t[0] for t in TRIGRAM]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_auditlog_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
