"""Login failures counted per (user name, address) and per address over all names (issue 12):
the lock falls on the pair that failed, not on the account everywhere."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("backend", "0004_audit_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="loginthrottle",
            name="username",
            field=models.CharField(blank=True, help_text="为空：该地址所有用户名的失败次数合计", max_length=150,
                                   verbose_name="用户名"),
        ),
        migrations.AddField(
            model_name="loginthrottle",
            name="address",
            field=models.CharField(blank=True, default="", max_length=45, verbose_name="来源地址"),
        ),
        migrations.AddConstraint(
            model_name="loginthrottle",
            constraint=models.UniqueConstraint(fields=("username", "address"), name="login_throttle_name_address"),
        ),
    ]
