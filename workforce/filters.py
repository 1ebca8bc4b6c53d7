"""django-filter FilterSets of the workflow lists (rotation, honours and ethics, quota), shared by
each page and its ``?format=xlsx`` download: the file holds exactly the rows the page lists.

Every list is searchable by ``q``: a teacher by name, school or the last four characters of the
身份证件号 (``teacher_search``: an ID fragment the user may not look anyone up by finds nobody, and
``refused`` says so: the view shows why and records it); a list of schools by name or 学校标识码.
A filter's default (the eligible list shows who has not rotated yet, the awards those in force) is
put into the data before binding (``with_defaults``), so a bare link and its export agree.
"""
from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import EthicsSeverity, ExchangeType, HonourType, School, Teacher
from .teacher_search import search_teachers

SEARCH_HELP = _("姓名、学校或身份证件号后4位")


def with_defaults(data, **defaults):
    """``data`` (a QueryDict) with ``defaults`` where a key is absent: a filter's default choice."""
    data = data.copy()
    for key, value in defaults.items():
        if key not in data:
            data[key] = value
    return data


class TeacherSearchFilterSet(django_filters.FilterSet):
    """``q`` finds teachers (``teacher_search``) among ``user``'s; ``teacher_path`` leads from a row
    to its teacher (``"pk"`` when the rows are teachers)."""

    q = django_filters.CharFilter(label=_("查找"), method="filter_q", help_text=SEARCH_HELP)
    teacher_path = "teacher"
    refused = False

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user

    def filter_q(self, qs, name, value):
        if self.teacher_path == "pk":
            found = search_teachers(qs, value, self.user)
            self.refused = found.refused
            return found.teachers
        found = search_teachers(Teacher.objects.in_scope(self.user), value, self.user)
        self.refused = found.refused
        return qs.filter(**{f"{self.teacher_path}__in": found.teachers.values("pk")}) if value.strip() else qs


def _scoped_schools(filterset, user) -> None:
    schools = School.objects.in_scope(user).order_by("code") if user is not None else School.objects.none()
    filterset.filters["school"].queryset = schools
    filterset.form.fields["school"].queryset = schools


class EligibleFilter(TeacherSearchFilterSet):
    """应交流教师: not rotated yet (the default), rotated this year, or all; a school; the search."""

    WAITING, ROTATED, ALL = "waiting", "rotated", "all"
    state = django_filters.ChoiceFilter(label=_("状态"), method="filter_state", empty_label=None, choices=[
        (WAITING, _("未交流")), (ROTATED, _("已交流")), (ALL, _("全部"))])
    school = django_filters.ModelChoiceFilter(label=_("学校"), queryset=School.objects.none(), to_field_name="code",
                                              empty_label=_("全部"))
    teacher_path = "pk"

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(with_defaults(data, state=self.WAITING) if data is not None else None, queryset, user=user,
                         **kwargs)
        _scoped_schools(self, user)

    def filter_state(self, qs, name, value):
        if value == self.WAITING:
            return qs.filter(has_rotated=False)
        return qs.filter(has_rotated=True) if value == self.ROTATED else qs


class ExchangeFilter(TeacherSearchFilterSet):
    """交流轮岗记录: a type, a school on either side, the search."""

    exchange_type = django_filters.ModelChoiceFilter(label=_("交流轮岗类型"), queryset=ExchangeType.objects.all(),
                                                     empty_label=_("全部"))
    school = django_filters.ModelChoiceFilter(label=_("学校"), queryset=School.objects.none(), to_field_name="code",
                                              empty_label=_("全部"), method="filter_school")

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, user=user, **kwargs)
        _scoped_schools(self, user)

    def filter_school(self, qs, name, value):
        return qs.filter(Q(from_school=value) | Q(to_school=value)) if value else qs


class AwardFilter(TeacherSearchFilterSet):
    """荣誉授予: a type (by its code), in force on the day (the default) or all, the search (a team's
    award is found by its team's name)."""

    ACTIVE, ALL = "active", "all"
    type = django_filters.ModelChoiceFilter(label=_("荣誉类型"), queryset=HonourType.objects.all(), to_field_name="code",
                                            field_name="honour_type", empty_label=_("全部"))
    state = django_filters.ChoiceFilter(label=_("状态"), method="filter_state", empty_label=None, choices=[
        (ACTIVE, _("当日有效")), (ALL, _("全部（含到期、撤销）"))])

    def __init__(self, data=None, queryset=None, *, user=None, on=None, **kwargs):
        super().__init__(with_defaults(data, state=self.ACTIVE) if data is not None else None, queryset, user=user,
                         **kwargs)
        self.on = on

    def filter_state(self, qs, name, value):
        from .models import Award

        return qs.filter(pk__in=Award.objects.active_on(self.on).values("pk")) if value == self.ACTIVE else qs

    def filter_q(self, qs, name, value):
        teachers = super().filter_q(qs, name, value)
        return (teachers | qs.filter(team_name__icontains=value.strip())) if value.strip() and not self.refused else teachers


class CandidateFilter(TeacherSearchFilterSet):
    """推荐评选's candidates: a school, the search."""

    school = django_filters.ModelChoiceFilter(label=_("学校"), queryset=School.objects.none(), to_field_name="code",
                                              empty_label=_("全部"))
    teacher_path = "pk"

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, user=user, **kwargs)
        _scoped_schools(self, user)


class PickFilter(TeacherSearchFilterSet):
    """The teachers a form picks from (the award and ethics forms): the search only."""

    teacher_path = "pk"



class ConflictFilter(TeacherSearchFilterSet):
    """Awards in conflict with an ethics ban: a type, the search."""

    type = django_filters.ModelChoiceFilter(label=_("荣誉类型"), queryset=HonourType.objects.all(), to_field_name="code",
                                            field_name="honour_type", empty_label=_("全部"))



class EthicsCaseFilter(TeacherSearchFilterSet):
    """师德失范 cases: a severity, the search."""

    severity = django_filters.ModelChoiceFilter(label=_("处理等级"), queryset=EthicsSeverity.objects.all(),
                                                empty_label=_("全部"))



class SchoolLineFilter(django_filters.FilterSet):
    """A page's lines of schools (the quota table, the rotation plan's schools): by name or 学校标识码."""

    q = django_filters.CharFilter(label=_("学校"), method="filter_q", help_text=_("学校名称或标识码"))

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(code=value)) if value else qs

    def narrow(self, lines, code=lambda line: line.code):
        """The lines of schools (quota lines, the rotation plan's rows …) kept by the filter, each
        matched by its school's code (``code``); all of them when the filter is not used."""
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("q", "").strip()):
            return list(lines)
        codes = set(self.qs.values_list("code", flat=True))
        return [line for line in lines if code(line) in codes]


QuotaSchoolFilter = SchoolLineFilter
