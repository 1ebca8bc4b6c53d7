"""The import's vocabulary for one run: the built-in spellings plus what the organisation said.

DOMAIN.md, "Coded values come in many spellings": the system knows the common spellings as
data (headers: each kind's columns, ``imports.handlers``; values: ``imports.synonyms.VALUE_SYNONYMS``) and asks the user, once,
about the ones it does not know. An answer is a :class:`imports.models.SavedMapping` of the
officer's organisation — the city (city HR; these are also the city's own spellings, edited in
the admin), a district (serving its schools too) or a school — and every later import by
anyone in that organisation uses it. The command line adds a ``--mapping FILE.json``:

    {"headers": {"举办者类型": "办学性质", "备注2": null},
     "values": {"办学性质": {"教育部门办": "公办"}, "是否在编": {"有编制": "是"}}}

(a header maps to a field, named by its key or its template header; ``null`` is "not needed";
values are keyed by the field, and map to a code or its label). The most specific answer wins:
the file's own mapping, then the school's, the district's and the city's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from .readers import normalise_header
from .values import _code_key

ANY_SHEET = "*"
NOT_NEEDED = ""

__all__ = ["Vocabulary", "normalise", "organisation_of", "ANY_SHEET", "NOT_NEEDED", "load_mapping_file",
           "MappingFileError"]


class MappingFileError(ValueError):
    pass


def normalise(text: Any, *, header: bool) -> str:
    """How a header or a value is compared: the header's normalisation (no ``*``, spaces,
    full-width forms) or the value's (also case-folded, ``100.0`` as ``100``)."""
    return normalise_header(text) if header else _code_key(text)


def organisation_of(scope) -> dict:
    """Where an officer's answers are kept: their school, their district or the city."""
    if scope.kind == "school":
        return {"district_id": None, "school_id": scope.school_id}
    if scope.kind == "district":
        return {"district_id": scope.district_id, "school_id": None}
    return {"district_id": None, "school_id": None}


def district_of(scope) -> int | None:
    """The district whose answers apply to an officer's imports: their own, or their school's."""
    if scope.kind == "school" and scope.school_id:
        from workforce.models import School

        return School.objects.filter(pk=scope.school_id).values_list("district_id", flat=True).first()
    return scope.district_id if scope.kind == "district" else None


def applying_to(scope) -> Q:
    """The saved answers an import in ``scope`` uses (``Vocabulary.for_scope``), as a filter of
    ``SavedMapping``: the city's, the district's (a school's district too) and the school's.
    Nothing for a scope that imports nothing."""
    if scope.is_city:
        return Q()
    if not ((scope.kind == "district" and scope.district_id) or (scope.kind == "school" and scope.school_id)):
        return Q(pk__in=[])
    found = Q(district__isnull=True, school__isnull=True)
    district_id = district_of(scope)
    if district_id:
        found |= Q(district_id=district_id, school__isnull=True)
    if scope.kind == "school":
        found |= Q(school_id=scope.school_id)
    return found


@dataclass
class Answer:
    text: str
    target: str
    where: str      # 全市 / the district / the school / 本次文件


@dataclass
class Vocabulary:
    headers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    values: dict[tuple[str, str], dict[str, Answer]] = field(default_factory=dict)
    applied: dict[tuple[str, str, str], Answer] = field(default_factory=dict)  # (sheet kind, column, norm)

    # ------------------------------------------------------------------ building
    @classmethod
    def for_scope(cls, scope, extra: dict | None = None) -> "Vocabulary":
        """The saved answers an import in ``scope`` uses, and the file's own (``extra``)."""
        from .models import SavedMapping

        vocabulary = cls()
        if scope is None or scope.kind == "none":
            rows = []
        else:
            district_id = district_of(scope)
            rows = list(SavedMapping.objects.filter(district__isnull=True, school__isnull=True)
                        .select_related("district", "school"))
            if district_id and scope.kind in ("district", "school"):
                rows += list(SavedMapping.objects.filter(district_id=district_id, school__isnull=True)
                             .select_related("district"))
            if scope.kind == "school" and scope.school_id:
                rows += list(SavedMapping.objects.filter(school_id=scope.school_id).select_related("school"))
        for row in rows:  # city, then district, then school: the more specific overwrites
            vocabulary.add(row.sheet_kind, row.column, row.text, row.target, row.organisation)
        if extra:
            vocabulary.merge_file(extra)
        return vocabulary

    def add(self, sheet_kind: str, column: str, text: str, target: str | None, where: str) -> None:
        answer = Answer(text, target or NOT_NEEDED, where)
        if column:
            self.values.setdefault((sheet_kind, column), {})[normalise(text, header=False)] = answer
        else:
            self.headers[(sheet_kind, normalise(text, header=True))] = answer

    def merge_file(self, data: dict) -> None:
        """A ``--mapping`` file's answers (see the module docstring), for every sheet kind."""
        from .kinds import KINDS

        for header, target in (data.get("headers") or {}).items():
            key = _field_key(target, KINDS) if target else NOT_NEEDED
            if target and key is None:
                raise MappingFileError(f"映射文件：表头“{header}”对应的字段“{target}”不存在")
            self.add(ANY_SHEET, "", header, key, "映射文件")
        for column, spellings in (data.get("values") or {}).items():
            key = _field_key(column, KINDS)
            if key is None:
                raise MappingFileError(f"映射文件：取值所属的字段“{column}”不存在")
            if not isinstance(spellings, dict):
                raise MappingFileError(f"映射文件：字段“{column}”的取值应写成 {{\"文件中的写法\": \"代码或名称\"}}")
            for text, target in spellings.items():
                self.add(ANY_SHEET, key, text, str(target), "映射文件")

    # ------------------------------------------------------------------ use
    def header(self, sheet_kind: str, raw: Any) -> Answer | None:
        """The answer for an unknown header of a ``sheet_kind`` sheet, if one was given."""
        norm = normalise(raw, header=True)
        answer = self.headers.get((sheet_kind, norm)) or self.headers.get((ANY_SHEET, norm))
        if answer is not None:
            self.applied[(sheet_kind, "", norm)] = answer
        return answer

    def spellings(self, sheet_kind: str, column: str) -> dict[str, Answer]:
        return {**self.values.get((ANY_SHEET, column), {}), **self.values.get((sheet_kind, column), {})}

    def synonyms(self, sheet_kind: str, column: str, base: dict | None) -> dict | None:
        """``base`` (the built-in spellings of the column) with the organisation's answers; the
        same object when there are none (the parsers cache their lookups per object)."""
        extra = self.spellings(sheet_kind, column)
        if not extra:
            return base
        return {**(base or {}), **{answer.text: answer.target for answer in extra.values()}}

    def note_values_seen(self, sheet_kind: str, column: str, raws) -> None:
        """Record which saved value answers a column's cells used (the preview lists them)."""
        extra = self.spellings(sheet_kind, column)
        if not extra:
            return
        for raw in raws:
            norm = normalise(raw, header=False)
            answer = extra.get(norm)
            if answer is not None:
                self.applied[(sheet_kind, column, norm)] = answer

    def applied_list(self) -> list[dict]:
        return [{"sheet_kind": sk, "column": col, "text": a.text, "target": a.target, "where": a.where,
                 "label": _target_label(sk, col, a.target)}
                for (sk, col, _n), a in sorted(self.applied.items())]


def _target_label(sheet_kind: str, column: str, target: str) -> str:
    """What an answer means, in words: the field's header, or the code's label."""
    from .values import parse_choice

    if not target:
        return "不需要"
    if not column:
        field = _column_in(sheet_kind, target)
        return field.label if field else target
    field = _column_in(sheet_kind, column)
    if field is None or field.type != "choice":
        return target
    try:
        code = parse_choice(target, field.choices)
    except ValueError:
        return target
    return next((str(label) for c, label in field.choices.choices if c == code), target)


def _kinds_of(sheet_kind: str) -> list:
    """The kinds a mapping of ``sheet_kind`` serves: one, or every kind for ``ANY_SHEET``."""
    from .kinds import KIND_ORDER, KINDS, kind_for_sheet_kind

    if sheet_kind == ANY_SHEET:
        return [KINDS[name] for name in KIND_ORDER]
    try:
        return [kind_for_sheet_kind(sheet_kind)]
    except (KeyError, ValueError):
        return []


def _column_in(sheet_kind: str, key: str):
    """The column ``key`` of a ``sheet_kind`` sheet (of any kind that has it, for ``ANY_SHEET``)."""
    for kind in _kinds_of(sheet_kind):
        column = kind.column(key)
        if column is not None:
            return column
    return None


def _field_key(name: str, kinds) -> str | None:
    """A field named by its key (``ownership``) or a header of it (``办学性质``), in any kind."""
    from .synonyms import HEADER_INDEXES, lookup_header

    if any(name in kind.by_key for kind in kinds.values()):
        return name
    for index in HEADER_INDEXES.values():
        key = lookup_header(name, index)
        if key is not None:
            return key
    return None


def load_mapping_file(path) -> dict:
    """A ``--mapping`` file, every entry checked: each error names the file and the entry
    (``映射文件“m.json”的 "values" → “办学性质” → “教育部门”：…``), before anything is read."""
    from .kinds import KINDS

    name = str(path)

    def refuse(where: str, message: str) -> MappingFileError:
        return MappingFileError(f"映射文件“{name}”{where}：{message}")

    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise refuse("", f"无法读取（{exc.strerror or exc}）") from exc
    except ValueError as exc:
        raise refuse("", f"不是有效的 JSON（{exc}）") from exc
    if not isinstance(data, dict) or not set(data) <= {"headers", "values"}:
        raise refuse("", "应为 JSON 对象，只含 \"headers\" 和 \"values\" 两项")
    headers, values = data.get("headers") or {}, data.get("values") or {}
    if not isinstance(headers, dict):
        raise refuse("的 \"headers\"", "应写成 {\"文件中的表头\": \"字段\"}，不需要的列写 null")
    for header, target in headers.items():
        where = f"的 \"headers\" → “{header}”"
        if target is not None and not isinstance(target, str):
            raise refuse(where, "对应的字段应写成文字（字段名或模板中的表头），不需要的列写 null")
        if target and _field_key(target, KINDS) is None:
            raise refuse(where, f"对应的字段“{target}”不存在")
    if not isinstance(values, dict):
        raise refuse("的 \"values\"", "应写成 {\"字段\": {\"文件中的写法\": \"代码或名称\"}}")
    for column, spellings in values.items():
        where = f"的 \"values\" → “{column}”"
        key = _field_key(column, KINDS)
        coded = [col for kind in KINDS.values() if (col := kind.column(key or "")) is not None and _coded(col)]
        if key is None:
            raise refuse(where, "字段不存在")
        if not coded:
            raise refuse(where, "该字段不是代码或是/否列，不能映射取值")
        if not isinstance(spellings, dict):
            raise refuse(where, "取值应写成 {\"文件中的写法\": \"代码或名称\"}")
        for text, target in spellings.items():
            if not isinstance(target, (str, int)) or isinstance(target, bool) or not any(
                    _code_of(col, str(target)) for col in coded):
                offered = "、".join(dict.fromkeys(label for col in coded for _code, label in _choice_labels(col)))
                raise refuse(f"{where} → “{text}”", f"“{target}”不是该字段的代码或名称（可选：{offered}）")
    return data


def _choice_labels(column) -> list[tuple[str, str]]:
    if column.type == "bool":
        return [("是", "是"), ("否", "否")]
    return [(str(code), str(label)) for code, label in column.choices.choices if code != ""]


class AnswerError(ValueError):
    pass


def file_answers(*, report: dict, fills: dict[int, str]) -> dict[str, str]:
    """The officer's one value for each measure column the file lacks (position in
    ``report["missing_columns"]`` → a code offered there, or ``""``: leave it blank, for a month
    column). Kept with the run, not the organisation: it is true of this file only."""
    asked = report.get("missing_columns") or []
    out = {}
    for position, answer in fills.items():
        if not 0 <= position < len(asked):
            raise AnswerError("问题不存在，请刷新页面后重试。")
        question = asked[position]
        offered = {code for code, _label in question["choices"]}
        if (answer or offered) and answer not in offered:
            raise AnswerError(f"“{question['label']}”不能选择该值。")
        out[f"{question['sheet_kind']}.{question['key']}"] = answer
    return out


def save_answers(*, user, report: dict, headers: dict[int, str], values: dict[int, str], request=None) -> list:
    """Keep the officer's answers to a preview's questions for their organisation.

    ``headers``: position in ``report["unknown_headers"]`` → a field key offered there, or
    ``""`` for "not needed"; ``values``: position in ``report["unknown_values"]`` → one of the
    codes offered there. An earlier answer of the same organisation to the same question is
    replaced. Every answer is audited. Raises ``AnswerError`` for an answer not offered."""
    from django.db import transaction

    from backend import audit
    from backend.scoping import scope_for

    from .models import SavedMapping

    organisation = organisation_of(scope_for(user))
    wanted = []
    asked_headers = report.get("unknown_headers") or []
    for position, target in headers.items():
        if not 0 <= position < len(asked_headers):
            raise AnswerError("表头问题不存在，请刷新页面后重试。")
        question = asked_headers[position]
        if target and target not in {key for key, _label in question["fields"]}:
            raise AnswerError(f"“{question['header']}”不能对应到所选字段。")
        wanted.append((question["sheet_kind"], "", question["header"], target))
    asked_values = report.get("unknown_values") or []
    for position, target in values.items():
        if not 0 <= position < len(asked_values):
            raise AnswerError("取值问题不存在，请刷新页面后重试。")
        question = asked_values[position]
        if target not in {code for code, _label in question["choices"]}:
            raise AnswerError(f"“{question['value']}”不能对应到所选代码。")
        wanted.append((question["sheet_kind"], question["key"], question["value"], target))
    saved = []
    with transaction.atomic():
        for sheet_kind, column, text, target in wanted:
            norm = normalise(text, header=not column)
            SavedMapping.objects.filter(sheet_kind=sheet_kind, column=column, norm=norm, **organisation).delete()
            mapping = SavedMapping.objects.create(sheet_kind=sheet_kind, column=column, text=text, target=target,
                                                  created_by=user, **organisation)
            audit.record(audit.CREATE, request=request, user=user, obj=mapping,
                         changes={"text": text, "target": target, "column": column, "sheet_kind": sheet_kind})
            saved.append(mapping)
    return saved


# ---------------------------------------------------------------------- a mapping written by hand
# City HR keeps the city's own spellings in the admin (a form, or a spreadsheet through
# ``imports.resources``): what they write is checked here the way the preview's questions check
# an answer — a header means a field of that sheet kind (or "not needed"), a value of a coded or
# 是/否 column means one of that column's codes.
ANY_SHEET_LABEL = "全部表格"
NOT_NEEDED_LABEL = "不需要"


def sheet_kind_choices() -> list[tuple[str, str]]:
    """(sheet kind, its name) of every kind of sheet, then ``ANY_SHEET`` (全部表格)."""
    from .kinds import KIND_ORDER, KINDS

    return [(KINDS[name].sheet_kind, KINDS[name].label) for name in KIND_ORDER] + [(ANY_SHEET, ANY_SHEET_LABEL)]


def sheet_kind_label(sheet_kind: str) -> str:
    return dict(sheet_kind_choices()).get(sheet_kind, sheet_kind)


def column_label(sheet_kind: str, column: str) -> str:
    """A value mapping's column by its header (办学性质); ``""`` for a header mapping."""
    if not column:
        return ""
    field = _column_in(sheet_kind, column)
    return field.label if field else column


def mapping_label(sheet_kind: str, column: str, target: str) -> str:
    """What a mapping means: the field's header (办学性质), the code's label (民办), or 不需要."""
    return _target_label(sheet_kind, column, target)


def _coded(column) -> bool:
    return column.type == "bool" or (column.type == "choice" and column.choices is not None)


def _sheet_kind_key(text: str) -> str | None:
    from .kinds import KINDS, resolve_kind

    text = (text or "").strip()
    if not text:
        return None
    if text == ANY_SHEET or normalise_header(text) == normalise_header(ANY_SHEET_LABEL):
        return ANY_SHEET
    for key, label in sheet_kind_choices():
        if normalise_header(text) in (normalise_header(key), normalise_header(label)):
            return key
    try:
        name = resolve_kind(text)
    except ValueError:
        return None
    return KINDS[name].sheet_kind if name else None


def _key_in(kinds, text: str, *, coded: bool) -> str | None:
    """A column of ``kinds`` named by its key, its template header or a known header spelling."""
    from .synonyms import HEADER_INDEXES, lookup_header

    wanted = normalise_header(text)
    for kind in kinds:
        columns = [c for c in kind.columns if not coded or _coded(c)]
        for column in columns:
            if text == column.key or wanted == normalise_header(column.label):
                return column.key
        key = lookup_header(text, HEADER_INDEXES.get(kind.sheet_kind, {}))
        if key is not None and any(c.key == key for c in columns):
            return key
    return None


def _code_of(column, text: str) -> str | None:
    from .values import parse_bool, parse_choice

    try:
        if column.type == "bool":
            answer = parse_bool(text)
            return None if answer is None else ("是" if answer else "否")
        code = parse_choice(text, column.choices)
    except ValueError:
        return None
    return None if code in (None, "") else str(code)


def clean_mapping(*, sheet_kind: str, column: str, target: str) -> tuple[str, str, str]:
    """The stored form ``(sheet kind, column key, target)`` of a mapping written by hand, each
    part given by its key or its Chinese name: ``("学校", "", "办学性质")`` → ``("school", "",
    "ownership")``, ``("学校", "办学性质", "民办")`` → ``("school", "ownership", "private")``.

    Raises ``ValidationError`` keyed by ``sheet_kind``, ``column`` or ``target``: an unknown
    sheet kind; a header whose target is not a field of that sheet kind; a column that is not a
    coded or 是/否 column of it; a value whose target is not one of that column's codes."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    sheet = _sheet_kind_key(sheet_kind)
    if sheet is None:
        raise ValidationError({"sheet_kind": _("“%(value)s”不是导入表格的类别，可选：%(choices)s") % {
            "value": sheet_kind, "choices": "、".join(label for _key, label in sheet_kind_choices())}})
    kinds = _kinds_of(sheet)
    where = sheet_kind_label(sheet)
    column, target = (column or "").strip(), (target or "").strip()
    if not column:  # a header: the field it means, or not needed
        if not target or normalise_header(target) == normalise_header(NOT_NEEDED_LABEL):
            return sheet, "", NOT_NEEDED
        key = _key_in(kinds, target, coded=False)
        if key is None:
            raise ValidationError({"target": _("“%(value)s”不是“%(sheet)s”的字段（表头映射的“对应”应为字段名称，"
                                              "或“不需要”）") % {"value": target, "sheet": where}})
        return sheet, "", key
    key = _key_in(kinds, column, coded=True)
    if key is None:
        raise ValidationError({"column": _("“%(value)s”不是“%(sheet)s”中取值为代码或是/否的列") % {
            "value": column, "sheet": where}})
    field = _column_in(sheet, key)
    code = _code_of(field, target) if target else None
    if code is None:
        choices = ["是", "否"] if field.type == "bool" else [str(label) for code, label in field.choices.choices if code != ""]
        raise ValidationError({"target": _("“%(value)s”不是“%(column)s”的代码，可选：%(choices)s") % {
            "value": target, "column": field.label, "choices": "、".join(choices)}})
    return sheet, key, code
