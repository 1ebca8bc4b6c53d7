"""Real spreadsheet files for the import tests: .xlsx (openpyxl, as Excel writes them), .xls
(xlwt), .csv in UTF-8 or GBK — and teacher rows with valid IDs."""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import threading
import zipfile
from pathlib import Path

import openpyxl

from core.identity import make_id_number

_seq = itertools.count(1)

ROSTER_HEADERS = ["序号", "学校标识码", "*姓名", "*性别", "*身份证件号", "*出生日期", "参加工作年月",
                  "进本校年月", "是否在编", "教职工类别", "任教学段", "任教学科"]


def new_id(birth=dt.date(1988, 3, 9), sex="1", region="320706") -> str:
    n = next(_seq)
    return make_id_number(region, birth, (n * 7) % 500, sex)


def roster_row(school, *, n=0, name=None, sex="男", birth=dt.date(1988, 3, 9), id_number=None,
               work="200809", entry="201209", on="是", category="专任教师", stage="", subject="语文"):
    number = id_number or new_id(birth, "1" if sex == "男" else "2")
    return [n, school.code, name or f"教师{number[-6:]}", sex, number, birth.strftime("%Y%m"), work, entry, on,
            category, stage, subject]


def roster(school, count: int, **kw) -> list[list]:
    return [ROSTER_HEADERS] + [roster_row(school, n=i + 1, **kw) for i in range(count)]


def write_xlsx(path: Path, sheets: dict[str, list[list]], *, title: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        if title:
            ws.append([title])
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_xls(path: Path, rows: list[list], sheet: str = "花名册") -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c_, value in enumerate(row):
            ws.write(r, c_, value)
    book.save(str(path))
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


INLINE_TEXT = re.compile(rb'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t>(.*?)</t></is></c>', re.S)


def to_shared_strings(path: Path, target: Path | None = None, *, reverse: bool = False) -> int:
    """Write the workbook ``path`` again (to ``target``, else in place) as Excel saves one: the
    texts of inline-string cells in xl/sharedStrings.xml, the cells pointing at them by index,
    numbered in the order they first appear (``reverse``: the other way round, as no spreadsheet
    program does). Returns how many distinct texts. Used by the reader tests and
    ``bench/import_bench.py``."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    table: dict[bytes, int] = {}
    for name in parts:
        if name.startswith("xl/worksheets/"):
            for match in INLINE_TEXT.finditer(parts[name]):
                table.setdefault(match.group(3), len(table))
    if reverse:
        table = {text: len(table) - 1 - index for text, index in reversed(table.items())}

    def shared(match):
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2) or b"", table[match.group(3)])
    for name in parts:
        if name.startswith("xl/worksheets/"):
            parts[name] = INLINE_TEXT.sub(shared, parts[name])
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="%d" uniqueCount="%d">' % (len(table), len(table))
        + b"".join(b"<si><t>%s</t></si>" % text for text in table) + b"</sst>")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
        b' Target="sharedStrings.xml" Id="rIdShared" /></Relationships>'))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>'))
    with zipfile.ZipFile(target or path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return len(table)


def helper_threads(*prefixes: str) -> list[str]:
    """Names of the import's helper threads still alive (``import-writer``, ``xlsx-parts…``):
    a test that ends with an import expects none."""
    return [t.name for t in threading.enumerate() if t.is_alive() and t.name.startswith(prefixes or ("import-writer", "xlsx-parts"))]
