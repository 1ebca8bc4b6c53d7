"""The 专业技术职务 kind: headers and legacy title names as rosters write them, errors, scope,
preview, re-import unchanged, a later 解聘年月 as a change with its history."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from backend.models import AuditEntry
from imports.kinds import VALUE_SYNONYMS, resolve_kind
from imports.services import import_run
from imports.values import parse_choice
from imports.workbooks import template
from tests.imports.helpers import new_id, write_xlsx
from workforce import choices as c
from workforce.models import TitleAppointment

pytestmark = pytest.mark.django_db


def run(path, user, *, dry_run=False, **kw):
    return import_run(file=path, filename=path.name, user=user, dry_run=dry_run, source="cli", **kw)


# The 2015 reform (人社部发〔2015〕79号): old 中学/小学 titles and the new unified ones.
LEGACY = [
    ("中学高级教师", "gaoji"), ("中学一级教师", "yiji"), ("小学高级教师", "yiji"), ("中学二级教师", "erji"),
    ("小学一级教师", "erji"), ("中学三级教师", "sanji"), ("小学二级教师", "sanji"), ("小学三级教师", "sanji"),
    ("中高", "gaoji"), ("小高", "yiji"), ("正高级教师", "zhenggao"), ("一级教师", "yiji"), ("未定职级", "none"),
]


@pytest.mark.parametrize("written, code", LEGACY)
def test_legacy_title_names_map_to_the_reformed_titles(written, code):
    assert parse_choice(written, c.Title, VALUE_SYNONYMS["title"]) == code


def test_unknown_title_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="不是有效选项"):
        parse_choice("特级教师", c.Title, VALUE_SYNONYMS["title"])


def test_titles_sheet_recognised_from_synonym_headers_committed_and_again_unchanged(world, tmp_path):
    rows = [["序号", "姓名", "公民身份号码", "职称", "聘任时间", "解聘年月"],
            [1, "张三", world.t1.id_number, "小学一级教师", "2010.09", "2016-08"],
            [2, "张三", world.t1.id_number, "一级教师", "201609", ""],
            [3, "李四", world.t1b.id_number, "中学高级", "2019年9月", None]]
    path = write_xlsx(tmp_path / "t.xlsx", {"职称": rows}, title="海州区教师专业技术职务聘任情况")
    preview = run(path, world.users.district, dry_run=True)
    assert (preview.kind, preview.new, preview.errors) == ("titles", 3, [])
    assert not TitleAppointment.objects.exists()  # a preview writes nothing

    report = run(path, world.users.district)
    assert report.committed and report.new == 3, report.errors
    got = sorted(TitleAppointment.objects.values_list("teacher__name", "title", "appointed_on", "ended_on"))
    assert got == [("张三", "erji", dt.date(2010, 9, 1), dt.date(2016, 8, 1)),
                   ("张三", "yiji", dt.date(2016, 9, 1), None),
                   ("李四", "gaoji", dt.date(2019, 9, 1), None)]
    # each creation's history hangs on its teacher (who changed what, through which run)
    assert AuditEntry.objects.filter(run_ref=str(report.run_id), action="create",
                                     object_type="workforce.teacher").count() == 3

    again = run(path, world.users.district)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)


def test_a_later_end_month_is_a_change_with_old_and_new_and_history(world, tmp_path):
    TitleAppointment.objects.create(teacher=world.t1, title="yiji", appointed_on=dt.date(2016, 9, 1))
    rows = [["姓名", "身份证件号", "专业技术职务", "聘任年月", "解聘年月"],
            ["张三", world.t1.id_number, "一级教师", "201609", "202108"],
            ["张三", world.t1.id_number, "高级教师", "202109", ""]]
    path = write_xlsx(tmp_path / "t.xlsx", {"专业技术职务": rows})
    preview = run(path, world.users.school, dry_run=True)
    assert (preview.new, preview.changed) == (1, 1), preview.errors
    assert preview.changes[0]["row"] == 2
    assert [f["label"] for f in preview.changes[0]["fields"]] == ["解聘年月"]
    assert "2021" in preview.changes[0]["fields"][0]["new"]
    report = run(path, world.users.school)
    assert report.committed, report.errors
    assert TitleAppointment.objects.get(teacher=world.t1, title="yiji").ended_on == dt.date(2021, 8, 1)
    update = AuditEntry.objects.get(run_ref=str(report.run_id), action="update")
    assert "ended_on" in update.changes


def test_errors_are_named_and_nothing_is_written(world, tmp_path):
    next_year = dt.date.today().year + 1
    rows = [["姓名", "身份证件号", "专业技术职务", "聘任年月", "解聘年月"],
            ["张三", world.t1.id_number, "二级教师", "200909", "201608"],    # good
            ["张三", world.t1.id_number, "小学一级", "2009-09", ""],          # same title and month again
            ["张三", world.t1.id_number, "一级教师", "201609", "201508"],     # ends before it starts
            ["张三", world.t1.id_number, "特级教师", "201609", ""],           # not a title
            ["无名", new_id(), "一级教师", "201609", ""],                     # unknown teacher
            ["张三", world.t1.id_number, "高级教师", f"{next_year}09", ""],  # in the future
            ["张三", world.t1.id_number, "高级教师", "", ""]]                 # required month blank
    report = run(write_xlsx(tmp_path / "bad.xlsx", {"职称": rows}), world.users.city)
    assert not report.committed
    got = [(e.row, e.column, e.message) for e in report.errors]
    assert (3, "专业技术职务", "与第 2 行重复（同一教师、专业技术职务、聘任年月）") in got
    assert (4, "解聘年月", "解聘年月早于聘任年月") in got
    assert any(row == 5 and col == "专业技术职务" and "不是有效选项" in msg for row, col, msg in got)
    assert (6, "身份证件号", "系统中没有身份证件号为此号码的教师，请先导入教职工基础信息") in got
    assert (7, "聘任年月", "日期不能晚于今天") in got
    assert (8, "聘任年月", "必填项为空") in got
    assert 2 not in {row for row, _c, _m in got}
    assert not TitleAppointment.objects.exists()


def test_rows_outside_the_uploaders_scope_are_refused(world, tmp_path):
    rows = [["姓名", "身份证件号", "专业技术职务", "聘任年月"],
            ["张三", world.t1.id_number, "一级教师", "201609"],
            ["王五", world.t2.id_number, "一级教师", "201609"]]
    report = run(write_xlsx(tmp_path / "s.xlsx", {"职称": rows}), world.users.school)
    assert [(e.row, e.message) for e in report.errors] == [(3, "该教师属于其他学校，不在您的管理范围内")]
    assert not TitleAppointment.objects.exists()
    with pytest.raises(Exception):
        run(write_xlsx(tmp_path / "s2.xlsx", {"职称": rows[:2]}), world.users.teacher)


def test_kind_given_by_name_and_template_offers_the_titles():
    assert resolve_kind("职称") == resolve_kind("专业技术职务") == "titles"
    wb = openpyxl.load_workbook(io.BytesIO(template("titles")))
    headers = [cell.value for cell in wb.worksheets[0][1]]
    assert {"*专业技术职务", "*聘任年月", "解聘年月", "*身份证件号"} <= set(headers)
    offered = [cell.value for cell in wb["选项"]["A"] if cell.value]
    assert "一级教师" in offered and "高级教师" in offered
