"""Shared by the bench scripts: their own PostgreSQL database, and filling
every NOT NULL column of a model in a set-based INSERT … SELECT, so a new
column never breaks a bench build."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def open_bench_database(name: str, *, keep: bool) -> bool:
    """Create (or, with keep, reuse) the PostgreSQL database `name`, point
    Django at it and set Django up. Returns True when the database is new."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not keep:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
            exists = None
        if not exists:
            admin.execute(f"CREATE DATABASE {name}")
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"{SERVER}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "propdesk.settings"
    import django

    django.setup()
    return not exists


def not_null_columns(model, special: dict[str, str], datetime_default: str) -> dict[str, str]:
    """Column → SQL expression: `special` by field name; other NOT NULL columns
    get a neutral filler (false, `datetime_default`, '', 0); nullable ones are
    left out."""
    from django.db import models

    cols = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.name in special:
            cols[f.column] = special[f.name]
        elif f.null:
            continue
        elif isinstance(f, models.BooleanField):
            cols[f.column] = "false"
        elif isinstance(f, models.DateTimeField):
            cols[f.column] = datetime_default
        elif isinstance(f, models.CharField | models.TextField):
            cols[f.column] = "''"
        elif isinstance(f, models.IntegerField | models.DecimalField):
            cols[f.column] = "0"
        else:
            raise SystemExit(f"bench: no filler for {model._meta.db_table}.{f.column}")
    return cols
