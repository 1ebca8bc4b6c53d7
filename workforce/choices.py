"""Code lists of DOMAIN.md and of the national teacher management information system.

Codes are what the database stores; labels are what users read and what rosters usually hold.
Synonyms that rosters use for the same value live in ``imports`` as data.

Labels are translated for the pages (``gettext_lazy``; Chinese is the source language). Data
contracts — the measures JSON, spreadsheet exports, import matching, audit rows — stay Chinese
whatever language a page is shown in: they read labels through ``data_label`` /
``data_labels`` or run under ``translation.override(DATA_LANGUAGE)``.
"""
from typing import NamedTuple

from django.db import models
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.i18n import DATA_LANGUAGE


def data_label(label) -> str:
    """The Chinese text of a (lazily translated) label, whatever language is active."""
    with translation.override(DATA_LANGUAGE):
        return str(label)


def data_labels(choices) -> dict[str, str]:
    """Code → Chinese label of a ``TextChoices`` class, whatever language is active."""
    with translation.override(DATA_LANGUAGE):
        return {str(code): str(label) for code, label in choices.choices}


class Stage(models.TextChoices):
    """学段. A teacher's teaching stage decides which Table 2 line counts them."""

    PRESCHOOL = "preschool", _("学前")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    HIGHER_VOCATIONAL = "higher", _("高职高专")
    SPECIAL = "special", _("特教")


COMPULSORY_STAGES = (Stage.PRIMARY, Stage.JUNIOR)
# 中小学 of the plan's honour targets: teachers of these teaching stages (DOMAIN.md, Honours).
SCHOOL_STAGES = (Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR)


class SchoolType(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初级中学")
    NINE_YEAR = "nine_year", _("九年一贯制学校")
    COMPLETE_SECONDARY = "complete_secondary", _("完全中学")
    SENIOR = "senior", _("高级中学")
    TWELVE_YEAR = "twelve_year", _("十二年一贯制学校")
    VOCATIONAL = "vocational", _("中等职业学校")
    HIGHER_VOCATIONAL = "higher_vocational", _("高职高专院校")
    SPECIAL = "special", _("特殊教育学校")


STAGES_OF_SCHOOL_TYPE = {
    SchoolType.KINDERGARTEN: [Stage.PRESCHOOL],
    SchoolType.PRIMARY: [Stage.PRIMARY],
    SchoolType.JUNIOR: [Stage.JUNIOR],
    SchoolType.NINE_YEAR: [Stage.PRIMARY, Stage.JUNIOR],
    SchoolType.COMPLETE_SECONDARY: [Stage.JUNIOR, Stage.SENIOR],
    SchoolType.SENIOR: [Stage.SENIOR],
    SchoolType.TWELVE_YEAR: [Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR],
    SchoolType.VOCATIONAL: [Stage.VOCATIONAL],
    SchoolType.HIGHER_VOCATIONAL: [Stage.HIGHER_VOCATIONAL],
    SchoolType.SPECIAL: [Stage.SPECIAL],
}


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公办")
    PRIVATE = "private", _("民办")


class Location(models.TextChoices):
    URBAN = "urban", _("城区")
    TOWN = "town", _("镇区")
    RURAL = "rural", _("乡村")


class RuralKind(models.TextChoices):
    """村小 / 教学点. A list that only answers 是否村小或教学点 = 是 says "one of the two, not
    which": a value of its own that counts wherever either would (DOMAIN.md, coded values)."""

    NONE = "", "—"
    VILLAGE = "village", _("村小")
    TEACHING_POINT = "point", _("教学点")
    EITHER = "either", _("村小或教学点")


class DistrictKind(models.TextChoices):
    DISTRICT = "district", _("区")
    COUNTY = "county", _("县")
    ZONE = "zone", _("功能区")
    CITY = "city", _("市直")


class Sex(models.TextChoices):
    MALE = "1", _("男")
    FEMALE = "2", _("女")


class IdType(models.TextChoices):
    RESIDENT = "1", _("居民身份证")
    HK_MACAO = "6", _("港澳居民来往内地通行证")
    TAIWAN = "7", _("台湾居民来往大陆通行证")
    PASSPORT = "9", _("护照")
    OTHER = "Z", _("其他")


class StaffCategory(models.TextChoices):
    """教职工类别. Only 专任教师 are in the population of the measures."""

    FULL_TIME_TEACHER = "teacher", _("专任教师")
    ADMIN = "admin", _("行政人员")
    AUXILIARY = "auxiliary", _("教辅人员")
    WORKER = "worker", _("工勤人员")
    CAREGIVER = "caregiver", _("保育员")
    HEALTH = "health", _("卫生保健人员")
    OTHER = "other", _("其他")


class EmploymentForm(models.TextChoices):
    """用人形式."""

    ESTABLISHED = "established", _("编制内")
    CONTRACT = "contract", _("合同制")
    AGENCY = "agency", _("人事代理")
    DISPATCH = "dispatch", _("劳务派遣")
    PART_TIME = "part_time", _("兼职")
    OTHER = "other", _("其他")


class Contract(models.TextChoices):
    """签订合同情况 (national code list)."""

    NONE = "0", _("未签合同")
    EMPLOYMENT = "1", _("聘用合同")
    LABOUR = "2", _("劳动合同")
    OTHER = "3", _("其他合同")


class StaffSource(models.TextChoices):
    """教职工来源."""

    GRADUATE = "graduate", _("应届毕业生")
    TRANSFER_IN = "transfer_in", _("调入")
    RECRUIT = "recruit", _("社会招聘")
    MILITARY = "military", _("军转干部")
    OTHER = "other", _("其他")


class PersonnelStatus(models.TextChoices):
    """人员状态 (national code list). Every one of these keeps a teacher on the roll;
    leaving the roll (退休, 调出, 辞职, 死亡) is recorded as ``Teacher.left_on``."""

    IN_POST = "100", _("在本单位任职")
    LENT_AGENCY = "201", _("借出到机关")
    LENT_INSTITUTION = "202", _("借出到事业单位")
    LONG_SICK = "203", _("长病假")
    STUDYING = "204", _("进修")
    ROTATING = "205", _("交流轮岗")
    ENTERPRISE = "206", _("企业实践")
    ABROAD = "207", _("因公出国")
    STARTUP = "208", _("离岗创业")
    PRE_RETIREMENT = "209", _("待退休")
    AWAITING_POST = "210", _("待岗")
    MISSING = "211", _("下落不明")
    OTHER = "299", _("其他")


class LeftReason(models.TextChoices):
    RETIRED = "retired", _("退休")
    TRANSFERRED = "transferred", _("调出")
    RESIGNED = "resigned", _("辞职")
    DISMISSED = "dismissed", _("解聘")
    DECEASED = "deceased", _("死亡")
    OTHER = "other", _("其他")


class ItAbility(models.TextChoices):
    NONE = "", "—"
    PROFICIENT = "proficient", _("精通")
    GOOD = "good", _("熟练")
    BASIC = "basic", _("良好")
    GENERAL = "general", _("一般")
    WEAK = "weak", _("较弱")


class Education(models.TextChoices):
    """学历. Ordered by ``EDUCATION_LEVEL``."""

    DOCTORATE = "doctorate", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    ASSOCIATE = "associate", _("大学专科")
    SECONDARY_SPECIALISED = "secondary", _("中等专科")
    HIGH_SCHOOL = "high_school", _("高中")
    BELOW = "below", _("初中及以下")


class Degree(models.TextChoices):
    """学位层次."""

    DOCTOR = "doctor", _("博士")
    MASTER = "master", _("硕士")
    BACHELOR = "bachelor", _("学士")
    NONE = "none", _("无")


class StudyMode(models.TextChoices):
    FULL_TIME = "full_time", _("全日制")
    PART_TIME = "part_time", _("非全日制")


class Title(models.TextChoices):
    """专业技术职务 (中小学 and 高职高专)."""

    SENIOR_PROFESSOR = "zhenggao", _("正高级教师")
    SENIOR = "gaoji", _("高级教师")
    FIRST = "yiji", _("一级教师")
    SECOND = "erji", _("二级教师")
    THIRD = "sanji", _("三级教师")
    UNRANKED = "none", _("未定职级")
    PROFESSOR = "professor", _("教授")
    ASSOCIATE_PROFESSOR = "assoc_professor", _("副教授")
    LECTURER = "lecturer", _("讲师")
    ASSISTANT = "assistant", _("助教")


class HonourLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("地市级")
    COUNTY = "county", _("县级")
    SCHOOL = "school", _("基层")


class TrainingLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("地市级")
    COUNTY = "county", _("县级")
    SCHOOL = "school", _("校级")
    OTHER = "other", _("其他")


class TrainingMode(models.TextChoices):
    LONG_RELEASE = "long_release", _("长期脱产研修")
    SHORT_FACE = "short_face", _("短期面授")
    ONLINE = "online", _("网络研修")
    BLENDED = "blended", _("面授+网络")
    OTHER = "other", _("其他")


class IndicatorKind(models.TextChoices):
    BINDING = "binding", _("约束性")
    EXPECTED = "expected", _("预期性")


class IndicatorTable(models.TextChoices):
    TABLE1 = "table1", _("表1 主要指标")
    TABLE2 = "table2", _("表2 学历指标")
    TEACHERS = "teachers", _("教师队伍其他目标")


# ---------------------------------------------------------------- plan indicator codes
# What the measures can compute (DOMAIN.md Table 1, Table 2, the teacher targets): a plan's
# indicator names one of these codes, and the code alone decides the table, the teaching stage,
# the Table 2 level, the unit and the direction. A plan is data (``Plan``, ``PlanIndicator``): a
# new plan sets targets on these codes without code; a code outside the list is refused (it
# used to be dropped in silence). Table 2: every teaching stage × 专科及以上 / 本科及以上 / 研究生.
class IndicatorSpec(NamedTuple):
    table: str
    stage: str
    measure: str  # a Table 2 line's level as ``measures.MEASURE_LEVEL`` names it; else what is counted
    unit: str
    higher_is_better: bool
    label: object


TABLE2_LEVELS = (("associate", "专科及以上"), ("bachelor", "本科及以上"), ("postgraduate", "研究生"))
TABLE2_STAGES = (Stage.PRESCHOOL, Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR, Stage.VOCATIONAL, Stage.HIGHER_VOCATIONAL)
PTR_STAGES = (Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR, Stage.HIGHER_VOCATIONAL)
PTR_STAGE_CODE = {Stage.PRIMARY: "primary", Stage.JUNIOR: "junior", Stage.SENIOR: "senior", Stage.HIGHER_VOCATIONAL: "higher"}

INDICATOR_SPECS: dict[str, IndicatorSpec] = {}
for _stage in TABLE2_STAGES:
    for _level, _measure in TABLE2_LEVELS:
        INDICATOR_SPECS[f"t2_{_stage.value}_{_level}"] = IndicatorSpec(
            "table2", _stage.value, _measure, "%", True,
            format_lazy(_("表2 {stage}教师{measure}学历（学位）"), stage=_stage.label, measure=_measure))
for _stage in PTR_STAGES:
    INDICATOR_SPECS[f"t1_ptr_{PTR_STAGE_CODE[_stage]}"] = IndicatorSpec(
        "table1", _stage.value, "生师比", "比", False,
        format_lazy(_("表1 生师比（{stage}）"), stage=_("高校") if _stage == Stage.HIGHER_VOCATIONAL else _stage.label))
for _code, _stage, _measure, _unit, _label in [
    ("rotation_ratio", "", "交流轮岗", "%", _("义务教育教师交流轮岗比例")),
    ("rotation_backbone_share", "", "骨干占比", "%", _("交流轮岗教师中骨干教师比例")),
    ("new_teachers_per_year", "", "人数", "人", _("每年补充新教师")),
    ("dual_qualified_share", Stage.VOCATIONAL.value, "双师型", "%", _("中职“双师型”教师比例")),
    ("special_grade_in_post", "", "人数", "人", _("在岗在职特级教师")),
    ("gangcheng_mingshi", "", "人数", "人", _("港城名师")),
    ("rural_gangcheng_mingshi", "", "人数", "人", _("规划期内培养乡村港城名师")),
    ("rural_special_grade", "", "人数", "人", _("规划期内培养乡村特级教师")),
    ("zhenggao_appointed", "", "人数", "人", _("规划期内培养中小学正高级教师")),
    ("zhenggao_appointed_preschool", "", "人数", "人", _("规划期内正高级教师（幼儿园，单列）")),
    ("zhenggao_appointed_vocational", "", "人数", "人", _("规划期内正高级教师（中职，单列）")),
    ("city_master_studio", "", "个数", "个", _("市级名师工作室")),
    ("educator_community", "", "个数", "个", _("市教育家型教师培养对象共同体")),
    ("city_four_haves_team", "", "个数", "个", _("市级“四有”好教师团队")),
    ("provincial_four_haves_team", "", "个数", "个", _("省级“四有”好教师团队")),
    ("rural_backbone_station", "", "个数", "个", _("市级乡村骨干教师培育站")),
    ("sheng_333", "", "人数", "人", _("省“333”工程培养对象")),
    ("shi_521", "", "人数", "人", _("市“521”工程培养对象")),
    ("backbone", "", "人数", "人", _("骨干教师（县级及以上）")),
]:
    INDICATOR_SPECS[_code] = IndicatorSpec("teachers", _stage, _measure, _unit, True, _label)

INDICATOR_CODE_CHOICES = [(code, format_lazy("{} · {}", code, spec.label)) for code, spec in INDICATOR_SPECS.items()]
