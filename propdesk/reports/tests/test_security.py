"""Security rules of the report pages: the monthly Excel export keeps typed
text (review notes, the manager's comment) as text (no formula injection)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.reports import services
from propdesk.reports.tests import factories as f


@pytest.mark.django_db
def test_monthly_export_no_formula_injection(client, demo):
    ticket = f.ticket(demo, created_at=timezone.now())
    kefu = get_user_model().objects.get(username="kefu")
    evil = "=cmd|' /C calc'!A0"
    services.review_note_add(ticket=ticket, actor=kefu, week="2026-W48", text=evil)
    client.force_login(kefu)
    resp = client.get("/reports/monthly/export.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == evil]
    assert cells, "the note is in the export"
    assert all(c.data_type == "s" for c in cells)
