"""核定编制 import (issue 13): the approval sheet a district receives, as the district keeps it,
feeds the quota figures (DOMAIN.md, Staffing quota)."""
from __future__ import annotations

import openpyxl
import pytest

from backend.models import AuditEntry
from imports.kinds import KINDS
from imports.services import import_run
from workforce.models import SchoolQuota

pytestmark = pytest.mark.django_db


def run(path, user, **kw):
    return import_run(file=path, filename=path.name, user=user, dry_run=False, source="cli", **kw)


def approval_sheet(path, rows, headers=("序号", "学校名称", "学校标识码", "核定学年", "核定教职工编制数", "核定文号")):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2026年中小学教职工编制核定表"
    sheet.append(["海州区中小学教职工编制核定表"])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_district_imports_its_approval_sheet_and_the_quota_figures_follow(world, tmp_path):
    from workforce import selectors

    rows = [[1, world.s1.name, world.s1.code, "2026-2027学年", 58, "连编〔2026〕12号"],
            [2, world.s1b.name, world.s1b.code, 2026, "41", ""]]
    report = run(approval_sheet(tmp_path / "核定.xlsx", rows), world.users.district)
    assert report.committed and report.kind == "quotas", [e.as_json() for e in report.errors]
    got = dict(SchoolQuota.objects.filter(school_year=2026).values_list("school__code", "approved"))
    assert got == {world.s1.code: 58, world.s1b.code: 41}
    assert SchoolQuota.objects.get(school=world.s1).note == "连编〔2026〕12号"
    assert AuditEntry.objects.filter(object_type="workforce.schoolquota", action="create").count() == 2

    # a corrected sheet: one change, the other unchanged, no duplicate
    rows[0][4] = 60
    again = run(approval_sheet(tmp_path / "核定2.xlsx", rows), world.users.district)
    assert (again.new, again.changed, again.unchanged) == (0, 1, 1)
    assert SchoolQuota.objects.get(school=world.s1, school_year=2026).approved == 60
    assert SchoolQuota.objects.count() == 2

    # the quota page's figures use the imported approved quota: 空编/超编 = approved − 在编 on the roll
    from backend.scoping import Scope

    table = selectors.quota_table(Scope("district", district_id=world.d1.pk), 2026)
    school = next(r for r in table.schools if r.code == world.s1.code)
    # counted here, not taken from the code under test: the school's 在编 teachers on the roll
    from workforce.models import Teacher

    on_roll = Teacher.objects.filter(school=world.s1, on_establishment=True, left_on__isnull=True).count()
    assert (school.approved, school.actual) == (60, on_roll)
    assert (school.vacancies, school.overstaffed) == (60 - on_roll, 0)


def test_quotas_are_set_by_districts_and_the_city_only_and_within_scope(world, tmp_path):
    rows = [[1, world.s1.name, world.s1.code, "2026-2027", 58, ""]]
    path = approval_sheet(tmp_path / "核定.xlsx", rows)
    school_report = run(path, world.users.school)
    assert "核定编制由区县或市教育局人事部门导入" in school_report.errors[0].message
    other = run(path, world.users.district2)
    assert other.errors[0].message == f"学校“{world.s1.name}”不在您的管理范围内"
    assert not SchoolQuota.objects.exists()


def test_the_quota_template_and_errors_name_the_cell(world, tmp_path):
    from imports.workbooks import template

    book = openpyxl.load_workbook(__import__("io").BytesIO(template("quotas")))
    headers = [c.value for c in book.worksheets[0][1] if c.value]
    assert any("核定编制数" in h for h in headers) and any("学年" in h for h in headers)
    rows = [[1, world.s1.name, world.s1.code, "2026-2027", -3, ""], [2, world.s1b.name, world.s1b.code, "2026-2028", 5, ""]]
    report = run(approval_sheet(tmp_path / "核定.xlsx", rows), world.users.city)
    assert [(e.row, e.column) for e in report.errors] == [(3, "核定教职工编制数"), (4, "核定学年")]
    assert KINDS["quotas"].label == "核定编制"
