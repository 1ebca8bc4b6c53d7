"""The 年度考核 import kind: headers as lists write them, the template, the cap and the rules of
the page (the same service), errors naming sheet, row and column, audit, re-import unchanged."""
import io

import openpyxl
import pytest

from backend.models import AuditEntry
from careers import services
from careers.models import Assessment
from imports.kinds import resolve_kind
from imports.services import import_run
from imports.workbooks import template
from tests.factories import TeacherFactory
from tests.imports.helpers import write_xlsx

pytestmark = pytest.mark.django_db


def run(path, user, *, dry_run=False):
    return import_run(file=path, filename=path.name, user=user, dry_run=dry_run, source="cli")


def test_a_list_is_recognised_previewed_committed_and_again_unchanged(world, tmp_path):
    rows = [["序号", "姓名", "身份证号码", "考核年度", "考核等次"],
            [1, "张三", world.t1.id_number, 2024, "合格"],
            [2, "李四", world.t1b.id_number, "2024", "基本合格"],
            [3, "张三", world.t1.id_number, 2023, "不定等次"]]
    path = write_xlsx(tmp_path / "a.xlsx", {"年度考核": rows}, title="海州区2024年度考核结果")
    preview = run(path, world.users.district, dry_run=True)
    assert (preview.kind, preview.new, preview.errors) == ("assessments", 3, [])
    assert not Assessment.objects.exists()
    report = run(path, world.users.district)
    assert report.committed and report.new == 3, report.errors
    assert sorted(Assessment.objects.values_list("teacher__name", "year", "result")) == [
        ("张三", 2023, "ungraded"), ("张三", 2024, "pass"), ("李四", 2024, "basic")]
    entries = AuditEntry.objects.filter(message="登记年度考核", source="import")
    assert entries.count() == 3 and len({e.run_ref for e in entries}) == 1 and entries[0].run_ref
    again = run(path, world.users.district)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)


def test_the_cap_refuses_the_whole_list_and_names_row_and_column(world, tmp_path):
    teachers = [world.t1, *TeacherFactory.create_batch(9, school=world.s1)]
    rows = [["姓名", "身份证件号", "年度", "考核结果"]]
    rows += [[t.name, t.id_number, 2024, "优秀" if i < 3 else "合格"] for i, t in enumerate(teachers)]
    path = write_xlsx(tmp_path / "cap.xlsx", {"年度考核": rows})
    report = run(path, world.users.school)
    assert not report.committed and not Assessment.objects.exists()
    capped = [e for e in report.errors if "优秀" in e.message]
    assert [e.row for e in capped] == [2, 3, 4] and {e.column for e in capped} == {"考核结果"}
    assert "至多 2 人" in capped[0].message and "将为 3 人" in capped[0].message and capped[0].sheet == "年度考核"
    # the page's service says the same
    with pytest.raises(Exception) as page:
        services.assessment_record_many(rows=[(t, 2024, "excellent") for t in teachers[:3]], user=world.users.school)
    assert capped[0].message in str(page.value)


def test_out_of_scope_rows_and_bad_values_are_named(world, tmp_path):
    rows = [["姓名", "身份证件号", "年度", "考核结果"],
            ["王五", world.t2.id_number, 2024, "合格"],
            ["张三", world.t1.id_number, 2024, "很好"],
            ["张三", world.t1.id_number, 1999, "合格"]]
    report = run(write_xlsx(tmp_path / "bad.xlsx", {"年度考核": rows}), world.users.school)
    assert not report.committed
    by_row = {e.row: e for e in report.errors}
    assert "不在您的管理范围内" in by_row[2].message
    assert by_row[3].column == "考核结果" and by_row[4].column == "年度"


def test_template_and_kind_names():
    assert resolve_kind("年度考核") == resolve_kind("考核") == "assessments"
    wb = openpyxl.load_workbook(io.BytesIO(template("assessments")))
    headers = [cell.value for cell in wb.worksheets[0][1]]
    assert {"*身份证件号", "*年度", "*考核结果"} <= set(headers)
    offered = [cell.value for cell in wb["选项"]["A"] if cell.value]
    assert {"优秀", "合格", "基本合格", "不合格", "不定等次"} <= set(offered)


def test_results_saved_by_someone_between_check_and_write_name_each_row_and_write_nothing(world, tmp_path, monkeypatch):
    """The check passed; before the write another user filled the school's 优秀 places: each 优秀
    row is refused naming its sheet, row and column and why, and nothing of the list is stored."""
    colleagues = TeacherFactory.create_batch(9, school=world.s1)
    rows = [["姓名", "身份证件号", "年度", "考核结果"], [world.t1.name, world.t1.id_number, 2024, "优秀"]]
    path = write_xlsx(tmp_path / "late.xlsx", {"年度考核": rows})
    real = services.assessment_import_rows

    def meanwhile(**kwargs):
        if not kwargs.get("dry_run"):  # the write: someone else has just given 2 优秀 at the school
            Assessment.objects.bulk_create([Assessment(teacher=t, year=2024, result="excellent", school=world.s1)
                                        for t in colleagues[:2]])
        return real(**kwargs)

    monkeypatch.setattr(services, "assessment_import_rows", meanwhile)
    report = run(path, world.users.school)
    assert not report.committed
    late = [e for e in report.errors if e.row == 2]
    assert late and late[0].sheet == "年度考核" and late[0].column == "考核结果"
    assert "已被他人修改" in late[0].message and "至多 2 人" in late[0].message
    assert not Assessment.objects.filter(teacher=world.t1).exists()
