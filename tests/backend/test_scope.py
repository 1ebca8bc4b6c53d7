"""Scope: each role sees its own part of the city, in querysets and in the admin."""
import pytest

from workforce.models import EducationRecord, School, Teacher

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_city_hr_sees_every_teacher(world):
    assert names(Teacher.objects.in_scope(world.users.city)) == ["张三", "李四", "王五"]


def test_district_hr_sees_only_its_district(world):
    assert names(Teacher.objects.in_scope(world.users.district)) == ["张三", "李四"]
    assert names(Teacher.objects.in_scope(world.users.district2)) == ["王五"]


def test_school_hr_sees_only_its_school(world):
    assert names(Teacher.objects.in_scope(world.users.school)) == ["张三"]
    assert names(School.objects.in_scope(world.users.school)) == ["海州实验小学"]


def test_teacher_sees_only_themself(world):
    assert names(Teacher.objects.in_scope(world.users.teacher)) == ["张三"]


def test_leaders_see_their_scope(world):
    assert len(Teacher.objects.in_scope(world.users.leader)) == 3
    assert names(Teacher.objects.in_scope(world.users.district_leader)) == ["张三", "李四"]


def test_sub_records_follow_the_teacher(world):
    EducationRecord.objects.create(teacher=world.t1, education="bachelor", degree="bachelor")
    EducationRecord.objects.create(teacher=world.t2, education="master", degree="master")
    assert EducationRecord.objects.in_scope(world.users.district).count() == 1
    assert EducationRecord.objects.in_scope(world.users.teacher).get().teacher == world.t1


def test_teacher_moved_to_another_school_changes_who_sees_them(world):
    world.t1.school = world.s2
    world.t1.save()
    assert "张三" not in names(Teacher.objects.in_scope(world.users.school))
    assert "张三" in names(Teacher.objects.in_scope(world.users.district2))


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert Teacher.objects.in_scope(AnonymousUser()).count() == 0


@pytest.mark.parametrize(
    "who, visible, hidden",
    [
        ("district", ["张三", "李四"], ["王五"]),
        ("school", ["张三"], ["李四", "王五"]),
        ("teacher", ["张三"], ["李四", "王五"]),
        ("city", ["张三", "李四", "王五"], []),
    ],
)
def test_admin_teacher_list_is_cut_to_scope(client, world, who, visible, hidden):
    client.force_login(getattr(world.users, who))
    page = client.get("/admin/workforce/teacher/").content.decode()
    for name in visible:
        assert name in page
    for name in hidden:
        assert name not in page


def test_admin_masks_id_numbers_without_the_right(client, world):
    client.force_login(world.users.district)
    page = client.get("/admin/workforce/teacher/").content.decode()
    assert world.t1.id_number not in page
    assert world.t1.masked_id_number in page
    client.force_login(world.users.city)  # has the right: still masked, with a reveal link
    page = client.get("/admin/workforce/teacher/").content.decode()
    assert world.t1.id_number not in page
    assert f"/accounts/reveal/{world.t1.pk}/" in page


def test_admin_change_form_never_echoes_the_full_id(client, world):
    client.force_login(world.users.city)
    page = client.get(f"/admin/workforce/teacher/{world.t1.pk}/change/").content.decode()
    assert world.t1.masked_id_number in page
    assert world.t1.id_number not in page
    assert world.t1.birth_date.isoformat() not in page


def test_admin_id_correction_updates_birth_date_and_sex(client, world):
    import datetime as dt

    from django.contrib.admin.helpers import AdminForm  # noqa: F401  (admin form machinery loaded)

    from tests.factories import valid_id

    client.force_login(world.users.city)
    url = f"/admin/workforce/teacher/{world.t1.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    new_id = valid_id(dt.date(1990, 3, 4), "2")
    data["new_id_number"] = new_id.lower()
    for prefix in ("educationrecords", "titleappointments", "exchanges", "awards"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    world.t1.refresh_from_db()
    assert world.t1.id_number == new_id
    assert world.t1.birth_date == dt.date(1990, 3, 4) and world.t1.sex == "2"


def test_admin_change_page_of_other_district_is_not_found(client, world):
    client.force_login(world.users.district)
    response = client.get(f"/admin/workforce/teacher/{world.t2.pk}/change/")
    assert response.status_code in (302, 404)  # admin redirects to the list with "does not exist"
    assert world.t2.id_number not in response.content.decode()


def test_admin_teacher_list_queries_do_not_grow_with_rows(client, world, django_assert_max_num_queries):
    from tests.factories import TeacherFactory

    client.force_login(world.users.city)
    for _ in range(30):
        TeacherFactory(school=world.s1)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/workforce/teacher/").status_code == 200


def test_leader_cannot_change_records(client, world):
    client.force_login(world.users.leader)
    response = client.post(f"/admin/workforce/teacher/{world.t1.pk}/change/", {"name": "改名"})
    assert response.status_code == 403
    world.t1.refresh_from_db()
    assert world.t1.name == "张三"
