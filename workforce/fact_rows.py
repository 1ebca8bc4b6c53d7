"""One measure's facts per school, for the pages that list the schools of a scope with one measure's
figures — the rotation plan, the training report (issue 18).

``facts.school_counts`` brings the facts up to date (the schools each write marked since) and says
whether they hold the page's setting. These pages need one measure's rows of every school of their
scope, so after that check (on the city's district sums, a few rows) they read those rows alone:
at 1,000,000 teachers, one measure's ~14,000 rows instead of every measure's. (``school_counts``
now takes ``measures=`` too, which reads the same rows: the two readers are to become one.)"""
from __future__ import annotations

import datetime as dt

from . import facts
from .fact_models import SchoolFact
from .models import school_year_of


def applies(scope) -> bool:
    """The scopes whose schools' facts a page reads: the whole installation (the province, or the
    city of a single-city one), a city of several, a district, a school."""
    return scope.kind in ("province", "city", "district", "school")


def current(scope, on: dt.date, year: int | None = None) -> bool:
    """Whether the facts hold ``scope``'s figures of ``on`` (today) and school year ``year`` (its
    own), brought up to date first (``facts.school_counts`` refreshes them)."""
    from . import selectors as sel

    year = school_year_of(on) if year is None else year
    if not applies(scope) or on != dt.date.today() or year != school_year_of(on):
        return False
    return facts.school_counts(sel.CITY, on, year, sel.load_targets(None, on), sel.NO_FILTERS) is not None


def district_rows(scope, measure: str, on: dt.date) -> dict | None:
    """{district id: the sum of ``measure``'s rows of its schools} (kept with them) of the districts
    of ``scope`` — the province, a city or a district — when the facts hold them (``current``),
    else None."""
    if scope.kind not in ("province", "city", "district") or not current(scope, on):
        return None
    rows = SchoolFact.objects.using(facts.ALIAS).filter(measure=measure, district__isnull=False)
    if scope.kind == "district":
        rows = rows.filter(district_id=scope.district_id)
    elif not scope.covers_all:
        rows = rows.filter(district__city_id=scope.city_id)
    return {pk: facts.load(data) for pk, data in rows.values_list("district_id", "counts")}


def schools_with_rows(measure: str):
    """The ids of the schools ``measure`` has a row of (a subquery): the schools it counted."""
    return SchoolFact.objects.using(facts.ALIAS).filter(measure=measure, school__isnull=False).values("school_id")


def rows_of(measure: str, schools) -> dict:
    """{school id: ``measure``'s row} of the schools ``schools`` (ids), as they are now: after
    ``current`` in the same request (a page of a list whose figures it checked)."""
    rows = SchoolFact.objects.using(facts.ALIAS).filter(measure=measure, school_id__in=list(schools))
    return {pk: facts.load(data) for pk, data in rows.values_list("school_id", "counts")}


def school_rows(scope, measure: str, on: dt.date, year: int | None = None) -> dict | None:
    """{school id: ``measure``'s counts of that school} of the schools of ``scope`` (the whole
    installation's row of no school too, keyed None), as ``Measure.count(city, on, year, …,
    by="school")`` gives them now; None when the facts do not hold them — another day than today,
    another school year than its own, a scope they are not summed for, marks that cannot be
    trusted — and the caller counts live.
    Each row is the facts' (``facts.load``): a counter for workforce's measures, a dict for a
    registered one."""
    from . import selectors as sel

    if not current(scope, on, year):
        return None
    rows = SchoolFact.objects.using(facts.ALIAS).filter(measure=measure, district__isnull=True)
    if scope.covers_all:
        pass
    elif scope.kind == "city":  # one city of several: its schools' rows (what belongs to no school is no city's)
        rows = rows.filter(school__district__city_id=scope.city_id)
    elif scope.kind == "district":
        rows = rows.filter(school__district_id=scope.district_id)
    elif scope.kind == "school":
        rows = rows.filter(school_id=scope.school_id)
    return {pk: facts.load(data) for pk, data in rows.values_list("school_id", "counts")}
