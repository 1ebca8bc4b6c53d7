"""``manage.py import_roster``: exit codes 0 / 1 / 2 and the JSON report."""
from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.imports.helpers import roster, write_xlsx
from workforce.models import Teacher

pytestmark = pytest.mark.django_db


def call(*args) -> int:
    try:
        call_command("import_roster", *map(str, args))
    except CommandError as exc:
        return exc.returncode
    return 0


def test_committed_file_exits_0_and_reports_json(world, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 3)})
    out = tmp_path / "report.json"
    assert call(path, "--report", out) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data == {"kind": "teachers", "rows": 3, "new": 3, "changed": 0, "unchanged": 0, "errors": []}
    assert Teacher.objects.filter(school=world.s1).count() == 4
    assert call(path, "--report", out) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["unchanged"] == 3


def test_row_errors_exit_1_write_nothing_and_list_every_error(world, tmp_path):
    rows = roster(world.s1, 3)
    rows[2][3] = "未知"
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": rows})
    out = tmp_path / "report.json"
    assert call(path, "--report", out, "--user", "school1") == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"kind", "rows", "new", "changed", "unchanged", "errors"}
    assert data["errors"] == [{"sheet": "花名册", "row": 3, "column": "*性别", "value": "未知",
                               "message": "“未知”不是有效选项，可选：男、女"}]
    assert Teacher.objects.count() == 3


def test_dry_run_without_errors_exits_0_and_writes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 2)})
    assert call(path, "--dry-run") == 0
    assert Teacher.objects.count() == 3


def test_unreadable_file_exits_2(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"%PDF-1.4 not a workbook")
    assert call(path) == 2
    assert call(tmp_path / "missing.xlsx") == 2
    assert call(path.with_suffix(".doc")) == 2


def test_school_option_for_a_sheet_without_school_column(world, tmp_path):
    rows = [row[2:] for row in roster(world.s1, 2)]  # no 序号, no 学校标识码
    path = write_xlsx(tmp_path / "r.xlsx", {"教职工基础信息": rows})
    assert call(path, "--school", world.s1b.code) == 0
    assert Teacher.objects.filter(school=world.s1b).count() == 3


def test_progress_is_printed_on_stderr_for_large_files(world, tmp_path, monkeypatch, capsys):
    from imports.management.commands import import_roster

    monkeypatch.setattr(import_roster, "PROGRESS_FROM_ROWS", 1)
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 6)})
    assert call(path, "--dry-run") == 0
    err = capsys.readouterr().err
    assert "读取与校验：" in err and " 行" in err and "reading" not in err  # the phase in Chinese
