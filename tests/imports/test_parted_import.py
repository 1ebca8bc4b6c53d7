"""A city roster big enough to be read in parts (``imports.xlsx_parts``) imports as it would
whole: same report, same teachers, same history; a bad row is reported at its own row number,
and nothing is written. The size thresholds are lowered so that a few hundred rows make many
parts."""
from __future__ import annotations


import pytest

from backend.models import AuditEntry
from imports import readers, xlsx_parts
from imports.services import import_run
from tests.imports.helpers import helper_threads, roster, write_xlsx
from workforce.models import Teacher


@pytest.fixture(params=["kept", "inflated again"])
def in_parts(monkeypatch, request):
    if request.param == "inflated again":  # a sheet too large to keep (a province's roster)
        monkeypatch.setattr(readers, "RETAIN_MAX_BYTES", 0)
    monkeypatch.setattr(xlsx_parts, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", 3_000)  # a dozen rows a part
    monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_SHARE", 0)  # however many shared strings
    used = []
    begin = xlsx_parts.PartedSheet.begin

    def counted(self):
        used.append(self.part_count)
        return begin(self)
    monkeypatch.setattr(xlsx_parts.PartedSheet, "begin", counted)
    return used


def test_a_roster_read_in_parts_is_committed_whole(world, tmp_path, in_parts):
    rows = roster(world.s1, 300)
    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}, title="2026年教职工花名册"),
                        filename="r.xlsx", user=world.users.city, dry_run=False)
    assert in_parts and in_parts[0] >= 10  # really read in parts
    assert report.committed and (report.rows, report.new, report.errors) == (300, 300, [])
    numbers = [row[4] for row in rows[1:]]
    assert Teacher.objects.filter(id_number__in=numbers, school=world.s1).count() == 300
    assert AuditEntry.objects.filter(run_ref=str(report.run_id), action="create").count() == 300
    assert helper_threads() == []


def test_a_bad_row_far_down_a_roster_read_in_parts_is_reported_and_nothing_written(world, tmp_path, in_parts):
    rows = roster(world.s1, 300)
    rows[250][4] = rows[250][4][:-1] + ("0" if rows[250][4][-1] != "0" else "1")  # wrong check digit
    rows[251][4] = rows[10][4]                                                    # a duplicate ID
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}, title="2026年教职工花名册")
    before = Teacher.objects.count()
    report = import_run(file=path, filename="r.xlsx", user=world.users.city, dry_run=False)
    assert in_parts and not report.committed
    # title row 1, header row 2: data row i is Excel row i + 2
    assert [(e.row, e.column) for e in report.errors] == [(252, "*身份证件号"), (253, "*身份证件号")]
    assert "校验位" in report.errors[0].message and "第 12 行" in report.errors[1].message
    assert Teacher.objects.count() == before
