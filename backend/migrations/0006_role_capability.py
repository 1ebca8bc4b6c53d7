"""The rights table (issue 17, "Rights as data"), seeded with the rights each role had when the
roles were written in the code (commit 69eda54): the same answer to every check, now as rows city
HR can change. A frozen copy: ``core.roles.DEFAULT_RIGHTS`` says the same today (a test checks the
migrated table against it); a later change of rights is a later migration."""
from django.db import migrations, models

RIGHTS = {
    "city_hr": [
        "accounts.manage", "assessment.record", "audit.view", "careers.view", "ethics.record", "ethics.view",
        "honours.award", "identity.reveal", "imports.run", "mappings.edit", "personnel.edit_directly",
        "personnel.propose", "personnel.review", "personnel.view", "profile.view", "promotion.nominate",
        "promotion.open", "promotion.review_city", "promotion.review_district", "quota.allocate",
        "quota.edit", "records.delete", "records.edit", "records.view", "reference.edit", "reporting.open",
        "rights.manage", "rotation.record", "schools.edit", "scope.city", "titles.appoint",
        "training.approve", "training.import", "training.log", "training.publish", "training.report",
        "workflows.view",
    ],
    "district_hr": [
        "assessment.record", "careers.view", "ethics.record", "ethics.view", "honours.award",
        "identity.reveal", "imports.run", "personnel.edit_directly", "personnel.propose", "personnel.review",
        "personnel.view", "profile.view", "promotion.nominate", "promotion.review_district", "quota.edit",
        "records.edit", "records.view", "rotation.record", "schools.edit", "scope.district",
        "titles.appoint", "training.approve", "training.import", "training.log", "training.publish",
        "training.report", "workflows.view",
    ],
    "school_hr": [
        "assessment.record", "careers.view", "ethics.view", "identity.reveal", "imports.run",
        "personnel.propose", "personnel.view", "profile.view", "promotion.nominate", "records.edit",
        "records.view", "scope.school", "titles.appoint", "training.approve", "training.import",
        "training.log", "training.report", "workflows.view",
    ],
    "teacher": [
        "personnel.propose", "profile.view", "scope.self", "training.log",
    ],
    "leader": [
        "careers.view", "profile.view", "records.view", "scope.city", "scope.district", "scope.school",
        "training.report", "workflows.view",
    ],
}


def seed(apps, schema_editor):
    RoleCapability = apps.get_model("backend", "RoleCapability")
    RoleCapability.objects.using(schema_editor.connection.alias).bulk_create(
        [RoleCapability(role=role, capability=capability) for role, caps in RIGHTS.items() for capability in caps],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('backend', '0005_login_throttle_address'),
    ]

    operations = [
        migrations.CreateModel(
            name='RoleCapability',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('city_hr', '市教育局人事科'), ('district_hr', '区县教育局人事'), ('school_hr', '学校人事'), ('teacher', '教师'), ('leader', '领导（只读）')], max_length=20, verbose_name='角色')),
                ('capability', models.CharField(choices=[('scope.self', '管理范围：本人档案'), ('scope.school', '管理范围：所属学校'), ('scope.district', '管理范围：所属区县'), ('scope.city', '管理范围：全市（未指定学校、区县时）'), ('records.view', '查看管理范围内的记录（数据管理）'), ('profile.view', '查看教师档案与培训记录（教师仅本人）'), ('records.edit', '新增、修改管理范围内的记录'), ('records.delete', '删除记录'), ('reference.edit', '维护基础数据（区县、标准、目标、类别）'), ('schools.edit', '维护学校信息'), ('identity.reveal', '查看完整身份证件号（另须账号授权）'), ('accounts.manage', '管理用户账号与登录锁定'), ('rights.manage', '维护角色权限表'), ('audit.view', '查询审计日志'), ('workflows.view', '查看交流轮岗、荣誉与师德、编制页面'), ('rotation.record', '登记和结束交流轮岗'), ('honours.award', '授予、到期、撤销和推荐荣誉'), ('ethics.view', '查看师德档案（另须账号授权）'), ('ethics.record', '登记师德失范案件'), ('titles.appoint', '办理职称聘任'), ('quota.edit', '核定学校编制'), ('quota.allocate', '测算、采纳和放弃周转编制分配'), ('training.log', '登记培训学时（教师仅本人）'), ('training.approve', '审核培训学时'), ('training.report', '查看培训报表'), ('training.publish', '发布培训项目'), ('training.import', '导入已认定的培训记录'), ('imports.run', '导入名册与记录'), ('mappings.edit', '维护全市导入映射'), ('careers.view', '查看年度考核与职称评审'), ('assessment.record', '登记年度考核结果'), ('promotion.open', '发起和结束职称评审'), ('promotion.nominate', '推荐职称申报'), ('promotion.review_district', '审核职称申报（区县）'), ('promotion.review_city', '审核职称申报（市）'), ('personnel.view', '查看变更申请、人事事项与年度报送'), ('personnel.propose', '提出信息变更（教师仅本人）'), ('personnel.edit_directly', '直接修改须审核的字段'), ('personnel.review', '审核变更申请、确认调动'), ('reporting.open', '发起年度报送')], max_length=40, verbose_name='权限')),
            ],
            options={
                'verbose_name': '角色权限',
                'verbose_name_plural': '角色权限',
                'ordering': ['role', 'capability'],
                'constraints': [models.UniqueConstraint(fields=('role', 'capability'), name='role_capability_once')],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
