"""The registry of measures: every figure of the dashboard, the JSON, the Excel export, the
snapshots and the trend chart comes from one registered ``Measure`` object (issue 14, item 5).

A measure is an object with

- ``key`` (its registry name and the key of its part of the measures JSON; a family may fill
  several keys: ``json_keys``), a Chinese ``label`` (the data language) and the plan
  ``codes`` it measures (``PlanIndicator.code``: the plan's row gives the target);
- ``count(scope, on, year, filters, by, *, targets)``: its counts for a scope on a date, grouped
  by district or school (``by``) in a fixed number of queries, ``{group id or None: counts}``.
  Counts add up (``add``), so a district's counts are the sum of its schools' and the dashboard
  keeps the counts of every school once (``selectors.school_counts``);
- ``result(counts, targets, ctx)``: a ``Result``: its typed figures (``Figure``: value,
  numerator, denominator, target, met, gap — None when the inputs are missing, DOMAIN.md
  "Missing data is missing") and its part of the JSON;
- ``columns(data)``: its columns of the overview tables (each names a figure by code);
- ``write_sheet(ws, total, rows)`` / ``scope_rows(data)``: its sheet of the export and its rows
  of a scope's sheet; ``template``: its card on the pages (a generic card by default).

The defaults make a new measure small: ``count`` and ``result`` (with figures) are enough for
a column on the overview pages, a card, a sheet, a line of every scope's sheet, its figures in
the JSON (``figures``), the snapshots and — with a plan indicator row of one of its ``codes`` —
a target, the trend and the plan's final account. ``register_measure(obj)`` adds one; workforce's
own measures are ``workforce.measure_set``.

Other apps register without importing the dashboard (apps depend one way: ``imports`` →
``training`` → ``workforce``). The older call, kept with its signature, wraps a function in a
``CallableMeasure``::

    # training/apps.py
    class TrainingConfig(AppConfig):
        def ready(self):
            from workforce import registry
            from . import selectors
            registry.register(
                "training", selectors.completion_for,
                label="培训学分达标率",
                behind=selectors.teachers_behind,        # optional: the drill-down list
                by_group=selectors.completion_by_group,  # optional: per-district / per-school rows
            )

The contract of ``register`` (what each callable takes and returns):

``func(scope, on) -> dict``
    ``scope`` is a ``backend.scoping.Scope`` (kind ``city``, ``district`` or ``school``), ``on``
    a ``datetime.date``. Returns ``{"cycle": str, "complete": int, "teachers": int,
    "ratio": float | None}``: the cycle's name, how many of the teachers it counts on ``on``
    have completed their requirement, how many it counts, and ``complete / teachers`` as a
    fraction (``None`` when there are no teachers). Optional: ``"on_track": int`` and
    ``"headline": "on_track"`` when the on-track rate, not completion, is the headline (training
    early in a cycle, DOMAIN.md). Extra keys are kept and passed through to the JSON. The
    dashboard (``CallableMeasure.result``) adds the rates; with ``code`` (a plan indicator code)
    the plan's target judges the headline, else no target is invented. Returns ``None`` when
    there is nothing to count on ``on``. Must run a fixed number of queries, whatever the number
    of teachers.

``behind(scope, on) -> QuerySet[Teacher]`` (optional)
    The teachers of the scope who make the gap, for the school page's drill-down.

``by_group(scope, on, by) -> dict[int, dict]`` (optional)
    ``by`` is ``"district"`` or ``"school"``; returns ``{district_id or school_id: row}`` computed
    in one grouped query. Each row has the keys of ``func``'s result. Integer values are counts
    that add up over the groups to the scope's own result; every other value (the cycle's name, a
    requirement) is the same in each row. ``{}`` when there is nothing to count on ``on``.
    Without ``by_group`` the rows of the overviews show no figure (the scope total still does).
    With a ``schools`` keyword (``by_group(scope, on, by, schools=ids)``: those schools only, the
    same rows as without it) the dashboard recounts only the schools a write changed
    (``dataversion.kept_per_school``); without it, the whole city after any write.

When nothing is registered under a name the JSON has ``name: null`` and the pages show nothing.
"""
from __future__ import annotations

import datetime as dt
import inspect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable


# ---------------------------------------------------------------- typed values
@dataclass(frozen=True)
class Figure:
    """One figure of a scope, typed: what a cell, a chart bar, an export row and a trend point show.

    ``value`` is a share as a fraction (0.953), an N:1 ratio (N) or a count; ``unit`` says which
    (``%``, ``比``, a counting word). ``missing``: the inputs are absent ("无数据", never met);
    ``applies`` False: nothing to count in the scope ("—"). ``met``/``gap`` are None when there is
    no target or nothing to judge; ``note`` says why a figure is shown unjudged (part data)."""

    code: str
    label: str
    unit: str = "%"
    measure: str = ""  # the key of the measure it belongs to
    value: float | int | None = None
    numerator: int | None = None
    denominator: int | None = None
    target: float | None = None
    met: bool | None = None
    gap: int | None = None
    missing: bool = False
    applies: bool = True
    note: str = ""
    higher_is_better: bool = True

    def as_dict(self) -> dict:
        return dict(self.__dict__)  # its fields, all plain values (``dataclasses.asdict`` deep-copies: 50× slower)

    @classmethod
    def of(cls, data: dict) -> Figure:
        """A figure from its JSON (``as_dict``); keys it does not know (a newer writer's) are left."""
        try:
            return cls(**data)
        except TypeError:
            names = cls.__dataclass_fields__
            return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Column:
    """A column of the overview tables: the figure ``code`` of each row (``key``: the column's
    name in the page, ``data-key``). ``kind`` picks how a cell reads (``share``, ``ptr``,
    ``count``, ``headline``); ``chart``: drawn on the charts."""

    key: str
    code: str
    group: str
    label: str
    target: str
    kind: str = "share"
    chart: bool = True


@dataclass(frozen=True)
class Context:
    """What a result depends on besides counts and targets: the scope (``ref``: a
    ``selectors.ScopeRef``), the date, the school year and the filters."""

    ref: Any
    on: dt.date
    year: int
    filters: Any

    @property
    def city(self) -> bool:
        """Whether the scope is the whole installation (the city of a single-city one, the
        province), whose figures the plan's counted targets are: one city of several shows its
        counts without them, as a district does."""
        return self.ref.scope.covers_all


@dataclass
class Result:
    """What ``Measure.result`` returns: the typed figures and the measure's part(s) of the JSON."""

    figures: list[Figure] = field(default_factory=list)
    json: dict = field(default_factory=dict)


# ---------------------------------------------------------------- the measure object
class Measure:
    """Base of every measure (see the module's docstring). Subclasses set ``key``, ``label`` and
    ``codes`` and write ``count`` and ``result``; the rest has defaults."""

    key: str = ""
    label: str = ""
    codes: tuple[str, ...] = ()
    order: int = 60  # place on pages, in the JSON's figures and in the export (workforce's own: 10–70)
    card_order: int | None = None  # place of its card on the pages (default: ``order``)
    apps: tuple[str, ...] = ("workforce",)  # whose data the counts read (data version)
    filtered: bool = True  # whether the counts depend on the dashboard's filters
    groupable: bool = True  # whether ``count`` can group by district / school
    # whether ``count`` honours a restriction to some schools (``filters.school_ids``): then, after
    # a write, only the schools it changed are recounted (``count_schools``), else the whole city
    restrictable: bool = False
    template: str = ""  # a card of the pages ("" → the generic card)
    wide: bool = False  # the card takes the page's width
    sheet_name: str = ""  # "" → the label

    @property
    def json_keys(self) -> tuple[str, ...]:
        return (self.key,)

    # ---- counting
    def count(self, scope, on: dt.date, year: int, filters, by: str | None, *, targets) -> dict:
        raise NotImplementedError

    def count_schools(self, scope, on: dt.date, year: int, filters, schools, *, targets) -> dict:
        """``count(…, by="school")`` of the schools ``schools`` (ids) only: {school id: counts},
        as that count gives them. Only for a ``restrictable`` measure."""
        import dataclasses

        restricted = dataclasses.replace(filters, school_ids=tuple(sorted(schools)))
        return self.count(scope, on, year, restricted, "school", targets=targets)

    def empty(self):
        """The counts of a group with nothing counted."""
        return Counter()

    def add(self, parts: list):
        """The counts of several groups added up (the scope's from its schools')."""
        total = Counter()
        for part in parts:
            if part:
                total.update(part)
        return total

    # ---- results
    def result(self, counts, targets, ctx: Context) -> Result:
        raise NotImplementedError

    def null_json(self) -> dict:
        return {key: None for key in self.json_keys}

    def figures_of(self, data: dict) -> list[Figure]:
        """The measure's figures in a measures object (the JSON, a snapshot)."""
        codes = set(self.figure_codes(data))
        return [Figure.of(f) for code, f in (data.get("figures") or {}).items() if code in codes]

    def figure_codes(self, data: dict) -> list[str]:
        return [code for code, f in (data.get("figures") or {}).items() if f.get("measure") == self.key]

    def target_of(self, targets, code: str):
        ind = targets.indicators.get(code)
        return None if ind is None else ind.target

    # ---- presentation
    def columns(self, data: dict) -> list[Column]:
        """One column per figure of the scope's object, under the measure's label."""
        from .labels import shown

        out = []
        for f in self.figures_of(data):
            target = "—" if f.target is None else (f"{f.target * 100:.0f}%" if f.unit == "%" else f"{f.target:g}")
            out.append(Column(f.code, f.code, shown(self.label), shown(f.label), target,
                              "share" if f.unit == "%" else ("ptr" if f.unit == "比" else "count")))
        return out

    def trend_codes(self, targets) -> list[str]:
        """The plan indicators of this measure drawn on the trend chart."""
        return [code for code in self.codes if code in targets.indicators]

    def series_label(self, ind) -> str:
        from .labels import shown

        return shown(ind.name)

    def in_export(self, total: dict) -> bool:
        return any(total.get(key) is not None for key in self.json_keys)

    def write_sheet(self, ws, total: dict, rows: list) -> None:
        """The measure's sheet: a row per figure of the scope, then of each district or school."""
        from . import exports

        exports.figures_sheet(ws, self, total, rows)

    def scope_rows(self, data: dict) -> list[list]:
        """Its rows of a scope's own sheet (指标, 分子, 分母, 比例, 目标, 是否达标, 差额)."""
        from . import exports

        return exports.figure_rows(self.figures_of(data))

    def behind(self, scope, on: dt.date):
        return None

    def fingerprint(self) -> str:
        """What, besides data, date, filters and targets, the counts depend on (cache key)."""
        return f"{type(self).__module__}.{type(self).__qualname__}:{self.key}"


# ---------------------------------------------------------------- a measure from functions (``register``)
@dataclass(frozen=True)
class ExtraMeasure:
    name: str
    func: Callable
    label: str = ""
    behind: Callable | None = None
    by_group: Callable | None = None


def total_of(rows: dict[int, dict]) -> dict | None:
    """A scope's result from its groups' ``by_group`` rows: integer counts add up, other values
    are taken from the first row, and ``ratio`` is ``complete / teachers`` again (the contract)."""
    if not rows:
        return None
    total: dict = {}
    for row in rows.values():
        if row is None:
            continue
        for key, value in row.items():
            if isinstance(value, int) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
            else:
                total.setdefault(key, value)
    if not total:
        return None
    teachers = total.get("teachers", 0)
    total["ratio"] = total.get("complete", 0) / teachers if teachers else None
    return total


class CallableMeasure(Measure):
    """A measure registered as functions (``register``): a share of teachers — ``complete`` (or
    ``on_track`` when it is the headline) of ``teachers`` — against the target of ``code``, if
    given, else no target (none is invented: training, DOMAIN.md). Counts are the function's
    result dicts; they add up by ``total_of``."""

    filtered = False

    def __init__(self, name: str, func: Callable, *, label: str = "", behind: Callable | None = None,
                 by_group: Callable | None = None, code: str = "", order: int = 60, template: str = ""):
        self.spec = ExtraMeasure(name=name, func=func, label=label or name, behind=behind, by_group=by_group)
        self.key, self.label, self.order = name, label or name, order
        self.codes = (code,) if code else ()
        self.groupable = by_group is not None
        # ``by_group(scope, on, by, schools=ids)`` counts those schools only: recounted school by school
        self.restrictable = by_group is not None and "schools" in inspect.signature(by_group).parameters
        # training, the measure this call was made for, keeps its card and sheet
        self.template = template or ("workforce/dashboard/_training.html" if name == "training" else "")
        self.sheet_name = "培训学分" if name == "training" else ""
        # the apps whose data it reads: its own and workforce's (teachers)
        from django.apps import apps as django_apps

        config = django_apps.get_containing_app_config(func.__module__)
        self.apps = tuple(sorted({"workforce"} | ({config.label} if config else set())))

    # the attributes of the older ``ExtraMeasure`` (read by callers of ``get``)
    @property
    def name(self):
        return self.spec.name

    @property
    def func(self):
        return self.spec.func

    @property
    def by_group(self):
        return self.spec.by_group

    def __repr__(self) -> str:
        return f"CallableMeasure({self.spec!r}, codes={self.codes!r})"

    def fingerprint(self) -> str:
        return repr(self)

    def count(self, scope, on, year, filters, by, *, targets) -> dict:
        if by is None or self.spec.by_group is None:
            return {None: self.spec.func(scope, on)}
        return dict(self.spec.by_group(scope, on, by) or {})

    def count_schools(self, scope, on, year, filters, schools, *, targets) -> dict:
        return dict(self.spec.by_group(scope, on, "school", schools=tuple(sorted(schools))) or {})

    def empty(self):
        return None

    def add(self, parts: list):
        return total_of(dict(enumerate(p for p in parts if p)))

    def compute(self, scope, on):
        result = self.spec.func(scope, on)
        return dict(result) if result is not None else None

    def result(self, counts, targets, ctx: Context) -> Result:
        if counts is None:
            return Result([], {self.key: None})
        part = self.rates(counts)
        code = self.codes[0] if self.codes else self.key
        target = self.target_of(targets, code) if self.codes else None
        num = part.get("on_track") if part["headline"] == "on_track" else part.get("complete")
        teachers = part.get("teachers") or 0
        if target is not None and teachers:
            from . import measures as ms

            judged = ms.ratio_with_target(num or 0, teachers, target)
            part.update(target=judged.target, met=judged.met, gap=judged.gap)
        figure = Figure(code=code, label=self.label, unit="%", value=part["headline_ratio"], numerator=num,
                        denominator=teachers, target=part["target"], met=part["met"], gap=part["gap"],
                        missing=bool(part["missing"] and teachers), applies=bool(teachers))
        return Result([figure], {self.key: part})

    @staticmethod
    def rates(counts: dict) -> dict:
        """The function's result with its rates (pure): ``ratio`` (complete), ``on_track_ratio``,
        ``headline_ratio`` (the rate ``headline`` names), no target unless a plan sets one."""
        teachers = counts.get("teachers", 0)

        def rate(key, whole=teachers):
            part = counts.get(key)
            return None if part is None or not whole else round(part / whole, 6)

        out = {**counts, "ratio": rate("complete"), "on_track_ratio": rate("on_track"),
               "headline": counts.get("headline", "complete"), "target": None, "met": None, "gap": None}
        out["headline_ratio"] = out["on_track_ratio"] if out["headline"] == "on_track" else out["ratio"]
        if "apart_teachers" in counts:
            out["apart_ratio"] = rate("apart_complete", counts["apart_teachers"])
            out["apart_on_track_ratio"] = rate("apart_on_track", counts["apart_teachers"])
        missing = not teachers
        if missing:
            out.update(ratio=None, met=None, gap=None)
        out["missing"] = missing
        return out

    def columns(self, data: dict) -> list[Column]:
        from django.utils.translation import gettext, pgettext

        from .labels import shown

        part = data.get(self.key)
        if part is None:
            return []
        figure = next(iter(self.figures_of(data)), None)
        target = pgettext("target", "无") if figure is None or figure.target is None else f"{figure.target * 100:.0f}%"
        group = gettext("培训进度正常率") if self.key == "training" else shown(self.label)
        label = shown(part.get("cycle", "")) if self.key == "training" else shown(self.label)
        return [Column(self.key, figure.code if figure else self.key, group, label, target, "headline", chart=False)]

    def in_export(self, total: dict) -> bool:
        return total.get(self.key) is not None

    def write_sheet(self, ws, total: dict, rows: list) -> None:
        from . import exports

        if self.key == "training":
            exports.training_sheet(ws, total, rows)
        else:
            exports.figures_sheet(ws, self, total, rows)

    def scope_rows(self, data: dict) -> list[list]:
        from . import exports

        if self.key == "training":
            return exports.training_scope_rows(data)
        return exports.figure_rows(self.figures_of(data))

    def behind(self, scope, on):
        return None if self.spec.behind is None else self.spec.behind(scope, on)


# ---------------------------------------------------------------- the registry
_MEASURES: dict[str, Measure] = {}  # registered by other apps (and tests): name → measure


def register_measure(measure: Measure) -> Measure:
    """Register (or replace, so a reloaded app does not duplicate it) a measure object."""
    if not isinstance(measure, Measure) or not measure.key:
        raise TypeError("a measure is a registry.Measure with a key")
    if any(measure.key == m.key for m in builtin()):
        raise ValueError(f"measure {measure.key!r}: the name is workforce's own")
    others = {code: m.key for m in measures() if m.key != measure.key for code in m.codes}
    taken = [code for code in measure.codes if code in others]
    if taken:  # a plan indicator is measured by one measure only
        raise ValueError(f"measure {measure.key!r}: indicator codes {taken} are measured by {others[taken[0]]!r}")
    _MEASURES[measure.key] = measure
    return measure


def register(name: str, func: Callable, *, label: str = "", behind: Callable | None = None,
             by_group: Callable | None = None, code: str = "", order: int = 60, template: str = "") -> None:
    """Register (or replace) the measure ``name`` given as functions (the contract above)."""
    if not callable(func):
        raise TypeError(f"measure {name!r}: func must be callable")
    register_measure(CallableMeasure(name, func, label=label, behind=behind, by_group=by_group, code=code,
                                     order=order, template=template))


def unregister(name: str) -> None:
    _MEASURES.pop(name, None)


def get(name: str) -> Measure | None:
    return _MEASURES.get(name)


def names() -> list[str]:
    return sorted(_MEASURES)


def builtin() -> tuple[Measure, ...]:
    """Workforce's own measures (always there; ``measure_set``)."""
    from . import measure_set

    return measure_set.BUILTIN


def measures() -> list[Measure]:
    """Every measure, workforce's own and the registered ones, in page order."""
    extra = list(_MEASURES.values())
    both = list(builtin()) + extra
    return sorted(both, key=lambda m: (m.order, both.index(m)))


def by_key(key: str) -> Measure | None:
    return next((m for m in measures() if m.key == key), None)


def indicator_codes() -> set[str]:
    """The plan indicator codes some measure computes."""
    return {code for m in measures() for code in m.codes}


# ---------------------------------------------------------------- the older helpers (a registered measure by name)
def compute(name: str, scope, on: dt.date) -> dict | None:
    """The registered measure for ``scope`` on ``on``, or ``None`` when nobody registered it."""
    measure = _MEASURES.get(name)
    if not isinstance(measure, CallableMeasure):
        return None
    return measure.compute(scope, on)


def compute_by_group(name: str, scope, on: dt.date, by: str) -> dict | None:
    measure = _MEASURES.get(name)
    if not isinstance(measure, CallableMeasure) or measure.spec.by_group is None:
        return None
    return measure.spec.by_group(scope, on, by)


def compute_with_groups(name: str, scope, on: dt.date, by: str) -> tuple[dict | None, dict | None]:
    """``(the scope's result, the rows by district or school)`` with one run of the measure: the
    total is the sum of the ``by_group`` rows. Falls back to ``func`` when there is no
    ``by_group`` or no row (no teachers, or no cycle: then ``func`` is cheap and says which)."""
    rows = compute_by_group(name, scope, on, by)
    if rows:
        return total_of(rows), rows
    return compute(name, scope, on), rows


def behind(name: str, scope, on: dt.date):
    measure = _MEASURES.get(name)
    return None if measure is None else measure.behind(scope, on)
