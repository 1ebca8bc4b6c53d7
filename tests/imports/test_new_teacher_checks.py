"""Every check of a new teacher's row, each row with one thing wrong among clean ones: the
import names each (row, column, message) and counts only the clean rows as new — whether a row
is checked on the import's quick path for new teachers or on the full one (issue 13)."""
from __future__ import annotations

import datetime as dt

import pytest

from imports.services import import_run
from tests.factories import SchoolFactory
from tests.imports.helpers import new_id, write_xlsx
from workforce.models import District, Teacher

pytestmark = pytest.mark.django_db

HEADERS = ["学校标识码", "学校名称", "*姓名", "*性别", "*身份证件号", "*出生日期", "参加工作年月", "进本校年月",
           "参加基层服务项目起始年月", "参加基层服务项目结束年月", "是否在编", "教职工类别", "任教学段"]
BIRTH = dt.date(1988, 3, 9)


def row(code="", name="", *, sex="男", birth="198803", work="200809", entry="201209", g_start="", g_end="",
        stage="", number=None):
    number = number or new_id(BIRTH, "1")
    return [code, name, f"教师{number[-6:]}", sex, number, birth, work, entry, g_start, g_end, "是", "专任教师", stage]


def test_each_check_of_a_new_teacher_names_its_row_and_only_clean_rows_are_new(world, tmp_path):
    s1, s1b, s2 = world.s1, world.s1b, world.s2
    twin_a = SchoolFactory(district=world.d1, name="海州同名学校")
    SchoolFactory(district=world.d2, name="海州同名学校")  # the district's own is the one meant
    # two of a name outside the district: neither is the district's, so the name does not say which
    SchoolFactory(district=world.d2, name="灌南同名学校")
    SchoolFactory(district=District.objects.exclude(pk__in=[world.d1.pk, world.d2.pk]).first(), name="灌南同名学校")
    later = dt.date.today().year + 1
    rows = [
        HEADERS,
        row(s1.code),                                   # 2: clean
        row(s1.code, sex="女"),                          # 3: sex against the ID
        row(s1.code, birth="198804"),                   # 4: birth month against the ID
        row(s2.code),                                   # 5: another district's school
        row(s1.code, "海州第二小学"),                      # 6: code and name disagree
        row("", "海州第二小学"),                           # 7: clean, by name
        row("", "没有这所学校"),                            # 8: no such school
        row(s1.code, g_start="201509", g_end="201409"),  # 9: service ends before it starts
        row(s1.code, stage="高中"),                        # 10: a stage the school lacks
        row(s1.code, work="199809"),                    # 11: working at 10
        row(s1.code, work="201009", entry="200909"),     # 12: entered the school before working
        row(s1.code, work=f"{later}09", entry=f"{later}10"),  # 13: a month to come
        row("3299999999"),                              # 14: no such code
        row("", "灌南同名学校"),                            # 15: two schools of that name
        row("", "海州同名学校", stage="小学"),               # 16: clean, by a name another district has too
        row(s1.code, birth=""),                         # 17: clean, birth from the ID
    ]
    path = write_xlsx(tmp_path / "花名册.xlsx", {"花名册": rows})
    report = import_run(file=path, filename=path.name, user=world.users.district, dry_run=True, source="cli")
    got = [(e.row, e.column, e.message) for e in report.errors]
    assert [r for r, _c, _m in got] == [3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 13, 14, 15]
    by_row = {}
    for r, column, message in got:
        by_row.setdefault(r, []).append((column, message))
    assert by_row[3] == [("*性别", "性别与身份证件号不符（证件号为男性）")]
    assert by_row[4] == [("*出生日期", "出生日期与身份证件号不符（证件号为 证件号中的日期）")]
    assert by_row[5] == [("学校标识码", f"学校“{s2.name}”不在您的管理范围内")]
    assert by_row[6] == [("学校名称", f"学校名称与学校标识码 {s1.code} 对应的“{s1.name}”不一致")]
    assert by_row[8] == [("学校名称", "学校“没有这所学校”在系统中不存在，请核对名称或改填学校标识码")]
    assert by_row[9] == [("参加基层服务项目结束年月", "参加基层服务项目结束年月早于起始年月")]
    assert by_row[10][0][0] == "任教学段" and "不在“海州实验小学”开设的学段内" in by_row[10][0][1]
    assert by_row[11] == [("参加工作年月", "参加工作时未满14周岁，请核对参加工作年月")]
    assert by_row[12] == [("进本校年月", "进本校年月早于参加工作年月")]
    assert [column for column, _m in by_row[13]] == ["参加工作年月", "进本校年月"]
    assert by_row[14] == [("学校标识码", "学校标识码“3299999999”在系统中不存在，请核对或先导入该学校")]
    assert by_row[15] == [("学校名称", "系统中有 2 所学校名为“灌南同名学校”，请改填学校标识码")]
    assert (report.rows, report.new, report.error_rows) == (16, 4, 12)

    clean = [rows[0], rows[1], rows[6], rows[15], rows[16]]
    path = write_xlsx(tmp_path / "clean.xlsx", {"花名册": clean})
    report = import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="cli")
    assert report.committed and report.new == 4
    stored = {t.id_number: (t.school, t.teaching_stage, t.birth_date, t.sex, t.work_start)
              for t in Teacher.objects.filter(id_number__in=[r[4] for r in clean[1:]])}
    assert stored == {
        clean[1][4]: (s1, "primary", BIRTH, "1", dt.date(2008, 9, 1)),
        clean[2][4]: (s1b, "primary", BIRTH, "1", dt.date(2008, 9, 1)),
        clean[3][4]: (twin_a, "primary", BIRTH, "1", dt.date(2008, 9, 1)),
        clean[4][4]: (s1, "primary", BIRTH, "1", dt.date(2008, 9, 1)),
    }


def test_ids_read_a_chunk_at_a_time_are_what_parse_id_number_reads():
    from core.identity import IdNumberError, check_digit, make_id_number, parse_id_number
    from imports.handlers.teachers import resident_ids

    good = make_id_number("320706", dt.date(1990, 12, 8), 37, "2")
    with_x = next(n for n in (make_id_number("320703", dt.date(1980, 9, 27), k, "1") for k in range(100)) if n[-1] == "X")
    feb30 = "32070619900230" + "123"
    old = "32070618991231" + "123"
    numbers = [good, with_x, with_x.lower(), good[:-1] + ("0" if good[-1] != "0" else "1"),
               feb30 + check_digit(feb30), old + check_digit(old), good[:17], " " + good, None, "",
               "３２" + good[2:]]
    quick = resident_ids(numbers, {})
    for number, parsed in zip(numbers, quick):
        try:
            expected = parse_id_number(number) if number else None
        except IdNumberError:
            expected = None
        if parsed is not None:
            assert parsed == expected
    assert [q is not None for q in quick] == [True, True] + [False] * 9  # the rest: parse_id_number's own path
    assert quick[0] == parse_id_number(good) and quick[1] == parse_id_number(with_x)
