"""Code lists of DOMAIN.md and of the national teacher management information system.

Codes are what the database stores; labels are what users read and what rosters usually hold.
Synonyms that rosters use for the same value live in ``imports`` as data.
"""
from django.db import models


class Stage(models.TextChoices):
    """学段. A teacher's teaching stage decides which Table 2 line counts them."""

    PRESCHOOL = "preschool", "学前"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中职"
    HIGHER_VOCATIONAL = "higher", "高职高专"
    SPECIAL = "special", "特教"


COMPULSORY_STAGES = (Stage.PRIMARY, Stage.JUNIOR)


class SchoolType(models.TextChoices):
    KINDERGARTEN = "kindergarten", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初级中学"
    NINE_YEAR = "nine_year", "九年一贯制学校"
    COMPLETE_SECONDARY = "complete_secondary", "完全中学"
    SENIOR = "senior", "高级中学"
    TWELVE_YEAR = "twelve_year", "十二年一贯制学校"
    VOCATIONAL = "vocational", "中等职业学校"
    HIGHER_VOCATIONAL = "higher_vocational", "高职高专院校"
    SPECIAL = "special", "特殊教育学校"


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
    PUBLIC = "public", "公办"
    PRIVATE = "private", "民办"


class Location(models.TextChoices):
    URBAN = "urban", "城区"
    TOWN = "town", "镇区"
    RURAL = "rural", "乡村"


class RuralKind(models.TextChoices):
    NONE = "", "—"
    VILLAGE = "village", "村小"
    TEACHING_POINT = "point", "教学点"


class DistrictKind(models.TextChoices):
    DISTRICT = "district", "区"
    COUNTY = "county", "县"
    ZONE = "zone", "功能区"
    CITY = "city", "市直"


class Sex(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class IdType(models.TextChoices):
    RESIDENT = "1", "居民身份证"
    HK_MACAO = "6", "港澳居民来往内地通行证"
    TAIWAN = "7", "台湾居民来往大陆通行证"
    PASSPORT = "9", "护照"
    OTHER = "Z", "其他"


class StaffCategory(models.TextChoices):
    """教职工类别. Only 专任教师 are in the population of the measures."""

    FULL_TIME_TEACHER = "teacher", "专任教师"
    ADMIN = "admin", "行政人员"
    AUXILIARY = "auxiliary", "教辅人员"
    WORKER = "worker", "工勤人员"
    CAREGIVER = "caregiver", "保育员"
    HEALTH = "health", "卫生保健人员"
    OTHER = "other", "其他"


class EmploymentForm(models.TextChoices):
    """用人形式."""

    ESTABLISHED = "established", "编制内"
    CONTRACT = "contract", "合同制"
    AGENCY = "agency", "人事代理"
    DISPATCH = "dispatch", "劳务派遣"
    PART_TIME = "part_time", "兼职"
    OTHER = "other", "其他"


class Contract(models.TextChoices):
    """签订合同情况 (national code list)."""

    NONE = "0", "未签合同"
    EMPLOYMENT = "1", "聘用合同"
    LABOUR = "2", "劳动合同"
    OTHER = "3", "其他合同"


class StaffSource(models.TextChoices):
    """教职工来源."""

    GRADUATE = "graduate", "应届毕业生"
    TRANSFER_IN = "transfer_in", "调入"
    RECRUIT = "recruit", "社会招聘"
    MILITARY = "military", "军转干部"
    OTHER = "other", "其他"


class PersonnelStatus(models.TextChoices):
    """人员状态 (national code list). Every one of these keeps a teacher on the roll;
    leaving the roll (退休, 调出, 辞职, 死亡) is recorded as ``Teacher.left_on``."""

    IN_POST = "100", "在本单位任职"
    LENT_AGENCY = "201", "借出到机关"
    LENT_INSTITUTION = "202", "借出到事业单位"
    LONG_SICK = "203", "长病假"
    STUDYING = "204", "进修"
    ROTATING = "205", "交流轮岗"
    ENTERPRISE = "206", "企业实践"
    ABROAD = "207", "因公出国"
    STARTUP = "208", "离岗创业"
    PRE_RETIREMENT = "209", "待退休"
    AWAITING_POST = "210", "待岗"
    MISSING = "211", "下落不明"
    OTHER = "299", "其他"


class LeftReason(models.TextChoices):
    RETIRED = "retired", "退休"
    TRANSFERRED = "transferred", "调出"
    RESIGNED = "resigned", "辞职"
    DISMISSED = "dismissed", "解聘"
    DECEASED = "deceased", "死亡"
    OTHER = "other", "其他"


class ItAbility(models.TextChoices):
    NONE = "", "—"
    PROFICIENT = "proficient", "精通"
    GOOD = "good", "熟练"
    BASIC = "basic", "良好"
    GENERAL = "general", "一般"
    WEAK = "weak", "较弱"


class Education(models.TextChoices):
    """学历. Ordered by ``EDUCATION_LEVEL``."""

    DOCTORATE = "doctorate", "博士研究生"
    MASTER = "master", "硕士研究生"
    BACHELOR = "bachelor", "大学本科"
    ASSOCIATE = "associate", "大学专科"
    SECONDARY_SPECIALISED = "secondary", "中等专科"
    HIGH_SCHOOL = "high_school", "高中"
    BELOW = "below", "初中及以下"


class Degree(models.TextChoices):
    """学位层次."""

    DOCTOR = "doctor", "博士"
    MASTER = "master", "硕士"
    BACHELOR = "bachelor", "学士"
    NONE = "none", "无"


class StudyMode(models.TextChoices):
    FULL_TIME = "full_time", "全日制"
    PART_TIME = "part_time", "非全日制"


class Title(models.TextChoices):
    """专业技术职务 (中小学 and 高职高专)."""

    SENIOR_PROFESSOR = "zhenggao", "正高级教师"
    SENIOR = "gaoji", "高级教师"
    FIRST = "yiji", "一级教师"
    SECOND = "erji", "二级教师"
    THIRD = "sanji", "三级教师"
    UNRANKED = "none", "未定职级"
    PROFESSOR = "professor", "教授"
    ASSOCIATE_PROFESSOR = "assoc_professor", "副教授"
    LECTURER = "lecturer", "讲师"
    ASSISTANT = "assistant", "助教"


class HonourLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "地市级"
    COUNTY = "county", "县级"
    SCHOOL = "school", "基层"


class TrainingLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "地市级"
    COUNTY = "county", "县级"
    SCHOOL = "school", "校级"
    OTHER = "other", "其他"


class TrainingMode(models.TextChoices):
    LONG_RELEASE = "long_release", "长期脱产研修"
    SHORT_FACE = "short_face", "短期面授"
    ONLINE = "online", "网络研修"
    BLENDED = "blended", "面授+网络"
    OTHER = "other", "其他"


class IndicatorKind(models.TextChoices):
    BINDING = "binding", "约束性"
    EXPECTED = "expected", "预期性"


class IndicatorTable(models.TextChoices):
    TABLE1 = "table1", "表1 主要指标"
    TABLE2 = "table2", "表2 学历指标"
    TEACHERS = "teachers", "教师队伍其他目标"
