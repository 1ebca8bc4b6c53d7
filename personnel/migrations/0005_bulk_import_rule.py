"""The review rule of school HR's bulk imports: off until city HR turns it on (imports are written
at once, as before)."""
from django.db import migrations


def seed(apps, schema_editor):
    ReviewRule = apps.get_model("personnel", "ReviewRule")
    ReviewRule.objects.update_or_create(key="bulk_import", defaults={"label": "学校批量导入（整批审核）", "needs_review": False})


def unseed(apps, schema_editor):
    apps.get_model("personnel", "ReviewRule").objects.filter(key="bulk_import").delete()


class Migration(migrations.Migration):
    dependencies = [("personnel", "0004_import_batches")]
    operations = [migrations.RunPython(seed, unseed)]
