"""One set of rules (issue 13 item 7): the same row, sent through the page's way of writing it
and through the import, gets the same verdict — refused, nothing written, with the same message
text, the text ``workforce.rules`` gives for it.

The page's way is the ``workforce.services`` function the pages call (title promotion, award,
exchange). Teachers, 学习经历, 专业技术职务 corrections, schools and enrolment have no page of
their own but the admin, so for them it is the admin's form (``ModelAdmin.get_form``, the
teacher page's 学习经历 inline), which runs the model's ``clean``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import pytest
from django.contrib import admin as django_admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imports.services import import_run
from tests.factories import TeacherFactory
from tests.imports.helpers import ROSTER_HEADERS, write_xlsx
from workforce import choices as c
from workforce import honours, rules, services
from workforce import models as m
from workforce.admin import EducationInline

D = dt.date
def today() -> dt.date:
    """Asked when a case runs, not when the module is collected: a run that passes midnight
    (Asia/Shanghai: 16:00 UTC) would otherwise find "tomorrow" is today."""
    return timezone.localdate()


def next_month() -> dt.date:
    return (today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def tomorrow() -> dt.date:
    return today() + dt.timedelta(days=1)
BAN_DECIDED = D(2025, 1, 10)  # 记过: 12 months, to 2026-01-10


def ym(day: dt.date) -> str:
    return f"{day:%Y%m}"


# ---------------------------------------------------------------- the two ways in
def run_import(tmp_path, user, sheets: dict) -> tuple[bool, list[str]]:
    path = write_xlsx(tmp_path / "rule.xlsx", sheets)
    report = import_run(file=path, filename=path.name, user=user, dry_run=False, source="cli")
    return report.committed, [e.message for e in report.errors]


def service_refusal(call: Callable, teacher_name: str) -> list[str]:
    """The messages a service refuses with (a many-teacher service names the teacher first)."""
    with pytest.raises(ValidationError) as refused:
        call()
    prefix = f"{teacher_name}："
    return [msg.removeprefix(prefix) for msg in refused.value.messages]


def admin_request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    return request


def admin_form(model, user, instance=None, **changes):
    """The admin's form of ``model`` for ``instance`` (or a new record), bound to the record's
    values with ``changes``: what the officer submits."""
    model_admin = django_admin.site._registry[model]
    request = admin_request(user)
    form_class = model_admin.get_form(request, instance)
    values = model_to_dict(instance) if instance is not None else {}
    values.update(changes)
    data = {}
    for name in form_class.base_fields:
        value = values.get(name)
        if value is None:
            continue
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    return form_class(data=data, instance=instance)


def admin_refusal(form) -> list[str]:
    assert not form.is_valid()
    return [msg for errors in form.errors.values() for msg in errors]


# ---------------------------------------------------------------- the cases
@dataclass
class Case:
    """``setup(world)`` → (the page's call raising ``ValidationError`` or an unbound admin form,
    the import's sheets, the rule's problems, the model whose rows must not change)."""

    name: str
    setup: Callable


def ban(world, teacher):
    severity = m.EthicsSeverity.objects.get(name="记过")
    return services.ethics_case_record(teacher=teacher, severity=severity, occurred_on=BAN_DECIDED - dt.timedelta(days=30),
                                       decided_on=BAN_DECIDED, user=world.officer)


def exchange_type():
    return m.ExchangeType.objects.filter(counts=True).order_by("order").first()


EXCHANGE_HEADERS = ["姓名", "身份证件号", "交流轮岗类型", "开始年月", "结束年月", "交流轮岗单位名称"]


def exchange_case(world, *, start, end, to_school, setup_teacher=None):
    t = world.t1
    if setup_teacher:
        setup_teacher(t)
    kind = exchange_type()

    def call():
        return services.exchange_record(teacher=t, exchange_type=kind, start=start, end=end, to_school=to_school,
                                        user=world.users.district)
    sheet = {"交流轮岗": [EXCHANGE_HEADERS, [t.name, t.id_number, kind.name, ym(start), ym(end) if end else "",
                                         to_school.name]]}
    return call, sheet


def title_under_ban(world):
    t = world.t1
    b = honours.ban_of(ban(world, t))
    on = D(2025, 6, 1)
    call = lambda: services.title_promote(teacher=t, title=c.Title.SENIOR, appointed_on=on, user=world.users.district)
    sheet = {"专业技术职务": [["姓名", "身份证件号", "专业技术职务", "聘任年月"], [t.name, t.id_number, "高级教师", ym(on)]]}
    return call, sheet, rules.ethics_veto([b], on, "promote"), m.TitleAppointment


def title_in_future(world):
    t, month = world.t1, next_month()
    call = lambda: services.title_promote(teacher=t, title=c.Title.SENIOR, appointed_on=month, user=world.users.district)
    sheet = {"专业技术职务": [["姓名", "身份证件号", "专业技术职务", "聘任年月"], [t.name, t.id_number, "高级教师", ym(month)]]}
    return call, sheet, rules.not_in_future("appointed_on", next_month(), today(), month=True), m.TitleAppointment


def _honour_sheet(t, honour, on):
    return {"荣誉": [["姓名", "身份证件号", "荣誉称号", "荣誉日期"], [t.name, t.id_number, honour.name, on.isoformat()]]}


def award_under_ban(world):
    t = world.t1
    b = honours.ban_of(ban(world, t))
    honour, on = m.HonourType.objects.get(code="gangcheng_mingshi"), D(2025, 6, 1)
    call = lambda: services.award_grant(honour_type=honour, teacher=t, awarded_on=on, user=world.users.district)
    return call, _honour_sheet(t, honour, on), rules.ethics_veto([b], on, "award"), m.Award


def award_in_future(world):
    t = world.t1
    honour = m.HonourType.objects.get(code="gangcheng_mingshi")
    day = tomorrow()
    call = lambda: services.award_grant(honour_type=honour, teacher=t, awarded_on=day, user=world.users.district)
    return call, _honour_sheet(t, honour, day), rules.award_dates(day, today()), m.Award


def exchange_end_before_start(world):
    start, end = D(2025, 9, 1), D(2025, 3, 1)
    call, sheet = exchange_case(world, start=start, end=end, to_school=world.s1b)
    return call, sheet, rules.exchange_period(start, end), m.Exchange


def exchange_same_school(world):
    call, sheet = exchange_case(world, start=D(2025, 9, 1), end=D(2026, 7, 1), to_school=world.s1)
    return call, sheet, rules.exchange_schools(world.s1.code, world.s1.code), m.Exchange


def exchange_overlapping(world):
    kind = exchange_type()
    old = m.Exchange.objects.create(teacher=world.t1, exchange_type=kind, start=D(2024, 9, 1), end=D(2025, 7, 1),
                                    from_school=world.s1, to_school=world.s1b)
    start, end = D(2025, 3, 1), D(2026, 7, 1)
    call, sheet = exchange_case(world, start=start, end=end, to_school=world.s2)
    other = rules.Period(old.start, old.end, rules.exchange_label(kind.name, old.start, old.end))
    return call, sheet, rules.exchange_overlaps(start, end, [other]), m.Exchange


def exchange_after_leaving(world):
    def leave(t):
        t.left_on, t.left_reason = D(2025, 7, 31), c.LeftReason.values[0]
        t.save()
    start = D(2025, 9, 1)
    call, sheet = exchange_case(world, start=start, end=D(2026, 7, 1), to_school=world.s1b, setup_teacher=leave)
    return call, sheet, rules.exchange_after_leaving(D(2025, 7, 31), start), m.Exchange


# ---- the admin's forms (no page of their own)
def roster_sheet(t, **cells):
    """A 花名册 row for teacher ``t`` as the system holds it, with ``cells`` (header → value) changed."""
    headers = ROSTER_HEADERS + ["是否参加基层服务项目", "参加基层服务项目起始年月", "参加基层服务项目结束年月"]
    row = dict(zip(headers, [1, t.school.code, t.name, "男" if t.sex == "1" else "女", t.id_number, ym(t.birth_date),
                             ym(t.work_start), ym(t.school_entry), "是", "专任教师",
                             c.data_labels(c.Stage)[t.teaching_stage], "语文", "否", "", ""]))
    row.update(cells)
    return {"教职工基础信息": [headers, [row[h] for h in headers]]}


def teacher_form(world, **changes):
    return admin_form(m.Teacher, world.users.city, m.Teacher.objects.get(pk=world.t1.pk), **changes)


def stage_not_in_school(world):
    t = world.t1
    form = teacher_form(world, teaching_stage=c.Stage.SENIOR)
    expected = rules.stage_in_school(c.Stage.SENIOR, t.school.name, t.school.stage_list)
    return form, roster_sheet(t, 任教学段="高中"), expected, m.Teacher


def work_start_before_14(world):
    t = world.t1
    work = D(t.birth_date.year + 10, 9, 1)
    form = teacher_form(world, work_start=work, school_entry=D(2012, 9, 1))
    return form, roster_sheet(t, 参加工作年月=ym(work)), rules.work_start_age(t.birth_date, work), m.Teacher


def school_entry_before_work_start(world):
    t = world.t1
    entry = D(2000, 1, 1)
    form = teacher_form(world, school_entry=entry)
    expected = rules.school_entry_after_work_start(t.work_start, entry)
    return form, roster_sheet(t, 进本校年月=ym(entry)), expected, m.Teacher


def school_entry_in_future(world):
    t, month = world.t1, next_month()
    form = teacher_form(world, school_entry=month)
    expected = rules.not_in_future("school_entry", month, today(), month=True)
    return form, roster_sheet(t, 进本校年月=ym(month)), expected, m.Teacher


def grassroots_end_before_start(world):
    t = world.t1
    start, end = D(2009, 9, 1), D(2008, 9, 1)
    form = teacher_form(world, grassroots_service=True, grassroots_start=start, grassroots_end=end)
    sheet = roster_sheet(t, 是否参加基层服务项目="是", 参加基层服务项目起始年月=ym(start), 参加基层服务项目结束年月=ym(end))
    return form, sheet, rules.grassroots_period(start, end), m.Teacher


EDUCATION_HEADERS = ["姓名", "身份证件号", "学历", "学位层次", "入学年月", "毕业年月", "最高学历标识"]


def education_form(world, **values):
    return admin_form(m.EducationRecord, world.users.city, None, teacher=world.t1.pk, study_mode="full_time", **values)


def degree_with_associate(world):
    t = world.t1
    form = education_form(world, education=c.Education.ASSOCIATE, degree=c.Degree.BACHELOR, end=D(2008, 6, 1))
    sheet = {"学习经历": [EDUCATION_HEADERS, [t.name, t.id_number, "大学专科", "学士", "", "200806", "否"]]}
    return form, sheet, rules.degree_for_education(c.Education.ASSOCIATE, c.Degree.BACHELOR), m.EducationRecord


def education_end_before_start(world):
    t = world.t1
    start, end = D(2010, 9, 1), D(2008, 6, 1)
    form = education_form(world, education=c.Education.BACHELOR, degree=c.Degree.NONE, start=start, end=end)
    sheet = {"学习经历": [EDUCATION_HEADERS, [t.name, t.id_number, "大学本科", "无", ym(start), ym(end), "否"]]}
    return form, sheet, rules.education_period(start, end), m.EducationRecord


def two_highest_education(world):
    """The teacher page with two 学习经历 rows flagged 最高学历; the file with two such rows."""
    t = m.Teacher.objects.get(pk=world.t1.pk)
    request = admin_request(world.users.city)
    inline = next(i for i in django_admin.site._registry[m.Teacher].get_inline_instances(request, t)
                  if isinstance(i, EducationInline))  # with the rights the teacher page gives it
    formset_class = inline.get_formset(request, t)
    prefix = formset_class.get_default_prefix()
    rows = [(c.Education.BACHELOR, c.Degree.BACHELOR, D(2010, 6, 1)), (c.Education.MASTER, c.Degree.MASTER, D(2013, 6, 1))]
    data = {f"{prefix}-TOTAL_FORMS": "2", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, (education, degree, end) in enumerate(rows):
        data.update({f"{prefix}-{i}-education": education, f"{prefix}-{i}-degree": degree,
                     f"{prefix}-{i}-study_mode": "full_time", f"{prefix}-{i}-end": end.isoformat(),
                     f"{prefix}-{i}-is_highest": "on"})
    formset = formset_class(data=data, instance=t, prefix=prefix)
    sheet = {"学习经历": [EDUCATION_HEADERS, [t.name, t.id_number, "大学本科", "学士", "", "201006", "是"],
                          [t.name, t.id_number, "硕士研究生", "硕士", "", "201306", "是"]]}
    return formset, sheet, rules.one_highest_education([(e, end) for e, _d, end in rows]), m.EducationRecord


def title_end_before_start(world):
    t = world.t1
    on, ended = D(2016, 9, 1), D(2015, 8, 1)
    form = admin_form(m.TitleAppointment, world.users.city, None, teacher=t.pk, title=c.Title.FIRST,
                      appointed_on=on, ended_on=ended)
    sheet = {"专业技术职务": [["姓名", "身份证件号", "专业技术职务", "聘任年月", "解聘年月"],
                              [t.name, t.id_number, "一级教师", ym(on), ym(ended)]]}
    return form, sheet, rules.title_period(on, ended), m.TitleAppointment


def rural_kind_not_rural(world):
    s = m.School.objects.get(pk=world.s1.pk)
    form = admin_form(m.School, world.users.city, s, rural_kind=c.RuralKind.VILLAGE, stages='["primary"]')
    sheet = {"学校": [["学校标识码", "学校名称", "所属区县", "学校类型", "办学性质", "城乡分类", "村小/教学点"],
                      [s.code, s.name, s.district.name, "小学", "公办", "城区", c.data_labels(c.RuralKind)[c.RuralKind.VILLAGE]]]}
    return form, sheet, rules.rural_kind_only_rural(s.location, c.RuralKind.VILLAGE), m.School


def enrolment_stage_not_offered(world):
    s = world.s1
    form = admin_form(m.Enrolment, world.users.city, None, school=s.pk, school_year=2025, stage=c.Stage.SENIOR,
                      pupils=300, classes=8)
    sheet = {"在校生": [["学校标识码", "学年", "学段", "在校生数", "班级数"], [s.code, "2025-2026", "高中", 300, 8]]}
    return form, sheet, rules.stage_in_school(c.Stage.SENIOR, s.name, s.stage_list, field="stage"), m.Enrolment


CASES = [
    # through the services the pages call
    Case("职称：师德限制期内晋升", title_under_ban),
    Case("职称：聘任年月晚于本月", title_in_future),
    Case("荣誉：师德限制期内授予", award_under_ban),
    Case("荣誉：授予日期晚于今天", award_in_future),
    Case("交流：结束年月早于开始年月", exchange_end_before_start),
    Case("交流：交流单位即原单位", exchange_same_school),
    Case("交流：与已有交流重叠", exchange_overlapping),
    Case("交流：已离开本校", exchange_after_leaving),
    # through the admin's forms
    Case("教师：任教学段不在本校", stage_not_in_school),
    Case("教师：参加工作未满14周岁", work_start_before_14),
    Case("教师：进本校早于参加工作", school_entry_before_work_start),
    Case("教师：进本校年月晚于本月", school_entry_in_future),
    Case("教师：基层服务结束早于起始", grassroots_end_before_start),
    Case("学习经历：专科授学位", degree_with_associate),
    Case("学习经历：毕业早于入学", education_end_before_start),
    Case("学习经历：两条最高学历", two_highest_education),
    Case("职称：解聘早于聘任", title_end_before_start),
    Case("学校：城区学校标为村小", rural_kind_not_rural),
    Case("在校生：学校没有该学段", enrolment_stage_not_offered),
]


@pytest.fixture
def officer(world):
    world.users.city.can_view_ethics = True
    world.users.city.save()
    world.officer = world.users.city
    return world.users.city


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_page_and_the_import_give_the_same_verdict(world, officer, tmp_path, case):
    page, sheets, problems, model = case.setup(world)
    expected = [p.message for p in problems]
    assert len(expected) == 1, expected  # each case breaks one rule
    before = model.objects.count()

    if callable(page):
        by_page = service_refusal(page, world.t1.name)
    elif hasattr(page, "non_form_errors"):  # an inline formset
        assert not page.is_valid()
        by_page = list(page.non_form_errors())
    else:
        by_page = admin_refusal(page)
    committed, by_import = run_import(tmp_path, world.users.district, sheets)

    assert by_page == expected
    assert not committed and by_import == expected
    assert model.objects.count() == before  # refused: nothing written either way


# ---------------------------------------------------------------- the veto in the admin, too
@pytest.mark.django_db
def test_the_admin_forms_refuse_a_title_and_an_award_under_a_ban_with_the_same_text(world, officer):
    b = honours.ban_of(ban(world, world.t1))
    on = D(2025, 6, 1)
    title = admin_form(m.TitleAppointment, world.users.city, None, teacher=world.t1.pk, title=c.Title.SENIOR,
                       appointed_on=on)
    award = admin_form(m.Award, world.users.city, None, teacher=world.t1.pk,
                       honour_type=m.HonourType.objects.get(code="gangcheng_mingshi").pk, awarded_on=on)
    assert admin_refusal(title) == [p.message for p in rules.ethics_veto([b], on, "promote")]
    assert admin_refusal(award) == [p.message for p in rules.ethics_veto([b], on, "award")]


@pytest.mark.django_db
def test_a_roster_title_column_is_a_promotion_too(world, officer, tmp_path):
    """A 花名册's 专业技术职务 column records a new appointment like the 专业技术职务 sheet: under
    a ban it is refused with the same text (the 职称 column the row names)."""
    t = world.t1
    b = honours.ban_of(ban(world, t))
    on = D(2025, 6, 1)
    sheet = roster_sheet(t)
    sheet["教职工基础信息"][0] += ["专业技术职务", "聘任年月"]
    sheet["教职工基础信息"][1] += ["高级教师", ym(on)]
    path = write_xlsx(tmp_path / "roster.xlsx", sheet)
    report = import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="cli")
    assert not report.committed
    assert [(e.column, e.message) for e in report.errors] == [
        ("专业技术职务", rules.ethics_veto([b], on, "promote")[0].message)]
    assert not m.TitleAppointment.objects.filter(teacher=t).exists()


@pytest.mark.django_db
def test_a_planned_exchange_is_recorded_by_the_page_and_by_the_import(world, tmp_path):
    """An exchange starting next month is planned, not a mistake: both ways record it."""
    kind = exchange_type()
    start = next_month()
    services.exchange_record(teacher=world.t1, exchange_type=kind, start=start, to_school=world.s1b,
                             user=world.users.district)
    rows = [EXCHANGE_HEADERS, [world.t1b.name, world.t1b.id_number, kind.name, ym(start), "", world.s1.name]]
    committed, errors = run_import(tmp_path, world.users.district, {"交流轮岗": rows})
    assert committed, errors
    assert m.Exchange.objects.filter(start=start).count() == 2


# ---------------------------------------------------------------- the inputs in bulk
def _titles_file(tmp_path, name, teachers, on):
    rows = [["姓名", "身份证件号", "专业技术职务", "聘任年月"]]
    rows += [[t.name, t.id_number, "一级教师", ym(on)] for t in teachers]
    return write_xlsx(tmp_path / name, {"专业技术职务": rows})


@pytest.mark.django_db
def test_the_bans_of_a_titles_file_are_loaded_in_bulk(world, officer, tmp_path):
    """The veto's inputs come in one query for the file's teachers: the queries of a 专业技术职务
    import do not grow with its rows, whatever bans the teachers have."""
    teachers = TeacherFactory.create_batch(60, school=world.s1)
    severity = m.EthicsSeverity.objects.get(name="记过")
    m.EthicsCase.objects.bulk_create([
        m.EthicsCase(teacher=t, severity=severity, occurred_on=D(2019, 1, 1), decided_on=D(2019, 2, 1),
                     ban_until=D(2020, 2, 1)) for t in teachers])  # over before the appointments
    on = D(2021, 9, 1)
    small, large = _titles_file(tmp_path, "s.xlsx", teachers[:10], on), _titles_file(tmp_path, "l.xlsx", teachers[10:], on)
    counts = []
    for path in (small, large):
        with CaptureQueriesContext(connection) as queries:
            report = import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="cli")
        assert report.committed, report.errors
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 2, counts


# ---------------------------------------------------------------- the rules alone (no database)
def test_the_veto_covers_the_first_and_last_day_of_the_ban_and_names_the_ban_ending_last():
    short = rules.Ban("警告", D(2025, 1, 10), D(2025, 7, 10))
    long = rules.Ban("记过", D(2025, 3, 1), D(2026, 3, 1))
    dropped = rules.Ban("记过", D(2025, 1, 1), D(2030, 1, 1), substantiated=False)
    assert rules.ethics_veto([short], D(2025, 1, 9), "award") == []
    assert rules.ethics_veto([short], D(2025, 1, 10), "award") and rules.ethics_veto([short], D(2025, 7, 10), "award")
    assert rules.ethics_veto([short], D(2025, 7, 11), "award") == []
    [problem] = rules.ethics_veto([short, long, dropped], D(2025, 5, 1), "promote")
    assert problem == rules.Problem("teacher", "师德一票否决：该教师有查实的师德失范行为（记过，2025-03-01 认定），"
                                               "限制期至 2026-03-01，期内不得晋升专业技术职务。")
    assert rules.ethics_veto([dropped], D(2025, 5, 1), "award") == []


def test_dates_in_the_future_by_day_or_by_month():
    today = D(2025, 6, 15)
    assert rules.not_in_future("awarded_on", D(2025, 6, 16), today) == [rules.Problem("awarded_on", rules.FUTURE)]
    assert rules.not_in_future("appointed_on", D(2025, 6, 30), today, month=True) == []  # this month
    assert rules.not_in_future("appointed_on", D(2025, 7, 1), today, month=True)
    assert rules.not_in_future("awarded_on", None, today) == []
    # a teacher studying now, and a 基层服务项目 term still running, are not mistakes
    assert rules.education_dates(D(2024, 9, 1), D(2027, 6, 1), today) == []
    assert rules.teacher_dates({"grassroots_end": D(2027, 8, 1), "grassroots_start": D(2025, 9, 1)}, today) == [
        rules.Problem("grassroots_start", rules.FUTURE)]


def test_work_starts_at_fourteen_at_the_earliest_by_month():
    birth = D(1990, 5, 20)
    assert rules.work_start_age(birth, D(2004, 5, 1)) == []  # the month of the 14th birthday
    assert rules.work_start_age(birth, D(2004, 4, 1))[0].field == "work_start"
    assert rules.school_entry_after_work_start(D(2010, 9, 1), D(2010, 9, 1)) == []
    assert rules.school_entry_after_work_start(D(2010, 9, 1), D(2010, 8, 1))[0].field == "school_entry"


def test_degree_goes_with_bachelor_or_higher():
    assert rules.degree_for_education(c.Education.BACHELOR, c.Degree.MASTER) == []
    assert rules.degree_for_education(c.Education.ASSOCIATE, c.Degree.NONE) == []
    assert rules.degree_for_education(c.Education.ASSOCIATE, c.Degree.BACHELOR)[0].message == (
        "学位“学士”与学历“大学专科”不符：专科及以下学历不授予学位，请核对")


def test_one_highest_and_exchanges():
    assert rules.one_highest_education([(c.Education.BACHELOR, None)]) == []
    assert rules.one_highest_education([(c.Education.BACHELOR, D(2010, 6, 1)), (c.Education.MASTER, None)])[0].message == (
        "同一教师只能有一条最高学历（标为最高学历的有：大学本科 2010-06、硕士研究生）")
    other = rules.Period(D(2024, 9, 1), D(2025, 8, 31), "支教 2024-09-01 至 2025-08-31")
    assert rules.exchange_overlaps(D(2025, 9, 1), None, [other]) == []
    assert rules.exchange_overlaps(D(2025, 8, 31), None, [other])[0].message == (
        "与已有交流轮岗记录时间重叠（支教 2024-09-01 至 2025-08-31），同一教师不能同时参加两项交流")
    assert [p.field for p in rules.exchange(start=D(2025, 9, 1), end=D(2025, 8, 1), from_school="A", to_school="A",
                                            left_on=D(2025, 7, 1))] == ["end", "to_school", "start"]
    assert rules.stage_in_school(c.Stage.JUNIOR, "某小学", [c.Stage.PRIMARY]) == [rules.Problem(
        "teaching_stage", "任教学段“初中”不在“某小学”开设的学段内（开设：小学）")]
    assert rules.stage_in_school(c.Stage.JUNIOR, "某校", []) == []  # stages not known
    assert rules.rural_kind_only_rural(c.Location.URBAN, c.RuralKind.VILLAGE)
    assert rules.rural_kind_only_rural(c.Location.RURAL, c.RuralKind.VILLAGE) == []
