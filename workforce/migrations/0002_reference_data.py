"""Seed the city's districts, exchange types, plan targets (Table 1, Table 2 and the teacher
targets of section 四(五)), honour types, ethics severities, staffing standards and rules."""
from django.db import migrations


def seed(apps, schema_editor):
    from workforce import reference_data as ref

    District = apps.get_model("workforce", "District")
    for code, name, kind, order in ref.DISTRICTS:
        District.objects.update_or_create(code=code, defaults={"name": name, "kind": kind, "order": order})
    ExchangeType = apps.get_model("workforce", "ExchangeType")
    for name, counts, order in ref.EXCHANGE_TYPES:
        ExchangeType.objects.update_or_create(name=name, defaults={"counts": counts, "order": order})
    PlanIndicator = apps.get_model("workforce", "PlanIndicator")
    # Since 0009 an indicator belongs to a ``Plan`` row: seeded there (``tests.factories`` runs
    # these seeds on the current models after a flush).
    has_plans = PlanIndicator._meta.get_field("plan").is_relation
    for order, row in enumerate([] if has_plans else ref.INDICATORS, start=1):
        table, code, name, stage, measure, unit, v2020, v2022, target, kind, higher = row
        PlanIndicator.objects.update_or_create(
            plan="十四五", code=code,
            defaults=dict(table=table, name=name, stage=stage, measure=measure, unit=unit, value_2020=v2020,
                          value_2022=v2022, target=target, kind=kind, higher_is_better=higher, order=order),
        )
    HonourType = apps.get_model("workforce", "HonourType")
    for code, name, level, backbone, years, team in ref.HONOUR_TYPES:
        HonourType.objects.update_or_create(
            code=code, defaults=dict(name=name, level=level, makes_backbone=backbone, validity_years=years, is_team=team)
        )
    EthicsSeverity = apps.get_model("workforce", "EthicsSeverity")
    for name, months, order in ref.ETHICS_SEVERITIES:
        EthicsSeverity.objects.update_or_create(name=name, defaults={"ban_months": months, "order": order})
    StaffingStandard = apps.get_model("workforce", "StaffingStandard")
    for stage, ratio, per_class, small in ref.STAFFING_STANDARDS:
        StaffingStandard.objects.update_or_create(
            stage=stage, defaults=dict(pupils_per_post=ratio, posts_per_class=per_class, small_school_posts_per_class=small)
        )
    RuleSetting = apps.get_model("workforce", "RuleSetting")
    for key, label, value, help_text in ref.RULE_SETTINGS:
        RuleSetting.objects.update_or_create(key=key, defaults=dict(label=label, value=value, help=help_text))


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
