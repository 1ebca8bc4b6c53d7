"""The fields of a teacher's record a change request may change, and their values as stored in
a request (JSON) and as shown (choices by label, 是/否, year-month)."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.i18n import in_data_language
from workforce.models import Teacher

# Fields of the 教职工基础信息 a school or a teacher may ask to change. The identity (身份证件号,
# 出生日期, 性别) and the school are not among them: the number is corrected by HR with the
# identity right in the admin, the school moves by a personnel event.
EDITABLE_FIELDS = (
    "name", "former_name", "staff_no", "nationality", "native_place", "birthplace", "ethnicity",
    "political_status", "marital_status", "health", "teaching_stage", "subject", "work_start", "school_entry",
    "source", "staff_category", "on_establishment", "employment_form", "contract", "normal_graduate",
    "special_ed_trained", "special_ed_cert", "it_ability", "free_normal", "grassroots_service", "grassroots_start",
    "grassroots_end", "special_grade", "backbone", "mental_health", "status", "remarks", "preschool_major",
    "preschool_trained", "dual_qualified", "vocational_cert", "enterprise_months",
)
# Fields only a personnel event changes (调动, 离校, 返聘: effective-dated, confirmed by the
# district, kept in the school history): school HR cannot change them in the admin.
EVENT_FIELDS = ("school", "left_on", "left_reason")
MONTH_FIELDS = frozenset({"work_start", "school_entry", "grassroots_start", "grassroots_end"})
RECORD_KEYS = {"education": "educationrecord", "title": "titleappointment", "honour": "award"}


def model_field(name: str):
    if name not in EDITABLE_FIELDS:
        raise ValidationError(_("该字段不能通过变更申请修改。"))
    return Teacher._meta.get_field(name)


def label(name: str) -> str:
    return str(Teacher._meta.get_field(name).verbose_name)


def to_json(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def from_json(name: str, raw):
    field = model_field(name)
    if raw is None:
        return None
    if field.get_internal_type() == "DateField":
        return dt.date.fromisoformat(raw)
    return field.to_python(raw)


def display(name: str, value) -> str:
    """A value as a person reads it, in the page's language (choices by label, 是/否, year-month)."""
    field = Teacher._meta.get_field(name)
    if value is None or value == "":
        return _("（空）")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}" if name in MONTH_FIELDS else f"{value:%Y-%m-%d}"
    return str(value)


shown = in_data_language(display)  # as stored in a request: a record, in Chinese


def record_display(kind: str, values: dict) -> str:
    """A new record (``values`` as the form gives them) as a person reads it, in the page's language."""
    from workforce import choices as c

    if kind == "education":
        parts = [str(dict(c.Education.choices).get(values["education"], values["education"]))]
        if values.get("degree") and values["degree"] != "none":
            parts.append(str(dict(c.Degree.choices).get(values["degree"], values["degree"])))
        if values.get("institution"):
            parts.append(values["institution"])
        if values.get("end"):
            parts.append(_("%(month)s 毕业") % {"month": f"{values['end']:%Y-%m}"})
        return " · ".join(parts)
    if kind == "title":
        return _("%(title)s（%(month)s 聘任）") % {"title": dict(c.Title.choices).get(values["title"], values["title"]),
                                              "month": f"{values['appointed_on']:%Y-%m}"}
    honour = values["honour_type"]
    text = f"{_(honour.name)} {values['awarded_on']:%Y-%m-%d}"
    return f"{text} {values['awarding_body']}" if values.get("awarding_body") else text


def same(a, b) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    return to_json(a) == to_json(b)
