"""Hooks workforce declares for the apps above it (apps depend one way, STYLE.md): workforce says
what happened or what it needs, and the app that knows more registers from its ``ready()`` —
workforce never imports it (``.importlinter``).

**Exchanges recorded** (issue 15, item 3): an exchange recorded with 是否调动人事关系 moves the
teacher's personnel record. The writers of exchanges (``services.exchange_record_many``, the
import's 交流轮岗 sheet; the admin saves a model, so ``post_save``) call
``exchanges_recorded_after_commit``; once their transaction has committed, ``exchanges_recorded``
is sent with the ids of the exchanges written::

    # personnel/apps.py
    hooks.exchanges_recorded.connect(receiver, dispatch_uid="personnel-exchange-moves")
    # receiver(sender, exchange_ids: list[int], user, source, **kwargs)

**The school of a teacher on a date** (issue 15, item 3: "the measures for a past date use the
school history where it exists"): workforce's teacher knows only their current school and
进本校年月. An app that keeps the school history registers a provider::

    hooks.register_school_history("personnel", SchoolHistory(...))

and the measures of a past date count each teacher on the roll of the school they were at on that
date (``at_schools_on``). With no provider, or when nobody has moved since the date, the current
school is the answer and nothing is added to the measures' queries.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import BigIntegerField, Case, DateField, Expression, F, OuterRef, Q, Subquery, When
from django.dispatch import Signal

# ---------------------------------------------------------------- exchanges recorded
exchanges_recorded = Signal()  # sender: Exchange; exchange_ids, user (or None), source


def exchanges_recorded_after_commit(exchanges: Iterable, *, user=None, source: str = "") -> None:
    """Send ``exchanges_recorded`` for ``exchanges`` (saved, with their keys) once the current
    transaction commits (at once outside one). Nothing is sent when the transaction rolls back."""
    ids = [ex.pk for ex in exchanges if ex.pk is not None]
    if not ids:
        return
    from .models import Exchange

    actor = user if getattr(user, "pk", None) else None
    transaction.on_commit(lambda: exchanges_recorded.send(sender=Exchange, exchange_ids=ids, user=actor,
                                                          source=source), robust=True)


# ---------------------------------------------------------------- teachers moved by a roster
teachers_moved = Signal()  # sender: None; moves: list[TeacherMove], user (or None), source


@dataclass(frozen=True)
class TeacherMove:
    """A teacher a roster import moved between schools (district or city HR, in their scope):
    from ``from_school_id``, where they had been since ``from_entry`` (进本校年月), to
    ``to_school_id`` from ``on`` (the new 进本校年月, else the day of the import)."""

    teacher_id: int
    from_school_id: int
    from_entry: dt.date | None
    to_school_id: int
    on: dt.date


def teachers_moved_now(moves: list[TeacherMove], *, user=None, source: str = "") -> None:
    """Send ``teachers_moved`` inside the writer's transaction: what the receiver keeps (the school
    history) is written with the move or not at all."""
    if moves:
        teachers_moved.send(sender=None, moves=moves, user=user if getattr(user, "pk", None) else None,
                            source=source)


# ---------------------------------------------------------------- the school on a date
@dataclass(frozen=True)
class SchoolHistory:
    """What an app keeping the school history answers, about a Teacher query's rows
    (``OuterRef("pk")``):

    ``has_history() -> Expression``: a boolean, the teacher has a history (else they have been
    at their current school since 进本校年月);
    ``school_on(on) -> Expression``: the id of the school the history places the teacher at on
    ``on``, NULL where it places them nowhere (before their first school, after leaving);
    ``ever_at(schools) -> Q``: the teachers the history places at one of ``schools`` (a School
    queryset) at some time — with those at one of them now, every teacher who can have been
    there on any date (so the database finds them by index, not by reading every teacher);
    ``entry_on(on) -> Expression``: when the teacher came to the school of ``on`` (its 进本校年月
    that day: the start of the history's entry, NULL where unknown);
    ``ever_ids(schools) -> QuerySet``: the ids of ``ever_at``'s teachers the history places there
    (one ``teacher_id`` column, unordered: a part of a ``UNION``)."""

    has_history: Callable[[], Expression]
    school_on: Callable[[dt.date], Expression]
    ever_at: Callable[[object], Q]
    entry_on: Callable[[dt.date], Expression]
    ever_ids: Callable[[object], object]


_HISTORY: dict[str, SchoolHistory] = {}


def register_school_history(name: str, history: SchoolHistory) -> None:
    _HISTORY[name] = history


def unregister_school_history(name: str) -> None:
    _HISTORY.pop(name, None)


def history_for(on: dt.date) -> SchoolHistory | None:
    """The history to read for ``on``: None for today or later — moves apply on their date, so
    the current school is the answer and the measures' queries stay as they are — or when no
    app keeps one."""
    from django.utils import timezone

    if on >= timezone.localdate():
        return None
    return next(iter(_HISTORY.values()), None)


def at_schools_on(teachers, on: dt.date, schools, *, few: bool = False):
    """``teachers`` (a Teacher queryset) on the roll on ``on`` of one of ``schools`` (a School
    queryset), annotated ``at_school`` — the school they were at on ``on`` — and ``at_entry``
    (their 进本校年月 at that school: what rotation's years at the school count from), or None
    when the current school is the answer for ``on`` (the caller's own query, unchanged, is right).

    A teacher with a history is where it places them, on no roll where it places them nowhere;
    one without is at their current school from 进本校年月 (``TeacherQuerySet.on_roll``, DOMAIN.md
    Population). Either way not after their leaving date.

    ``few``: ``schools`` are a few named ones (a recount of the schools a write marked). The
    candidates are then found as one list of ids — those at the schools now, by the teachers'
    school index, and those the history ever placed there, by its own — instead of as an ``OR`` of
    the two, which PostgreSQL can only test teacher by teacher over the whole population (231 ms
    for one school at 200,000 teachers)."""
    history = history_for(on)
    if history is None:
        return None
    has = history.has_history()
    if few:
        from .models import Teacher

        now_there = Teacher.objects.filter(school__in=schools.values("pk")).order_by().values("pk")
        candidates = Q(pk__in=now_there.union(history.ever_ids(schools)))
    else:
        candidates = Q(school__in=schools.values("pk")) | history.ever_at(schools)
    return (teachers.filter(candidates)
            .annotate(_history=has, at_school=Case(When(_history=True, then=history.school_on(on)),
                                                   default=F("school_id"), output_field=BigIntegerField()),
                      at_entry=Case(When(_history=True, then=history.entry_on(on)), default=F("school_entry"),
                                    output_field=DateField()))
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
            .filter(Q(_history=True) | Q(school_entry__isnull=True) | Q(school_entry__lte=on))
            .filter(at_school__in=schools.values("pk")))


def group_on_date(qs, by: str | None, field: str | None):
    """``(qs, field)`` to group a population of ``at_schools_on`` by: the school of that date (or
    its district) instead of the current one; any other query as it is."""
    if field is None or "at_school" not in qs.query.annotations:
        return qs, field
    if by == "district":
        from .models import School

        district = School.objects.filter(pk=OuterRef("at_school")).values("district_id")[:1]
        return qs.annotate(at_district=Subquery(district, output_field=BigIntegerField())), "at_district"
    return qs, "at_school"
