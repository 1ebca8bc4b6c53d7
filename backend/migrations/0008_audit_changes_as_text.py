"""The history's ``changes`` written as the text it holds (``core.db.TextJSONEncoder``).

Only how Python writes the JSON changes, not the column: a state change alone. On SQLite an
``AlterField`` would rebuild the table, and the rebuilt table would lose the triggers that keep
the audit trail unchangeable (migration 0003)."""
import core.db
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('backend', '0007_province'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditentry',
                    name='changes',
                    field=models.JSONField(blank=True, default=dict, encoder=core.db.TextJSONEncoder,
                                           verbose_name='变更内容'),
                ),
            ],
            database_operations=[],
        ),
    ]
