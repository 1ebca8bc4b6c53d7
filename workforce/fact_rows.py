"""One measure's facts per school, for the pages that list the schools of a scope with one measure's
figures — the rotation plan, the training report (issue 18).

``facts.school_counts`` brings the facts up to date (the schools each write marked since) and says
whether they hold the page's setting; it reads every measure's rows. These pages need one
measure's rows of every school of their scope, so after that check (on the city's district sums,
a few rows) they read those rows alone: at 1,000,000 teachers, one measure's ~14,000 rows instead
of every measure's."""
from __future__ import annotations

import datetime as dt

from . import facts
from .fact_models import SchoolFact
from .models import school_year_of


def applies(scope) -> bool:
    """The scopes whose schools' facts a page reads: the whole installation (the province, or the
    city of a single-city one), a city of several, a district, a school."""
    return scope.kind in ("province", "city", "district", "school")


def school_rows(scope, measure: str, on: dt.date, year: int | None = None) -> dict | None:
    """{school id: ``measure``'s counts of that school} of the schools of ``scope`` (the whole
    installation's row of no school too, keyed None), as ``Measure.count(city, on, year, …,
    by="school")`` gives them now; None when the facts do not hold them — another day than today,
    another school year than its own, a scope they are not summed for, marks that cannot be
    trusted — and the caller counts live.
    Each row is the facts' (``facts.load``): a counter for workforce's measures, a dict for a
    registered one."""
    from . import selectors as sel

    year = school_year_of(on) if year is None else year
    if not applies(scope) or on != dt.date.today() or year != school_year_of(on):
        return None
    if facts.school_counts(sel.CITY, on, year, sel.load_targets(None, on), sel.NO_FILTERS) is None:
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
