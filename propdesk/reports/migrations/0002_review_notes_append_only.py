from django.db import migrations

from propdesk.core.appendonly import append_only


class Migration(migrations.Migration):
    # T-2/T-13: review notes are a record; the database refuses UPDATE and DELETE.
    dependencies = [("reports", "0001_initial")]
    operations = [append_only("reports_reviewnote")]
