# The schools each write changed (workforce.dataversion): their table here; the triggers that fill
# it are (re)installed with the versions' after every migrate (WorkforceConfig's post_migrate).

from django.db import migrations


def create(apps, schema_editor):
    from workforce import dataversion

    dataversion.create_dirty_table(schema_editor.connection)


def drop(apps, schema_editor):
    from workforce import dataversion

    dataversion.drop_dirty_table(schema_editor.connection)
    dataversion.install_triggers(schema_editor.connection)  # the versions' triggers alone again


class Migration(migrations.Migration):

    dependencies = [
        ('workforce', '0010_data_version'),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
