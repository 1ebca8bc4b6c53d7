"""factory_boy factories building valid records (IDs with correct check digits)."""
from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import factory

from backend.models import User
from core.roles import Role
from workforce import choices as c
from workforce import models as m
from core.identity import make_id_number

_seq = itertools.count(1)


def valid_id(birth: dt.date = dt.date(1985, 6, 15), sex: str = "1", region: str = "320706") -> str:
    n = next(_seq)
    return make_id_number(region, birth, n % 500, sex)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.District
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"3299{n:02d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    kind = c.DistrictKind.DISTRICT


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.School

    code = factory.Sequence(lambda n: f"31{n:08d}")
    name = factory.Sequence(lambda n: f"测试学校{n}")
    district = factory.SubFactory(DistrictFactory)
    school_type = c.SchoolType.PRIMARY
    ownership = c.Ownership.PUBLIC
    location = c.Location.URBAN


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Teacher

    name = factory.Sequence(lambda n: f"教师{n}")
    sex = "1"
    birth_date = dt.date(1985, 6, 15)
    id_number = factory.LazyAttribute(lambda o: valid_id(o.birth_date, o.sex))
    school = factory.SubFactory(SchoolFactory)
    teaching_stage = factory.LazyAttribute(lambda o: o.school.stage_list[0])
    work_start = dt.date(2008, 9, 1)
    school_entry = dt.date(2012, 9, 1)
    staff_category = c.StaffCategory.FULL_TIME_TEACHER
    on_establishment = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    role = Role.CITY_HR
    password = factory.PostGenerationMethodCall("set_password", "Passw0rd!x")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def ensure_reference_data() -> None:
    """Transactional (browser) tests flush the database, data migrations included: re-seed."""
    import importlib

    from django.apps import apps

    if not m.District.objects.exists():
        importlib.import_module("workforce.migrations.0002_reference_data").seed(apps, None)
        importlib.import_module("workforce.migrations.0007_award_holder_and_rule_codes").seed(apps, None)
        importlib.import_module("workforce.migrations.0009_plans").seed(apps, None)
    from training.models import TrainingCycle

    if not TrainingCycle.objects.exists():
        importlib.import_module("training.migrations.0002_cycles").seed(apps, None)


def build_world() -> SimpleNamespace:
    ensure_reference_data()
    d1 = m.District.objects.get(name="海州区")
    d2 = m.District.objects.get(name="灌南县")
    s1 = SchoolFactory(district=d1, name="海州实验小学")
    s1b = SchoolFactory(district=d1, name="海州第二小学", location=c.Location.RURAL)
    s2 = SchoolFactory(district=d2, name="灌南实验小学")
    t1 = TeacherFactory(school=s1, name="张三")
    t1b = TeacherFactory(school=s1b, name="李四", sex="2")
    t2 = TeacherFactory(school=s2, name="王五")
    users = SimpleNamespace(
        city=UserFactory(username="city", role=Role.CITY_HR, can_view_identity=True),
        district=UserFactory(username="district1", role=Role.DISTRICT_HR, district=d1),
        district2=UserFactory(username="district2", role=Role.DISTRICT_HR, district=d2),
        school=UserFactory(username="school1", role=Role.SCHOOL_HR, school=s1),
        teacher=UserFactory(username="teacher1", role=Role.TEACHER, teacher=t1),
        leader=UserFactory(username="leader", role=Role.LEADER),
        district_leader=UserFactory(username="leader1", role=Role.LEADER, district=d1),
    )
    return SimpleNamespace(d1=d1, d2=d2, s1=s1, s1b=s1b, s2=s2, t1=t1, t1b=t1b, t2=t2, users=users)
