"""A province of several cities (issue 18): the city HR of one city sees nothing of another, in the
lists, the detail pages (404, the refusal audited), the downloads, the admin and the accounts; the
province's HR and an unassigned leader read both; a single-city installation is what it was."""
from __future__ import annotations

import pytest
from django.test import Client

from backend import scoping
from backend.models import AuditEntry, User
from backend.scoping import Scope, scope_for
from core.roles import Role
from tests.factories import SchoolFactory, TeacherFactory, UserFactory
from workforce import choices as c
from workforce import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(world):
    """The demo city (连云港市, its districts and the world's three teachers) and a second city,
    徐州市, with a 鼓楼区 school and its teacher 赵六; a city HR office in each, the province's HR."""
    a = m.City.objects.get()
    b = m.City.objects.create(code="320300", name="徐州市", order=2)
    gulou = m.District.objects.create(city=b, code="320302", name="鼓楼区", kind=c.DistrictKind.DISTRICT)
    m.District.objects.create(city=b, code="320300", name="市直", kind=c.DistrictKind.CITY)  # every city has one
    school_b = SchoolFactory(district=gulou, name="鼓楼实验小学")
    teacher_b = TeacherFactory(school=school_b, name="赵六")
    users = world.users
    users.city.city = a
    users.city.save()
    users.city_b = UserFactory(username="city_b", role=Role.CITY_HR, city=b, can_view_identity=True)
    users.province = UserFactory(username="province", role=Role.PROVINCE_HR, can_view_identity=True)
    world.a, world.b, world.gulou, world.school_b, world.t_b = a, b, gulou, school_b, teacher_b
    return world


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


A_TEACHERS, B_TEACHERS = ["张三", "李四", "王五"], ["赵六"]


def assert_names(body: str, shown: list[str], hidden: list[str]) -> None:
    for name in shown:
        assert name in body, name
    for name in hidden:
        assert name not in body, name


# ---------------------------------------------------------------- who works at which level
def test_each_account_works_at_its_level(province):
    users = province.users
    assert scope_for(users.city) == Scope("city", city_id=province.a.pk)
    assert scope_for(users.city_b) == Scope("city", city_id=province.b.pk)
    assert scope_for(users.province) == Scope("province")
    assert scope_for(users.leader) == Scope("province")  # a leader with no city, district or school
    assert scope_for(users.district).kind == "district"
    users.leader.city = province.b
    assert scope_for(users.leader) == Scope("city", city_id=province.b.pk)
    cityless = UserFactory(username="cityless", role=Role.CITY_HR)
    assert scope_for(cityless).kind == "none"  # fails closed: sees nothing until given a city


def test_a_single_city_installation_is_what_it_was(world):
    """One city: city HR, the province's HR, a superuser and an unassigned leader all get
    ``Scope("city")`` with no city — the whole installation read with no filter, no join."""
    for user in (world.users.city, world.users.leader,
                 UserFactory(username="p", role=Role.PROVINCE_HR), UserFactory(username="su", is_superuser=True)):
        assert scope_for(user) == Scope("city") and scope_for(user).covers_all
    query = str(m.Teacher.objects.in_scope(world.users.city).query)
    assert "city_id" not in query and "workforce_city" not in query
    district = m.District.objects.create(code="320799", name="新区", kind=c.DistrictKind.ZONE)
    assert district.city == m.City.objects.get()  # a district made without a city joins the only one


def test_the_number_of_cities_is_asked_again_when_one_is_added(world):
    assert scoping.single_city()
    m.City.objects.create(code="320300", name="徐州市")
    assert not scoping.single_city()
    assert scope_for(world.users.city).kind == "none"  # city HR without a city, now that there are two


# ---------------------------------------------------------------- the data pages
def test_city_hr_lists_only_its_city_s_teachers_schools_and_districts(province):
    a, b = login(province.users.city), login(province.users.city_b)
    assert_names(a.get("/admin/workforce/teacher/").content.decode(), A_TEACHERS, B_TEACHERS)
    assert_names(b.get("/admin/workforce/teacher/").content.decode(), B_TEACHERS, A_TEACHERS)
    assert_names(a.get("/admin/workforce/school/").content.decode(), ["海州实验小学"], ["鼓楼实验小学"])
    assert_names(a.get("/admin/workforce/district/").content.decode(), ["海州区"], ["鼓楼区"])
    assert_names(b.get("/admin/workforce/district/").content.decode(), ["鼓楼区"], ["海州区"])
    assert_names(a.get("/personnel/teachers/").content.decode(), A_TEACHERS, B_TEACHERS)
    assert_names(a.get("/careers/posts/").content.decode(), ["海州实验小学"], ["鼓楼实验小学"])
    # the district filter of the teachers' list offers its own city's districts only
    page = a.get("/personnel/teachers/").content.decode()
    assert "海州区" in page and "鼓楼区" not in page


def test_another_city_s_teacher_is_not_found_and_the_refusal_is_recorded(province):
    client = login(province.users.city)
    url = f"/admin/workforce/teacher/{province.t_b.pk}/change/"
    assert client.get(url).status_code == 404
    assert AuditEntry.objects.filter(action="denied", username="city", object_id=str(province.t_b.pk)).exists()
    assert client.get(f"/admin/workforce/school/{province.school_b.pk}/change/").status_code == 404
    assert client.post(f"/accounts/reveal/{province.t_b.pk}/", {"reason": "核对社保登记信息"}).status_code == 404
    assert province.t_b.id_number not in client.post(
        f"/accounts/reveal/{province.t_b.pk}/", {"reason": "核对社保登记信息"}).content.decode()
    own = login(province.users.city_b)
    assert own.get(url).status_code == 200


def test_the_national_template_of_a_city_holds_its_own_teachers(province):
    for user, count in ((province.users.city, 3), (province.users.city_b, 1), (province.users.province, 4)):
        response = login(user).get("/personnel/export/", {"format": "xlsx"})
        assert response.status_code == 200
        entry = AuditEntry.objects.filter(action="export", username=user.username).latest("at")
        assert f"）{count} 名教师" in entry.message, entry.message


def test_the_province_reads_every_city_and_changes_no_record(province):
    client = login(province.users.province)
    assert_names(client.get("/admin/workforce/teacher/").content.decode(), A_TEACHERS + B_TEACHERS, [])
    assert_names(client.get("/admin/workforce/district/").content.decode(), ["海州区", "鼓楼区"], [])
    page = client.get(f"/admin/workforce/teacher/{province.t_b.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read only
    assert login(province.users.leader).get(f"/admin/workforce/teacher/{province.t_b.pk}/change/").status_code == 200


def test_city_programmes_and_training_decisions_stay_in_their_city(province):
    from training.permissions import can_decide, can_publish
    from tests.training.helpers import log

    record = log(province.t_b, province.users.city_b, hours=10)
    assert not can_decide(province.users.city, record) and can_decide(province.users.city_b, record)
    assert not can_publish(province.users.city, province.gulou.pk) and can_publish(province.users.city_b, province.gulou.pk)
    assert can_publish(province.users.city_b, None)  # its own city's programme (Programme.city)


def test_a_citys_approval_queue_holds_its_own_citys_records(province):
    """A city's HR of several cities decides its own city's pending records (and sees its schools
    to narrow the queue); the other city's stay out."""
    from tests.training.helpers import log
    from training.selectors import approval_queue

    record_b = log(province.t_b, province.users.city_b, hours=10)
    record_a = log(province.t1, province.users.city, hours=8)
    assert list(approval_queue(province.users.city_b)) == [record_b]
    assert list(approval_queue(province.users.city)) == [record_a]
    body = login(province.users.city_b).get("/training/queue/").content.decode()
    assert "鼓楼实验小学" in body and "海州实验小学" not in body


# ---------------------------------------------------------------- accounts and the audit trail
def test_city_hr_manages_its_city_s_accounts_only(province):
    client = login(province.users.city)
    page = client.get("/admin/backend/user/").content.decode()
    assert ">district1<" in page and ">city_b<" not in page and ">province<" not in page
    response = client.post("/admin/backend/user/add/", {
        "username": "new_province", "password1": "Xy7!long-enough", "password2": "Xy7!long-enough",
        "role": Role.PROVINCE_HR, "usable_password": "true"})
    assert response.status_code == 200 and not User.objects.filter(username="new_province").exists()
    assert "管理范围须在您的管理范围之内" in response.content.decode()
    response = client.post("/admin/backend/user/add/", {
        "username": "new_city_hr", "password1": "Xy7!long-enough", "password2": "Xy7!long-enough",
        "role": Role.CITY_HR, "usable_password": "true"})
    assert not User.objects.filter(username="new_city_hr").exists()
    assert "须指定所属城市" in response.content.decode()


def test_city_hr_reads_its_city_s_audit_trail(province):
    login(province.users.city_b).get(f"/admin/workforce/teacher/{province.t_b.pk}/change/")
    login(province.users.city).get(f"/admin/workforce/teacher/{province.t_b.pk}/change/")
    own = login(province.users.city).get("/accounts/audit/").content.decode()
    assert "city_b" not in own
    assert "city_b" in login(province.users.province).get("/accounts/audit/").content.decode()


def test_the_province_adds_a_city_and_a_city_does_not(province):
    assert login(province.users.city).get("/admin/workforce/city/add/").status_code == 403
    client = login(province.users.province)
    assert client.get("/admin/workforce/city/add/").status_code == 200
    assert_names(login(province.users.city).get("/admin/workforce/city/").content.decode(), ["连云港市"], ["徐州市"])


def test_the_rights_table_is_changed_from_the_province(province):
    city = login(province.users.city)
    assert city.get("/admin/backend/rolecapability/").status_code == 200
    assert city.get("/admin/backend/rolecapability/add/").status_code == 403
    assert login(province.users.province).get("/admin/backend/rolecapability/add/").status_code == 200


def test_the_post_structure_page_sums_the_city_or_the_province(province):
    assert 'data-scope="city"' in login(province.users.city).get("/careers/posts/").content.decode()
    page = login(province.users.province).get("/careers/posts/").content.decode()
    assert 'data-scope="province"' in page and "鼓楼实验小学" in page and "海州实验小学" in page


def test_a_city_s_programme_is_its_own_city_s(province):
    from decimal import Decimal

    from training import services
    from training.models import Programme

    programme = services.programme_publish(user=province.users.city_b, name="鼓楼区班主任研修", level="city",
                                           mode="online", hours=Decimal("12"))
    assert programme.city == province.b and programme.district is None
    assert programme in Programme.objects.visible_to(province.users.city_b)
    assert programme not in Programme.objects.visible_to(province.users.city)
    assert programme not in Programme.objects.visible_to(province.users.district)  # 海州区, in the other city
    assert programme in Programme.objects.visible_to(province.users.province)
    assert "鼓楼区班主任研修" not in login(province.users.city).get("/training/programmes/").content.decode()


def test_the_admin_lists_a_city_s_programmes_to_that_city_only(province):
    from training.models import Programme

    Programme.objects.create(name="徐州市骨干研修", level="city", mode="online", hours=10, city=province.b)
    assert "徐州市骨干研修" not in login(province.users.city).get("/admin/training/programme/").content.decode()
    assert "徐州市骨干研修" in login(province.users.city_b).get("/admin/training/programme/").content.decode()


# ---------------------------------------------------------------- every page, crawled
OTHER_CITY = {"赵六": "徐州市的教师", "鼓楼实验小学": "徐州市的学校", "鼓楼区": "徐州市的区县"}


def crawl_for_other_city(user):
    from tests.security.test_crawl import crawl

    client = Client(raise_request_exception=False)
    client.force_login(user)
    visited, problems = crawl(client, OTHER_CITY, limit=250)
    assert len(visited) > 20
    return problems


@pytest.mark.parametrize("role", ["city", "district"])
def test_no_page_of_city_a_shows_city_b(province, role):
    """The generic crawl of ``test_crawl`` (every page, link and download a user reaches) as city
    HR and district HR of 连云港: none holds a name of 徐州市's teacher, school or district, and
    none fails."""
    problems = crawl_for_other_city(getattr(province.users, role))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", ["province", "leader", "city_b"])
def test_every_page_opens_for_the_province_and_a_second_city(province, role):
    from tests.security.test_crawl import crawl

    client = Client(raise_request_exception=False)
    client.force_login(getattr(province.users, role))
    visited, problems = crawl(client, {}, limit=250)
    assert len(visited) > 20
    assert problems == [], "\n".join(problems)
