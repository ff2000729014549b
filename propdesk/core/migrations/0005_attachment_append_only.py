from django.db import migrations

from propdesk.core.appendonly import append_only


class Migration(migrations.Migration):
    dependencies = [("core", "0004_attachment")]
    operations = [append_only("core_attachment")]
