"""Seed the review rules: which changes a school makes (or a teacher proposes) need review by the
district (city HR for 市直 schools). City HR changes them in the admin."""
from django.db import migrations

# (key, label, needs review): what the measures, the identity and the national report rest on
# needs review; personal details a school may correct directly.
RULES = [
    ("name", "姓名", True), ("former_name", "曾用名", False), ("staff_no", "教职工号", False),
    ("nationality", "国籍/地区", True), ("native_place", "籍贯", False), ("birthplace", "出生地", False),
    ("ethnicity", "民族", True), ("political_status", "政治面貌", True), ("marital_status", "婚姻状况", False),
    ("health", "健康状况", False), ("teaching_stage", "任教学段", True), ("subject", "任教学科", False),
    ("work_start", "参加工作年月", True), ("school_entry", "进本校年月", True), ("source", "教职工来源", True),
    ("staff_category", "教职工类别", True), ("on_establishment", "是否在编", True),
    ("employment_form", "用人形式", True), ("contract", "签订合同情况", False),
    ("normal_graduate", "是否全日制师范类专业毕业", True), ("special_ed_trained", "是否受过特教专业培养培训", False),
    ("special_ed_cert", "是否有特殊教育从业证书", False), ("it_ability", "信息技术应用能力", False),
    ("free_normal", "是否属于免费（公费）师范生", True), ("grassroots_service", "是否参加基层服务项目", False),
    ("grassroots_start", "参加基层服务项目起始年月", False), ("grassroots_end", "参加基层服务项目结束年月", False),
    ("special_grade", "是否是特级教师", True), ("backbone", "是否是县级及以上骨干教师", True),
    ("mental_health", "是否心理健康教育教师", False), ("status", "人员状态", True), ("remarks", "备注", False),
    ("preschool_major", "是否全日制学前教育专业毕业", True), ("preschool_trained", "是否受过学前教育专业培养培训", False),
    ("dual_qualified", "是否“双师型”教师", True), ("vocational_cert", "是否具备职业技能等级证书", False),
    ("enterprise_months", "企业工作(实践)时长（月）", False),
    ("educationrecord", "新增学习经历（学历）", True), ("titleappointment", "新增专业技术职务", True),
    ("award", "新增荣誉", True),
]


def seed(apps, schema_editor):
    ReviewRule = apps.get_model("personnel", "ReviewRule")
    for key, label, needs in RULES:
        ReviewRule.objects.update_or_create(key=key, defaults={"label": label, "needs_review": needs})


class Migration(migrations.Migration):
    dependencies = [("personnel", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
