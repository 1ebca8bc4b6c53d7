"""Careers data for a demo city already built (``demo.builder.build_demo_city``): the 年度考核
of the last three years for every 专任教师 on the roll, each school within its 优秀 cap, and one
open 职称评审 round. Bulk and fast (one read of the teachers; a year's rows written at once as plain
rows, ``writing.Rows``: COPY on PostgreSQL)::

    from demo.careers import add_careers_demo
    add_careers_demo()            # as of the demo's "today" (demo.base.AS_OF)
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from random import Random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from careers import rules, selectors
from careers.choices import AssessmentResult as R
from careers.models import Assessment, PromotionRound
from workforce import choices as wc
from workforce.models import Teacher

from .base import AS_OF, DEFAULT_SEED
from .writing import Rows



def add_careers_demo(*, as_of: dt.date = AS_OF, years: int = 3, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Add the assessments of the ``years`` years before ``as_of``'s year (teachers who have none
    that year) and an open 中小学 round of ``as_of``'s year (if there is none); returns counts.
    Each school's 优秀 stay within its cap (``careers.rules.excellent_cap`` of the year's share)."""
    rng = Random(f"{seed}:careers")
    first = as_of.year - years
    rows = list(Teacher.objects.full_time().filter(Q(school_entry__isnull=True) | Q(school_entry__lte=dt.date(as_of.year - 1, 12, 31)))
                .values_list("pk", "school_id", "school_entry", "left_on").order_by("school_id", "pk"))
    have = set(Assessment.objects.filter(year__gte=first, year__lt=as_of.year).values_list("teacher_id", "year"))
    writer = Rows(Assessment)
    assessment = writer.filler("teacher_id", "year", "result", "school_id")
    with transaction.atomic():
        for year in range(first, as_of.year):
            end = dt.date(year, 12, 31)
            by_school: dict[int, list[tuple[int, dt.date | None]]] = defaultdict(list)
            for pk, school_id, entry, left in rows:
                if (entry is None or entry <= end) and (left is None or left > end) and (pk, year) not in have:
                    by_school[school_id].append((pk, entry))
            share = selectors.excellent_share(year)
            made = []  # a year's assessments, written and let go (2.7 million at 1,000,000 teachers)
            for school_id, teachers in by_school.items():
                cap = rules.excellent_cap(len(teachers), share)
                excellent = set(rng.sample(range(len(teachers)), min(cap, round(len(teachers) * 0.15))))
                for i, (pk, entry) in enumerate(teachers):
                    if entry is not None and entry.year == year and entry.month >= 7:
                        result = R.UNGRADED  # joined in the second half of the year: not graded
                    elif i in excellent:
                        result = R.EXCELLENT
                    else:
                        x = rng.random()
                        result = R.FAIL if x < 0.008 else R.BASIC if x < 0.03 else R.PASS
                    made.append(assessment(pk, year, result, school_id))
            writer.write(made)
        opened = 0
        if not PromotionRound.objects.filter(year=as_of.year, series="school").exists():
            city = get_user_model().objects.filter(username="city_hr").first()
            PromotionRound.objects.create(
                year=as_of.year, series="school", reference_date=dt.date(as_of.year, 12, 31), opened_by=city,
                levels=[wc.Title.SECOND, wc.Title.FIRST, wc.Title.SENIOR, wc.Title.SENIOR_PROFESSOR])
            opened = 1
    return {"assessments": writer.written, "rounds": opened}
