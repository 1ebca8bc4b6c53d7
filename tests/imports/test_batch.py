"""The fast paths of a city-sized import: column-wise parsing, rows built without model
instances, history written in bulk — each giving what the general path gives."""
from __future__ import annotations

import datetime as dt

import pytest

from backend import audit
from backend.models import AuditEntry
from imports.bulk import insert_history
from imports.kinds import KINDS, BatchParser
from imports.services import import_run
from tests.imports.helpers import ROSTER_HEADERS, new_id, roster, roster_row, write_xlsx
from workforce.models import EducationRecord, Teacher

COLUMNS = KINDS["teachers"].by_key


def test_batch_parser_gives_what_the_cell_parser_gives():
    for key in ("on_establishment", "sex", "work_start", "staff_category", "name", "id_number"):
        column = COLUMNS[key]
        cells = ["是", "否", "", "  ", 1, 1.0, True, "男", "女", "1", "200809", 200809, "2008-09", dt.date(2008, 9, 3),
                 "专任教师", "行政", "张三", "３２０７", "x" * 60, "320706198803091234", 320706198803091234.0]
        values, errors = column.batch_parser().many(cells * 2)  # twice: the second half from the cache
        failed = {i: message for i, _raw, message in errors}
        for i, raw in enumerate(cells * 2):
            try:
                expected = column.parser()(raw) if raw not in ("", None) else None
            except ValueError as exc:
                assert failed.get(i) == str(exc), (key, raw)
                assert values[i] is None
            else:
                expected = None if expected == "" else expected
                assert i not in failed and values[i] == expected and type(values[i]) is type(expected), (key, raw)


@pytest.mark.parametrize("cells", [
    ["张三", "李四", "Wang Wu", "赵六"],                        # a column of names, every text different
    [" 张三 ", "李四\u3000", "\u200b王五", "赵六"],              # spaces, an ideographic space, a zero-width one
    ["ＡＢ１２３", "T0001", "T0002", "  "],                        # full-width letters and digits, a blank cell
    ["张三", "x" * 60, "李四", "王五"],                           # one name over the column's limit
    ["", "", "", ""],
])
def test_a_text_column_read_at_once_gives_what_each_cell_gives(cells):
    """A column of texts (names, staff numbers) is worked out in one pass where every cell only
    needs stripping; anything else falls back cell by cell — the same values and messages."""
    column = COLUMNS["name"]
    values, errors = column.batch_parser().many(cells * 3)
    failed = {i: message for i, _raw, message in errors}
    for i, raw in enumerate(cells * 3):
        try:
            expected = column.parser()(raw) if raw != "" else None
        except ValueError as exc:
            assert failed.get(i) == str(exc) and values[i] is None, raw
        else:
            assert i not in failed and values[i] == (expected or None), raw


def test_names_and_staff_numbers_as_offices_type_them():
    """What the officer gets for a column of names and one of staff numbers, whichever path reads
    them: spaces around a text and full-width letters or digits cleaned, a number typed as a
    number read as its digits, a blank cell empty, a text over the column's length refused."""
    names, errors = COLUMNS["name"].batch_parser().many([" 张三 ", "李四\u3000", "王\u200b五", "", "欧阳 修"])
    assert names == ["张三", "李四", "王五", None, "欧阳 修"] and errors == []
    names, errors = COLUMNS["name"].batch_parser().many([" 张三 ", "李四", "", "欧阳 修"])  # the whole column at once
    assert names == ["张三", "李四", None, "欧阳 修"] and errors == []
    numbers, errors = COLUMNS["staff_no"].batch_parser().many(["T0001", "ＴＯ００２", 1003.0, "  ", "T0005"])
    assert numbers == ["T0001", "TO002", "1003", None, "T0005"] and errors == []
    limit = COLUMNS["name"].max_length
    names, errors = COLUMNS["name"].batch_parser().many(["张三", "x" * (limit + 1)])
    assert names == ["张三", None] and [(i, m) for i, _raw, m in errors] == [(1, f"内容过长（{limit + 1} 字），最多 {limit} 字")]


def test_batch_parser_keeps_one_and_true_apart():
    parser = COLUMNS["sex"].batch_parser()
    values, errors = parser.many([True, 1, "1"])
    assert values[1:] == ["1", "1"] and [i for i, _r, _m in errors] == [0]
    assert isinstance(parser, BatchParser)


pytestmark = pytest.mark.django_db


def test_errors_come_in_the_order_of_the_cells(world, tmp_path):
    rows = roster(world.s1, 2)
    rows[1][6], rows[1][9] = "2008-13", "校长助理"   # two bad cells in the first row
    rows[2][6] = "2008-14"                          # one in the second
    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"S": rows}), filename="r.xlsx",
                        user=world.users.city, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "参加工作年月"), (2, "教职工类别"), (3, "参加工作年月")]


def test_created_teachers_history_names_each_record_as_the_model_does(world, tmp_path):
    rows = roster(world.s1, 3)
    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"S": rows}), filename="r.xlsx",
                        user=world.users.city, dry_run=False)
    assert report.committed
    for row in rows[1:]:
        teacher = Teacher.objects.get(id_number=row[4])
        entry = AuditEntry.objects.get(action="create", object_type="workforce.teacher", object_id=str(teacher.pk))
        assert entry.object_repr == str(teacher) and row[4] not in entry.object_repr
        assert entry.run_ref == str(report.run_id) and entry.user == world.users.city and entry.source == "import"
        assert entry.changes == {"school": {"label": "学校", "new": "海州实验小学"},
                                 "teaching_stage": {"label": "任教学段", "new": "小学"},
                                 "staff_category": {"label": "教职工类别", "new": "专任教师"}}
        assert (teacher.birth_date, teacher.sex, teacher.subject) == (dt.date(1988, 3, 9), "1", "语文")


def test_a_new_teacher_and_their_education_in_one_file_are_linked(world, tmp_path):
    teachers = roster(world.s1, 1)
    education = [["姓名", "身份证件号", "学历", "毕业年月"], [teachers[1][2], teachers[1][4], "本科", "201006"]]
    report = import_run(file=write_xlsx(tmp_path / "w.xlsx", {"学习经历": education, "花名册": teachers}),
                        filename="w.xlsx", user=world.users.city, dry_run=False)
    assert report.committed, report.errors
    record = EducationRecord.objects.get(teacher__id_number=teachers[1][4])
    entries = AuditEntry.objects.filter(action="create", object_type="workforce.teacher", object_id=str(record.teacher_id))
    assert sorted(e.changes.get("_record", {}).get("type", "teacher") for e in entries) == [
        "teacher", "workforce.educationrecord"]


def test_a_teacher_moved_in_the_file_is_checked_at_their_new_school(world, tmp_path):
    """The roster moves t2 (灌南) into 海州 and the same file records their education: the
    education sheet sees the record as the roster leaves it."""
    row = roster_row(world.s1, n=1, name=world.t2.name, id_number=world.t2.id_number, birth=world.t2.birth_date,
                     sex="男" if world.t2.sex == "1" else "女")
    education = [["姓名", "身份证件号", "学历"], [world.t2.name, world.t2.id_number, "本科"]]
    report = import_run(file=write_xlsx(tmp_path / "m.xlsx", {"花名册": [ROSTER_HEADERS, row], "学习经历": education}),
                        filename="m.xlsx", user=world.users.city, dry_run=True)
    assert report.errors == [] and (report.changed, report.new) == (1, 1)
    assert any(f["label"] == "学校" for f in report.changes[0]["fields"])


def test_insert_history_masks_ids_in_names_and_changes(world):
    number = new_id()
    changes = {"note": {"label": "备注", "new": f"证件 {number}"}, "birth_date": {"label": "出生日期", "new": dt.date(1988, 3, 9)}}
    proto = audit.entry(audit.CREATE, user=world.users.city, object_type="workforce.teacher", source="import", run_ref="7")
    assert insert_history(proto, [("1", f"甲（{number}）", changes), ("2", "乙", changes)]) == 2
    entries = AuditEntry.objects.filter(run_ref="7").order_by("object_id")
    assert [e.object_id for e in entries] == ["1", "2"]
    for e in entries:
        assert number not in e.object_repr and number not in str(e.changes)
        assert e.changes["birth_date"]["new"] == "1988-**-**" and e.user == world.users.city and e.at is not None


def test_insert_history_of_parts_stores_their_union_cleaned_as_one_dict(world):
    """``changes`` as a tuple of dicts: the row holds what the union would, masked the same way,
    whichever rows share a part."""
    number = new_id()
    school = {"school": {"label": "学校", "new": "海州实验小学"}}
    note = {"note": {"label": "备注", "new": f"证件 {number}"}, "birth_date": {"label": "出生日期", "new": dt.date(1988, 3, 9)}}
    empty = {}
    proto = audit.entry(audit.CREATE, user=world.users.city, object_type="workforce.teacher", source="import", run_ref="8")
    assert insert_history(proto, [("1", "甲", (school, note)), ("2", "乙", (school, empty, note)),
                                  ("3", "丙", (school,)), ("4", "丁", {**school, **note})]) == 4
    entries = {e.object_id: e.changes for e in AuditEntry.objects.filter(run_ref="8")}
    whole = audit.clean_changes({**school, **note})
    # (keys compared as a set: PostgreSQL's jsonb keeps no key order)
    assert entries["1"] == entries["2"] == entries["4"] == whole and set(entries["1"]) == {"school", "note", "birth_date"}
    assert entries["3"] == school and number not in str(entries) and whole["birth_date"]["new"] == "1988-**-**"
