"""django-filter FilterSets of the careers lists (the pages, and any export, apply these)."""
import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workforce import choices as wc
from workforce.models import District, School

from .choices import AssessmentResult

NOT_ENTERED = "none"


class AssessmentSheetFilter(django_filters.FilterSet):
    """The 年度考核 page's teachers: school, entered result (or none yet), name or school."""

    school = django_filters.ModelChoiceFilter(label=_("学校"), queryset=School.objects.none(), empty_label=_("全部"))
    result = django_filters.ChoiceFilter(label=_("考核结果"), method="by_result", empty_label=_("全部"),
                                         choices=[*AssessmentResult.choices, (NOT_ENTERED, _("未登记"))])
    q = django_filters.CharFilter(label=_("姓名"), method="by_name")

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["school"].queryset = School.objects.for_scope(scope).order_by("code") if scope else School.objects.none()

    def by_result(self, qs, name, value):
        return qs.filter(result__isnull=True) if value == NOT_ENTERED else qs.filter(result=value)

    def by_name(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(school__name__icontains=value)) if value else qs


class PostStructureFilter(django_filters.FilterSet):
    """The post-structure page's schools."""

    district = django_filters.ModelChoiceFilter(label=_("区县"), queryset=District.objects.all(), empty_label=_("全部"))
    school_type = django_filters.ChoiceFilter(label=_("学校类型"), choices=wc.SchoolType.choices, empty_label=_("全部"))
    location = django_filters.ChoiceFilter(label=_("城乡分类"), choices=wc.Location.choices, empty_label=_("全部"))
    q = django_filters.CharFilter(label=_("学校"), method="by_name")

    class Meta:
        model = School
        fields = ["district", "school_type", "location"]

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        if scope is not None:  # the districts of the user's city (all of them in a single-city installation)
            self.filters["district"].queryset = District.objects.of_own_city(scope)

    def by_name(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(code=value)) if value else qs
