"""The audit trail and ticket events are append-only in the database itself (T-2)."""

import pytest
from django.db import DatabaseError, connection, transaction

from propdesk.core.models import AuditLog
from propdesk.core.services import audit_record

pytestmark = pytest.mark.django_db


def _row(demo):
    return audit_record(
        actor=None,
        action="unit.updated",
        object_type="core.unit",
        object_id=1,
        project=demo,
        old={"state": "vacant"},
        new={"state": "occupied"},
    )


def test_audit_row_keeps_only_the_changed_values(demo):
    row = audit_record(
        actor=None,
        action="unit.updated",
        object_type="core.unit",
        object_id=1,
        project=demo,
        old={"state": "vacant", "floor": 1},
        new={"state": "occupied", "floor": 1},
    )
    assert row.old == {"state": "vacant"} and row.new == {"state": "occupied"}


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditlog SET action = 'forged' WHERE id = %s",
        "DELETE FROM core_auditlog WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_the_audit_trail(demo, sql):
    row = _row(demo)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [row.pk])
    assert AuditLog.objects.get(pk=row.pk).action == "unit.updated"


def test_orm_cannot_change_the_audit_trail(demo):
    row = _row(demo)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.filter(pk=row.pk, action="unit.updated").exists()
