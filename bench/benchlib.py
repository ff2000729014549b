"""Shared by the bench scripts: filling every NOT NULL column of a model in a
set-based INSERT … SELECT, so a new column never breaks a bench build."""

from django.db import models


def not_null_columns(model, special: dict[str, str], datetime_default: str) -> dict[str, str]:
    """Column → SQL expression: `special` by field name; other NOT NULL columns
    get a neutral filler (false, `datetime_default`, '', 0); nullable ones are
    left out."""
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
