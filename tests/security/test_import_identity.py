"""Full 身份证件号 outside the reveal flow (issue 12, import pages).

* A committed run's page lists the teachers it wrote (and a sample of the rows it wrote): their
  IDs masked for everyone; a user with the identity right gets a link to the reveal page (a
  reason asked, the reveal audited).
* A reader of someone else's run (city HR) without the right sees the run's values masked, even
  those its uploader (with the right) may see.
* The error report (.xlsx) masks every ID for a user without the right — the uploader too: the
  ID column, an ID in any text, an ID typed as a number, and birth dates down to their year —
  and every download of it is audited, saying whether it held full IDs.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backend.models import AuditEntry
from core.roles import Role
from imports.models import ImportRun
from tests.factories import UserFactory
from tests.imports.helpers import ROSTER_HEADERS, new_id, roster, write_xlsx
from core.identity import mask_id_number
from workforce.models import Teacher

pytestmark = pytest.mark.django_db

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def upload(client, path):
    with open(path, "rb") as fh:
        return client.post(reverse("imports:index"), {"file": SimpleUploadedFile(path.name, fh.read())})


def test_the_teachers_a_run_wrote_are_masked_even_for_the_identity_right(client, world, tmp_path):
    rows = roster(world.s1, 3)
    client.force_login(world.users.city)  # has the identity right
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}))
    run = ImportRun.objects.get(user=world.users.city)
    client.post(reverse("imports:run_confirm", args=[run.pk]))
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    table = page[page.index('<table id="teachers">'):]
    table = table[:table.index("</table>")]
    assert 'id="samples"' in page and FULL_ID.findall(page) == []  # the sample of rows written too
    for row in rows[1:]:
        teacher = Teacher.objects.get(id_number=row[4])
        assert mask_id_number(row[4]) in table
        assert f'href="{reverse("reveal_identity", args=[teacher.pk])}"' in table  # the reveal flow
    # the reveal page: the full number once a reason is given, and the reveal audited
    teacher = Teacher.objects.get(id_number=rows[1][4])
    revealed = client.post(reverse("reveal_identity", args=[teacher.pk]), {"reason": "核对社保登记信息"})
    assert rows[1][4] in revealed.content.decode()
    assert AuditEntry.objects.filter(action="reveal", object_id=str(teacher.pk), username="city").count() == 1


def test_without_the_right_the_run_page_has_no_reveal_link(client, world, tmp_path):
    rows = roster(world.s1, 2)
    client.force_login(world.users.school)
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}))
    run = ImportRun.objects.get(user=world.users.school)
    client.post(reverse("imports:run_confirm", args=[run.pk]))
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert mask_id_number(rows[1][4]) in page and FULL_ID.findall(page) == []
    assert "/accounts/reveal/" not in page


def test_a_city_reader_without_the_right_sees_the_uploaders_values_masked(client, world, tmp_path):
    """The run's report holds what its uploader (with the right) may see; a city HR reader
    without the right gets every ID in it masked."""
    uploader = UserFactory(username="district_id", role=Role.DISTRICT_HR, district=world.d1, can_view_identity=True)
    rows = roster(world.s1, 2)
    rows[2][4] = rows[1][4]  # the same ID twice in the file: an error on the ID, with its value
    client.force_login(uploader)
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}))
    run = ImportRun.objects.get(user=uploader)
    assert run.outcome == "rejected" and rows[1][4] in str(run.report["errors"])
    assert rows[1][4] in client.get(reverse("imports:run", args=[run.pk])).content.decode()  # the uploader's own
    client.force_login(UserFactory(username="city_reader", role=Role.CITY_HR))
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "重复" in page and mask_id_number(rows[1][4]) in page and FULL_ID.findall(page) == []


def error_report_rows(content: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def test_the_error_report_masks_ids_without_the_right_and_every_download_is_audited(client, world, tmp_path):
    rows = roster(world.s1, 3)
    headers = ROSTER_HEADERS + ["备注"]
    rows = [headers] + [row + [f"原证件号 {row[4]}"] for row in rows[1:]]   # an ID inside a text
    rows[1][5] = dt.date(1988, 3, 9)                                          # a birth date as a date
    rows[2][3] = "未知"                                                       # the error: 性别
    rows[3][4] = int(next(n for n in iter(new_id, None) if n.isdigit()))      # an ID typed as a number (an error too)
    numbers = [str(r[4]) for r in rows[1:]]
    client.force_login(world.users.school)  # no identity right: uploads a file with full IDs
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}))
    run = ImportRun.objects.get(user=world.users.school)
    assert run.outcome == "rejected" and run.report["errors"]

    response = client.get(reverse("imports:run_errors", args=[run.pk]))
    sheets = error_report_rows(response.content)
    text = repr(sheets)
    assert not [n for n in numbers if n in text] and FULL_ID.findall(text) == []
    copied = sheets["花名册"]
    id_at, birth_at, remark_at = 1 + headers.index("*身份证件号"), 1 + headers.index("*出生日期"), 1 + len(headers) - 1
    assert copied[0][id_at] == "*身份证件号"  # the header itself stays
    ids = [row[id_at] for row in copied[1:]]
    assert ids[:2] == [mask_id_number(n) for n in numbers[:2]]
    assert re.fullmatch(r"320706\*{8}\d{4}", ids[2])  # a number of 18 digits loses its last ones in Excel
    assert copied[1][birth_at] == "1988-**-**" and copied[1][remark_at] == f"原证件号 {mask_id_number(numbers[0])}"
    assert "“未知”不是有效选项" in copied[2][0]  # the error column is still there
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book["花名册"].cell(row=3, column=1 + headers.index("*性别") + 1).fill.fgColor.rgb.endswith("FFC7CE")
    audited = AuditEntry.objects.get(action="export", object_type="imports.importrun", username="school1")
    assert audited.object_id == str(run.pk) and audited.object_repr == "r.xlsx"
    assert audited.message == f"下载导入批次 {run.pk}（r.xlsx）的错误报告：2 处错误，证件号已遮蔽"

    # city HR, with the right, reads every run: the file as uploaded, and that is audited too
    client.force_login(world.users.city)
    full = repr(error_report_rows(client.get(reverse("imports:run_errors", args=[run.pk])).content))
    assert all(n in full for n in numbers[:2])
    assert AuditEntry.objects.get(action="export", object_type="imports.importrun", username="city").message == (
        f"下载导入批次 {run.pk}（r.xlsx）的错误报告：2 处错误，含完整证件号")
