"""The one .xlsx download (issue 17): ``xlsx_response`` writes the sheets with the streaming
writer (``core.spreadsheets``: a text that starts like a formula stays text), names the file in
Chinese (RFC 5987) and writes the export's audit row. Every page's ``?format=xlsx`` and the
national template go through it, so none can forget the guard, the name or the trail.

Here rather than in ``core`` because the audit is backend's; every app may import backend.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from core.spreadsheets import XLSX_CONTENT_TYPE, Column, Table, Workbook, content_disposition

from . import audit


def xlsx_response(request, filename: str, columns: Sequence[Column] | None = None, rows: Iterable = (), *,
                  title: str = "", sheet: str = "", more: Sequence[Table] = (), content: bytes | None = None,
                  count: int | None = None, audit_action=audit.EXPORT, obj=None, object_type: str = "workforce.export",
                  object_repr: str = "", message: str = "") -> HttpResponse:
    """An .xlsx attachment named ``filename``.

    The first sheet (``sheet``, else the file's name) is ``columns`` over ``rows`` under an
    optional ``title`` row; ``more`` adds sheets. A workbook written elsewhere (the national
    template, an import's error report) passes its ``content`` and ``count`` instead. One audit row
    (``audit_action``; the record it is about: ``obj``, else ``object_type``; ``object_repr`` — the
    file's name unless given — and ``message``, by default "导出 <title>（N 行）")."""
    if content is None:
        book = Workbook()
        tables = ([Table(sheet or filename.rsplit(".", 1)[0], columns, rows, title)] if columns is not None else [])
        count = sum(book.add_table(table) for table in [*tables, *more])
        content = book.content()
    about = {"obj": obj} if obj is not None else {"object_type": object_type}
    audit.record(audit_action, request=request, **about, object_repr=object_repr or filename,
                 message=message or f"导出 {title or filename}（{count or 0} 行）")
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    return response
