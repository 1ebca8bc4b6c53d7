"""Templates per kind and the error report, opened as Excel would."""
from __future__ import annotations

import io

import openpyxl
import pytest

from imports.kinds import KINDS
from imports.services import import_run
from imports.workbooks import error_report, template
from tests.imports.helpers import roster, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_template_marks_required_columns_has_dropdowns_and_a_text_id_column(kind):
    wb = openpyxl.load_workbook(io.BytesIO(template(kind)))
    ws = wb.worksheets[0]
    headers = [cell.value for cell in ws[1]]
    spec = KINDS[kind]
    assert all(f"*{col.label}" in headers for col in spec.required)
    coded = [i for i, col in enumerate(spec.columns) if col.choice_labels()]
    ranges = {str(r).split(":")[0] for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    assert {f"{openpyxl.utils.get_column_letter(i + 1)}2" for i in coded} <= ranges
    assert wb["选项"].sheet_state == "hidden"
    if spec.column("id_number"):
        col = [h.lstrip("*") for h in headers].index("身份证件号") + 1
        assert ws.cell(row=2, column=col).number_format == "@"


def test_teacher_template_dropdown_lists_the_code_labels():
    wb = openpyxl.load_workbook(io.BytesIO(template("teachers")))
    ws = wb.worksheets[0]
    headers = [cell.value.lstrip("*") for cell in ws[1]]
    letter = openpyxl.utils.get_column_letter(headers.index("人员状态") + 1)
    rule = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(f"{letter}2"))
    ref = rule.formula1.split("!")[1].replace("$", "")
    values = [c.value for row in wb["选项"][ref] for c in row]
    assert values[0] == "在本单位任职" and "交流轮岗" in values


def test_error_report_marks_the_bad_cell_red(world, tmp_path, django_user_model):
    rows = roster(world.s1, 3)
    rows[2][5] = "1988-02-30"
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": rows})
    report = import_run(file=path, filename="r.xlsx", user=world.users.city, dry_run=True, source="cli")
    from imports.models import ImportRun

    run = ImportRun.objects.get(pk=report.run_id)
    with open(path, "rb") as fh:
        from django.core.files import File

        run.upload.save("r.xlsx", File(fh))
    wb = openpyxl.load_workbook(io.BytesIO(error_report(run, masked=False)))  # for a user with the identity right
    summary = wb["错误汇总"]
    assert [c.value for c in summary[2]] == ["花名册", 3, "*出生日期", "1988-02-30", "日期无效：“1988-02-30”这一天不存在"]
    ws = wb["花名册"]
    assert ws.cell(row=3, column=1).value == "*出生日期：日期无效：“1988-02-30”这一天不存在"
    bad = ws.cell(row=3, column=1 + 6)  # the error column comes first
    assert bad.value == "1988-02-30" and bad.fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(row=2, column=7).fill.fgColor.rgb in (None, "00000000")
    assert ws.max_row == 4  # every uploaded row, header included
