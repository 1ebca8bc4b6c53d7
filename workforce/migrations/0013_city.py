"""The level above the districts (issue 18): ``City``, and every district in one. The districts a
database already has are the installation's city (``CITY_CODE``/``CITY_NAME``, by default
连云港市 320700, the demo city of DOMAIN.md); a district's name is unique within its city."""
import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import workforce.models


def one_city(apps, schema_editor):
    City = apps.get_model("workforce", "City")
    District = apps.get_model("workforce", "District")
    alias = schema_editor.connection.alias
    if not District.objects.using(alias).filter(city__isnull=True).exists():
        return
    code, name = workforce.models.installation_city()
    city = City.objects.using(alias).get_or_create(code=code, defaults={"name": name})[0]
    District.objects.using(alias).filter(city__isnull=True).update(city=city)


class Migration(migrations.Migration):

    dependencies = [
        ("workforce", "0012_school_facts"),
    ]

    operations = [
        migrations.CreateModel(
            name="City",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=6, unique=True, validators=[django.core.validators.RegexValidator("^\\d{6}$", "区划代码应为6位数字")], verbose_name="区划代码")),
                ("name", models.CharField(max_length=40, unique=True, verbose_name="名称")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="排序")),
            ],
            options={
                "verbose_name": "城市",
                "verbose_name_plural": "城市",
                "ordering": ["order", "code"],
            },
        ),
        migrations.AddField(
            model_name="district",
            name="city",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="districts",
                                    to="workforce.city", verbose_name="所属城市"),
        ),
        migrations.RunPython(one_city, migrations.RunPython.noop),
    ]
