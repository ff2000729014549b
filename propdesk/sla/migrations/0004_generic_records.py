"""Deadlines, escalations and notifications point at any record: a content
type and a record id instead of a foreign key to tickets. Every existing
`ticket_id` is copied into the generic columns before the old column goes (no
history lost); notifications also get their project and the record's title
("DEMO-4"). A project may have several webhooks, each with its transport; the
one a project had becomes its first, and past webhook deliveries point at it."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat

TICKET = {"app_label": "tickets", "model": "ticket"}


def _checks_now(schema_editor):
    """PostgreSQL checks the new foreign keys at commit; the columns are altered
    in this same transaction, which it refuses while checks are pending."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def copy_ticket_ids(apps, schema_editor):
    Timer = apps.get_model("sla", "Timer")
    Escalation = apps.get_model("sla", "Escalation")
    Notification = apps.get_model("sla", "Notification")
    Delivery = apps.get_model("sla", "Delivery")
    Webhook = apps.get_model("sla", "Webhook")
    Ticket = apps.get_model("tickets", "Ticket")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not (Timer.objects.exists() or Escalation.objects.exists() or Notification.objects.exists()):
        return
    ct, _ = ContentType.objects.get_or_create(**TICKET)
    Timer.objects.update(content_type_id=ct.pk, record_id=F("ticket_id"))
    Escalation.objects.update(content_type_id=ct.pk, record_id=F("ticket_id"))
    ticket = Ticket.objects.filter(pk=OuterRef("ticket_id"))
    Notification.objects.filter(ticket__isnull=False).update(
        content_type_id=ct.pk,
        record_id=F("ticket_id"),
        project_id=Subquery(ticket.values("project_id")[:1]),
        title=Subquery(
            ticket.annotate(
                shown=Concat("project__code", Value("-"), Cast("number", CharField()), output_field=CharField())
            ).values("shown")[:1]
        ),
    )
    for hook in Webhook.objects.all():
        Delivery.objects.filter(
            channel="webhook", webhook__isnull=True, notification__project_id=hook.project_id
        ).update(webhook_id=hook.pk)
    _checks_now(schema_editor)


def copy_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ct = ContentType.objects.filter(**TICKET).first()
    if ct is None:
        return
    for name in ("Timer", "Escalation", "Notification"):
        model = apps.get_model("sla", name)
        model.objects.filter(content_type_id=ct.pk).update(ticket_id=F("record_id"))
    _checks_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_search_indexes"),
        ("tickets", "0003_ticket_details_instructions"),
        ("sla", "0003_timer_timer_running_ticket_idx"),
    ]

    operations = [
        # 1. The generic columns, empty, beside the old ones.
        migrations.AddField(
            model_name="timer",
            name="content_type",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(model_name="timer", name="record_id", field=models.BigIntegerField(null=True)),
        migrations.AddField(
            model_name="escalation",
            name="content_type",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(model_name="escalation", name="record_id", field=models.BigIntegerField(null=True)),
        migrations.AddField(
            model_name="notification",
            name="content_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="notification", name="record_id", field=models.BigIntegerField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="notification",
            name="project",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.project"
            ),
        ),
        migrations.AddField(
            model_name="notification", name="title", field=models.CharField(blank=True, max_length=100)
        ),
        # Several webhooks per project, each with its transport.
        migrations.AlterField(
            model_name="webhook",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="sla_webhooks", to="core.project"
            ),
        ),
        migrations.AddField(
            model_name="webhook", name="transport", field=models.CharField(default="signed_json", max_length=16)
        ),
        migrations.AddField(model_name="webhook", name="name", field=models.CharField(blank=True, max_length=100)),
        migrations.AlterField(model_name="webhook", name="secret", field=models.CharField(blank=True, max_length=200)),
        migrations.AlterModelOptions(name="webhook", options={"ordering": ["project", "id"]}),
        migrations.AddField(
            model_name="delivery",
            name="webhook",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="sla.webhook",
            ),
        ),
        # The old ticket columns may be empty from now on (and when migrating back).
        migrations.AlterField(
            model_name="timer",
            name="ticket",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="timers", to="tickets.ticket"
            ),
        ),
        migrations.AlterField(
            model_name="escalation",
            name="ticket",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="escalations", to="tickets.ticket"
            ),
        ),
        # 2. Copy every ticket id into the generic columns.
        migrations.RunPython(copy_ticket_ids, copy_back),
        # 3. The old constraints, indexes and columns go.
        migrations.RemoveConstraint(model_name="delivery", name="sla_delivery_once_per_channel"),
        migrations.RemoveConstraint(model_name="escalation", name="sla_escalation_once_per_person"),
        migrations.RemoveConstraint(model_name="timer", name="timer_ticket_metric_unique"),
        migrations.RemoveIndex(model_name="escalation", name="sla_escalation_recipient_idx"),
        migrations.RemoveIndex(model_name="timer", name="timer_running_ticket_idx"),
        migrations.RemoveField(model_name="timer", name="ticket"),
        migrations.RemoveField(model_name="escalation", name="ticket"),
        migrations.RemoveField(model_name="notification", name="ticket"),
        # 4. The generic columns are required where the old ones were.
        migrations.AlterField(
            model_name="timer",
            name="content_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AlterField(model_name="timer", name="record_id", field=models.BigIntegerField()),
        migrations.AlterField(
            model_name="escalation",
            name="content_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AlterField(model_name="escalation", name="record_id", field=models.BigIntegerField()),
        migrations.AlterField(model_name="timer", name="metric", field=models.CharField(max_length=32)),
        migrations.AlterField(model_name="notification", name="kind", field=models.CharField(max_length=32)),
        migrations.AlterModelOptions(name="timer", options={"ordering": ["record_id", "due_at", "id"]}),
        migrations.AlterModelOptions(name="escalation", options={"ordering": ["record_id", "created_at", "id"]}),
        # 5. Indexes for every query on the generic columns.
        migrations.AddConstraint(
            model_name="timer",
            constraint=models.UniqueConstraint(
                fields=("content_type", "record_id", "metric"), name="sla_timer_record_metric_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="timer",
            index=models.Index(
                condition=models.Q(("state", "running")),
                fields=["content_type", "record_id", "due_at"],
                name="timer_running_record_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="escalation",
            constraint=models.UniqueConstraint(
                fields=("content_type", "record_id", "recipient"), name="sla_escalation_once_per_person"
            ),
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(fields=["recipient", "content_type", "record_id"], name="sla_escalation_recipient_idx"),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("webhook__isnull", True)),
                fields=("notification", "channel"),
                name="sla_delivery_once_per_channel",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("webhook__isnull", False)),
                fields=("notification", "webhook"),
                name="sla_delivery_once_per_webhook",
            ),
        ),
    ]
