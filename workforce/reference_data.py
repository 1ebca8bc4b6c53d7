"""Reference data seeded from the plan (../shared/seed, DOMAIN.md). Used by the data migration
and by tests; editable afterwards by the city administrator in the admin."""
from decimal import Decimal as D

DISTRICTS = [
    # code, name, kind, order
    ("320706", "海州区", "district", 1),
    ("320703", "连云区", "district", 2),
    ("320707", "赣榆区", "district", 3),
    ("320722", "东海县", "county", 4),
    ("320723", "灌云县", "county", 5),
    ("320724", "灌南县", "county", 6),
    ("320771", "开发区", "zone", 7),
    ("320772", "徐圩新区", "zone", 8),
    ("320773", "云台山景区", "zone", 9),
    ("320700", "市直", "city", 10),
]

EXCHANGE_TYPES = [
    # name, counts toward the rotation target, order
    ("交流轮岗", True, 1),
    ("支教", True, 2),
    ("走教/多点执教", True, 3),
    ("集团内交流", True, 4),
    ("对口帮扶", True, 5),
    ("调动", False, 6),
]

# The plans (``Plan``): code, name, title, start year, end year, baseline year, interim year, target year.
# The 14th plan's targets are INDICATORS below; the next plan's are entered by the city (admin).
PLANS = [
    ("14th", "十四五", "连云港市“十四五”教育发展规划", 2021, 2025, 2020, 2022, 2025),
]
FOURTEENTH = "14th"

# The 14th plan's indicators: table, code, name, stage, measure, unit, 2020 (baseline), 2022 (interim),
# 2025 (target), kind, higher_is_better. The code decides table, stage, measure, unit and direction
# (``choices.INDICATOR_SPECS``); they are repeated here as the plan's tables print them.
INDICATORS = [
    ("table2", "t2_preschool_associate", "幼儿教师专科及以上学历（学位）", "preschool", "专科及以上", "%", D("90"), None, D("100"), "binding", True),
    ("table2", "t2_preschool_bachelor", "幼儿教师本科及以上学历（学位）", "preschool", "本科及以上", "%", D("34"), None, D("65"), "binding", True),
    ("table2", "t2_primary_associate", "小学教师专科及以上学历（学位）", "primary", "专科及以上", "%", D("100"), None, D("100"), "binding", True),
    ("table2", "t2_primary_bachelor", "小学教师本科及以上学历（学位）", "primary", "本科及以上", "%", D("93"), None, D("95"), "binding", True),
    ("table2", "t2_junior_bachelor", "普通初中教师本科及以上学历（学位）", "junior", "本科及以上", "%", D("100"), None, D("100"), "binding", True),
    ("table2", "t2_junior_postgraduate", "普通初中教师研究生学历（学位）", "junior", "研究生", "%", D("2.3"), None, D("5"), "binding", True),
    ("table2", "t2_senior_postgraduate", "普通高中教师研究生学历（学位）", "senior", "研究生", "%", D("20"), None, D("25"), "binding", True),
    ("table2", "t2_vocational_postgraduate", "中等专业学校教师研究生学历（学位）", "vocational", "研究生", "%", D("20"), None, D("23"), "binding", True),
    ("table2", "t2_higher_postgraduate", "高职高专教师研究生学历（学位）", "higher", "研究生", "%", D("60"), None, D("75"), "binding", True),
    ("table1", "t1_ptr_senior", "生师比（高中）", "senior", "生师比", "比", D("12.84"), D("11"), D("11"), "binding", False),
    ("table1", "t1_ptr_junior", "生师比（初中）", "junior", "生师比", "比", D("12.3"), D("12"), D("12"), "binding", False),
    ("table1", "t1_ptr_primary", "生师比（小学）", "primary", "生师比", "比", D("17.5"), D("17.5"), D("17"), "binding", False),
    ("table1", "t1_ptr_higher", "生师比（高校）", "higher", "生师比", "比", D("17.2"), D("16.5"), D("16"), "binding", False),
    ("teachers", "rotation_ratio", "义务教育教师交流轮岗比例", "", "交流轮岗", "%", D("17.8"), None, D("15"), "binding", True),
    ("teachers", "rotation_backbone_share", "交流轮岗教师中骨干教师比例", "", "骨干占比", "%", None, None, D("20"), "expected", True),
    ("teachers", "special_grade_in_post", "在岗在职特级教师", "", "人数", "人", None, None, D("150"), "expected", True),
    ("teachers", "gangcheng_mingshi", "港城名师", "", "人数", "人", None, None, D("400"), "expected", True),
    ("teachers", "rural_gangcheng_mingshi", "“十四五”期间培养乡村港城名师", "", "人数", "人", None, None, D("40"), "expected", True),
    ("teachers", "rural_special_grade", "“十四五”期间培养乡村特级教师", "", "人数", "人", None, None, D("10"), "expected", True),
    ("teachers", "zhenggao_appointed", "“十四五”期间培养中小学正高级教师", "", "人数", "人", None, None, D("80"), "expected", True),
    ("teachers", "city_master_studio", "市级名师工作室", "", "个数", "个", None, None, D("100"), "expected", True),
    ("teachers", "educator_community", "市教育家型教师培养对象共同体", "", "个数", "个", None, None, D("20"), "expected", True),
    ("teachers", "city_four_haves_team", "市级“四有”好教师团队", "", "个数", "个", None, None, D("50"), "expected", True),
    ("teachers", "provincial_four_haves_team", "省级“四有”好教师团队", "", "个数", "个", None, None, D("6"), "expected", True),
    ("teachers", "rural_backbone_station", "市级乡村骨干教师培育站", "", "个数", "个", None, None, D("30"), "expected", True),
    ("teachers", "new_teachers_per_year", "每年补充新教师", "", "人数", "人", None, None, D("1500"), "expected", True),
    ("teachers", "dual_qualified_share", "中职“双师型”教师比例", "vocational", "双师型", "%", None, None, D("50"), "expected", True),
]
# The plan sets no training completion-rate target (DOMAIN.md, Training credits): none is seeded,
# and an earlier seed's invented 100% row is removed (migration 0006).
INVENTED_INDICATORS = ["training_completion"]

# Indicators the system can count only in part (PlanIndicator.coverage): shown as a figure with
# this note, never judged met (DOMAIN.md, Missing data is missing).
INDICATOR_COVERAGE = {
    "t1_ptr_higher": "仅含本系统管理的高职高专院校（不含本科高校），在校生和专任教师均未折合，与规划“高校生师比”口径不同",
}

# code, name, level, makes_backbone, validity_years, is_team
HONOUR_TYPES = [
    ("tejijiaoshi", "特级教师", "provincial", True, None, False),
    ("gangcheng_mingshi", "港城名师", "city", True, 5, False),
    ("sheng_333", "省“333”工程培养对象", "provincial", True, 5, False),
    ("shi_521", "市“521”工程培养对象", "city", True, 5, False),
    ("shi_xueke_daitouren", "市学科带头人", "city", True, 3, False),
    ("shi_gugan", "市级骨干教师", "city", True, 3, False),
    ("xian_gugan", "县级骨干教师", "county", True, 3, False),
    ("xian_jiaoxue_nengshou", "县级教学能手", "county", False, 3, False),
    ("shi_mingshi_gongzuoshi", "市级名师工作室", "city", False, 5, True),
    ("jiaoyujia_gongtongti", "市教育家型教师培养对象共同体", "city", False, 5, True),
    ("shi_siyou_tuandui", "市级“四有”好教师团队", "city", False, None, True),
    ("sheng_siyou_tuandui", "省级“四有”好教师团队", "provincial", False, None, True),
    ("xiangcun_gugan_peiyuzhan", "市级乡村骨干教师培育站", "city", False, 3, True),
]

ETHICS_SEVERITIES = [
    ("警告", 6, 1),
    ("记过", 12, 2),
    ("降低岗位等级", 24, 3),
    ("撤职", 24, 4),
    ("开除", 600, 5),
]

# stage, pupils_per_post, posts_per_class, small_school_posts_per_class
STAFFING_STANDARDS = [
    ("preschool", None, D("3"), None),
    ("primary", D("19"), None, D("1.7")),
    ("junior", D("13.5"), None, D("2.2")),
    ("senior", D("12.5"), None, None),
    ("vocational", D("16"), None, None),
    ("higher", D("18"), None, None),
    ("special", D("3"), None, None),
]

RULE_SETTINGS = [
    ("rotation_min_years", "交流轮岗应交流年限（在本校任教满N年）", D("6"), "DOMAIN.md：9月1日在本校满6年者为应交流对象"),
    ("rotation_backbone_min_share", "交流轮岗骨干教师最低占比（%）", D("20"), "国家要求：交流轮岗中骨干教师不低于20%"),
]

# Rules whose value is a list of codes (RuleSetting.codes): key, label, codes, help.
CODE_RULE_SETTINGS = [
    ("in_post_statuses", "在岗在职的人员状态", ["100", "204", "205", "206"],
     "DOMAIN.md：在岗在职特级教师按人员状态统计（100 在本单位任职、204 进修、205 交流轮岗、206 企业实践）"),
]
