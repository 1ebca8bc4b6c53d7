"""The reference tables city HR maintains, exported to Excel and imported back through the
admin's own preview and confirm (django-import-export; ``workforce.resources``)."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from backend.models import AuditEntry
from workforce import choices as c
from workforce import resources as r
from workforce.models import EthicsSeverity, ExchangeType, HonourType, PlanIndicator, StaffingStandard

pytestmark = pytest.mark.django_db

HONOURS = "/admin/workforce/honourtype/"
REFERENCE_ADMINS = {
    "honourtype": r.HonourTypeResource, "exchangetype": r.ExchangeTypeResource,
    "staffingstandard": r.StaffingStandardResource, "planindicator": r.PlanIndicatorResource,
    "ethicsseverity": r.EthicsSeverityResource,
}
XLSX, CSV = "0", "1"  # positions in ReferenceImportExportMixin's formats


# ---------------------------------------------------------------------------- helpers
def export(client, model_name: str, file_format: str = XLSX):
    """What the admin's export page posts: the format and every column ticked."""
    resource = REFERENCE_ADMINS.get(model_name)
    data = {"format": file_format, "resource": "0"}
    if resource is not None:
        data.update({f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()})
    return client.post(f"/admin/workforce/{model_name}/export/", data)


def workbook_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(client, url: str, content: bytes, name: str = "表格.xlsx", file_format: str = XLSX):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(url + "import/", {"import_file": upload, "format": file_format, "resource": "0"})


def confirm(client, url: str, page):
    """The preview page's confirm form, posted as the browser would."""
    form = page.context["confirm_form"]
    return client.post(url + "process_import/", {name: form.initial.get(name, "") for name in form.fields})


# ---------------------------------------------------------------------------- round trip
def test_city_hr_exports_honour_types_edits_one_adds_one_and_imports_them_through_preview_and_confirm(client, world):
    # given city HR and the seeded honour types
    client.force_login(world.users.city)
    existing = HonourType.objects.order_by("code").first()
    count = HonourType.objects.count()

    # when they export the table to .xlsx
    response = export(client, "honourtype")

    # then it is a workbook with Chinese headers, labels for codes and 是/否, one row per type
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = workbook_rows(response.content)
    assert rows[0] == ["代码", "称号", "级别", "视同骨干教师", "有效期（年）", "授予团队/工作室"]
    assert len(rows) == count + 1
    line = next(row for row in rows[1:] if row[0] == existing.code)
    assert line[2] == existing.get_level_display()
    assert line[3] in ("是", "否")
    assert AuditEntry.objects.filter(action="export", object_type="workforce.honourtype", source="admin",
                                     username="city").exists()

    # when they change one row's level and validity in Excel, add a row, and import the file
    line[2], line[4] = "省级", 7
    rows.append(["test-new-honour", "测试新增称号", "地市级", "是", None, "否"])
    page = preview(client, HONOURS, xlsx(rows))

    # then the preview shows one new and one changed row, writes nothing yet, and offers confirm
    assert page.status_code == 200
    result = page.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 1 and result.totals["update"] == 1 and result.totals["skip"] == count - 1
    assert not HonourType.objects.filter(code="test-new-honour").exists()
    assert "confirm_form" in page.context

    # when they confirm
    done = confirm(client, HONOURS, page)

    # then the table changed, and each write is in the audit trail as an admin save is
    assert done.status_code == 302 and done["Location"].endswith(HONOURS)
    existing.refresh_from_db()
    assert (existing.level, existing.validity_years) == (c.HonourLevel.PROVINCIAL, 7)
    added = HonourType.objects.get(code="test-new-honour")
    assert (added.name, added.level, added.makes_backbone, added.is_team) == ("测试新增称号", c.HonourLevel.CITY, True, False)
    update = AuditEntry.objects.get(action="update", object_type="workforce.honourtype", object_id=str(existing.pk))
    assert update.source == "admin" and update.username == "city" and update.ip == "127.0.0.1"
    assert update.changes["validity_years"]["new"] == 7
    create = AuditEntry.objects.get(action="create", object_type="workforce.honourtype", object_id=str(added.pk))
    assert create.changes["name"]["new"] == "测试新增称号" and create.source == "admin"
    summary = AuditEntry.objects.get(action="import", object_type="workforce.honourtype")
    assert "新增 1" in summary.message and "修改 1" in summary.message and "表格.xlsx" in summary.message
    assert AuditEntry.objects.filter(object_type="workforce.honourtype", action__in=["create", "update"]).count() == 2


def test_an_invalid_row_is_listed_by_its_column_and_nothing_is_written(client, world):
    # given a file with a good new row and one whose level is not a level
    client.force_login(world.users.city)
    rows = [["代码", "称号", "级别", "视同骨干教师"],
            ["ok-row", "可以导入的称号", "县级", "否"],
            ["bad-row", "级别不对的称号", "宇宙级", "也许"]]

    # when it is previewed
    page = preview(client, HONOURS, xlsx(rows))

    # then the preview names the row, the column and the choices, and offers no confirm
    assert page.status_code == 200
    result = page.context["result"]
    assert result.has_validation_errors() and "confirm_form" not in page.context
    invalid = result.invalid_rows[0]
    assert invalid.number == 2
    assert "国家级" in " ".join(invalid.field_specific_errors["级别"])
    assert "是/否" in " ".join(invalid.field_specific_errors["视同骨干教师"])
    body = page.content.decode()
    assert "级别" in body and "Traceback" not in body
    assert not HonourType.objects.filter(code__in=["ok-row", "bad-row"]).exists()
    assert not AuditEntry.objects.filter(object_type="workforce.honourtype", action__in=["create", "import"]).exists()


def test_headers_retyped_with_spaces_and_codes_instead_of_labels_are_read(client, world):
    client.force_login(world.users.city)
    rows = [["＊代 码", "称号", "level"], ["code-typed", "按代码填写级别", "national"]]

    page = preview(client, HONOURS, xlsx(rows))
    confirm(client, HONOURS, page)

    assert HonourType.objects.get(code="code-typed").level == c.HonourLevel.NATIONAL


@pytest.mark.parametrize("model_name", sorted(REFERENCE_ADMINS))
def test_every_reference_table_exports_and_its_own_file_imports_back_unchanged(client, world, model_name):
    # given each reference table as it is seeded (an indicator, a standard … per row)
    client.force_login(world.users.city)
    url = f"/admin/workforce/{model_name}/"
    resource = REFERENCE_ADMINS[model_name]
    model = resource._meta.model
    if not model.objects.exists():
        pytest.skip("nothing seeded")
    before = list(model.objects.order_by("pk").values())

    # when its export is imported back as it is
    content = export(client, model_name).content
    page = preview(client, url, content)

    # then every row is matched by its natural key and unchanged, and confirming writes nothing
    result = page.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), [
        (row.number, row.error_dict) for row in result.invalid_rows]
    assert result.totals["skip"] == len(before) and result.totals["new"] == result.totals["update"] == 0
    confirm(client, url, page)
    assert list(model.objects.order_by("pk").values()) == before
    assert not AuditEntry.objects.filter(action__in=["create", "update"], object_type=model._meta.label_lower).exists()


def test_a_plan_indicator_outside_its_range_is_refused_by_the_table_constraint(client, world):
    client.force_login(world.users.city)
    indicator = PlanIndicator.objects.filter(unit="%").first()
    if indicator is None:
        pytest.skip("no percentage indicator seeded")
    rows = workbook_rows(export(client, "planindicator").content)
    header = rows[0]
    line = next(row for row in rows[1:] if row[header.index("代码")] == indicator.code)
    line[header.index("目标值")] = 150

    page = preview(client, "/admin/workforce/planindicator/", xlsx(rows))

    assert page.context["result"].has_validation_errors()
    assert "百分比指标须在 0 到 100 之间" in page.content.decode()
    indicator.refresh_from_db()
    assert indicator.target != 150


def test_exchange_types_staffing_standards_and_severities_are_updated_by_name_or_stage(client, world):
    client.force_login(world.users.city)
    kind = ExchangeType.objects.first()
    standard = StaffingStandard.objects.filter(pupils_per_post__isnull=False).first()
    severity = EthicsSeverity.objects.first()

    for url, rows in [
        ("/admin/workforce/exchangetype/", [["交流轮岗类型", "计入交流轮岗比例"], [kind.name, "否" if kind.counts else "是"]]),
        ("/admin/workforce/staffingstandard/", [["学段", "生师比（每个编制对应学生数）"], [standard.get_stage_display(), 12.5]]),
        ("/admin/workforce/ethicsseverity/", [["处理等级", "限制期（月）"], [severity.name, 30]]),
    ]:
        page = preview(client, url, xlsx(rows))
        assert page.context["result"].totals["update"] == 1, url
        confirm(client, url, page)

    counts = kind.counts
    kind.refresh_from_db()
    standard.refresh_from_db()
    severity.refresh_from_db()
    assert kind.counts is not counts
    assert str(standard.pupils_per_post) == "12.50"
    assert severity.ban_months == 30
    assert AuditEntry.objects.filter(action="update", source="admin", object_type__in=[
        "workforce.exchangetype", "workforce.staffingstandard", "workforce.ethicsseverity"]).count() == 3


def test_csv_export_opens_in_excel_as_utf8_and_a_csv_imports(client, world):
    client.force_login(world.users.city)
    response = export(client, "exchangetype", CSV)
    assert response.content.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8, not GBK
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "交流轮岗类型,计入交流轮岗比例,排序"

    page = preview(client, "/admin/workforce/exchangetype/", "交流轮岗类型,计入交流轮岗比例,排序\n测试新类型,否,99\n".encode(),
                   name="类型.csv", file_format=CSV)
    confirm(client, "/admin/workforce/exchangetype/", page)
    assert ExchangeType.objects.get(name="测试新类型").counts is False


def test_text_that_looks_like_a_formula_is_escaped_on_export_and_read_back_as_written(client, world):
    client.force_login(world.users.city)
    ExchangeType.objects.create(name="=1+1", counts=True, order=98)

    rows = workbook_rows(export(client, "exchangetype").content)

    assert ["'=1+1", "是", 98] in rows
    page = preview(client, "/admin/workforce/exchangetype/", xlsx(rows))
    assert page.context["result"].totals["new"] == 0  # the escaped name is the same row


def test_a_file_over_the_size_limit_is_refused(client, world, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(world.users.city)

    page = preview(client, HONOURS, xlsx([["代码", "称号", "级别"], ["x", "y", "县级"]]))

    assert page.status_code == 200 and "result" not in page.context
    assert "文件太大" in page.content.decode()


# ---------------------------------------------------------------------------- who may
@pytest.mark.parametrize("role", ["district", "school", "leader", "district_leader"])
def test_readers_of_a_reference_table_get_no_import_but_may_export_what_they_see(client, world, role):
    # given a user who may read the honour types but not change them
    user = getattr(world.users, role)
    client.force_login(user)

    # when they open the list
    page = client.get(HONOURS)

    # then there is no import button, and the import pages refuse them (and the refusal is audited)
    assert page.status_code == 200
    body = page.content.decode()
    assert f"{HONOURS}import/" not in body
    assert f"{HONOURS}export/" in body
    assert client.get(f"{HONOURS}import/").status_code == 403
    assert preview(client, HONOURS, xlsx([["代码", "称号", "级别"], ["sneak", "越权", "县级"]])).status_code == 403
    assert client.post(f"{HONOURS}process_import/", {"import_file_name": "x", "original_file_name": "x.xlsx",
                                                    "format": XLSX}).status_code == 403
    assert not HonourType.objects.filter(code="sneak").exists()
    assert AuditEntry.objects.filter(action="denied", username=user.username).exists()

    # and the export gives them the rows the list shows them, audited
    response = export(client, "honourtype")
    assert response.status_code == 200
    assert len(workbook_rows(response.content)) == HonourType.objects.count() + 1
    assert AuditEntry.objects.filter(action="export", username=user.username).exists()


def test_city_hr_sees_both_buttons(client, world):
    client.force_login(world.users.city)
    body = client.get(HONOURS).content.decode()
    assert f"{HONOURS}import/" in body and f"{HONOURS}export/" in body
    assert client.get(f"{HONOURS}import/").status_code == 200


def test_a_teacher_gets_neither(client, world):
    client.force_login(world.users.teacher)
    assert client.get(f"{HONOURS}export/").status_code == 403
    assert client.get(f"{HONOURS}import/").status_code == 403


# ---------------------------------------------------------------------------- widgets, no database
@pytest.mark.parametrize("raw, expected", [("是", True), ("否", False), (1, True), (0.0, False), ("√", True),
                                           ("×", False), ("TRUE", True), (" 否 ", False), (None, None), ("", None)])
def test_yes_no_cells(raw, expected):
    assert r.YesNoWidget().clean(raw) is expected


@pytest.mark.parametrize("raw", ["也许", 2, "是否"])
def test_a_yes_no_cell_that_is_neither_is_an_error(raw):
    with pytest.raises(ValueError, match="是/否"):
        r.YesNoWidget().clean(raw)


@pytest.mark.parametrize("raw, expected", [("省级", "provincial"), ("provincial", "provincial"), (" 省 级 ", "provincial"),
                                           ("PROVINCIAL", "provincial"), ("", "")])
def test_choice_cells_by_label_or_code(raw, expected):
    assert r.ChoiceWidget(c.HonourLevel.choices).clean(raw) == expected


@pytest.mark.parametrize("raw, whole, expected", [(3.0, True, 3), ("12", True, 12), ("18.5", False, "18.5"),
                                                  (18.5, False, "18.5"), ("1,200", True, 1200), ("", True, None)])
def test_number_cells(raw, whole, expected):
    value = r.NumberWidget(whole=whole).clean(raw)
    assert (str(value) if value is not None else None) == (str(expected) if expected is not None else None)


@pytest.mark.parametrize("raw, whole", [("3.5", True), ("abc", False), ("1e400", False), ("NaN", False)])
def test_a_number_cell_that_is_not_one_is_an_error(raw, whole):
    with pytest.raises(ValueError, match="不是有效的"):
        r.NumberWidget(whole=whole).clean(raw)


def test_text_cells_are_trimmed_and_their_formula_escape_removed():
    widget = r.TextWidget()
    assert widget.clean("  名称 ") == "名称"
    assert widget.clean("'-") == "-"
    assert widget.clean("'普通") == "'普通"
    assert widget.clean(100.0) == "100"
    assert widget.render("=SUM(A1)") == "'=SUM(A1)"


def test_the_confirm_step_reads_no_file_but_its_own_preview(client, world, tmp_path):
    # given city HR, and a file of the machine outside the previews' folder
    client.force_login(world.users.city)
    other = tmp_path / "0123456789abcdef0123456789abcdef"
    other.write_text("代码,称号,级别\nleak,泄露,县级\n", encoding="utf-8")

    # when the confirm form names another file, or this one by its full path
    answers = [client.post(f"{HONOURS}process_import/", {"import_file_name": name, "original_file_name": "x.csv",
                                                        "format": CSV, "resource": "0"})
               for name in ("../../etc/passwd", "passwd", str(other))]

    # then nothing is read (a name that is not a preview's is refused; a preview's name that is
    # not there sends the officer back to upload), nothing is written and the file is still there
    assert [a.status_code for a in answers] == [400, 400, 302]
    assert answers[2]["Location"] == f"{HONOURS}import/"
    assert not HonourType.objects.filter(code="leak").exists()
    assert other.exists()


def test_a_preview_file_lives_in_private_media_until_confirmed(client, world, settings):
    from pathlib import Path

    client.force_login(world.users.city)
    page = preview(client, HONOURS, xlsx([["代码", "称号", "级别"], ["tmp-check", "临时文件检查", "县级"]]))
    name = page.context["confirm_form"].initial["import_file_name"]
    stored = Path(settings.MEDIA_ROOT) / "private" / "import-export" / name
    assert stored.exists()

    confirm(client, HONOURS, page)

    assert not stored.exists()
    assert HonourType.objects.filter(code="tmp-check").exists()


def test_a_csv_that_is_not_utf8_is_a_message_not_an_error_page(client, world):
    client.force_login(world.users.city)
    page = preview(client, "/admin/workforce/exchangetype/", "交流轮岗类型,排序\n某类型,1\n".encode("gbk"),
                   name="类型.csv", file_format=CSV)
    assert page.status_code == 200 and "result" not in page.context
    assert page.context["form"].errors["import_file"]
