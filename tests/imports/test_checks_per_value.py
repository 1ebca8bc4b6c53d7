"""The checks worked out once per distinct value never give one row another row's verdict:
rows sharing a value but differing in the rule's other input each get their own answer."""
from __future__ import annotations

import datetime as dt

from imports.services import import_run
from tests.factories import SchoolFactory
from tests.imports.helpers import ROSTER_HEADERS, roster_row, write_xlsx
from workforce import choices as c


def run(path, user):
    return import_run(file=path, filename=path.name, user=user, dry_run=True, source="cli")


def test_same_stage_at_two_schools_names_each_school(world, tmp_path):
    east = SchoolFactory(district=world.d1, name="海州东小学", school_type=c.SchoolType.PRIMARY)
    west = SchoolFactory(district=world.d1, name="海州西小学", school_type=c.SchoolType.PRIMARY)
    rows = [ROSTER_HEADERS, roster_row(east, n=1, stage="初中"), roster_row(west, n=2, stage="初中")]
    report = run(write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}), world.users.city)
    assert sorted((e.row, e.column, e.message) for e in report.errors) == [
        (2, "任教学段", "任教学段“初中”不在“海州东小学”开设的学段内（开设：小学）"),
        (3, "任教学段", "任教学段“初中”不在“海州西小学”开设的学段内（开设：小学）"),
    ]


def test_same_work_start_judged_against_each_rows_birth(world, tmp_path):
    # 参加工作年月 200809 for both: at 20 for the one born 1988, at 6 for the one born 2002
    rows = [ROSTER_HEADERS, roster_row(world.s1, n=1, birth=dt.date(1988, 3, 9), work="200809", entry="201209"),
            roster_row(world.s1, n=2, birth=dt.date(2002, 3, 9), work="200809", entry="201209")]
    report = run(write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}), world.users.city)
    assert [(e.row, e.column) for e in report.errors] == [(3, "参加工作年月")]
