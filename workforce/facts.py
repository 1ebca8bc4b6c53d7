"""Facts per school (issue 18, item 1): every registered measure's counts of every school, kept in
the database (``fact_models.SchoolFact``), so that the city, district and school pages of any
process — a new one, one whose cache is empty — sum them instead of counting every teacher again.

**What they hold.** The counts of the dashboard's default setting — today, its school year, the
plan in force and its rules, no filter — of each groupable measure of ``workforce.registry``,
school by school, exactly as ``Measure.count(city, …, by="school")`` gives them (and the row of
what belongs to no school). A scope's figure is the sum of its schools' facts by the measure's own
``add`` (``selectors.scope_counts``): the numbers of counting the scope alone. Each district's sum
of its schools' rows is kept too (recounted with them), so the city page reads a row per district
and measure, not one per school. The school type and
location filters take the facts of the schools they keep; a stage filter, another date, year or
plan are counted live as before (``selectors._kept_counts``). A school's drill-down (who makes the
gap) is always read live.

**How they stay current: refreshed by the reader, from the database's own marks.** Every write —
a service, an import's COPY, the admin, a workflow page, a command, a SQL client — marks the
schools it changed, by triggers, in the writer's transaction (``dataversion``: table
``workforce_dirtyschool``). ``refresh()`` reads the marks written since the facts' ``marker`` and
recounts those schools only (``Measure.count_schools``), writing their rows and the new marker in
one transaction (under a lock on the state row, so two processes do not recount the same writes).
Every read of the facts calls it first, so a page never shows facts older than the data: the cost
of a write is its schools' recount, paid once by whichever process reads first — not once per
process, and not again by a process that starts later. A write to every school (reference data,
a plan's indicator, a school's own row), a new day or a new plan recounts every school once. The
import (at the end of its bulk write, in the worker) and ``refresh_facts`` (cron, after
midnight) call it too, so that readers seldom pay for it. Chosen over a recount in the writer's
transaction, which would need a call in every write path (the admin and SQL clients have none)
and over a worker alone, whose pages would be a stated delay behind; the page says
"数据截至 …": the moment the facts it sums were known to hold every committed write (the page's own
check, or the refresh it made), and, in its title, when the oldest school's counts among them were
taken from the records.

**Checked.** ``check_facts`` recounts every school from the records and reports every difference
(school, measure, stored, live), exit code 1 if any; ``--fix`` rewrites them.

The facts live on the primary database (``ALIAS``): reading them may write them, and their marks
and counts must come from the same database. A dashboard request routed to a read replica
(``backend.routers``) reads them there too — a few rows per district or school, the same figures
and freshness as on the primary — and a refresh it makes recounts on the primary (inside its
transaction, where every read goes to the primary): the replica lags, and counts taken there
could miss writes the primary's marks say they include. What such a request still counts live
(a stage filter, another day, the drill-down lists) it counts on the replica.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from . import dataversion, registry
from .fact_models import FactState, SchoolFact
from .models import District, School, school_year_of

ALIAS = DEFAULT_DB_ALIAS
STATE_KEY = "facts"
SCHEMA = 1  # bump when what a fact holds changes: every school is then counted again

# More changed schools than this share of the city: one full count of the measure is cheaper.
RECOUNT_SHARE = dataversion.RECOUNT_SHARE


# ---------------------------------------------------------------- what the facts are counted for
@dataclass(frozen=True)
class Setting:
    """What counts depend on besides the records: the date, the school year, the targets (plan
    and rules), the measures registered. ``key`` is its digest (``FactState.setting``)."""

    on: dt.date
    year: int
    targets: object
    key: str


def measure_print(measure) -> str:
    """A measure's name and code, the same in every process (no memory address)."""
    parts = [type(measure).__module__, type(measure).__qualname__, measure.key]
    if isinstance(measure, registry.CallableMeasure):
        parts += [f"{f.__module__}.{f.__qualname__}" for f in (measure.spec.func, measure.spec.by_group) if f]
    return ":".join(parts)


def counted_measures() -> list:
    """The measures kept as facts: those that count school by school (``groupable``)."""
    return [m for m in registry.measures() if m.groupable]


def setting_of(on: dt.date, year: int, targets) -> Setting:
    from . import selectors as sel

    printed = (SCHEMA, sel.COUNTS_SCHEMA, on.isoformat(), year, sel._targets_print(targets),
               tuple(measure_print(m) for m in counted_measures()))
    return Setting(on, year, targets, hashlib.sha256(repr(printed).encode()).hexdigest())


def default_setting(on: dt.date | None = None) -> Setting:
    """The dashboard's default: today (or ``on``), its school year, the plan in force."""
    from . import selectors as sel

    on = on or dt.date.today()
    return setting_of(on, school_year_of(on), sel.load_targets(None, on))


# ---------------------------------------------------------------- counts as JSON
def dump(counts) -> dict:
    """A measure's counts of a school as JSON: a counter (workforce's measures: tuple keys such as
    ``("t2", stage, "eff", level)``) as its pairs, a registered measure's row (a dict of counts
    and the cycle's values) as it is."""
    if isinstance(counts, Counter):
        return {"pairs": [[list(key), value] for key, value in counts.items()]}
    return {"row": counts}


def load(data: dict):
    if "pairs" in data:
        return Counter({tuple(key): value for key, value in data["pairs"]})
    return data["row"]


def same(a, b) -> bool:
    """Counts equal as the measure reads them (a counter's missing key is a zero)."""
    if isinstance(a, Counter) or isinstance(b, Counter):
        return Counter(a or {}) == Counter(b or {})
    return a == b


# ---------------------------------------------------------------- counting
def _count(measure, setting: Setting, schools=None) -> dict:
    """{school id (None: no school): counts} of the whole city, or of ``schools`` only."""
    from . import selectors as sel

    if schools is None:
        return measure.count(sel.CITY.scope, setting.on, setting.year, sel.NO_FILTERS, "school", targets=setting.targets)
    wanted = set(schools)
    counted = measure.count_schools(sel.CITY.scope, setting.on, setting.year, sel.NO_FILTERS, sorted(wanted),
                                    targets=setting.targets)
    return {pk: counts for pk, counts in counted.items() if pk in wanted}


def _write(measure, counted: dict, schools, now) -> None:
    """Replace the measure's rows of ``schools`` (None: every school's and the row of no school)
    by ``counted``."""
    rows = SchoolFact.objects.using(ALIAS).filter(measure=measure.key, district__isnull=True)
    if schools is not None:
        rows = rows.filter(school_id__in=list(schools))
    rows.delete()
    SchoolFact.objects.using(ALIAS).bulk_create(
        [SchoolFact(school_id=pk, measure=measure.key, counts=dump(counts), computed_at=now)
         for pk, counts in counted.items() if counts is not None], batch_size=2000)


def district_sums(measure, districts=None) -> dict:
    """{district id: the sum of its schools' stored rows} (``Measure.add``), of ``districts``
    (None: every district)."""
    rows = SchoolFact.objects.using(ALIAS).filter(measure=measure.key, school__isnull=False)
    if districts is not None:
        rows = rows.filter(school__district_id__in=list(districts))
    parts: dict = defaultdict(list)
    for district, data in rows.values_list("school__district_id", "counts"):
        parts[district].append(load(data))
    return {district: measure.add(counts) for district, counts in parts.items()}


def _write_sums(measure, districts, now) -> None:
    """The district rows of ``districts`` (None: every district) summed again from their schools'."""
    sums = district_sums(measure, districts)
    rows = SchoolFact.objects.using(ALIAS).filter(measure=measure.key, district__isnull=False)
    if districts is not None:
        rows = rows.filter(district_id__in=list(districts))
    rows.delete()
    SchoolFact.objects.using(ALIAS).bulk_create(
        [SchoolFact(district_id=pk, measure=measure.key, counts=dump(counts), computed_at=now)
         for pk, counts in sums.items() if counts is not None], batch_size=2000)


def trusted(connection=None) -> bool:
    """Whether the marks can be trusted: every watched table has its triggers (``dataversion``)."""
    connection = connection or connections[ALIAS]
    if dataversion.current(tuple(dataversion.watched_apps()), using=connection.alias) is None:
        return False
    return dataversion.DIRTY_TABLE in dataversion._tables_with_dirty(connection)


def _marker(value: str, connection):
    return int(value) if connection.vendor == "sqlite" else value


def _state_row() -> FactState:
    state = FactState.objects.using(ALIAS).select_for_update().filter(pk=STATE_KEY).first()
    if state is None:  # the migration makes it; someone removed it
        now = timezone.now()
        FactState.objects.using(ALIAS).get_or_create(pk=STATE_KEY, defaults=dict(
            setting="", on=dt.date(2000, 1, 1), school_year=0, marker="0", built_at=now, refreshed_at=now))
        state = FactState.objects.using(ALIAS).select_for_update().get(pk=STATE_KEY)
    return state


@dataclass(frozen=True)
class Refreshed:
    """What a ``refresh`` did: the state after it, the schools recounted per measure (None: all),
    and the moment the facts were known to hold every write committed (the check's, when nothing
    was to be recounted)."""

    state: FactState
    recounted: dict
    current_at: dt.datetime


def refresh(setting: Setting | None = None, *, full: bool = False) -> Refreshed | None:
    """Bring the facts up to date with every write committed (and the caller's own): recount the
    schools marked since the facts' marker, or every school when the setting changed (a new day,
    plan, rule or measure), a write marked every school, or ``full``. None when the marks cannot
    be trusted (then no fact is used)."""
    connection = connections[ALIAS]
    if connection.vendor not in dataversion.VENDORS or not trusted(connection):
        return None
    setting = setting or default_setting()
    labels = dataversion.watched_apps()
    state = FactState.objects.using(ALIAS).filter(pk=STATE_KEY).first()
    if state is not None and state.setting == setting.key and not full:
        changed = dataversion.changed_since(_marker(state.marker, connection), labels, connection)
        if not any(changed.values()):
            return Refreshed(state, {}, timezone.now())
    with transaction.atomic(using=ALIAS):
        state = _state_row()
        now_state = dataversion.state(labels, connection)  # before counting: what the counts include at least
        if now_state is None:
            return None
        whole = full or state.setting != setting.key
        changed = {} if whole else dataversion.changed_since(_marker(state.marker, connection), labels, connection)
        schools_now = None
        now = timezone.now()
        recounted = {}
        for measure in counted_measures():
            if whole:
                schools = None
            else:
                schools = set().union(*(changed.get(app, set()) for app in measure.apps))
                if not schools:
                    continue
                if schools_now is None:
                    schools_now = School.objects.using(ALIAS).count()
                if (dataversion.EVERY_SCHOOL in schools or not measure.restrictable
                        or len(schools) > max(1, RECOUNT_SHARE * schools_now)):
                    schools = None
            _write(measure, _count(measure, setting, schools), schools, now)
            districts = None if schools is None else set(
                School.objects.using(ALIAS).filter(pk__in=list(schools)).values_list("district_id", flat=True))
            _write_sums(measure, districts, now)
            recounted[measure.key] = None if schools is None else sorted(schools)
        if whole:
            SchoolFact.objects.using(ALIAS).exclude(measure__in=[m.key for m in counted_measures()]).delete()
            state.setting, state.on, state.school_year, state.built_at = setting.key, setting.on, setting.year, now
        state.marker, state.refreshed_at = str(now_state.marker), now
        state.save(using=ALIAS)
    # the marks the facts now include, once too many (PostgreSQL appends them): ``dataversion.prune``
    dataversion.prune(state.marker, connection)
    return Refreshed(state, recounted, state.refreshed_at)


def refresh_after_write() -> None:
    """For a bulk writer (the import's end, the demo build): bring today's facts up to date once
    its transaction commits, so that the first reader finds them current. A failure is left to
    the next reader (which refreshes them itself)."""
    transaction.on_commit(lambda: refresh(), using=ALIAS, robust=True)


# ---------------------------------------------------------------- reading
@dataclass(frozen=True)
class Used:
    """When the facts a page summed were known to hold every write (``Refreshed.current_at``),
    and when the oldest count among them was taken from the records."""

    current_at: dt.datetime
    oldest: dt.datetime | None


_USED: contextvars.ContextVar[Used | None] = contextvars.ContextVar("workforce_facts_used", default=None)


def last_used() -> Used | None:
    """What the last ``school_counts`` of this request (context) read, or None (counted live)."""
    return _USED.get()


def forget_used() -> None:
    _USED.set(None)


def setting_for(on: dt.date, year: int, targets, filters) -> Setting | None:
    """The facts' setting when a page's (date, year, targets, filters) can be summed from the
    facts, else None: a stage filter or the dashboard's own restriction to some schools, another
    date than today, another school year than the date's, other targets than those in force."""
    if filters.stage or filters.school_ids is not None:
        return None
    today = dt.date.today()
    if on != today or year != school_year_of(on):
        return None
    return setting_of(on, year, targets)


def school_counts(ref, on: dt.date, year: int, targets, filters, by: str | None = None, *,
                  schools=None, measures=None):
    """The counts per school of ``ref``'s schools (``selectors.SchoolCounts``) from the facts,
    brought up to date first (``refresh``); None when the page's setting is not the facts' (it is
    counted live; a request on a read replica reads them from the primary too).

    Unfiltered (no school type or location), a scope reads the sums kept with the schools' rows
    rather than every school: the city (or the province) not grouped by school reads its
    districts' sums — ``counts`` keyed ``("district", id)``, which ``district_of`` maps to the
    district and ``city_of`` to its city (what ``selectors.scope_counts`` groups by); a district
    reads its own sum as ``totals`` and, grouped by school, only the rows of ``schools`` (the
    school ids a page shows; None: every school of the district). ``measures``: only these
    measures' rows (keys)."""
    from . import selectors as sel

    setting = setting_for(on, year, targets, filters)
    if setting is None:
        return None
    state = FactState.objects.using(ALIAS).filter(pk=STATE_KEY).only("setting").first()
    if state is None or state.setting != setting.key:
        # another setting: the facts are rebuilt for it only when it is today's default
        if setting.key != default_setting(on).key:
            return None
    done = refresh(setting)
    if done is None:
        return None
    facts = SchoolFact.objects.using(ALIAS)
    if measures is not None:
        facts = facts.filter(measure__in=list(measures))
    school_rows = School.objects.using(ALIAS)
    city_id = getattr(ref.scope, "city_id", None)
    plain = not (filters.school_type or filters.location)
    oldest = None

    def read(rows, key_of):
        nonlocal oldest
        out: dict = defaultdict(dict)
        for place, measure, data, computed_at in rows.values_list(*key_of, "measure", "counts", "computed_at"):
            out[measure][place] = load(data)
            oldest = computed_at if oldest is None or computed_at < oldest else oldest
        return out

    if ref.kind in ("city", "province") and by != "school" and plain:
        rows = facts.filter(school__isnull=True)
        if city_id is not None:  # one city of several: its districts' sums (what belongs to no school is no city's)
            rows = rows.filter(district__city_id=city_id)
        counts: dict = defaultdict(dict)
        for measure, by_district in read(rows, ("district_id",)).items():
            for district, data in by_district.items():
                counts[measure][None if district is None else ("district", district)] = data
        district_of = {key: key[1] for rows in counts.values() for key in rows if key is not None}
        _USED.set(Used(done.current_at, oldest))
        return sel.SchoolCounts(counts=dict(counts), district_of=district_of, city_of=_city_of(by))
    if ref.kind == "district" and plain and (by is None or schools is not None):
        totals = read(facts.filter(district_id=ref.scope.district_id), ("district_id",))
        totals = {measure: rows[ref.scope.district_id] for measure, rows in totals.items()}
        wanted = [] if by is None else list(schools)
        counts = read(facts.filter(school_id__in=wanted, school__district_id=ref.scope.district_id), ("school_id",)) \
            if wanted else {}
        _USED.set(Used(done.current_at, oldest))
        return sel.SchoolCounts(counts=dict(counts), district_of={pk: ref.scope.district_id for pk in wanted},
                                totals=totals)
    facts = facts.filter(district__isnull=True)
    if ref.kind == "district":
        facts = facts.filter(school__district_id=ref.scope.district_id)
        school_rows = school_rows.filter(district_id=ref.scope.district_id)
    elif ref.kind == "school":
        facts = facts.filter(school_id=ref.scope.school_id)
        school_rows = school_rows.filter(pk=ref.scope.school_id)
    elif city_id is not None:
        facts = facts.filter(school__district__city_id=city_id)
        school_rows = school_rows.filter(district__city_id=city_id)
    kept_schools = None
    if not plain:
        kept_schools = set(school_rows.filter(filters.schools_q("")).values_list("pk", flat=True))
    filtered = {m.key for m in counted_measures() if m.filtered}
    counts = read(facts, ("school_id",))
    if kept_schools is not None:
        counts = {measure: {pk: data for pk, data in rows.items() if measure not in filtered or pk in kept_schools}
                  for measure, rows in counts.items()}
    _USED.set(Used(done.current_at, oldest))
    return sel.SchoolCounts(counts=dict(counts), district_of=dict(school_rows.values_list("pk", "district_id")),
                            city_of=_city_of(by))


def _city_of(by: str | None) -> dict | None:
    """{district id: city id} when the counts are grouped by city (the province's page), else None."""
    return dict(District.objects.using(ALIAS).values_list("pk", "city_id")) if by == "city" else None


# ---------------------------------------------------------------- checking
@dataclass(frozen=True)
class Difference:
    """A row whose stored counts are not the live ones: a school's (``school_id``), a district's
    sum (``district_id``) or, with neither, the row of what belongs to no school."""

    school_id: int | None
    measure: str
    stored: object
    live: object
    district_id: int | None = None

    def keys(self) -> list:
        """The counts that differ (a counter's keys; a row's keys)."""
        a, b = self.stored or {}, self.live or {}
        if isinstance(a, Counter) or isinstance(b, Counter):
            a, b = Counter(a), Counter(b)
        return sorted({k for k in set(a) | set(b) if a.get(k, 0) != b.get(k, 0)}, key=repr)


def _order(pk):
    return (pk is not None, pk or 0)


def differences(setting: Setting) -> list[Difference]:
    """Every row whose stored counts differ from a count of the records now: each (school,
    measure), then each district's sum (against the sum of its schools' live counts)."""
    stored: dict = defaultdict(dict)
    sums: dict = defaultdict(dict)
    for school, district, measure, data in SchoolFact.objects.using(ALIAS).values_list(
            "school_id", "district_id", "measure", "counts"):
        (sums if district is not None else stored)[measure][district if district is not None else school] = load(data)
    district_of = dict(School.objects.using(ALIAS).values_list("pk", "district_id"))
    out = []
    keys = set()
    for measure in counted_measures():
        keys.add(measure.key)
        live = _count(measure, setting)
        mine = stored.get(measure.key, {})
        for pk in sorted(set(live) | set(mine), key=_order):
            if not same(mine.get(pk), live.get(pk)) and (mine.get(pk) or live.get(pk)):
                out.append(Difference(pk, measure.key, mine.get(pk), live.get(pk)))
        parts: dict = defaultdict(list)
        for pk, counts in live.items():
            if pk is not None and counts is not None:
                parts[district_of.get(pk)].append(counts)
        live_sums = {d: measure.add(p) for d, p in parts.items()}
        mine = sums.get(measure.key, {})
        for d in sorted(set(live_sums) | set(mine), key=_order):
            if not same(mine.get(d), live_sums.get(d)) and (mine.get(d) or live_sums.get(d)):
                out.append(Difference(None, measure.key, mine.get(d), live_sums.get(d), district_id=d))
    for measure in set(stored) | set(sums):  # a measure no longer registered
        if measure not in keys:
            out += [Difference(pk, measure, counts, None) for pk, counts in stored.get(measure, {}).items()]
            out += [Difference(None, measure, counts, None, district_id=d) for d, counts in sums.get(measure, {}).items()]
    return out


def fix(setting: Setting, found: list[Difference]) -> None:
    """Rewrite the rows of ``found`` with the live counts."""
    now = timezone.now()
    with transaction.atomic(using=ALIAS):
        for d in found:
            rows = SchoolFact.objects.using(ALIAS).filter(measure=d.measure)
            if d.district_id is not None:
                rows = rows.filter(district_id=d.district_id)
            elif d.school_id is not None:
                rows = rows.filter(school_id=d.school_id)
            else:
                rows = rows.filter(school__isnull=True, district__isnull=True)
            rows.delete()
            if d.live is not None:
                SchoolFact.objects.using(ALIAS).create(school_id=d.school_id, district_id=d.district_id, measure=d.measure,
                                                       counts=dump(d.live), computed_at=now)
