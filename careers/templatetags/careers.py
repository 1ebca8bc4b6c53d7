from django import template
from django.utils.translation import gettext as _

from ..choices import AssessmentResult

register = template.Library()
_LABELS = dict(AssessmentResult.choices)


@register.filter
def pct(value) -> str:
    """A fraction as a percentage with one decimal; 无数据 when missing."""
    return _("无数据") if value is None else f"{value * 100:.1f}%"


@register.filter
def result_label(code) -> str:
    return str(_LABELS.get(code, "—")) if code else "—"


@register.simple_tag
def teacher_careers(teacher) -> dict:
    """A teacher's 年度考核 history and titles, for the include on the teacher's page (two queries)."""
    from workforce.models import TitleAppointment

    from ..selectors import teacher_history

    return {"assessments": teacher_history(teacher),
            "titles": list(TitleAppointment.objects.filter(teacher=teacher).order_by("-appointed_on"))}
