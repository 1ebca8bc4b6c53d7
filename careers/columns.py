"""The columns of the careers lists, declared once for the page's table and its download
(``core.spreadsheets.Column``; the 身份证件号 masked on both, as everywhere)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.identity import mask_id_number
from core.spreadsheets import Column

from .choices import AssessmentResult

_RESULTS = dict(AssessmentResult.choices)

# 年度考核: the teachers of the year and their result (blank: not entered yet)
ASSESSMENT_SHEET = [
    Column(gettext_lazy("姓名"), "name"),
    Column(gettext_lazy("身份证件号"), "id_number", mask=mask_id_number),
    Column(gettext_lazy("学校"), "school.name"),
    Column(gettext_lazy("任教学段"), "get_teaching_stage_display"),
    Column(gettext_lazy("考核结果"), lambda t: str(_RESULTS[t.result]) if t.result in _RESULTS else ""),
]
