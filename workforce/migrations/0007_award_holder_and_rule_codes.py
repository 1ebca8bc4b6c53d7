"""Issue 14 (every figure as DOMAIN.md defines it): an award records where its teacher taught on
the award date (乡村 honours are judged by it), backfilled from the teacher's current school — the
system keeps no school history, so that is the best known; rules whose value is a list of codes
(在岗在职的人员状态 100, 204, 205, 206); an indicator's partial coverage (高校生师比: 高职高专 only);
the invented 100% training completion target removed (the plan sets none)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def seed(apps, schema_editor):
    """The data of this migration; also run by ``tests.factories.ensure_reference_data``."""
    from workforce import reference_data as ref

    RuleSetting = apps.get_model("workforce", "RuleSetting")
    for key, label, codes, help_text in ref.CODE_RULE_SETTINGS:
        RuleSetting.objects.get_or_create(key=key, defaults=dict(label=label, value=None, codes=codes, help=help_text))
    PlanIndicator = apps.get_model("workforce", "PlanIndicator")
    for code, note in ref.INDICATOR_COVERAGE.items():
        PlanIndicator.objects.filter(code=code, coverage="").update(coverage=note)
    PlanIndicator.objects.filter(code__in=ref.INVENTED_INDICATORS).delete()


def backfill_holders(apps, schema_editor):
    """Awards to a teacher: the teacher's current school and teaching stage."""
    Award = apps.get_model("workforce", "Award")
    Teacher = apps.get_model("workforce", "Teacher")
    teacher = Teacher.objects.filter(pk=OuterRef("teacher_id"))
    Award.objects.filter(teacher__isnull=False, school_at_award__isnull=True).update(
        school_at_award=Subquery(teacher.values("school_id")[:1]),
        stage_at_award=Subquery(teacher.values("teaching_stage")[:1]),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('workforce', '0006_quota_proposal_transfers_and_two_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='award',
            name='school_at_award',
            field=models.ForeignKey(blank=True, help_text='授予日期当天教师所在学校，“乡村”荣誉按此判断；授予时自动记录，未记录的按教师当前学校', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workforce.school', verbose_name='授予时所在学校'),
        ),
        migrations.AddField(
            model_name='award',
            name='stage_at_award',
            field=models.CharField(blank=True, choices=[('preschool', '学前'), ('primary', '小学'), ('junior', '初中'), ('senior', '高中'), ('vocational', '中职'), ('higher', '高职高专'), ('special', '特教')], max_length=20, verbose_name='授予时任教学段'),
        ),
        migrations.AddField(
            model_name='planindicator',
            name='coverage',
            field=models.CharField(blank=True, help_text='系统只能统计部分口径时填写（如只含高职高专）；填写后只显示数值，不判断是否达标', max_length=200, verbose_name='口径说明'),
        ),
        migrations.AddField(
            model_name='rulesetting',
            name='codes',
            field=models.JSONField(blank=True, default=list, help_text='取值为一组代码的规则（如在岗在职的人员状态代码）', verbose_name='代码列表'),
        ),
        migrations.AlterField(
            model_name='rulesetting',
            name='value',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='取值'),
        ),
        migrations.RunPython(backfill_holders, migrations.RunPython.noop),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
