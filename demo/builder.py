"""The demo city (issue 2, point 5): a synthetic 连云港 built from a seed, in bulk — the entry
points of ``manage.py seed_demo``.

``build_demo_city(seed=…, teachers=…, schools=…)`` plans the whole city in Python — schools,
teachers and every sub-record — with one ``random.Random`` per part (seeded from the seed and
the part's name, so changing one part does not reshuffle the others), then writes it with
``bulk_create`` in a few batches per model inside one transaction. Nothing is written per
teacher, so the number of statements does not grow with the size of the city. On PostgreSQL
each table is written with one COPY (``core.db.copy_insert``), and the tables are ANALYZEd
once the transaction commits (``core.db.analyze``): a page opened right after the build is
planned on the new rows. ``add_apps_demo`` then adds careers' and personnel's work through
their own rules and services.

The parts, in the order they run: ``schools`` (schools, enrolment, quotas), ``teachers`` (people,
学习经历, titles), ``workflows`` (ethics, honours, rotations, transfers), ``training``, ``logins``;
then the yearly snapshots, taken by ``workforce.snapshots`` itself. ``careers`` and ``personnel``
add their apps' demo once the city is committed.

The reference date (``AS_OF``) is fixed, not today, so that a seed always gives the same city.
"""
from __future__ import annotations

import datetime as dt
import gc
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, Q

from core.db import analyze, analyze_now
from training import models as tm
from workforce import facts
from workforce import models as m
from workforce import snapshots

from .base import AS_OF, DEFAULT_SCHOOLS, DEFAULT_SEED, DEFAULT_TEACHERS, FIRST_SCHOOL_YEAR
from .careers import add_careers_demo
from .cities import generated_codes
from .logins import DEMO_PASSWORD, DEMO_USERNAMES, PROVINCE_USERNAMES, LoginsPart
from .personnel import add_personnel_demo
from .schools import SchoolsPart
from .teachers import TeachersPart
from .training import TrainingPart
from .workflows import WorkflowsPart
from .writing import IndexesAside, bulk_loading

__all__ = ["AS_OF", "DEFAULT_SCHOOLS", "DEFAULT_SEED", "DEFAULT_TEACHERS", "DEMO_PASSWORD", "DEMO_USERNAMES",
           "PROVINCE_USERNAMES",
           "DemoResult", "add_apps_demo", "build_demo_city", "demo_city_exists", "demo_models", "flush_demo_data"]


@dataclass
class DemoResult:
    counts: dict[str, int]
    logins: list[dict[str, str]]
    seconds: float = 0.0  # the whole build, its commit and ANALYZE
    build_seconds: float = 0.0  # planning and writing (before the commit)


class CityBuilder(SchoolsPart, TeachersPart, WorkflowsPart, TrainingPart, LoginsPart):
    """The parts together, run in ``build``'s order (each plans from what the earlier ones planned)."""

    def set_indexes_aside(self) -> None:
        """PostgreSQL: the large tables lose their secondary indexes and foreign keys while they
        are loaded (``writing.IndexesAside``); ``restore_indexes`` builds them again."""
        self.aside = IndexesAside(LOADED_MODELS)
        self.aside.drop()

    def restore_indexes(self) -> None:
        self.aside.restore()

    def analyze_written(self) -> None:
        """PostgreSQL: statistics on the rows just written (this transaction's own), so that the
        snapshots' queries that follow are planned on a city, not on empty tables — and on the
        tables the measures read that the demo leaves empty (personnel's school history): never
        analysed, an empty table is planned as ten pages of rows (PostgreSQL's guess for a table
        never vacuumed), and each teacher's subquery on it as if it found some."""
        analyze_now(demo_models() + read_not_written())

    def write_snapshots(self) -> None:
        """The snapshot of every school year from 2020-2021 that has ended by the demo's "today",
        each on its 31 August, for the city, the districts and every school: what the city would
        have stored running ``snapshot_measures --schools`` each year, computed by the same code
        from the demo's own history (joining and leaving dates, degrees, titles, exchanges,
        awards, enrolment of each year). Inside the build's transaction (one process); on
        PostgreSQL outside a transaction ``build_demo_city`` takes them after the commit instead,
        the years side by side (``take_snapshots``)."""
        self.counts["指标快照（学年×范围）"] = take_snapshots(self.as_of, processes=1)

    def build(self, *, snapshots_after: bool = False) -> DemoResult:
        with kept_apart_from_the_collector() as keep:
            return self._build(snapshots_after, keep)

    def _build(self, snapshots_after: bool, keep) -> DemoResult:
        started = time.perf_counter()
        steps = [self.load_reference, self.plan_schools, self.write_schools, self.plan_teachers, self.plan_ethics,
                 self.plan_honours, self.plan_rotations, self.set_indexes_aside, self.write_teachers,
                 self.write_workflows, self.write_enrolment_and_quotas, self.write_training, self.restore_indexes,
                 self.write_users, self.analyze_written] + ([] if snapshots_after else [self.write_snapshots])
        for step in steps:
            began, cpu = time.perf_counter(), time.process_time()
            self.logins = step() or getattr(self, "logins", None)
            keep()
            self.log(f"  {step.__name__:<28}{time.perf_counter() - began:7.1f} s（CPU {time.process_time() - cpu:.1f} s）")
        return DemoResult(counts=self.counts, logins=self.logins, build_seconds=time.perf_counter() - started)


@contextmanager
def kept_apart_from_the_collector():
    """What each step leaves alive (the plan of every person, 1 KB each, a million at 1,000,000
    teachers, lives until the end of the build) is set apart from Python's cycle collector
    (``keep()``: a collection of what the step made, then ``gc.freeze``), so that the collections
    of the steps after it do not walk it all again and again (a fifth of the build's CPU at 50,000
    teachers, more the larger the city). The step's own cyclic garbage is still collected
    (pausing the collector instead let it pile up: 3.4 GB at 1,000,000 teachers against 1.9).
    At the end everything is handed back to the collector."""
    def keep():
        gc.collect()
        gc.freeze()

    try:
        yield keep
    finally:
        gc.unfreeze()
        gc.collect()


def take_snapshots(as_of: dt.date, *, processes: int | None = None) -> int:
    """The yearly snapshots of the demo (``CityBuilder.write_snapshots``): rows written."""
    years = snapshots.past_school_years(FIRST_SCHOOL_YEAR, as_of)
    return snapshots.take_years(years, schools=True, processes=processes)


# ---------------------------------------------------------------- entry points
def demo_models() -> list:
    """The tables the demo writes (and the flush empties): their statistics are refreshed afterwards."""
    return [m.School, m.Teacher, m.EducationRecord, m.TitleAppointment, m.Exchange, m.Award, m.EthicsCase,
            m.Enrolment, m.SchoolQuota, m.QuotaPool, m.QuotaProposal, m.MeasureSnapshot, tm.Programme,
            tm.CreditRecord, tm.CreditDecision, tm.ProgrammeEnrolment, get_user_model()]


# The tables loaded in bulk (a row or more a teacher): written without their indexes on PostgreSQL.
LOADED_MODELS = [m.Teacher, m.EducationRecord, m.TitleAppointment, m.Exchange, m.Award, m.EthicsCase, m.Enrolment,
                 tm.CreditRecord, tm.CreditDecision, tm.ProgrammeEnrolment]


def read_not_written() -> list:
    """Tables the measures read that the demo does not write (apps above workforce hook into the
    counts: personnel's school history of a teacher)."""
    from django.apps import apps

    try:
        return [apps.get_model("personnel", "TeacherSchoolSpell")]
    except LookupError:
        return []


def demo_city_exists() -> bool:
    return m.Teacher.objects.exists()


def build_demo_city(*, seed: int = DEFAULT_SEED, teachers: int = DEFAULT_TEACHERS, schools: int = DEFAULT_SCHOOLS,
                    as_of: dt.date = AS_OF, cities: int = 1, log=None) -> DemoResult:
    """Build the whole demo city in one transaction; returns the counts and the logins. With
    ``cities`` > 1 a province: the demo city and ``cities`` − 1 more (``demo.cities``), the
    schools and teachers spread over all their districts."""
    began = time.perf_counter()
    # PostgreSQL, no transaction around the build: the yearly snapshots are taken once the city
    # is committed, the years side by side in worker processes (``snapshots.take_years``), with
    # the same rows as inside the build; the statistics and the facts follow them
    after = snapshots.can_take_apart()
    with bulk_loading(), transaction.atomic():
        result = CityBuilder(seed=seed, teachers=teachers, schools=schools, as_of=as_of, cities=cities,
                             log=log).build(snapshots_after=after)
        if not after:
            analyze(demo_models())  # once committed: the pages are planned on the new rows at once
            facts.refresh_after_write()  # once committed: the facts per school counted once, not by the first page
    if after:
        committed, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        if log:
            log(f"  {'commit':<28}{committed - began - result.build_seconds:7.1f} s")
        with bulk_loading():
            result.counts["指标快照（学年×范围）"] = take_snapshots(as_of)
        done = time.perf_counter()
        if log:
            log(f"  {'write_snapshots':<28}{done - committed:7.1f} s（CPU {time.process_time() - cpu:.1f} s，"
                f"workers {_children_cpu() - children:.1f} s）")
        analyze(demo_models())  # no transaction: at once
        facts.refresh_after_write()
        if log:
            log(f"  {'ANALYZE + facts':<28}{time.perf_counter() - done:7.1f} s")
    result.seconds = time.perf_counter() - began
    if log and not after:
        log(f"  {'commit + ANALYZE':<28}{result.seconds - result.build_seconds:7.1f} s")
    return result


def _children_cpu() -> float:
    """CPU time of this process's finished child processes (the snapshots' workers)."""
    times = os.times()
    return times.children_user + times.children_system


def add_apps_demo(*, as_of: dt.date = AS_OF, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """On a built city: careers' 年度考核 and open 职称评审 round (``demo.careers``), then
    personnel's requests and events (``demo.personnel``); label → rows made, as the command
    prints them."""
    careers = add_careers_demo(as_of=as_of, seed=seed)
    personnel = add_personnel_demo()
    return {"年度考核": careers["assessments"], "职称评审（进行中）": careers["rounds"], **personnel}


def flush_demo_data() -> dict[str, int]:
    """Delete the city's schools and teachers and everything hanging on them, and the demo logins.

    Users other than the demo logins that point at a school or teacher stop the flush (they
    are someone's accounts): the caller gets an error naming them.
    """
    User = get_user_model()
    others = list(
        User.objects.exclude(username__in=DEMO_USERNAMES + PROVINCE_USERNAMES)
        .filter(Q(school__isnull=False) | Q(teacher__isnull=False))
        .values_list("username", flat=True)[:20]
    )
    if others:
        raise RuntimeError("以下账号关联了学校或教师，请先处理后再清空：" + "、".join(others))
    deleted: dict[str, int] = {}
    with bulk_loading(), transaction.atomic():
        User.objects.filter(username__in=DEMO_USERNAMES + PROVINCE_USERNAMES).delete()
        for model in (tm.CreditDecision, tm.ProgrammeEnrolment, tm.CreditRecord, tm.Programme, m.EthicsCase, m.Award,
                      m.Exchange, m.TitleAppointment, m.EducationRecord, m.QuotaProposal, m.QuotaPool, m.SchoolQuota,
                      m.Enrolment, m.MeasureSnapshot, m.Teacher, m.School):
            _count, per_model = model.objects.all().delete()
            for label, k in per_model.items():
                deleted[label] = deleted.get(label, 0) + k
        # the cities ``--cities`` added, with their districts (the demo city and its districts stay)
        made = m.City.objects.filter(code__in=generated_codes()).exclude(code=m.installation_city()[0])
        if made.exists():
            try:
                for model, rows in ((m.District, m.District.objects.filter(city__in=made)), (m.City, made)):
                    _count, per_model = rows.delete()
                    for label, k in per_model.items():
                        deleted[label] = deleted.get(label, 0) + k
            except ProtectedError as exc:
                raise RuntimeError("以下记录仍引用演示生成的城市或区县，请先处理后再清空："
                                   + "、".join(sorted({str(o) for o in exc.protected_objects})[:20])) from exc
        analyze(demo_models())
    return deleted
