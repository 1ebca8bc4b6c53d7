# The data version of the dashboard's cache (workforce.dataversion): its table here; the triggers
# on the watched tables are installed after every migrate (WorkforceConfig's post_migrate receiver).

from django.db import migrations


def create(apps, schema_editor):
    from workforce import dataversion

    dataversion.create_table(schema_editor.connection)  # the rows and triggers: post_migrate


def drop(apps, schema_editor):
    from workforce import dataversion

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                           [f"{dataversion.TRIGGER_PREFIX}%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {dataversion.PG_FUNCTION}() CASCADE")
        cursor.execute(f"DROP TABLE IF EXISTS {dataversion.TABLE}")


class Migration(migrations.Migration):

    dependencies = [
        ('workforce', '0009_plans'),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
