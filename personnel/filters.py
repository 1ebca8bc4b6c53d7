"""FilterSets of the personnel pages (issue 15, item 6), shared by the page and its export:
search by name, school or the ID's last four characters (``workforce.teacher_search``), filter by
status, date and district."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.scoping import scope_for
from workforce.models import District, School, Teacher
from workforce.teacher_search import search_teachers

from .models import ChangeRequest, PersonnelEvent

DATE = forms.DateInput(attrs={"type": "date"})


class ScopedFilterSet(django_filters.FilterSet):
    """``user`` narrows the choices (districts, schools) to the scope and drives the search."""

    q = django_filters.CharFilter(label=_("搜索"), method="filter_q",
                                  help_text=_("姓名、学校名称或标识码、身份证件号后4位"))
    district = django_filters.ModelChoiceFilter(label=_("区县"), queryset=District.objects.all(), method="filter_district",
                                                empty_label=_("全部"))
    teacher_path = "teacher"
    refused = False

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not scope_for(user).above_district:
            self.filters.pop("district", None)
            self.form.fields.pop("district", None)
        else:  # the districts of the user's city (all of them in a single-city installation)
            self.filters["district"].queryset = District.objects.for_scope(scope_for(user))
            self.form.fields["district"].queryset = self.filters["district"].queryset

    def filter_q(self, qs, name, value):
        found = search_teachers(Teacher.objects.in_scope(self.user) if self.user else Teacher.objects.all(), value,
                                self.user)
        self.refused = found.refused
        if not value.strip():
            return qs
        return qs.filter(**{f"{self.teacher_path}__in": found.teachers.values("pk")})

    def filter_district(self, qs, name, value):
        return qs.filter(**{self.district_path: value}) if value else qs


class ChangeRequestFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ChangeRequest.Status.choices, empty_label=_("全部"))
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=ChangeRequest.Kind.choices, empty_label=_("全部"))
    mine = django_filters.BooleanFilter(label=_("只看我提交的"), method="filter_mine", widget=forms.CheckboxInput)
    date_from = django_filters.DateFilter(label=_("申请日期起"), field_name="created_at", lookup_expr="date__gte",
                                          widget=DATE)
    date_to = django_filters.DateFilter(label=_("申请日期止"), field_name="created_at", lookup_expr="date__lte",
                                        widget=DATE)
    district_path = "teacher__school__district"

    class Meta:
        model = ChangeRequest
        fields: list[str] = []

    def filter_mine(self, qs, name, value):
        return qs.filter(requester=self.user) if value else qs


class EventFilter(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(label=_("变动类别"), choices=PersonnelEvent.Kind.choices, empty_label=_("全部"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PersonnelEvent.Status.choices, empty_label=_("全部"))
    date_from = django_filters.DateFilter(label=_("生效日期起"), field_name="effective_on", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("生效日期止"), field_name="effective_on", lookup_expr="lte", widget=DATE)
    district_path = "to_school__district"

    class Meta:
        model = PersonnelEvent
        fields: list[str] = []

    def filter_district(self, qs, name, value):
        """Either side of the move in the district."""
        return qs.filter(Q(from_school__district=value) | Q(to_school__district=value)) if value else qs


class TeacherFilter(ScopedFilterSet):
    """The teachers HR pick from (edit, record an event): search, school, district, on the roll."""

    school = django_filters.ModelChoiceFilter(label=_("学校"), queryset=School.objects.none(), empty_label=_("全部"))
    district_path = "school__district"
    teacher_path = "pk"

    class Meta:
        model = Teacher
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.filters["school"].queryset = School.objects.in_scope(user).order_by("code") if user else School.objects.none()
        self.form.fields["school"].queryset = self.filters["school"].queryset

    def filter_q(self, qs, name, value):
        found = search_teachers(qs, value, self.user)
        self.refused = found.refused
        return found.teachers


class AnnualSchoolFilter(django_filters.FilterSet):
    """The schools of an annual report: by name or 学校标识码, district, report status."""

    q = django_filters.CharFilter(label=_("学校"), method="filter_q", help_text=_("学校名称或标识码"))
    district = django_filters.ModelChoiceFilter(label=_("区县"), queryset=District.objects.all(), empty_label=_("全部"))
    status = django_filters.ChoiceFilter(label=_("报送状态"), method="filter_status", empty_label=_("全部"), choices=[
        ("none", _("未报送")), ("submitted", _("学校已报送")), ("returned", _("区县已退回")), ("approved", _("区县已审核"))])

    class Meta:
        model = School
        fields: list[str] = []

    def __init__(self, *args, user=None, period=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period
        if not scope_for(user).above_district:
            self.filters.pop("district", None)
            self.form.fields.pop("district", None)
        else:
            self.filters["district"].queryset = District.objects.for_scope(scope_for(user))
            self.form.fields["district"].queryset = self.filters["district"].queryset

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(code=value)) if value else qs

    def filter_status(self, qs, name, value):
        from .models import SchoolReport

        reports = SchoolReport.objects.filter(period=self.period)
        if value == "none":
            return qs.exclude(pk__in=reports.values("school_id"))
        return qs.filter(pk__in=reports.filter(status=value).values("school_id")) if value else qs
