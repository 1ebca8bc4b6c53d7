"""A small streaming .xlsx writer for big, plain sheets (the national template of a city).

openpyxl builds an element tree for every cell (about 65 µs a cell here, without lxml): the
city's template — 50,000 teachers, millions of cells — took minutes. This writes each row's XML
as text into a temporary file per sheet and zips them at the end: texts as inline strings
(``t="inlineStr"``, every cell with its reference), numbers as numbers, and a text that would start
a formula (``core.spreadsheets.FORMULA_PREFIXES``) as a text cell with Excel's quote prefix
(style 1), so no spreadsheet evaluates it and its value stays as it is. Nothing else: no
formulas, dates (the callers write dates as text), merged cells or widths.
"""
from __future__ import annotations

import io
import re
import tempfile
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from core.spreadsheets import FORMULA_PREFIXES

# characters XML 1.0 does not allow (a stray control character in a typed-in text)
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _text(value: str) -> str:
    text = escape(_INVALID.sub("", value))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<t{space}>{text}</t>"


class Sheet:
    def __init__(self, title: str):
        self.title = title[:31]
        self.file = tempfile.TemporaryFile()
        self.out = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
        self.rows = 0
        self.letters: list[str] = []

    def append(self, values) -> None:
        self.rows += 1
        n = self.rows
        if len(self.letters) < len(values):
            self.letters = [get_column_letter(i) for i in range(1, len(values) + 1)]
        cells = []
        for letter, value in zip(self.letters, values):
            if value is None or value == "":
                continue
            if value.__class__ is str:
                style = ' s="1"' if value.startswith(FORMULA_PREFIXES) else ""
                cells.append(f'<c r="{letter}{n}"{style} t="inlineStr"><is>{_text(value)}</is></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{letter}{n}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float, Decimal)):
                cells.append(f'<c r="{letter}{n}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{letter}{n}" t="inlineStr"><is>{_text(str(value))}</is></c>')
        self.out.write(f'<row r="{n}">{"".join(cells)}</row>')


class Workbook:
    def __init__(self):
        self.sheets: list[Sheet] = []

    def create_sheet(self, title: str) -> Sheet:
        sheet = Sheet(title)
        self.sheets.append(sheet)
        return sheet

    def save(self, target) -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", self._content_types())
            archive.writestr("_rels/.rels", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
            sheets = "".join(f'<sheet name="{escape(s.title, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, s in enumerate(self.sheets, start=1))
            archive.writestr("xl/workbook.xml", (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_NS} xmlns:r="{_R}">'
                f"<sheets>{sheets}</sheets></workbook>"))
            rels = "".join(f'<Relationship Id="rId{i}" Type="{_R}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(1, len(self.sheets) + 1))
            styles_id = len(self.sheets) + 1
            archive.writestr("xl/_rels/workbook.xml.rels", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'{rels}<Relationship Id="rId{styles_id}" Type="{_R}/styles" Target="styles.xml"/></Relationships>'))
            archive.writestr("xl/styles.xml", STYLES)
            for i, sheet in enumerate(self.sheets, start=1):
                sheet.out.flush()
                sheet.file.seek(0)
                with archive.open(f"xl/worksheets/sheet{i}.xml", "w") as part:
                    part.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}>'
                               "<sheetData>".encode())
                    while chunk := sheet.file.read(1 << 20):
                        part.write(chunk)
                    part.write(b"</sheetData></worksheet>")
                sheet.out.close()

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(self.sheets) + 1))
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{sheets}</Types>")


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {_NS}>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
