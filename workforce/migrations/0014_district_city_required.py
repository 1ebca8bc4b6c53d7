"""Every district now has its city (0013): the column is required; a district made without one in
a single-city installation joins the only city (``workforce.models.sole_city_id``). Its own
migration: PostgreSQL does not alter a table with the update of 0013 still pending."""
import django.db.models.deletion
from django.db import migrations, models

import workforce.models


class Migration(migrations.Migration):

    dependencies = [
        ("workforce", "0013_city"),
    ]

    operations = [
        migrations.AlterField(
            model_name="district",
            name="city",
            field=models.ForeignKey(default=workforce.models.sole_city_id, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="districts", to="workforce.city", verbose_name="所属城市"),
        ),
        migrations.AlterField(
            model_name="district",
            name="name",
            field=models.CharField(max_length=40, verbose_name="名称"),
        ),
        migrations.AddConstraint(
            model_name="district",
            constraint=models.UniqueConstraint(fields=("city", "name"), name="district_name_unique_in_city"),
        ),
    ]
