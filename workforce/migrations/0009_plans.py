"""Issue 14 item 8 — plan periods as data: a ``Plan`` (period, baseline year, interim year, target
year) owns its indicators, so the next plan's targets are entered as rows (admin or Excel) and
the dashboard, the JSON, the export and the commands measure against the plan chosen. The 14th
plan (十四五, 2021–2025, baseline 2020, interim 2022, target 2025) holds the indicators seeded so
far. An indicator's value columns are now of the plan's years (``baseline``, ``interim``,
``target``); its code is one the measures compute (``choices.INDICATOR_SPECS``, a database
check too), and the code decides its table, stage, Table 2 level, unit and direction. Snapshots are stored as
compact UTF-8 JSON (a demo city stores one per school year and school)."""

import django.db.models.deletion
from django.db import migrations, models

import workforce.models

from workforce import choices as c


def seed(apps, schema_editor=None):
    """The plans of ``reference_data.PLANS`` and, for the 14th plan when it has none, its
    indicators (``tests.factories.ensure_reference_data`` runs this after a flush)."""
    from workforce import reference_data as ref

    Plan = apps.get_model("workforce", "Plan")
    PlanIndicator = apps.get_model("workforce", "PlanIndicator")
    for code, name, title, start, end, baseline, interim, target in ref.PLANS:
        Plan.objects.get_or_create(code=code, defaults=dict(
            name=name, title=title, start_year=start, end_year=end, baseline_year=baseline, interim_year=interim,
            target_year=target))
    plan = Plan.objects.get(code=ref.FOURTEENTH)
    if PlanIndicator.objects.filter(plan=plan).exists():
        return
    for order, row in enumerate(ref.INDICATORS, start=1):
        table, code, name, stage, measure, unit, v2020, v2022, target, kind, higher = row
        if code in ref.INVENTED_INDICATORS:
            continue
        PlanIndicator.objects.create(
            plan=plan, code=code, table=table, name=name, stage=stage, measure=measure, unit=unit, baseline=v2020,
            interim=v2022, target=target, kind=kind, higher_is_better=higher, order=order,
            coverage=ref.INDICATOR_COVERAGE.get(code, ""))


def plans_from_names(apps, schema_editor):
    """Each plan name in use becomes a ``Plan`` (十四五: the 14th plan's years); its indicators point at it.
    A code the measures do not compute stops the migration, named (it was being skipped in silence)."""
    from workforce import reference_data as ref

    Plan = apps.get_model("workforce", "Plan")
    PlanIndicator = apps.get_model("workforce", "PlanIndicator")
    unknown = sorted(set(PlanIndicator.objects.exclude(code__in=list(c.INDICATOR_SPECS)).values_list("code", flat=True)))
    if unknown:
        raise RuntimeError("规划指标中有系统不能计算的代码，请先在管理后台改正或删除：" + "、".join(unknown))
    fourteenth = {row[1]: row for row in ref.PLANS}["十四五"]
    names = sorted(set(PlanIndicator.objects.values_list("plan_name", flat=True))) or ["十四五"]
    for n, name in enumerate(names, start=1):
        code, _name, title, start, end, baseline, interim, target = fourteenth
        if name != "十四五":  # a name of the city's own: the 14th plan's years until someone corrects them
            code, title = f"plan-{n}", ""
        plan, _created = Plan.objects.get_or_create(name=name, defaults=dict(
            code=code, title=title, start_year=start, end_year=end, baseline_year=baseline, interim_year=interim,
            target_year=target))
        PlanIndicator.objects.filter(plan_name=name).update(plan=plan)
    for spec_code, spec in c.INDICATOR_SPECS.items():
        PlanIndicator.objects.filter(code=spec_code).update(
            table=spec.table, stage=spec.stage, measure=spec.measure, unit=spec.unit,
            higher_is_better=spec.higher_is_better)


def names_from_plans(apps, schema_editor):
    PlanIndicator = apps.get_model("workforce", "PlanIndicator")
    for row in PlanIndicator.objects.select_related("plan"):
        PlanIndicator.objects.filter(pk=row.pk).update(plan_name=row.plan.name)


class Migration(migrations.Migration):

    dependencies = [
        ('workforce', '0008_rural_kind_either'),
    ]

    operations = [
        migrations.CreateModel(
            name='Plan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(help_text='网址和命令中使用，如 14th、15th', max_length=20, unique=True, verbose_name='代码')),
                ('name', models.CharField(help_text='如 十四五、十五五', max_length=40, unique=True, verbose_name='名称')),
                ('title', models.CharField(blank=True, max_length=100, verbose_name='全称')),
                ('start_year', models.PositiveSmallIntegerField(verbose_name='起始年')),
                ('end_year', models.PositiveSmallIntegerField(verbose_name='结束年')),
                ('baseline_year', models.PositiveSmallIntegerField(help_text='指标“基线值”所属年份，如 2020', verbose_name='基线年')),
                ('interim_year', models.PositiveSmallIntegerField(blank=True, help_text='指标“中期值”所属年份（可空），如 2022', null=True, verbose_name='中期年')),
                ('target_year', models.PositiveSmallIntegerField(help_text='指标“目标值”所属年份，如 2025', verbose_name='目标年')),
            ],
            options={
                'verbose_name': '规划',
                'verbose_name_plural': '规划',
                'ordering': ['start_year'],
                'constraints': [
                    models.CheckConstraint(condition=models.Q(('start_year__lte', models.F('end_year'))), name='plan_period_order', violation_error_message='结束年不能早于起始年。'),
                    models.CheckConstraint(condition=models.Q(('baseline_year__lt', models.F('target_year'))), name='plan_baseline_before_target', violation_error_message='基线年须早于目标年。'),
                    models.CheckConstraint(condition=models.Q(('interim_year__isnull', True), models.Q(('interim_year__gt', models.F('baseline_year')), ('interim_year__lt', models.F('target_year'))), _connector='OR'), name='plan_interim_between', violation_error_message='中期年须在基线年与目标年之间。'),
                ],
            },
        ),
        migrations.RemoveConstraint(model_name='planindicator', name='indicator_code_unique'),
        migrations.RenameField(model_name='planindicator', old_name='plan', new_name='plan_name'),
        migrations.AddField(
            model_name='planindicator',
            name='plan',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='indicators', to='workforce.plan', verbose_name='规划'),
        ),
        migrations.RunPython(plans_from_names, names_from_plans),
        migrations.RemoveField(model_name='planindicator', name='plan_name'),
        migrations.AlterField(
            model_name='planindicator',
            name='plan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='indicators', to='workforce.plan', verbose_name='规划'),
        ),
        migrations.RenameField(model_name='planindicator', old_name='value_2020', new_name='baseline'),
        migrations.RenameField(model_name='planindicator', old_name='value_2022', new_name='interim'),
        migrations.AlterField(
            model_name='planindicator',
            name='baseline',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='规划基线年的数值（如 2020 年）', max_digits=10, null=True, verbose_name='基线值'),
        ),
        migrations.AlterField(
            model_name='planindicator',
            name='code',
            field=models.CharField(choices=[('t2_preschool_associate', 't2_preschool_associate · 表2 学前教师专科及以上学历（学位）'), ('t2_preschool_bachelor', 't2_preschool_bachelor · 表2 学前教师本科及以上学历（学位）'), ('t2_preschool_postgraduate', 't2_preschool_postgraduate · 表2 学前教师研究生学历（学位）'), ('t2_primary_associate', 't2_primary_associate · 表2 小学教师专科及以上学历（学位）'), ('t2_primary_bachelor', 't2_primary_bachelor · 表2 小学教师本科及以上学历（学位）'), ('t2_primary_postgraduate', 't2_primary_postgraduate · 表2 小学教师研究生学历（学位）'), ('t2_junior_associate', 't2_junior_associate · 表2 初中教师专科及以上学历（学位）'), ('t2_junior_bachelor', 't2_junior_bachelor · 表2 初中教师本科及以上学历（学位）'), ('t2_junior_postgraduate', 't2_junior_postgraduate · 表2 初中教师研究生学历（学位）'), ('t2_senior_associate', 't2_senior_associate · 表2 高中教师专科及以上学历（学位）'), ('t2_senior_bachelor', 't2_senior_bachelor · 表2 高中教师本科及以上学历（学位）'), ('t2_senior_postgraduate', 't2_senior_postgraduate · 表2 高中教师研究生学历（学位）'), ('t2_vocational_associate', 't2_vocational_associate · 表2 中职教师专科及以上学历（学位）'), ('t2_vocational_bachelor', 't2_vocational_bachelor · 表2 中职教师本科及以上学历（学位）'), ('t2_vocational_postgraduate', 't2_vocational_postgraduate · 表2 中职教师研究生学历（学位）'), ('t2_higher_associate', 't2_higher_associate · 表2 高职高专教师专科及以上学历（学位）'), ('t2_higher_bachelor', 't2_higher_bachelor · 表2 高职高专教师本科及以上学历（学位）'), ('t2_higher_postgraduate', 't2_higher_postgraduate · 表2 高职高专教师研究生学历（学位）'), ('t1_ptr_primary', 't1_ptr_primary · 表1 生师比（小学）'), ('t1_ptr_junior', 't1_ptr_junior · 表1 生师比（初中）'), ('t1_ptr_senior', 't1_ptr_senior · 表1 生师比（高中）'), ('t1_ptr_higher', 't1_ptr_higher · 表1 生师比（高校）'), ('rotation_ratio', 'rotation_ratio · 义务教育教师交流轮岗比例'), ('rotation_backbone_share', 'rotation_backbone_share · 交流轮岗教师中骨干教师比例'), ('new_teachers_per_year', 'new_teachers_per_year · 每年补充新教师'), ('dual_qualified_share', 'dual_qualified_share · 中职“双师型”教师比例'), ('special_grade_in_post', 'special_grade_in_post · 在岗在职特级教师'), ('gangcheng_mingshi', 'gangcheng_mingshi · 港城名师'), ('rural_gangcheng_mingshi', 'rural_gangcheng_mingshi · 规划期内培养乡村港城名师'), ('rural_special_grade', 'rural_special_grade · 规划期内培养乡村特级教师'), ('zhenggao_appointed', 'zhenggao_appointed · 规划期内培养中小学正高级教师'), ('zhenggao_appointed_preschool', 'zhenggao_appointed_preschool · 规划期内正高级教师（幼儿园，单列）'), ('zhenggao_appointed_vocational', 'zhenggao_appointed_vocational · 规划期内正高级教师（中职，单列）'), ('city_master_studio', 'city_master_studio · 市级名师工作室'), ('educator_community', 'educator_community · 市教育家型教师培养对象共同体'), ('city_four_haves_team', 'city_four_haves_team · 市级“四有”好教师团队'), ('provincial_four_haves_team', 'provincial_four_haves_team · 省级“四有”好教师团队'), ('rural_backbone_station', 'rural_backbone_station · 市级乡村骨干教师培育站'), ('sheng_333', 'sheng_333 · 省“333”工程培养对象'), ('shi_521', 'shi_521 · 市“521”工程培养对象'), ('backbone', 'backbone · 骨干教师（县级及以上）')], max_length=60, verbose_name='代码'),
        ),
        migrations.AlterField(
            model_name='planindicator',
            name='higher_is_better',
            field=models.BooleanField(default=True, editable=False, verbose_name='越高越好'),
        ),
        migrations.AlterField(
            model_name='planindicator',
            name='interim',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='规划中期年的数值（如 2022 年），可空', max_digits=10, null=True, verbose_name='中期值'),
        ),
        migrations.AlterField(
            model_name='planindicator',
            name='measure',
            field=models.CharField(blank=True, editable=False, max_length=30, verbose_name='口径'),
        ),
        migrations.AlterField(
            model_name='planindicator',
            name='stage',
            field=models.CharField(blank=True, choices=[('preschool', '学前'), ('primary', '小学'), ('junior', '初中'), ('senior', '高中'), ('vocational', '中职'), ('higher', '高职高专'), ('special', '特教')], editable=False, max_length=20, verbose_name='学段'),
        ),
        migrations.AlterField(
            model_name='planindicator',
            name='table',
            field=models.CharField(choices=[('table1', '表1 主要指标'), ('table2', '表2 学历指标'), ('teachers', '教师队伍其他目标')], editable=False, max_length=10, verbose_name='表'),
        ),
        migrations.AlterField(
            model_name='planindicator',
            name='target',
            field=models.DecimalField(decimal_places=2, help_text='规划目标年的数值（如 2025 年）', max_digits=10, verbose_name='目标值'),
        ),
        migrations.AlterField(
            model_name='planindicator',
            name='unit',
            field=models.CharField(default='%', editable=False, max_length=10, verbose_name='单位'),
        ),
        migrations.AddConstraint(
            model_name='planindicator',
            constraint=models.UniqueConstraint(fields=('plan', 'code'), name='indicator_code_unique', violation_error_message='该规划已有此代码的指标。'),
        ),
        migrations.AddConstraint(
            model_name='planindicator',
            constraint=models.CheckConstraint(condition=models.Q(('code__in', ['t2_preschool_associate', 't2_preschool_bachelor', 't2_preschool_postgraduate', 't2_primary_associate', 't2_primary_bachelor', 't2_primary_postgraduate', 't2_junior_associate', 't2_junior_bachelor', 't2_junior_postgraduate', 't2_senior_associate', 't2_senior_bachelor', 't2_senior_postgraduate', 't2_vocational_associate', 't2_vocational_bachelor', 't2_vocational_postgraduate', 't2_higher_associate', 't2_higher_bachelor', 't2_higher_postgraduate', 't1_ptr_primary', 't1_ptr_junior', 't1_ptr_senior', 't1_ptr_higher', 'rotation_ratio', 'rotation_backbone_share', 'new_teachers_per_year', 'dual_qualified_share', 'special_grade_in_post', 'gangcheng_mingshi', 'rural_gangcheng_mingshi', 'rural_special_grade', 'zhenggao_appointed', 'zhenggao_appointed_preschool', 'zhenggao_appointed_vocational', 'city_master_studio', 'educator_community', 'city_four_haves_team', 'provincial_four_haves_team', 'rural_backbone_station', 'sheng_333', 'shi_521', 'backbone'])), name='indicator_code_known', violation_error_message='指标代码不在系统可计算的指标之列。'),
        ),
        migrations.AlterField(
            model_name='measuresnapshot',
            name='data',
            field=models.JSONField(encoder=workforce.models.CompactJSONEncoder, verbose_name='指标数据'),
        ),
    ]
