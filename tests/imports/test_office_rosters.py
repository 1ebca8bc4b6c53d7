"""Rosters as district offices keep them, not as our templates write them (issue 13).

The files here are built the way an office makes them in Excel: a 出生年月 column whose cells
were typed as months and so are stored as dates (the first of the month), formatted ``yyyy-mm``
or ``yyyy"年"m"月"``; Excel date serials in a column formatted as a number; dates whose day is
not 1 in a 年月 column; columns in another order.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from imports.services import import_run
from tests.imports.helpers import new_id
from workforce.models import Teacher

pytestmark = pytest.mark.django_db

OFFICE_HEADERS = ["序号", "姓名", "性别", "出生年月", "身份证件号", "学校标识码", "参加工作年月", "进本校年月",
                  "是否在编", "教职工类别", "任教学段", "任教学科"]


def run(path, user, **kw):
    return import_run(file=path, filename=path.name, user=user, dry_run=False, source="cli", **kw)


def excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def office_workbook(path, header_row: list[str], rows: list[list], formats: dict[int, str] | None = None):
    """As Excel saves it: a title line, the header, then the rows; ``formats`` gives a column's
    number format (a typed month is a date cell formatted as a month)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "教职工花名册"
    sheet.append(["海州区某校教职工花名册（2026年11月）"])
    sheet.append(header_row)
    for row in rows:
        sheet.append(row)
        for column, number_format in (formats or {}).items():
            sheet.cell(row=sheet.max_row, column=column + 1).number_format = number_format
    book.save(path)
    return path


def test_birth_month_typed_as_a_date_agrees_with_the_id_at_month_precision(world, tmp_path):
    """出生年月 holds the first of the birth month as a full date (Excel's typed month), an Excel
    serial, a date whose day is not the ID's, and text: every row agrees with its ID's month."""
    born = [dt.date(1995, 5, 7), dt.date(1988, 11, 23), dt.date(1979, 2, 28), dt.date(1990, 1, 31),
            dt.date(1985, 6, 15)]
    cells = [
        dt.datetime(1995, 5, 1),          # typed 1995-05 → stored as 1995-05-01, shown 1995-05
        excel_serial(dt.date(1988, 11, 1)),  # the same date saved as a plain number
        dt.datetime(1979, 2, 10),          # a day that is not the ID's: a month column never compares days
        "1990/1/1",                        # text of the first of the month
        "1985年6月",
    ]
    rows = []
    for n, (birth, cell) in enumerate(zip(born, cells), start=1):
        number = new_id(birth, "2")
        rows.append([n, f"李老师{n}", "女", cell, number, world.s1.code, dt.datetime(2012, 9, 1), "2015.9",
                     "是", "专任教师", "小学", "语文"])
    path = office_workbook(tmp_path / "花名册.xlsx", OFFICE_HEADERS, rows,
                           formats={3: 'yyyy"年"m"月"', 6: "yyyy-mm"})

    report = run(path, world.users.city)

    assert report.committed, [e.as_json() for e in report.errors]
    assert report.new == 5
    stored = dict(Teacher.objects.filter(id_number__in=[r[4] for r in rows]).values_list("id_number", "birth_date"))
    assert stored == {r[4]: b for r, b in zip(rows, born)}  # the ID's full date is kept
    first = Teacher.objects.get(id_number=rows[0][4])
    assert (first.work_start, first.school_entry) == (dt.date(2012, 9, 1), dt.date(2015, 9, 1))


def test_a_birth_month_that_disagrees_is_still_refused_and_a_full_date_column_compares_days(world, tmp_path):
    wrong_month = new_id(dt.date(1995, 5, 7), "2")
    rows = [[1, "王老师", "女", dt.datetime(1995, 6, 1), wrong_month, world.s1.code, "201209", "201509", "是", "专任教师",
             "小学", "数学"]]
    path = office_workbook(tmp_path / "a.xlsx", OFFICE_HEADERS, rows, formats={3: "yyyy-mm"})
    report = run(path, world.users.city)
    assert [(e.row, e.column, e.message.split("（")[0]) for e in report.errors] == [(3, "出生年月", "出生日期与身份证件号不符")]

    # 出生日期 is a full date: a day that is not the ID's is an error
    headers = [h if h != "出生年月" else "出生日期" for h in OFFICE_HEADERS]
    day_off = new_id(dt.date(1995, 5, 7), "2")
    rows = [[1, "赵老师", "女", dt.datetime(1995, 5, 8), day_off, world.s1.code, "201209", "201509", "是", "专任教师",
             "小学", "数学"]]
    path = office_workbook(tmp_path / "b.xlsx", headers, rows)
    report = run(path, world.users.city)
    assert [(e.row, e.column) for e in report.errors] == [(3, "出生日期")]
    assert not Teacher.objects.filter(id_number__in=[wrong_month, day_off]).exists()


def test_school_list_with_the_statistics_ownership_column_and_long_names(world, tmp_path):
    """The school list as a district keeps it: the education statistics' own 举办者 column
    (who runs the school: 教育部门, 地方企业 … or 民办), long official type names, columns in
    another order. A private school must not fall back to 公办."""
    from workforce.models import School

    rows = [["学校名称", "学校标识码", "举办者", "所属区县", "城乡分类", "学校类型"],
            ["海州育才实验学校", "3207060201", "民办", "海州区", "城区", "九年一贯制学校"],
            ["海州石化子弟小学", "3207060202", "地方企业", "海州区", "镇区", "小学"],
            ["海州区新坝小学", "3207060203", "教育部门", "海州区", "乡村", "小学"],
            ["海州明德学校", "3207060204", "民办（民间资本）", "海州区", "城区", "初级中学"]]
    path = office_workbook(tmp_path / "学校名单.xlsx", rows[0], rows[1:])
    report = run(path, world.users.district, kind="schools")
    assert report.committed, [e.as_json() for e in report.errors]
    got = dict(School.objects.filter(code__startswith="32070602").values_list("code", "ownership"))
    assert got == {"3207060201": "private", "3207060202": "public", "3207060203": "public", "3207060204": "private"}


def test_training_list_with_bracketed_notes_and_long_mode_names(world, tmp_path):
    from training.models import CreditRecord

    rows = [["序号", "姓名", "身份证件号", "培训年度", "培训类别", "项目名称", "培训方式", "培训获得学时"],
            [1, world.t1.name, world.t1.id_number, 2026, "省级（教育厅）", "新课标研修", "网络研修（远程）", 12],
            [2, world.t1.name, world.t1.id_number, 2026, "市级", "班主任培训", "集中面授", 24],
            [3, world.t1.name, world.t1.id_number, 2026, "校级", "校本研修", "面授＋网络（混合式）", 6]]
    path = office_workbook(tmp_path / "培训.xlsx", rows[0], rows[1:])
    report = run(path, world.users.school, kind="training")
    assert report.committed, [e.as_json() for e in report.errors]
    got = sorted(CreditRecord.objects.filter(teacher=world.t1).values_list("title", "level", "mode"))
    assert got == [("新课标研修", "provincial", "online"), ("校本研修", "school", "blended"),
                   ("班主任培训", "city", "short_face")]


def test_a_yes_in_is_it_a_village_school_or_teaching_point_keeps_what_it_says(world, tmp_path):
    """是否村小或教学点 = 是 says "one of the two, not which" (DOMAIN.md): a value of its own, which
    counts as small rural school wherever either would; 否 says neither. 是 was refused before."""
    from workforce.models import School

    rows = [["学校标识码", "学校名称", "所属区县", "学校类型", "办学性质", "城乡分类", "是否村小或教学点"],
            ["3207060301", "海州区前进村小学", "海州区", "小学", "公办", "乡村", "是"],
            ["3207060302", "海州区新村中心小学", "海州区", "小学", "公办", "乡村", "否"]]
    path = office_workbook(tmp_path / "学校.xlsx", rows[0], rows[1:])
    report = run(path, world.users.district, kind="schools")
    assert report.committed, [e.as_json() for e in report.errors]
    got = dict(School.objects.filter(code__startswith="32070603").values_list("code", "rural_kind"))
    assert got == {"3207060301": "either", "3207060302": ""}
    assert School.objects.get(code="3207060301").get_rural_kind_display() == "村小或教学点"


def test_an_imported_award_keeps_the_school_and_stage_at_the_award(world, tmp_path):
    """A 乡村 award stays 乡村 when the teacher later moves (DOMAIN.md, Honours)."""
    from workforce.models import Award, HonourType

    honour = HonourType.objects.filter(is_team=False).first()
    rows = [["姓名", "身份证件号", "荣誉称号", "荣誉日期", "授予单位"],
            [world.t1.name, world.t1.id_number, honour.name, dt.datetime(2024, 9, 10), "连云港市教育局"]]
    path = office_workbook(tmp_path / "荣誉.xlsx", rows[0], rows[1:])
    report = run(path, world.users.district, kind="honours")
    assert report.committed, [e.as_json() for e in report.errors]
    award = Award.objects.get(teacher=world.t1)
    assert (award.school_at_award_id, award.stage_at_award) == (world.t1.school_id, world.t1.teaching_stage)
