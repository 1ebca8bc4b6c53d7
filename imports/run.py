"""Running a file: read, map, check, commit, with progress — ``import_run(...)``, the one path
the CLI, the admin, the web upload (and the API) call (``imports.services`` re-exports it).

One pass over the file (streaming reader), every row checked, then one transaction::

    report = import_run(file=upload, filename="花名册.xlsx", user=request.user,
                        dry_run=True, source="web")
    report.new, report.changed, report.unchanged, report.errors   # RowError(sheet, row, column, value, message)

1. **Read** each visible sheet, find its header row, recognise its kind from the headers (or
   ``kind``), parse the cells a batch of rows at a time, column by column, with each column's
   parser (``imports.kinds.BatchParser``: a value seen before costs a dict lookup); a row
   keeps a tuple of its values.
2. **Check** against the database, kind by kind (schools before what refers to them, teachers
   before their sub-records), loading what is needed in a few bulk queries — the school map
   once, existing teachers in chunks of ``id_number__in`` — never a query per row.
3. **Preview** (``dry_run``) stops here: counts new / changed / unchanged / error rows, and the
   changed fields old → new. Nothing is written but the ``ImportRun``.
4. **Commit**: when reading found no error, step 2 runs inside one transaction, and the new
   teachers are INSERTed by a writer thread while the next rows are checked (``NewTeachers``);
   then everything else is written (``bulk_create``, ``fast_update``: ``imports.bulk``) with
   the history of every created or changed record (``backend.audit``, ``run_ref`` = the run).
   Any error row → the transaction is rolled back and nothing is written.

Teachers (the city-sized kind) are checked a chunk of rows at a time and keep only what the
commit needs: a new teacher the row to INSERT, a changed one its changed fields; no model
instance is built for a new teacher unless another sheet of the file refers to it. A roster of
``STREAM_MIN_ROWS`` or more that is the file's only sheet to import (a province's) goes through
steps 2 and 4 as it is read, inside the same one transaction (``TeacherHandler.stream``): its
rows are let go batch by batch, its new teachers written a group at a time with their history.

Blank cells never clear what the system already holds; columns absent from the file are left
alone. The scope of the uploader (``backend.scoping``) bounds every row: a school's HR imports
its own school, a district's HR its district.
"""

from __future__ import annotations

import hashlib
import os
import time
from contextlib import ExitStack, contextmanager
from itertools import islice, repeat
from operator import itemgetter
from typing import Any, Callable

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from backend import audit
from core.db import BULK_WRITE_ROWS, analyze_apps, wide_statements
from core.i18n import in_data_language
from backend.rights import can
from core.capabilities import Capability
from backend.scoping import Scope, scope_for
from workforce.models import School

from . import hooks, workers
from .concurrency import collector_paused
from .context import Context, Row, Sheet, choice_pairs
from .handlers import Handler, handler_class
from .limits import upload_limits
from .kinds import KIND_ORDER, KINDS, Column, Kind, is_year_month, kind_for_sheet_kind, resolve_kind
from .mappings import Vocabulary
from .models import ImportRun
from .readers import UnreadableFile, column_letter, iter_sheets, open_workbook
from .report import ImportRefused, ImportReport, RowError
from .synonyms import HEADER_INDEXES, detect_sheet_kind, lookup_header, map_headers, says_month

__all__ = ["import_run"]

SQLITE_CACHE_KB = 256 * 1024  # page cache while an import writes (SQLite only)


@contextmanager
def _wide_statements():
    """Big statements (``core.db.wide_statements``) and, on SQLite, a big page cache."""
    cache_size = None
    try:
        if connection.vendor == "sqlite":
            # SQLite's default page cache is 2 MB: a big transaction spills it to the file, and
            # every spill syncs the journal first. 256 MB keeps a whole city's import in memory.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KB}")
        with wide_statements(connection):
            yield
    finally:
        if cache_size is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")




def _any_header(normalised: str) -> bool:
    return any(lookup_header(normalised, index) is not None for index in HEADER_INDEXES.values())


# A roster at least this long, the file's only sheet to import, is checked and written as it is
# read (TeacherHandler.stream), so that a province's is never held whole.
STREAM_MIN_ROWS = 100_000


def _streams(data, sheet: Sheet, ctx: Context, handlers: dict[str, Handler], last_visible: str | None) -> bool:
    """Whether ``sheet`` is checked and written as it is read: a run that may commit, no error
    so far, a long sheet of a kind that can (``stream``), the last visible sheet of the file and
    the only one to import — no other sheet's rows wait for it (a 学习经历 sheet naming its
    teachers, a 学校 sheet creating its schools)."""
    handler = handlers[sheet.kind.name]
    return (ctx.begin_commit is not None and not ctx.report.errors and not sheet.refused
            and hasattr(handler, "stream") and len(handlers) == 1 and data.name == last_visible
            and data.last_row is not None and data.header_row is not None
            and data.last_row - data.header_row >= STREAM_MIN_ROWS)


def _read_sheets(workbook, forced: Kind | None, ctx: Context, handlers: dict[str, Handler]) -> None:
    report = ctx.report
    matcher = (lambda n: lookup_header(n, HEADER_INDEXES[forced.sheet_kind]) is not None) if forced else _any_header
    done = 0
    last_visible = next((info.name for info in reversed(workbook.sheets()) if info.visible), None)
    for data in iter_sheets(workbook, matcher, include_hidden=False):
        if data.header_row is None:
            continue
        kind = forced
        if kind is None:
            sheet_kind = detect_sheet_kind(data.headers, data.name)
            if sheet_kind is None:
                report.warnings.append(f"工作表“{data.name}”的表头无法识别为任何导入类别，已跳过")
                continue
            kind = kind_for_sheet_kind(sheet_kind)
        colmap = _columns(data, kind, ctx)
        sheet = Sheet(data.name, kind, data.header_row, data.headers, colmap)
        handler = handlers.setdefault(kind.name, handler_class(kind.name)(ctx))
        handler.sheets.append(sheet)
        refusal = handler.allowed()
        if refusal:
            ctx.sheet_error(sheet, "", refusal)
        for column in handler.required(sheet):
            if column.key not in colmap:
                ctx.sheet_error(sheet, column.label, f"缺少必填列“{column.label}”")
        if _streams(data, sheet, ctx, handlers, last_visible):
            handler.stream(sheet)
        before = done
        done = _read_rows(sheet, data, ctx, done, handler)
        sheet.report.rows = done - before
        report.sheets.append(sheet.report)


def _columns(data, kind: Kind, ctx: Context) -> dict[str, tuple[int, str]]:
    """Which column of the sheet fills which field: the built-in header spellings, then the
    organisation's saved answers. A header known to neither is a question for the officer
    (``report.unknown_headers``); a column not needed (by an answer, or a field this kind does
    not take) is listed in ``report.ignored_columns`` — never dropped in silence."""
    report, vocabulary = ctx.report, ctx.vocabulary
    mapping, unknown = map_headers(data.headers, kind.sheet_kind)
    colmap: dict[str, tuple[int, str]] = {}
    for index, key in mapping.items():
        if key in kind.by_key:
            colmap[key] = (index, data.headers[index])
        elif key != "row_no":
            report.ignored_columns.append({"sheet": data.name, "header": data.headers[index].strip(),
                                           "why": "本类导入不使用此列"})
    taken = set(mapping.values())
    for index, raw in enumerate(data.headers):
        header = raw.strip() if isinstance(raw, str) else raw
        if not header or index in mapping:
            continue
        answer = vocabulary.header(kind.sheet_kind, header)
        if answer is not None and answer.target and answer.target in kind.by_key and answer.target not in colmap:
            colmap[answer.target] = (index, data.headers[index])
            taken.add(answer.target)
        elif answer is not None and not answer.target:
            report.ignored_columns.append({"sheet": data.name, "header": header, "why": f"不需要（{answer.where}的设置）"})
        elif lookup_header(header, HEADER_INDEXES[kind.sheet_kind]) is not None:
            report.ignored_columns.append({"sheet": data.name, "header": header, "why": "与前面的列重复"})
        else:
            report.unknown_headers.append({
                "sheet": data.name, "sheet_kind": kind.sheet_kind, "header": header, "index": index,
                "column": column_letter(index),
                "fields": [(c.key, c.label) for c in kind.columns if c.key not in colmap and c.key not in taken],
            })
    return colmap


def _fills(sheet: Sheet, ctx: Context) -> list[tuple[str, Any]]:
    """The officer's answers for measure columns this sheet lacks: (key, value) for each that
    holds a value ("all schools in this file are 公办"); an empty answer for a month column says
    "leave it blank" and fills nothing. Each answer used is listed in the report."""
    kind, out = sheet.kind, []
    for column in kind.columns:
        name = f"{kind.sheet_kind}.{column.key}"
        if not column.measure or column.key in sheet.colmap or name not in ctx.fills:
            continue
        raw = ctx.fills[name]
        try:
            value = column.parser(ctx.vocabulary.synonyms(kind.sheet_kind, column.key, column.built_in_synonyms())
                                  if column.type in ("choice", "bool") else None)(raw) if raw not in ("", None) else None
        except ValueError as exc:
            ctx.sheet_error(sheet, column.label, f"为“{column.label}”选择的值无效：{exc}")
            continue
        ctx.report.filled_columns.append({"sheet": sheet.name, "key": column.key, "label": column.label,
                                          "value": str(raw) if raw not in ("", None) else "（留空）"})
        if value is not None:
            out.append((column.key, value))
    return out


def _ask_for_missing_measure_columns(ctx: Context, handlers: dict) -> None:
    """A sheet that creates records but lacks a column a measure depends on (办学性质, 是否在编,
    教职工类别, 进本校年月 …) is not defaulted in silence: the officer chooses one value for the
    whole file in the mapping step (``--fill`` on the command line), or the run stops here."""
    for handler in handlers.values():
        for sheet in handler.sheets:
            if sheet.refused or not sheet.report.new:
                continue
            kind = sheet.kind
            for column in kind.columns:
                if (not column.measure or column.key in sheet.colmap
                        or f"{kind.sheet_kind}.{column.key}" in ctx.fills):
                    continue
                ctx.report.missing_columns.append({
                    "sheet": sheet.name, "sheet_kind": kind.sheet_kind, "key": column.key, "label": column.label,
                    "new": sheet.report.new, "type": column.type,
                    "choices": choice_pairs(column) if column.type in ("choice", "bool") else [],
                })
                what = "选择一个值（适用于文件中的全部行）" if column.type in ("choice", "bool") else "确认留空"
                ctx.report.errors.append(RowError(
                    sheet.name, sheet.header_row or 1, column.label, "",
                    f"缺少“{column.label}”列：本表将新增 {sheet.report.new} 条记录，统计指标需要此列。"
                    f"请在文件中补上此列，或在预览页为它{what}（命令行：--fill {column.key}=值）"))


BATCH = 2000  # rows parsed together, column by column


def _batched(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _read_rows(sheet: Sheet, data, ctx: Context, done: int, handler: Handler | None = None) -> int:
    """Parse the data rows of one sheet into ``sheet.rows``, a batch at a time and column by
    column: each column's parser sees the column's cells of the batch at once (see
    ``imports.kinds.BatchParser``), and a row keeps only a tuple of its parsed values.
    Errors are reported in the order of the cells (row, then column)."""
    kind = sheet.kind
    vocabulary = ctx.vocabulary

    def parser_of(column: Column):
        if column.type not in ("choice", "bool"):
            return column.batch_parser()
        return column.batch_parser(vocabulary.synonyms(kind.sheet_kind, column.key, column.built_in_synonyms()))
    specs = [(index, key, parser_of(kind.by_key[key]), kind.by_key[key].required)
             for key, (index, _h) in sheet.colmap.items()]
    birth_at = next((n for n, spec in enumerate(specs) if spec[1] == "birth_date"), None)
    if birth_at is not None:
        sheet.keys = (*sheet.keys, "_birth_month_only")
        birth_index = specs[birth_at][0]
        # 出生年月: every cell is a month, whatever its form (a typed month is stored as a date)
        month_only: dict | None = None if says_month(sheet.colmap["birth_date"][1]) else {}
    fills = _fills(sheet, ctx)
    if fills:
        sheet.keys = (*sheet.keys, *(key for key, _value in fills))
    pick = itemgetter(*[spec[0] for spec in specs]) if len(specs) > 1 else None
    # rows below the header, after those of the sheets already read (an upper bound: blank
    # rows are skipped)
    total = done + data.last_row - data.header_row if data.last_row and data.header_row else None
    rows = sheet.rows
    streamed = handler is not None and getattr(handler, "streaming", None) is sheet
    for batch in _batched(data.rows, BATCH):
        if pick is not None:
            columns = list(zip(*map(pick, [cells for _n, cells in batch])))
        elif specs:
            columns = [[cells[specs[0][0]] for _n, cells in batch]]
        else:
            columns = []
        parsed, problems = [], []
        for order, ((_index, key, parser, required), raws) in enumerate(zip(specs, columns)):
            values, errors = parser.many(raws)
            for i, raw, message in errors:
                problems.append((i, order, key, raw, message, parser.is_unknown(raw)))
            if vocabulary.values and vocabulary.spellings(kind.sheet_kind, key):
                vocabulary.note_values_seen(kind.sheet_kind, key, set(r for r in raws if r.__class__ is str))
            if required and None in values:
                failed = {i for i, _raw, _m in errors}
                problems.extend((i, order, key, "", "必填项为空", False)
                                for i, value in enumerate(values) if value is None and i not in failed)
            parsed.append(values)
        if birth_at is not None:
            flags = []
            for (_n, cells), birth in zip(batch, parsed[birth_at]):
                if month_only is None:
                    flags.append(None if birth is None else True)
                    continue
                if birth is None:
                    flags.append(None)
                    continue
                raw = cells[birth_index]
                key = raw if raw.__class__ is str else (raw.__class__, raw)
                flag = month_only.get(key)
                if flag is None:
                    flag = month_only[key] = is_year_month(raw)
                flags.append(flag)
            parsed.append(flags)
        for _key, value in fills:  # the officer's one value for a column the file lacks
            parsed.append([value] * len(batch))
        batch_rows = [Row(sheet, number, tuple_) for (number, _c), tuple_ in
                      zip(batch, zip(*parsed) if parsed else repeat(()))]
        if problems:
            problems.sort(key=lambda p: (p[0], p[1]))
            for i, _order, key, raw, message, unknown in problems:
                if unknown:
                    ctx.unknown_value(batch_rows[i], key, raw, message)
                else:
                    ctx.error(batch_rows[i], key, raw, message)
        if not streamed:  # else checked, written and let go by the handler (TeacherHandler.stream)
            rows.extend(batch_rows)
        if handler is not None and not sheet.refused:
            handler.read(sheet, batch_rows)
        done += len(batch)
        ctx.tick(done, total, ImportRun.Phase.READING)
    return done


def _sha256(file) -> str:
    digest = hashlib.sha256()
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    if hasattr(file, "chunks"):
        file.seek(0)
        for chunk in file.chunks():
            digest.update(chunk)
    else:
        file.seek(0)
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _size(file) -> int:
    if isinstance(file, (str, os.PathLike)):
        return os.path.getsize(file)
    if getattr(file, "size", None) is not None:
        return file.size
    pos = file.tell()
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(pos)
    return size


def _school(school, scope: Scope) -> School | None:
    if school is None or school == "":
        if scope.kind == "school":
            return School.objects.filter(pk=scope.school_id).first()
        return None
    if isinstance(school, School):
        return school
    found = School.objects.filter(code=str(school).strip()).first()
    if found is None:
        raise ValueError(f"学校标识码“{school}”不存在")
    return found


@in_data_language  # Chinese messages, labels and audit rows, Chinese roster values matched, in any UI language
def import_run(*, file, filename: str, kind: str | None = None, user=None, school=None, dry_run: bool,
               source: str = "web", progress: Callable[[int, int | None, str], None] | None = None,
               run: ImportRun | None = None, mapping: dict | None = None,
               fills: dict[str, str] | None = None) -> ImportReport:
    """Import (or with ``dry_run`` preview) one uploaded file; returns the report.

    ``file``: a path, a binary file object or a Django ``UploadedFile``; ``filename``: the name
    the user gave (its extension decides the format). ``kind``: force one kind for every sheet
    (a name or alias of ``imports.kinds``), else each sheet's kind is recognised from its headers.
    ``user``: who imports (their scope bounds every row); None only for the command line run by
    an operator (city-wide). ``school``: a School or a 学校标识码 — where teachers go when the
    file has no school column (school HR: their own school). ``progress(done, total, phase)`` is
    called every few thousand rows. ``run``: an existing ``ImportRun`` to fill (the web preview
    and confirm), else one is created. Raises ``ImportRefused`` for users who may not import,
    ``ValueError`` for an unknown kind or school. ``mapping``: the file's own answers about
    headers and values (``imports.mappings``; the command line's ``--mapping``), used before the
    saved answers of the user's organisation. ``fills``: ``{"school.ownership": "公办"}``, one value
    for a measure column the file lacks (the mapping step's answer, kept with the run).
    """
    with collector_paused():  # millions of cells: see imports.concurrency
        return hooks.run_or_submit(_import_run, file=file, filename=filename, kind=kind, user=user, school=school,
                                   dry_run=dry_run, source=source, progress=progress, run=run, mapping=mapping, fills=fills)


def _import_run(*, file, filename: str, kind: str | None, user, school, dry_run: bool, source: str,
                progress: Callable[[int, int | None, str], None] | None, run: ImportRun | None,
                mapping: dict | None = None, fills: dict[str, str] | None = None) -> ImportReport:
    if isinstance(file, (str, os.PathLike)) and not os.path.exists(file):
        raise FileNotFoundError(file)
    if user is not None and not can(user, Capability.IMPORTS_RUN):
        raise ImportRefused("只有人事部门可以导入数据。")
    scope = scope_for(user) if user is not None else Scope("city")
    if user is not None and scope.kind == "none":
        raise ImportRefused("您的账号没有设置管理范围（区县或学校），不能导入。")
    forced = KINDS[resolve_kind(kind)] if kind else None
    default_school = _school(school, scope)
    if default_school is not None and user is not None and not School.objects.for_scope(scope).filter(pk=default_school.pk).exists():
        raise ImportRefused(f"学校“{default_school.name}”不在您的管理范围内。")
    display_name = os.path.basename(str(filename)) or "upload"
    report = ImportReport(kind=forced.name if forced else "", dry_run=dry_run)
    if run is None:
        run = ImportRun.objects.create(
            user=user if user is not None and user.pk else None, file_name=display_name[:255], file_sha256="",
            kind=report.kind, dry_run=dry_run, source=source[:10], outcome=ImportRun.Outcome.RUNNING,
            requested_kind=forced.name if forced else "", school=default_school,
            worker=workers.mark(),  # the command line's process: a run it leaves when killed is ended by its readers
        )
    else:
        run.outcome, run.dry_run, run.finished_at = ImportRun.Outcome.RUNNING, dry_run, None
        run.save(update_fields=["outcome", "dry_run", "finished_at"])
    report.run_id = run.pk
    started = time.monotonic()

    def tick(done, total, phase):
        if progress is not None:
            progress(done, total, phase)

    ctx = Context(user=user, scope=scope, default_school=default_school, report=report, run_ref=str(run.pk),
                  source=source, progress=tick, vocabulary=Vocabulary.for_scope(scope, mapping), fills=fills)
    handlers: dict[str, Handler] = {}
    limits = upload_limits()  # the settings' (the environment's)
    max_size = limits["max_size"]
    unreadable = None
    try:
        with ExitStack() as stack:
            def begin_commit():
                """Open the run's transaction (a run that will commit unless an error turns up):
                after reading, or before a roster checked and written as it is read."""
                if ctx.committing:
                    return
                ctx.committing = True
                # The progress callback may itself write to the database (the web page's progress
                # bar), so it is not called inside the transaction: the run says "writing" from here on.
                tick(report.rows, report.rows, ImportRun.Phase.WRITING)
                ctx.progress = None
                stack.enter_context(_wide_statements())
                stack.enter_context(transaction.atomic())
                stack.callback(ctx.new_teachers.flush)  # the writer thread stops before commit or rollback
            if not dry_run:
                ctx.begin_commit = begin_commit
            try:
                size = _size(file)
                sha = _sha256(file) if size <= max_size else ""
                run.file_sha256 = sha
                tick(0, None, ImportRun.Phase.READING)
                with open_workbook(file, display_name, **limits) as workbook:
                    _read_sheets(workbook, forced, ctx, handlers)
            except UnreadableFile as exc:
                unreadable = exc
                if ctx.committing:  # what a streamed roster wrote is rolled back
                    ctx.new_teachers.discard()
                    transaction.set_rollback(True)
            if unreadable is None:
                _check_and_write(ctx, handlers, report, dry_run, user, run, display_name)
    except (IntegrityError, DatabaseError) as exc:
        report.errors.append(RowError(display_name, 1, "", "",
                                      f"写入数据库失败，未写入任何数据（可能有人同时导入或修改了相同的记录），请重新导入。（{type(exc).__name__}）"))
        report.outcome = ImportRun.Outcome.REJECTED
    if unreadable is not None:
        report.outcome = ImportRun.Outcome.UNREADABLE
        report.message = unreadable.message
    return _finish(run, report, started)


def _check_and_write(ctx: Context, handlers: dict[str, Handler], report: ImportReport, dry_run: bool, user,
                     run: ImportRun, display_name: str) -> None:
    """Steps 2–4 (see the module's docstring), inside the run's transaction when it will commit
    unless an error turns up (``ctx.begin_commit``: already open for a streamed roster)."""
    if not report.sheets:
        report.errors.append(RowError(display_name, 1, "", "", "文件中没有可导入的工作表：未找到包含姓名、身份证件号等表头的行"))
    report.kind = report.kind or ",".join(k for k in KIND_ORDER if k in handlers)
    report.applied_mappings = ctx.vocabulary.applied_list()
    # A run that will commit unless an error turns up checks inside its transaction, and writes
    # the new teachers while it checks (NewTeachers); an error found then rolls everything back.
    if not dry_run and not report.errors:
        ctx.begin_commit()
    for name in KIND_ORDER:
        if name in handlers:
            ctx.settle()
            handlers[name].check()
    _count(report, handlers)
    _ask_for_missing_measure_columns(ctx, handlers)
    # in file order: sheet, then row (a row's own errors as they were found)
    sheet_order = {sheet.name: i for i, sheet in enumerate(report.sheets)}
    report.errors.sort(key=lambda e: (sheet_order.get(e.sheet, -1), e.row))
    if report.errors or dry_run:
        report.outcome = ImportRun.Outcome.REJECTED if report.errors else ImportRun.Outcome.PREVIEWED
        if ctx.committing:  # what was sent is rolled back
            ctx.new_teachers.discard()
            transaction.set_rollback(True)
        return
    for name in KIND_ORDER:
        if name in handlers:
            handlers[name].write()
    if report.new + report.changed >= BULK_WRITE_ROWS:  # once committed, pages are planned on them
        analyze_apps("workforce", "training")  # (PostgreSQL's ANALYZE; issue 18)
    audit.record(audit.IMPORT, user=user, object_type="imports.importrun", object_id=str(run.pk),
                 object_repr=display_name, source="import", run_ref=str(run.pk), username=ctx.username,
                 message=f"导入“{display_name}”：{report.rows} 行，新增 {report.new}，修改 {report.changed}，"
                         f"未变 {report.unchanged}")
    report.outcome = ImportRun.Outcome.COMMITTED


def _count(report: ImportReport, handlers: dict[str, Handler]) -> None:
    bad_rows = {(e.sheet, e.row) for e in report.errors}
    for handler in handlers.values():
        for sheet in handler.sheets:
            rep = sheet.report
            for row in sheet.rows:
                rep.tally(row.outcome, bool(sheet.refused or row.bad or (sheet.name, row.number) in bad_rows))
    report.rows = sum(s.rows for s in report.sheets)
    report.new = sum(s.new for s in report.sheets)
    report.changed = sum(s.changed for s in report.sheets)
    report.unchanged = sum(s.unchanged for s in report.sheets)
    report.error_rows = sum(s.errors for s in report.sheets)


def _finish(run: ImportRun, report: ImportReport, started: float) -> ImportReport:
    run.kind = report.kind[:30]
    run.outcome = report.outcome
    run.rows, run.new, run.changed, run.unchanged = report.rows, report.new, report.changed, report.unchanged
    run.errors = report.error_rows or (1 if report.errors else 0)
    run.progress = report.rows
    run.total_rows = report.rows
    run.phase = ImportRun.Phase.DONE
    run.report = {**report.as_stored(), "seconds": round(time.monotonic() - started, 2)}
    run.finished_at = timezone.now()
    run.save()
    return report
