"""Benchmark: training-credit reports, queue and progress on a large city.

    .venv/bin/python bench/training_bench.py [--teachers 50000] [--records 8] [--repeat 5] [--caps] [--keep]

Builds a bench city (teachers in schools of every district, about ``--records`` credit records
per teacher, most approved, some pending) with ``bulk_create`` in a SQLite file of the
system's temporary folder (reused with ``--keep``), or in the database given by ``--database-url``
(built once, reused after); ``--use-existing`` measures the database of ``DATABASE_URL`` as it is. ``--caps`` adds a level cap, a mode
cap and a level × mode cap to the cycle, the worst case of the countable-hours expression.
Prints, for each computation, best and median wall time over ``--repeat`` runs and the queries.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import base_parser, timed  # noqa: E402  (bench/ is the script's folder)


def parse_args():
    parser = base_parser(__doc__)
    parser.add_argument("--records", type=int, default=8, help="credit records per teacher (mean)")
    parser.add_argument("--caps", action="store_true", help="add caps to the 2021—2025 cycle")
    parser.add_argument("--database-url", help="build the bench city in this (empty or earlier bench) database, "
                                               "e.g. postgres://postgres@127.0.0.1:5432/training_bench")
    return parser.parse_args()


def setup_django(args) -> None:
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        args.fresh = True  # migrate; build only if the bench teachers are not there yet
    elif not args.use_existing:
        path = Path(tempfile.gettempdir()) / f"training_bench_{args.teachers}_{args.records}.sqlite3"
        args.fresh = True
        if path.exists() and not args.keep:
            path.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        args.fresh = False
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    import django

    django.setup()
    if args.fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def build(n_teachers: int, per_teacher: int, seed: int = 5) -> None:
    from django.db import transaction

    from training.models import CreditRecord
    from workforce import choices as c
    from workforce import models as m

    rnd = random.Random(seed)
    districts = list(m.District.objects.all())
    schools = [
        m.School(code=f"39{i:08d}", name=f"基准学校{i}", district=districts[i % len(districts)],
                 school_type=c.SchoolType.PRIMARY, location=c.Location.URBAN)
        for i in range(max(1, n_teachers // 60))
    ]
    levels = [v for v, _ in c.TrainingLevel.choices]
    modes = [v for v, _ in c.TrainingMode.choices]
    with transaction.atomic():
        m.School.objects.bulk_create(schools, batch_size=2000)
        schools = list(m.School.objects.filter(code__startswith="39"))
        teachers = [
            m.Teacher(name=f"教师{i}", sex="1", id_number=f"B{i:017d}", birth_date=dt.date(1985, 1, 1),
                      school=schools[i % len(schools)], teaching_stage=c.Stage.PRIMARY,
                      school_entry=dt.date(2015, 9, 1))
            for i in range(n_teachers)
        ]
        m.Teacher.objects.bulk_create(teachers, batch_size=5000)
        ids = list(m.Teacher.objects.filter(id_number__startswith="B").values_list("pk", flat=True))
        batch = []
        for pk in ids:
            for j in range(rnd.randint(0, 2 * per_teacher)):
                batch.append(CreditRecord(
                    teacher_id=pk, title=f"培训{j}", level=rnd.choice(levels), mode=rnd.choice(modes),
                    hours=Decimal(rnd.choice([6, 12, 24, 40, 60, 90])), year=rnd.randint(2021, 2025),
                    status="approved" if rnd.random() < 0.9 else "pending",
                ))
            if len(batch) > 20000:
                CreditRecord.objects.bulk_create(batch, batch_size=5000)
                batch = []
        CreditRecord.objects.bulk_create(batch, batch_size=5000)


def add_caps() -> None:
    from training.models import TrainingCap, TrainingCycle

    cycle = TrainingCycle.objects.get(start=dt.date(2021, 1, 1))
    TrainingCap.objects.filter(cycle=cycle).delete()
    TrainingCap.objects.create(cycle=cycle, level="school", max_hours=180)
    TrainingCap.objects.create(cycle=cycle, mode="online", max_hours=120)
    TrainingCap.objects.create(cycle=cycle, level="city", mode="blended", max_hours=60)


def main() -> None:
    args = parse_args()
    setup_django(args)
    from backend.models import User
    from backend.scoping import Scope
    from training import selectors
    from training.models import CreditRecord
    from workforce.models import District, Teacher

    if args.fresh and not Teacher.objects.filter(id_number__startswith="B").exists():
        start = time.perf_counter()
        build(args.teachers, args.records)
        print(f"built {args.teachers} teachers in {time.perf_counter() - start:.1f} s")
    if args.caps:
        add_caps()
    elif not args.use_existing:  # a bench database: measure without the caps of an earlier --caps run
        from training.models import TrainingCap

        TrainingCap.objects.all().delete()
    on = dt.date(2024, 6, 1)
    city = Scope("city")
    district = Scope("district", district_id=District.objects.order_by("pk").values_list("pk", flat=True).first())
    teacher = Teacher.objects.order_by("pk").first()
    hr = User(username="bench", role="city_hr", is_superuser=True)
    print(f"teachers {Teacher.objects.count()}, credit records {CreditRecord.objects.count()}, "
          f"caps {'yes' if args.caps else 'no'}, database {os.environ.get('DATABASE_URL', '').split(':')[0]}")
    timed("city completion / on-track (one row)", lambda: selectors.completion_rates(city, on), args.repeat)
    timed("per district", lambda: selectors.completion_rates(city, on, by="district"), args.repeat)
    timed("per school (city)", lambda: selectors.completion_rates(city, on, by="school"), args.repeat)
    timed("per school (one district)", lambda: selectors.completion_rates(district, on, by="school"), args.repeat)
    timed("teachers behind: count + first 100", lambda: (
        selectors.teachers_behind(city, on)[1].count(), list(selectors.teachers_behind(city, on)[1][:100])),
        args.repeat)
    timed("approval queue, city: first 50", lambda: list(selectors.approval_queue(hr)[:50]), args.repeat)
    timed("one teacher's progress", lambda: selectors.teacher_progress(teacher, on), args.repeat)
    timed("measure 'training' (registry)", lambda: selectors.training_measure(city, on), args.repeat)


if __name__ == "__main__":
    main()
