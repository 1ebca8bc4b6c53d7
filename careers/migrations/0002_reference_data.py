"""The rules' numbers as data (issue 16), editable by city HR in the admin afterwards:
the default 优秀 cap (20%), the years a title must be held before the next (中小学 and 中职:
二级 ← 三级/未定 1 … 正高级 ← 高级 5; 高职: 讲师 ← 助教 4 …), the default post shares by school
type, and the 年度考核 rules of promotion and honours."""
from decimal import Decimal

from django.db import migrations

# (申报职称, 须现任职称, 年限)
SCHOOL = [("erji", "sanji", 1), ("yiji", "erji", 4), ("gaoji", "yiji", 5), ("zhenggao", "gaoji", 5)]
HIGHER = [("lecturer", "assistant", 4), ("assoc_professor", "lecturer", 5), ("professor", "assoc_professor", 5)]
REQUIREMENTS = {"school": SCHOOL, "vocational": SCHOOL, "higher": HIGHER}
# school type → (高级 %, 一级 %); 二级及以下 the rest
SHARES = {
    "kindergarten": (8, 40), "primary": (10, 50), "junior": (20, 50), "nine_year": (15, 50),
    "complete_secondary": (25, 50), "senior": (30, 50), "twelve_year": (25, 50), "vocational": (30, 45),
    "higher_vocational": (35, 40), "special": (15, 50),
}
RULES = [
    ("promotion_pass_years", "职称申报：近N年年度考核均为合格及以上", 3, "计算截止日期前的N个完整年度；无记录视为不符合"),
    ("promotion_no_fail_years", "职称申报：N年内无年度考核不合格", 5, "含评审年度；0 表示不检查"),
    ("honour_no_fail_years", "荣誉推荐：N年内年度考核不合格者不得推荐", 3, "含推荐年度；0 表示不检查"),
]


def seed(apps, schema_editor):
    ExcellentQuota = apps.get_model("careers", "ExcellentQuota")
    TitleRequirement = apps.get_model("careers", "TitleRequirement")
    PostShares = apps.get_model("careers", "PostShares")
    RuleSetting = apps.get_model("workforce", "RuleSetting")
    ExcellentQuota.objects.get_or_create(year=None, defaults={"share": Decimal("20"), "note": "默认：优秀不超过20%"})
    for series, rows in REQUIREMENTS.items():
        for title, from_title, years in rows:
            TitleRequirement.objects.get_or_create(series=series, title=title,
                                                   defaults={"from_title": from_title, "min_years": years})
    for school_type, (senior, middle) in SHARES.items():
        PostShares.objects.get_or_create(school_type=school_type, school=None,
                                         defaults={"senior": Decimal(senior), "middle": Decimal(middle)})
    for key, label, value, help_text in RULES:
        RuleSetting.objects.get_or_create(key=key, defaults={"label": label, "value": Decimal(value), "help": help_text})


def unseed(apps, schema_editor):
    apps.get_model("workforce", "RuleSetting").objects.filter(key__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("careers", "0001_initial"), ("workforce", "0010_data_version")]
    operations = [migrations.RunPython(seed, unseed)]
