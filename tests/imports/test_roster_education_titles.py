"""A 花名册's 学历 and 职称 columns (issue 13 item 5): 最高学历, 最高学位, 毕业院校, 所学专业, 毕业时间
and 专业技术职务 with its 任职时间 become the teacher's highest 学习经历 (最高学历标识) and current
专业技术职务, as if a 学习经历 or 专业技术职务 sheet had been imported.

The rosters here are built the way an office makes one in Excel: a title line above the header,
its own column order and header words, months typed into cells (stored as the first of the
month, shown ``yyyy-mm``), 本科学历 and 硕士学位 in two columns, pre-2015 title names (中学高级,
小学高级). Table 2 is read through the workforce selectors, as the dashboard reads it.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.models import AuditEntry
from imports.services import import_run
from imports.synonyms import detect_sheet_kind
from tests.factories import SchoolFactory, TeacherFactory
from tests.imports.helpers import new_id, write_xlsx
from workforce import choices as c
from workforce import measures as ms
from workforce import selectors as sel
from workforce.models import EducationRecord, Teacher, TitleAppointment

pytestmark = pytest.mark.django_db

D = dt.date
HEADERS = ["序号", "姓名", "身份证号", "性别", "出生年月", "学校名称", "任教学段", "职称", "任职时间", "最高学历",
           "最高学位", "毕业院校", "所学专业", "毕业时间", "教职工类别", "是否在编", "进本校年月"]
MONTH_COLUMNS = ("出生年月", "任职时间", "毕业时间", "进本校年月")


def run(path, user, *, dry_run=False, **kw):
    return import_run(file=path, filename=path.name, user=user, dry_run=dry_run, source="cli", **kw)


def typed(day: D | None):
    """A month typed into Excel: the first of the month, stored as a date."""
    return None if day is None else dt.datetime(day.year, day.month, 1)


def office_roster(path, rows: list[dict], headers=HEADERS, title="海州区新海初级中学教职工花名册（2025年9月）"):
    """An office's roster: a title line, the header, then one row per dict (header → cell); the
    month columns hold dates formatted as months."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "教职工花名册"
    sheet.append([title])
    sheet.append(headers)
    for n, row in enumerate(rows, 1):
        sheet.append([n if h == "序号" else row.get(h) for h in headers])
        for col, header in enumerate(headers, 1):
            if header in MONTH_COLUMNS and isinstance(row.get(header), dt.datetime):
                sheet.cell(row=sheet.max_row, column=col).number_format = "yyyy-mm"
    book.save(path)
    return path


def person(teacher: Teacher | None = None, **cells) -> dict:
    """A roster row for an existing teacher (or, with 姓名 and 身份证号 given, a new one)."""
    row = {"学校名称": "新海初级中学", "任教学段": "初中", "性别": "男", "教职工类别": "专任教师", "是否在编": "是",
           "进本校年月": typed(D(2012, 9, 1))}
    if teacher is not None:
        row.update({"姓名": teacher.name, "身份证号": teacher.id_number, "出生年月": typed(teacher.birth_date),
                    "性别": "男" if teacher.sex == "1" else "女"})
    row.update(cells)
    return row


def junior_postgraduates(school) -> tuple[int, int, int]:
    """Table 2 line 3 (普通初中 研究生) of one school, as ``workforce.selectors.table2_counts`` counts
    it for the dashboard: (研究生学历（学位） teachers, 初中 teachers, 研究生 by 学历 alone)."""
    counts = sel.table2_counts(sel.school_ref(school).scope, dt.date.today()).get(None, {})
    level = ms.MEASURE_LEVEL["研究生"]
    histogram = {kind: {key[3]: n for key, n in counts.items() if key[:3] == ("t2", c.Stage.JUNIOR, kind)}
                 for kind in ("eff", "edu")}
    return (ms.count_at_or_above(histogram["eff"], level), counts.get(("t2", c.Stage.JUNIOR, "teachers"), 0),
            ms.count_at_or_above(histogram["edu"], level))


@pytest.fixture
def junior(world):
    school = SchoolFactory(district=world.d1, name="新海初级中学", school_type=c.SchoolType.JUNIOR)
    teachers = [TeacherFactory(school=school, name=name, teaching_stage=c.Stage.JUNIOR)
                for name in ("赵一", "钱二", "孙三", "周四")]
    return school, teachers


def roster_rows(teachers, new_number):
    a, b, cc, d = teachers
    return [
        # 本科学历 + 硕士学位 in two columns: 研究生 level for Table 2
        person(a, 职称="中学高级", 任职时间=typed(D(2018, 9, 1)), 最高学历="本科学历", 最高学位="硕士学位",
               毕业院校="江苏师范大学", 所学专业="汉语言文学", 毕业时间=typed(D(2010, 7, 1))),
        # a pre-2015 小学 title: 小学高级 is 一级教师
        person(b, 职称="小学高级", 任职时间=typed(D(2012, 9, 1)), 最高学历="大专", 最高学位="无",
               毕业院校="连云港师范高等专科学校", 毕业时间=typed(D(2004, 7, 1))),
        # 硕士研究生 with no 毕业时间 and no title
        person(cc, 最高学历="硕士研究生", 最高学位="硕士", 毕业院校="南京师范大学"),
        # 本科 without a 学位; a 职称 without its 任职时间
        person(d, 职称="中学一级", 最高学历="本科"),
        # a teacher new to the system: 博士研究生
        person(None, 姓名="吴五", 身份证号=new_number, 出生年月=typed(D(1990, 4, 1)), 职称="二级教师",
               任职时间=typed(D(2020, 9, 1)), 最高学历="博士研究生", 最高学位="博士学位", 毕业院校="北京师范大学",
               毕业时间=typed(D(2019, 6, 1))),
    ]


# ------------------------------------------------------------------ the roster's columns become records
def test_roster_education_and_titles_become_records_and_move_table2(world, junior, tmp_path):
    school, teachers = junior
    a, b, cc, d = teachers
    new_number = new_id(D(1990, 4, 9))
    path = office_roster(tmp_path / "花名册.xlsx", roster_rows(teachers, new_number))
    assert junior_postgraduates(school) == (0, 4, 0)  # no 学历 on record: every Table 2 numerator is 0

    preview = run(path, world.users.district, dry_run=True)
    assert preview.errors == [] and not EducationRecord.objects.exists()  # a preview writes nothing
    assert (preview.new, preview.changed, preview.unchanged) == (1, 4, 0)
    assert preview.records == {"学习经历": {"new": 5, "changed": 0, "unchanged": 0},
                               "专业技术职务": {"new": 3, "changed": 0, "unchanged": 0}}
    record = next(ch for ch in preview.changes if ch["row"] == 3 and "学习经历" in ch["record"])
    assert {f["label"]: f["new"] for f in record["fields"]}["学位层次"] == "硕士"

    report = run(path, world.users.district)
    assert report.committed, report.errors

    def highest(teacher):
        return EducationRecord.objects.get(teacher=teacher, is_highest=True)
    ra = highest(a)
    assert (ra.education, ra.degree, ra.institution, ra.major, ra.end) == (
        "bachelor", "master", "江苏师范大学", "汉语言文学", D(2010, 7, 1))
    assert (highest(b).education, highest(b).degree, highest(b).end) == ("associate", "none", D(2004, 7, 1))
    assert (highest(cc).education, highest(cc).degree, highest(cc).end) == ("master", "master", None)
    assert (highest(d).education, highest(d).degree) == ("bachelor", "none")  # no 学位 column value: none invented
    new = Teacher.objects.get(id_number=new_number)
    assert (highest(new).education, highest(new).degree) == ("doctorate", "doctor")
    assert EducationRecord.objects.count() == 5
    got = sorted(TitleAppointment.objects.values_list("teacher__name", "title", "appointed_on", "ended_on"))
    assert got == [("吴五", "erji", D(2020, 9, 1), None), ("赵一", "gaoji", D(2018, 9, 1), None),
                   ("钱二", "yiji", D(2012, 9, 1), None)]
    assert any("第 6 行的专业技术职务没有任职（聘任）时间" in w for w in report.warnings)  # 周四's 中学一级
    # Table 2: 赵一 (本科 + 硕士学位), 孙三 (硕士研究生), 吴五 (博士研究生) are 研究生 of 5; by 学历 alone 2
    assert junior_postgraduates(school) == (3, 5, 2)
    # each record's history hangs on its teacher, through the run: a row a record of a teacher in
    # the system; a new teacher's 学历 and 职称 are listed in the one row of its creation
    assert AuditEntry.objects.filter(run_ref=str(report.run_id), object_type="workforce.teacher",
                                     changes___record__type="workforce.educationrecord").count() == 4
    (created,) = AuditEntry.objects.filter(run_ref=str(report.run_id), object_type="workforce.teacher",
                                           object_id=str(new.pk))
    assert (created.action, created.user, created.source) == ("create", world.users.district, "import")
    assert created.changes["educationrecord"] == {
        "label": "学习经历", "type": "workforce.educationrecord", "repr": "博士研究生/博士",
        "new": "学历：博士研究生，学位层次：博士，学习方式：全日制，学历授予单位：北京师范大学，毕业年月：2019-06"}
    assert created.changes["titleappointment"] == {
        "label": "专业技术职务", "type": "workforce.titleappointment", "repr": "二级教师（2020-09）",
        "new": "专业技术职务：二级教师，聘任年月：2020-09"}
    assert created.changes["school"] == {"label": "学校", "new": school.name}  # the creation's own fields too

    entries = AuditEntry.objects.count()
    again = run(path, world.users.district)
    assert again.committed, again.errors
    assert (again.new, again.changed, again.unchanged) == (0, 0, 5)
    assert again.records == {"学习经历": {"new": 0, "changed": 0, "unchanged": 5},
                             "专业技术职务": {"new": 0, "changed": 0, "unchanged": 3}}
    assert (EducationRecord.objects.count(), TitleAppointment.objects.count()) == (5, 3)
    assert AuditEntry.objects.count() == entries + 1  # the run's own entry only
    assert junior_postgraduates(school) == (3, 5, 2)


def test_columns_in_any_order_and_header_words_offices_use(world, junior, tmp_path):
    school, (a, *_rest) = junior
    headers = ["姓名", "性别", "民族", "出生年月", "政治面貌", "学历", "学位", "毕业学校", "专业", "毕业年月", "参加工作时间",
               "现聘专业技术职务", "聘任时间", "公民身份号码", "学校", "任职状态", "学科"]
    row = {"姓名": a.name, "性别": "男", "民族": "汉族", "出生年月": typed(a.birth_date), "政治面貌": "中共党员",
           "学历": "研究生学历", "学位": "教育硕士", "毕业学校": "江苏师范大学", "专业": "学科教学（语文）",
           "毕业年月": "2016.06", "参加工作时间": "2008.09", "现聘专业技术职务": "中学一级教师", "聘任时间": "2019年9月",
           "公民身份号码": a.id_number, "学校": "新海初级中学", "任职状态": "在岗", "学科": "语文"}
    report = run(office_roster(tmp_path / "r.xlsx", [row], headers=headers), world.users.district)
    assert report.committed and report.kind == "teachers", report.errors
    record = EducationRecord.objects.get(teacher=a)
    assert (record.education, record.degree, record.institution, record.major, record.end, record.is_highest) == (
        "master", "master", "江苏师范大学", "学科教学(语文)", D(2016, 6, 1), True)
    assert TitleAppointment.objects.get(teacher=a).title == "yiji"
    assert junior_postgraduates(school)[0] == 1


def test_sub_record_sheets_are_not_taken_for_rosters():
    assert detect_sheet_kind(["姓名", "身份证件号", "专业技术职务", "聘任年月"]) == "title"
    assert detect_sheet_kind(["姓名", "身份证件号", "职称", "任职时间"]) == "title"
    assert detect_sheet_kind(["姓名", "身份证件号", "学历", "学位", "毕业院校", "毕业时间"]) == "education"
    assert detect_sheet_kind(["序号", "姓名", "性别", "身份证号", "最高学历", "最高学位", "职称"]) == "teacher"


# ------------------------------------------------------------------ later sheets complete, never duplicate
def test_a_later_education_sheet_completes_the_roster_records_without_duplicates(world, junior, tmp_path):
    school, teachers = junior
    a, b, cc, d = teachers
    path = office_roster(tmp_path / "花名册.xlsx", roster_rows(teachers, new_id(D(1990, 4, 9))))
    assert run(path, world.users.district).committed

    education = [["姓名", "身份证件号", "学历", "学位层次", "学位名称", "学习方式", "学习单位", "入学年月", "毕业年月",
                  "最高学历标识"],
                 # the same 学历, 学位 and month as the roster's: the same record, completed
                 [a.name, a.id_number, "本科", "硕士", "教育硕士", "非全日制", "江苏师范大学", "200609", "201007", "是"],
                 # the roster had no 毕业时间: the same 学历 is the record, its month filled
                 [cc.name, cc.id_number, "硕士研究生", "硕士", "教育学硕士", "全日制", "南京师范大学", "201309", "201606", "是"],
                 # the roster had 本科 without a 学位: completed with its 学士 and month
                 [d.name, d.id_number, "本科", "学士", "文学学士", "全日制", "淮阴师范学院", "200509", "200906", "是"],
                 # an earlier 学历 of 赵一's: a record of its own, not the highest
                 [a.name, a.id_number, "大专", "无", "", "全日制", "连云港师范高等专科学校", "200309", "200607", "否"]]
    report = run(write_xlsx(tmp_path / "学习经历.xlsx", {"学习经历": education}), world.users.district)
    assert report.committed, report.errors
    assert (report.new, report.changed) == (1, 3)
    assert EducationRecord.objects.filter(teacher=a).count() == 2
    assert EducationRecord.objects.filter(teacher=cc).count() == 1 and EducationRecord.objects.filter(teacher=d).count() == 1
    ra = EducationRecord.objects.get(teacher=a, is_highest=True)
    assert (ra.education, ra.degree, ra.degree_name, ra.study_mode, ra.start) == (
        "bachelor", "master", "教育硕士", "part_time", D(2006, 9, 1))
    rc = EducationRecord.objects.get(teacher=cc)
    assert (rc.end, rc.degree_name, rc.start) == (D(2016, 6, 1), "教育学硕士", D(2013, 9, 1))
    rd = EducationRecord.objects.get(teacher=d)
    assert (rd.degree, rd.end, rd.institution) == ("bachelor", D(2009, 6, 1), "淮阴师范学院")

    # a 专业技术职务 sheet with the roster's title and month: the same appointment
    titles = [["姓名", "身份证件号", "专业技术职务", "聘任年月", "解聘年月"],
              [a.name, a.id_number, "高级教师", "201809", ""],
              [b.name, b.id_number, "一级教师", "201209", ""]]
    report = run(write_xlsx(tmp_path / "职称.xlsx", {"专业技术职务": titles}), world.users.district)
    assert report.committed and (report.new, report.changed, report.unchanged) == (0, 0, 2), report.errors
    assert TitleAppointment.objects.count() == 3

    # and the roster again: nothing changes, nothing is added
    again = run(path, world.users.district)
    assert again.committed and (again.new, again.changed) == (0, 0), (again.errors, again.changes)
    assert EducationRecord.objects.count() == 6 and TitleAppointment.objects.count() == 3
    assert junior_postgraduates(school) == (3, 5, 2)


def test_roster_and_education_sheet_in_one_workbook_add_one_record(world, junior, tmp_path):
    _school, (a, *_rest) = junior
    roster = [HEADERS, [1, a.name, a.id_number, "男", typed(a.birth_date), "新海初级中学", "初中", "", "", "本科学历",
                        "硕士学位", "江苏师范大学", "", typed(D(2010, 7, 1)), "专任教师", "是", "201209"]]
    education = [["姓名", "身份证件号", "学历", "学位层次", "学习方式", "毕业年月", "最高学历标识"],
                 [a.name, a.id_number, "本科", "硕士", "全日制", "201007", "是"]]
    report = run(write_xlsx(tmp_path / "w.xlsx", {"花名册": roster, "学习经历": education}), world.users.district)
    assert report.committed, report.errors
    assert EducationRecord.objects.filter(teacher=a).count() == 1
    assert any("以该表为准" in w for w in report.warnings)


# ------------------------------------------------------------------ one 最高学历, the current 职称
def test_the_roster_takes_the_highest_flag_unless_a_higher_record_is_on_file(world, junior, tmp_path):
    school, (a, b, *_rest) = junior
    old = EducationRecord.objects.create(teacher=a, education="associate", end=D(2005, 7, 1), is_highest=True)
    master = EducationRecord.objects.create(teacher=b, education="master", degree="master", end=D(2015, 6, 1),
                                            is_highest=True)
    TitleAppointment.objects.create(teacher=a, title="erji", appointed_on=D(2008, 9, 1))
    rows = [person(a, 最高学历="本科", 最高学位="学士", 毕业时间=typed(D(2012, 6, 1)), 职称="一级教师",
                   任职时间=typed(D(2016, 9, 1))),
            person(b, 最高学历="本科", 最高学位="学士")]  # an old roster: 钱二 has since finished a 硕士研究生
    report = run(office_roster(tmp_path / "r.xlsx", rows), world.users.district)
    assert report.committed, report.errors
    assert report.records["学习经历"] == {"new": 2, "changed": 1, "unchanged": 0}
    old.refresh_from_db()
    master.refresh_from_db()
    assert not old.is_highest and master.is_highest
    assert EducationRecord.objects.get(teacher=a, is_highest=True).education == "bachelor"
    assert not EducationRecord.objects.get(teacher=b, education="bachelor").is_highest
    assert any("1 名教师花名册中的最高学历低于" in w for w in report.warnings)
    # the new 职称 is the current one: the 二级 appointment ends the day before
    got = list(TitleAppointment.objects.filter(teacher=a).order_by("appointed_on").values_list("title", "ended_on"))
    assert got == [("erji", D(2016, 8, 31)), ("yiji", None)]
    assert junior_postgraduates(school) == (1, 4, 1)
    again = run(office_roster(tmp_path / "r.xlsx", rows), world.users.district)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2), again.changes


def test_a_later_education_sheet_moves_the_flag_it_sets(world, junior, tmp_path):
    _school, (a, *_rest) = junior
    assert run(office_roster(tmp_path / "r.xlsx", [person(a, 最高学历="本科", 毕业时间=typed(D(2010, 7, 1)))]),
               world.users.district).committed
    education = [["姓名", "身份证件号", "学历", "学位层次", "毕业年月", "最高学历标识"],
                 [a.name, a.id_number, "硕士研究生", "硕士", "201806", "是"]]
    report = run(write_xlsx(tmp_path / "e.xlsx", {"学习经历": education}), world.users.district)
    assert report.committed, report.errors
    assert list(EducationRecord.objects.filter(teacher=a).order_by("end").values_list("education", "is_highest")) == [
        ("bachelor", False), ("master", True)]
    twice = education + [[a.name, a.id_number, "本科", "学士", "201007", "是"]]
    report = run(write_xlsx(tmp_path / "e2.xlsx", {"学习经历": twice}), world.users.district)
    assert [(e.row, e.column) for e in report.errors] == [(3, "最高学历标识")]
    assert "同一教师只能有一条最高学历" in report.errors[0].message


# ------------------------------------------------------------------ errors name the row and column
def test_inconsistent_or_incomplete_cells_are_errors_naming_row_and_column(world, junior, tmp_path):
    _school, (a, b, cc, d) = junior
    rows = [person(a, 最高学历="大专", 最高学位="学士"),
            person(b, 毕业院校="江苏师范大学", 毕业时间=typed(D(2010, 7, 1))),
            person(cc, 任职时间=typed(D(2016, 9, 1))),
            person(d, 最高学历="本科", 毕业时间=typed(D(2099, 7, 1)))]
    report = run(office_roster(tmp_path / "r.xlsx", rows), world.users.district)
    assert not report.committed and not EducationRecord.objects.exists()
    got = [(e.sheet, e.row, e.column, e.message) for e in report.errors]
    assert got == [
        ("教职工花名册", 3, "最高学位", "学位“学士”与学历“大学专科”不符：专科及以下学历不授予学位，请核对"),
        ("教职工花名册", 4, "最高学历", "已填写毕业院校、毕业时间，请同时填写最高学历"),
        ("教职工花名册", 5, "职称", "已填写聘任年月，请同时填写专业技术职务"),
        ("教职工花名册", 6, "毕业时间", "日期不能晚于今天"),
    ]


# ------------------------------------------------------------------ bulk: no query per row
def _roster_of(school, count, tmp_path, name, teachers=None):
    rows = []
    for i in range(count):
        teacher = teachers[i] if teachers else None
        cells = dict(最高学历="本科学历", 最高学位="学士学位", 毕业院校="江苏师范大学", 所学专业="数学",
                     毕业时间=typed(D(2008 + i % 10, 7, 1)), 职称="中学一级", 任职时间=typed(D(2015, 9, 1)))
        if teacher is None:
            number = new_id(D(1986, 5, 3))
            rows.append(person(None, 姓名=f"教师{number[-6:]}", 身份证号=number, 出生年月=typed(D(1986, 5, 1)), **cells))
        else:
            rows.append(person(teacher, **cells))
    return office_roster(tmp_path / name, rows)


def test_queries_do_not_grow_with_rows_of_a_roster_with_education_and_titles(world, junior, tmp_path):
    school, _teachers = junior
    small, large = _roster_of(school, 50, tmp_path, "small.xlsx"), _roster_of(school, 200, tmp_path, "large.xlsx")
    with CaptureQueriesContext(connection) as q_small:
        assert run(small, world.users.city).committed
    with CaptureQueriesContext(connection) as q_large:
        assert run(large, world.users.city).committed
    assert len(q_large) <= len(q_small) + 2, (len(q_small), len(q_large))
    assert EducationRecord.objects.count() == TitleAppointment.objects.count() == 250

    # teachers in the system, their records matched (one query a kind) and new ones added
    few = list(TeacherFactory.create_batch(50, school=school, teaching_stage=c.Stage.JUNIOR))
    many = list(TeacherFactory.create_batch(200, school=school, teaching_stage=c.Stage.JUNIOR))
    for teacher in few[:10] + many[:40]:
        EducationRecord.objects.create(teacher=teacher, education="associate", end=D(2004, 7, 1), is_highest=True)
        TitleAppointment.objects.create(teacher=teacher, title="erji", appointed_on=D(2010, 9, 1))
    small, large = _roster_of(school, 50, tmp_path, "s2.xlsx", few), _roster_of(school, 200, tmp_path, "l2.xlsx", many)
    with CaptureQueriesContext(connection) as q_small:
        report = run(small, world.users.city)
        assert report.committed and report.records["学习经历"] == {"new": 50, "changed": 10, "unchanged": 0}
    with CaptureQueriesContext(connection) as q_large:
        assert run(large, world.users.city).committed
    assert len(q_large) <= len(q_small) + 2, (len(q_small), len(q_large))
    with CaptureQueriesContext(connection) as q_again:
        again = run(large, world.users.city, dry_run=True)
    assert again.records["学习经历"] == {"new": 0, "changed": 0, "unchanged": 200}
    assert len(q_again) <= 14
