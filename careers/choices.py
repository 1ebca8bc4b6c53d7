"""Code lists of the careers app: 年度考核 results, 职称 series, post classes (岗位等级)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from workforce import choices as wc


class AssessmentResult(models.TextChoices):
    """年度考核 results (the civil-service / 事业单位 scale)."""

    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    BASIC = "basic", _("基本合格")
    FAIL = "fail", _("不合格")
    UNGRADED = "ungraded", _("不定等次")


# 合格 or better: what "passed the year" means for promotion.
PASSING = (AssessmentResult.EXCELLENT, AssessmentResult.PASS)


class Series(models.TextChoices):
    """职称评审 series."""

    SCHOOL = "school", _("中小学")
    VOCATIONAL = "vocational", _("中职")
    HIGHER = "higher", _("高职")


# Teaching stages of the teachers each series takes.
SERIES_STAGES = {
    Series.SCHOOL: (wc.Stage.PRESCHOOL, wc.Stage.PRIMARY, wc.Stage.JUNIOR, wc.Stage.SENIOR, wc.Stage.SPECIAL),
    Series.VOCATIONAL: (wc.Stage.VOCATIONAL,),
    Series.HIGHER: (wc.Stage.HIGHER_VOCATIONAL,),
}


class PostClass(models.TextChoices):
    """岗位等级 of the post structure: 高级 / 一级 (中级) / 二级及以下."""

    SENIOR = "senior", _("高级")
    MIDDLE = "middle", _("一级")
    JUNIOR = "junior", _("二级及以下")


T = wc.Title
POST_CLASS_OF_TITLE = {
    T.SENIOR_PROFESSOR: PostClass.SENIOR, T.SENIOR: PostClass.SENIOR,
    T.PROFESSOR: PostClass.SENIOR, T.ASSOCIATE_PROFESSOR: PostClass.SENIOR,
    T.FIRST: PostClass.MIDDLE, T.LECTURER: PostClass.MIDDLE,
    T.SECOND: PostClass.JUNIOR, T.THIRD: PostClass.JUNIOR, T.UNRANKED: PostClass.JUNIOR, T.ASSISTANT: PostClass.JUNIOR,
}
SENIOR_TITLES = tuple(t for t, k in POST_CLASS_OF_TITLE.items() if k == PostClass.SENIOR)
MIDDLE_TITLES = tuple(t for t, k in POST_CLASS_OF_TITLE.items() if k == PostClass.MIDDLE)
# 正高级 (DOMAIN.md, honours): 正高级教师 of teachers of 小学, 初中, 高中 count toward the plan's
# 中小学 target; kindergarten and 中职 ones are reported apart.
ZHENGGAO = T.SENIOR_PROFESSOR
