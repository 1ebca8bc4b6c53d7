"""How complete a teacher's record is (issue 15, items 2 and 5): pure functions of plain values,
tested without the database. The required fields are the starred columns of the national
教职工基础信息 sheet that can be empty here (yes/no columns always hold an answer)."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# field → label: the starred national columns a record may lack
REQUIRED_FIELDS = {
    "name": _("姓名"), "sex": _("性别"), "nationality": _("国籍/地区"), "id_type": _("身份证件类型"),
    "id_number": _("身份证件号"), "birth_date": _("出生日期"), "ethnicity": _("民族"),
    "political_status": _("政治面貌"), "work_start": _("参加工作年月"), "school_entry": _("进本校年月"),
    "source": _("教职工来源"), "staff_category": _("教职工类别"), "employment_form": _("用人形式"),
    "contract": _("签订合同情况"), "it_ability": _("信息技术应用能力"), "status": _("人员状态"),
    "teaching_stage": _("任教学段"),
}
RECORDS = {
    "education": _("学习经历（学历）"),
    "highest": _("最高学历标识"),
    "title": _("专业技术职务"),
}


@dataclass(frozen=True)
class Completeness:
    missing: tuple[tuple[str, str], ...]  # (key, label)
    total: int

    @property
    def filled(self) -> int:
        return self.total - len(self.missing)

    @property
    def percent(self) -> int:
        return round(100 * self.filled / self.total) if self.total else 100


def completeness(values: dict, *, educations: int, highest: int, titles: int, full_time: bool) -> Completeness:
    """``values``: the teacher's fields (REQUIRED_FIELDS' keys); the counts of their records. A
    专任教师 needs a 学历 record (one flagged 最高学历) and a title (未定职级 counts: it is an answer)."""
    missing = [(key, str(label)) for key, label in REQUIRED_FIELDS.items() if values.get(key) in (None, "")]
    total = len(REQUIRED_FIELDS) + 1 + (1 if full_time else 0)  # + the 学历 (one item) + the title
    if not educations:
        missing.append(("education", str(RECORDS["education"])))
    elif not highest:
        missing.append(("highest", str(RECORDS["highest"])))
    if full_time and not titles:
        missing.append(("title", str(RECORDS["title"])))
    return Completeness(tuple(missing), total)
