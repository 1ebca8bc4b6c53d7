"""The mapping step (issue 13): headers and values the system does not know are asked about
once, grouped, answered for the officer's organisation, and used by every later import there.

The files are a district's school list and a school's roster as offices keep them: a
public/private column under a header of their own, values with their own words.
"""
from __future__ import annotations

import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imports.mappings import Vocabulary
from imports.models import ImportRun, SavedMapping
from imports.services import import_run
from workforce.models import School

pytestmark = pytest.mark.django_db


def run(path, user, **kw):
    return import_run(file=path, filename=path.name, user=user, dry_run=kw.pop("dry_run", False), source="cli", **kw)


def school_list(path, rows, headers=("学校标识码", "学校名称", "所属区县", "学校类型", "公民办属性", "城乡分类", "填表人")):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "学校名单"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rows_of(n, ownership="公", start=1):
    return [[f"32070603{i:02d}", f"海州第{i}小学", "海州区", "小学", ownership if i % 3 else "私", "城区", "王会计"]
            for i in range(start, start + n)]


def test_unknown_headers_and_values_are_asked_once_each_grouped(world, tmp_path):
    path = school_list(tmp_path / "学校.xlsx", rows_of(30))
    report = run(path, world.users.district, kind="schools", dry_run=True)

    # one question per unknown header, with where it is and the fields it may be
    assert [(h["header"], h["column"]) for h in report.unknown_headers] == [("公民办属性", "E"), ("填表人", "G")]
    assert ("ownership", "办学性质") in [tuple(f) for f in report.unknown_headers[0]["fields"]]
    # the column is not read: no value question about it yet, and nothing committed
    assert report.unknown_values == {} and not School.objects.filter(code__startswith="32070603").exists()


def test_answers_saved_for_the_district_are_used_next_time_and_said(world, tmp_path):
    district = world.users.district
    SavedMapping.objects.create(sheet_kind="school", text="公民办属性", target="ownership", district=world.d1,
                                created_by=district)
    SavedMapping.objects.create(sheet_kind="school", text="填表人", target="", district=world.d1, created_by=district)
    path = school_list(tmp_path / "学校.xlsx", rows_of(30))

    first = run(path, district, kind="schools", dry_run=True)
    # the header is read now; its values 公/私 are unknown: one line per distinct value with its count
    assert first.unknown_headers == []
    assert [(u["column"], u["value"], u["rows"], u["first_rows"][:3]) for u in first.unknown_value_list()] == [
        ("公民办属性", "公", 20, [2, 3, 5]), ("公民办属性", "私", 10, [4, 7, 10])]
    assert len([e for e in first.errors if e.unknown]) == 30  # every row in the error report
    assert {c["header"]: c["why"] for c in first.ignored_columns} == {"填表人": "不需要（海州区的设置）"}

    SavedMapping.objects.create(sheet_kind="school", column="ownership", text="公", target="public", district=world.d1)
    SavedMapping.objects.create(sheet_kind="school", column="ownership", text="私", target="民办", district=world.d1)
    second = run(path, district, kind="schools")
    assert second.committed, [e.as_json() for e in second.errors]
    owned = dict(School.objects.filter(code__startswith="32070603").values_list("code", "ownership"))
    assert sum(1 for o in owned.values() if o == "private") == 10 and len(owned) == 30
    assert {(m["column"], m["text"], m["target"], m["where"]) for m in second.applied_mappings} == {
        ("", "公民办属性", "ownership", "海州区"), ("", "填表人", "", "海州区"),
        ("ownership", "公", "public", "海州区"), ("ownership", "私", "民办", "海州区")}


def test_answers_stay_in_their_organisation(world, tmp_path):
    SavedMapping.objects.create(sheet_kind="school", text="公民办属性", target="ownership", district=world.d1)
    from backend.scoping import scope_for

    assert Vocabulary.for_scope(scope_for(world.users.district)).headers
    assert Vocabulary.for_scope(scope_for(world.users.school)).headers  # a school of 海州区 uses its district's
    assert not Vocabulary.for_scope(scope_for(world.users.district2)).headers  # 灌南县 does not


def test_command_line_mapping_file_and_one_error_line_per_unknown_value(world, tmp_path, capsys):
    path = school_list(tmp_path / "学校.xlsx", rows_of(9))
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--kind", "schools", "--user", world.users.district.username,
                     "--mapping", str(_mapping(tmp_path, {"headers": {"公民办属性": "办学性质", "填表人": None}})))
    err = capsys.readouterr().err
    assert err.count("未知取值“公”：6 行") == 1 and err.count("未知取值“私”：3 行") == 1
    assert "第5行" not in err  # not one line per row

    answers = {"headers": {"公民办属性": "办学性质", "填表人": None}, "values": {"办学性质": {"公": "公办", "私": "private"}}}
    call_command("import_roster", str(path), "--kind", "schools", "--user", world.users.district.username,
                 "--mapping", str(_mapping(tmp_path, answers)))
    assert School.objects.filter(code__startswith="32070603", ownership="private").count() == 3
    assert "使用映射（映射文件）：列“公民办属性” → ownership" in capsys.readouterr().err
    assert ImportRun.objects.filter(outcome="committed").count() == 1


def test_a_mapping_file_naming_no_field_is_refused_before_reading(world, tmp_path):
    path = school_list(tmp_path / "学校.xlsx", rows_of(2))
    mapping = _mapping(tmp_path, {"headers": {"公民办属性": "性质"}})
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(path), "--mapping", str(mapping))
    assert str(refused.value) == f"映射文件“{mapping}”的 \"headers\" → “公民办属性”：对应的字段“性质”不存在"
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("data, entry, why", [
    ({"values": {"办学性质": {"教育部门": "国营"}}}, '的 "values" → “办学性质” → “教育部门”', "“国营”不是该字段的代码或名称"),
    ({"values": {"学校名称": {"一中": "第一中学"}}}, '的 "values" → “学校名称”', "该字段不是代码或是/否列"),
    ({"values": {"性质": {"公": "公办"}}}, '的 "values" → “性质”', "字段不存在"),
    ({"values": {"是否在编": {"有编制": 3}}}, '的 "values" → “是否在编” → “有编制”', "“3”不是该字段的代码或名称"),
    ({"values": {"办学性质": ["公办"]}}, '的 "values" → “办学性质”', "取值应写成"),
    ({"headers": ["办学性质"]}, '的 "headers"', "应写成"),
    ({"headers": {"公民办属性": 1}}, '的 "headers" → “公民办属性”', "对应的字段应写成文字"),
    ({"mapping": {}}, "", "应为 JSON 对象"),
])
def test_each_error_in_a_mapping_file_names_the_file_and_the_entry(world, tmp_path, data, entry, why):
    path = school_list(tmp_path / "学校.xlsx", rows_of(2))
    mapping = _mapping(tmp_path, data)
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(path), "--mapping", str(mapping))
    assert str(refused.value).startswith(f"映射文件“{mapping}”{entry}：") and why in str(refused.value)
    assert refused.value.returncode == 2 and not ImportRun.objects.exists()


def test_a_mapping_file_that_is_not_json_is_named_with_where_it_breaks(world, tmp_path):
    path = school_list(tmp_path / "学校.xlsx", rows_of(2))
    mapping = tmp_path / "坏的映射.json"
    mapping.write_text('{"headers": {"公民办属性": "办学性质",}}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"映射文件“.*坏的映射\.json”：不是有效的 JSON（.*line 1 column"):
        call_command("import_roster", str(path), "--mapping", str(mapping))
    with pytest.raises(CommandError, match=r"映射文件“.*没有这个文件\.json”：无法读取"):
        call_command("import_roster", str(path), "--mapping", str(tmp_path / "没有这个文件.json"))


def _mapping(tmp_path, data):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------ the page
def _upload(client, path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    with open(path, "rb") as fh:
        response = client.post(reverse("imports:index"), {"file": SimpleUploadedFile(path.name, fh.read()),
                                                          "kind": "schools"})
    assert response.status_code == 302, response.content.decode()[:500]
    return response.url


def test_the_officer_answers_on_the_page_and_is_not_asked_again(client, world, tmp_path):
    from backend.models import AuditEntry

    client.force_login(world.users.district)
    url = _upload(client, school_list(tmp_path / "学校.xlsx", rows_of(6)))
    page = client.get(url).content.decode()
    assert "需要您确认的表头和取值" in page and "公民办属性" in page and "填表人" in page
    assert 'id="confirm"' not in page  # no commit while a header is unanswered
    run = ImportRun.objects.get(user=world.users.district)
    headers = [h["header"] for h in run.report["unknown_headers"]]

    answers = {f"h-{headers.index('公民办属性')}": "ownership", f"h-{headers.index('填表人')}": "__not_needed__"}
    response = client.post(url + "mapping/", answers)
    assert response.status_code == 302
    run.refresh_from_db()
    values = [(u["value"], u["rows"]) for u in run.report["unknown_values"]]
    assert values == [("公", 4), ("私", 2)]
    page = client.get(url).content.decode()
    assert 'id="unknown-values"' in page and "本类导入不使用此列" not in page

    response = client.post(url + "mapping/", {f"v-{i}": code for i, code in enumerate(["public", "private"])})
    run.refresh_from_db()
    assert run.can_commit and run.new == 6, run.report
    client.post(url + "confirm/")
    assert School.objects.filter(code__startswith="32070603", ownership="private").count() == 2
    assert SavedMapping.objects.filter(district=world.d1, created_by=world.users.district).count() == 4
    assert AuditEntry.objects.filter(object_type="imports.savedmapping", action="create").count() == 4

    # next month's list of the same office: no question, the answers are applied and said
    url = _upload(client, school_list(tmp_path / "学校2.xlsx", rows_of(3, start=40)))
    page = client.get(url).content.decode()
    assert "需要您确认的表头和取值" not in page and 'id="confirm"' in page
    assert "已使用的映射" in page and "“公民办属性” → 办学性质" in page and "“私” → 民办" in page


def test_an_answer_not_offered_is_refused(client, world, tmp_path):
    client.force_login(world.users.district)
    url = _upload(client, school_list(tmp_path / "学校.xlsx", rows_of(2)))
    response = client.post(url + "mapping/", {"h-0": "id_number"}, follow=True)
    assert "不能对应到所选字段" in response.content.decode()
    assert not SavedMapping.objects.exists()


# ------------------------------------------------------------------ columns the measures need
NO_OWNERSHIP = ("学校标识码", "学校名称", "所属区县", "学校类型", "城乡分类")


def test_a_school_list_without_ownership_is_not_made_public_in_silence(world, tmp_path):
    """The school list of the issue: no public/private column. Before, every school became 公办
    and private schools' teachers joined the rotation population."""
    path = school_list(tmp_path / "学校.xlsx", [r[:4] + [r[5]] for r in rows_of(4)], headers=NO_OWNERSHIP)
    report = run(path, world.users.district, kind="schools")
    assert not report.committed and not School.objects.filter(code__startswith="32070603").exists()
    assert [(m["label"], m["new"]) for m in report.missing_columns] == [("办学性质", 4)]
    assert [e.message.split("：")[0] for e in report.errors] == ["缺少“办学性质”列"]

    report = run(path, world.users.district, kind="schools", fills={"school.ownership": "民办"})
    assert report.committed, [e.as_json() for e in report.errors]
    assert set(School.objects.filter(code__startswith="32070603").values_list("ownership", flat=True)) == {"private"}
    assert report.filled_columns == [{"sheet": "学校名单", "key": "ownership", "label": "办学性质", "value": "民办"}]
    # a later list that only updates those schools asks nothing
    again = run(path, world.users.district, kind="schools")
    assert again.committed and again.missing_columns == []


def test_command_line_fill(world, tmp_path, capsys):
    path = school_list(tmp_path / "学校.xlsx", [r[:4] + [r[5]] for r in rows_of(2)], headers=NO_OWNERSHIP)
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--kind", "schools")
    assert "--fill ownership=值" in capsys.readouterr().err
    call_command("import_roster", str(path), "--kind", "schools", "--fill", "办学性质=公办")
    assert "本文件的选择：学校名单 办学性质 = 公办" in capsys.readouterr().err
    assert School.objects.filter(code__startswith="32070603", ownership="public").count() == 2


def test_the_page_asks_for_the_missing_column_and_keeps_the_choice_with_the_run(client, world, tmp_path):
    client.force_login(world.users.district)
    url = _upload(client, school_list(tmp_path / "学校.xlsx", [r[:4] + [r[5]] for r in rows_of(3)], headers=NO_OWNERSHIP))
    page = client.get(url).content.decode()
    assert 'id="missing-columns"' in page and "本文件全部为" in page
    client.post(url + "mapping/", {"f-0": "private"})
    run_ = ImportRun.objects.get(user=world.users.district)
    assert run_.answers == {"fills": {"school.ownership": "private"}} and run_.can_commit
    client.post(url + "confirm/")
    assert School.objects.filter(code__startswith="32070603", ownership="private").count() == 3
    assert not SavedMapping.objects.exists()  # true of this file only: not remembered


def test_the_preview_shows_new_rows_as_they_will_be_stored(client, world, tmp_path):
    """Not only counts: the first new rows, codes as labels, what the import derived (the school,
    the stage), the ID masked for an officer without the right."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.imports.helpers import roster, write_xlsx

    client.force_login(world.users.school)
    rows = roster(world.s1, 2)
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": rows})
    with open(path, "rb") as fh:
        url = client.post(reverse("imports:index"), {"file": SimpleUploadedFile("r.xlsx", fh.read())}).url
    run_ = ImportRun.objects.get(user=world.users.school)
    sample = run_.report["samples"][0]
    assert sample["kind"] == "教职工基础信息 / 花名册" and len(sample["rows"]) == 2
    first = dict(zip(sample["columns"], sample["rows"][0]))
    assert first["姓名"] == rows[1][2] and first["学校"] == world.s1.name and first["任教学段"] == "小学"
    assert first["是否在编"] == "是" and first["进本校年月"] == "2012-09" and first["教职工类别"] == "专任教师"
    assert first["身份证件号"] == rows[1][4][:6] + "********" + rows[1][4][-4:]
    page = client.get(url).content.decode()
    assert 'id="samples"' in page and rows[1][4] not in page


def test_the_progress_bar_keeps_its_place_from_reading_to_checking():
    run_ = ImportRun(outcome=ImportRun.Outcome.RUNNING, total_rows=1000)
    seen = []
    for phase, done in (("reading", 0), ("reading", 500), ("reading", 1000), ("checking", 0), ("checking", 500),
                        ("checking", 1000)):
        run_.phase, run_.progress = phase, done
        seen.append(run_.percent)
    assert seen == [0, 30, 60, 60, 80, 99]  # never back to 0 when checking starts its own count
    run_.phase = "writing"
    assert run_.percent is None  # one transaction, no row count: the bar moves on its own
