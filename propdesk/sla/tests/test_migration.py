"""Migration sla 0004: every timer, escalation and notification that pointed at
a ticket points at the same ticket through the generic columns afterwards (no
history lost); notifications get the ticket's project and number; webhook
deliveries point at the project's webhook; migrating back restores ticket_id."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from propdesk.sla.tests.helpers import cst, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("sla", "0003_timer_timer_running_ticket_idx")]
AFTER = [("sla", "0004_generic_records")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_0004_copies_every_ticket_id_and_migrating_back_restores_them(demo):
    made = [make_ticket(demo, at=cst(2026, 11, 23, 10, i), kind="emergency") for i in range(2)]
    try:
        old = _migrate(BEFORE)
        Ticket = old.get_model("tickets", "Ticket")
        Timer = old.get_model("sla", "Timer")
        Notification = old.get_model("sla", "Notification")
        Escalation = old.get_model("sla", "Escalation")
        # migrating back kept every row, each with its ticket_id
        assert sorted(set(Timer.objects.values_list("ticket_id", flat=True))) == sorted(t.pk for t in made)
        assert Notification.objects.filter(ticket_id__isnull=True).count() == 0
        # rows written by the old code: a ticket with a timer, an escalation, a
        # notification and a webhook delivery, and a notification about nothing
        ticket = Ticket.objects.create(
            project_id=demo.pk, number=99, kind="repair", description="旧数据", created_at=timezone.now()
        )
        timer = Timer.objects.create(ticket=ticket, metric="follow_1", due_at=timezone.now(), state="breached")
        staff = old.get_model("core", "Staff").objects.get(user__username="gc_zg")
        step = Escalation.objects.create(ticket=ticket, timer=timer, level=20, recipient=staff, reason="breach")
        note = Notification.objects.create(
            recipient_id=staff.user_id, kind="breach", ticket=ticket, escalation=step, message="旧通知"
        )
        Notification.objects.create(recipient_id=staff.user_id, kind="breach", message="无工单")
        hook = old.get_model("sla", "Webhook").objects.create(project_id=demo.pk, url="https://x.example/h", secret="k")
        old.get_model("sla", "Delivery").objects.create(notification=note, channel="webhook", target=hook.url)
        counts = {name: old.get_model("sla", name).objects.count() for name in ("Timer", "Escalation", "Notification")}

        new = _migrate(AFTER)
        ct = ContentType.objects.get(app_label="tickets", model="ticket")
        for name, count in counts.items():
            model = new.get_model("sla", name)
            assert model.objects.count() == count  # nothing lost
        Timer = new.get_model("sla", "Timer")
        assert Timer.objects.filter(content_type_id=ct.pk).count() == counts["Timer"]
        assert Timer.objects.get(pk=timer.pk).record_id == ticket.pk
        assert new.get_model("sla", "Escalation").objects.get(pk=step.pk).record_id == ticket.pk
        copied = new.get_model("sla", "Notification").objects.get(pk=note.pk)
        assert (copied.content_type_id, copied.record_id, copied.project_id, copied.title) == (
            ct.pk,
            ticket.pk,
            demo.pk,
            "DEMO-99",
        )
        nothing = new.get_model("sla", "Notification").objects.get(message="无工单")
        assert (nothing.content_type_id, nothing.record_id, nothing.title) == (None, None, "")
        assert new.get_model("sla", "Delivery").objects.get().webhook_id == hook.pk
        for t in made:
            assert (
                Timer.objects.filter(content_type_id=ct.pk, record_id=t.pk).count() == 3
            )  # forward, follow_1, follow_2
    finally:
        _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "sla"]
