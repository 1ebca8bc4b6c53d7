"""The plan period as the first credit cycle (360 学时), and the next one."""
import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    TrainingCycle = apps.get_model("training", "TrainingCycle")
    for name, start, end in [
        ("2021—2025年周期", dt.date(2021, 1, 1), dt.date(2025, 12, 31)),
        ("2026—2030年周期", dt.date(2026, 1, 1), dt.date(2030, 12, 31)),
    ]:
        TrainingCycle.objects.update_or_create(name=name, defaults={"start": start, "end": end, "required_hours": 360})


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
