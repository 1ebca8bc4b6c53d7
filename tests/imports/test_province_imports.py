"""Imports in a province of several cities (issue 18): a city's HR imports into its own city's
schools only, a district every city has (市直) is named by its 区划代码, and the province's HR
imports into any city."""
from __future__ import annotations

import pytest

from core.roles import Role
from imports.services import import_run
from tests.factories import SchoolFactory, UserFactory
from tests.imports.helpers import roster, write_xlsx
from workforce import choices as c
from workforce import models as m

pytestmark = pytest.mark.django_db

SCHOOL_HEADERS = ["学校标识码", "学校名称", "所属区县", "学校类型", "办学性质", "城乡分类", "村小/教学点"]


@pytest.fixture
def province(world):
    a = m.City.objects.get()
    b = m.City.objects.create(code="320300", name="徐州市", order=2)
    gulou = m.District.objects.create(city=b, code="320302", name="鼓楼区", kind=c.DistrictKind.DISTRICT)
    m.District.objects.create(city=b, code="320399", name="市直", kind=c.DistrictKind.CITY)
    if not m.District.objects.filter(city=a, name="市直").exists():
        m.District.objects.create(city=a, code="320799", name="市直", kind=c.DistrictKind.CITY)
    world.users.city.city = a
    world.users.city.save()
    world.school_b = SchoolFactory(district=gulou, name="鼓楼实验小学")
    world.city_b = UserFactory(username="city_b", role=Role.CITY_HR, city=b, can_view_identity=True)
    world.province_hr = UserFactory(username="province", role=Role.PROVINCE_HR, can_view_identity=True)
    return world


def _run(tmp_path, sheets, user):
    return import_run(file=write_xlsx(tmp_path / "p.xlsx", sheets), filename="p.xlsx", user=user, dry_run=False)


def test_a_citys_hr_cannot_import_teachers_into_another_citys_school(province, tmp_path):
    report = _run(tmp_path, {"花名册": roster(province.school_b, 2)}, province.users.city)
    assert not report.committed and report.errors
    assert "鼓楼实验小学" not in str(m.Teacher.objects.values_list("school__name", flat=True))
    assert not m.Teacher.objects.filter(school=province.school_b).exists()
    # the city's own HR may
    report = _run(tmp_path, {"花名册": roster(province.school_b, 2)}, province.city_b)
    assert report.committed, report.errors
    assert m.Teacher.objects.filter(school=province.school_b).count() == 2


def test_a_school_list_names_districts_of_the_users_city_only(province, tmp_path):
    rows = [SCHOOL_HEADERS, ["3203020101", "鼓楼新建小学", "鼓楼区", "小学", "公办", "城区", ""]]
    report = _run(tmp_path, {"学校": rows}, province.users.city)   # 连云港's HR names 徐州's 鼓楼区
    assert not report.committed
    assert any(e.column == "所属区县" and "区县名称不存在" in e.message for e in report.errors), report.errors
    assert not m.School.objects.filter(code="3203020101").exists()


def test_a_district_every_city_has_is_the_users_own_citys(province, tmp_path):
    """徐州's HR writes 市直: 徐州's 市直, not 连云港's."""
    rows = [SCHOOL_HEADERS, ["3203990101", "徐州市直新建学校", "市直", "初级中学", "公办", "城区", ""]]
    report = _run(tmp_path, {"学校": rows}, province.city_b)
    assert report.committed, report.errors
    assert m.School.objects.get(code="3203990101").district.city.name == "徐州市"


def test_above_the_cities_a_name_every_city_has_needs_the_code(province, tmp_path):
    admin = UserFactory(username="root", role=Role.CITY_HR, is_superuser=True, is_staff=True)
    rows = [SCHOOL_HEADERS, ["3203990102", "徐州市直二校", "市直", "初级中学", "公办", "城区", ""]]
    report = _run(tmp_path, {"学校": rows}, admin)
    assert not report.committed
    assert any(e.column == "所属区县" and "请填写6位区划代码" in e.message for e in report.errors), report.errors
    rows[1][2] = "320399"
    report = _run(tmp_path, {"学校": rows}, admin)
    assert report.committed, report.errors
    assert m.School.objects.get(code="3203990102").district.city.name == "徐州市"
