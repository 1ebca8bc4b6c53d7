"""The HR pages of personnel work: the teacher list (searched, filtered, paginated, a fixed
number of queries) and the edit form that turns a school's reviewed changes into requests."""
import pytest
from django.urls import reverse

from personnel.models import ChangeRequest
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def test_the_teacher_list_searches_and_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.users.city)
    url = reverse("personnel:teachers")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for i in range(60):
        TeacherFactory(school=world.s2 if i % 2 else world.s1b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "第 1 / 2 页" in page  # 63 teachers, 50 a page
    page = client.get(url, {"q": world.t1.id_number[-4:]}).content.decode()
    assert world.t1.name in page
    page = client.get(url, {"district": world.d2.pk}).content.decode()
    assert world.t2.name in page and world.t1.name not in page
    page = client.get(url, {"school": world.s1.pk}).content.decode()
    assert world.t1.name in page and world.t2.name not in page


def test_the_school_edit_form_applies_direct_fields_and_requests_reviewed_ones(client, world):
    client.force_login(world.users.school)
    url = reverse("personnel:teacher_edit", args=[world.t1.pk])
    page = client.get(url).content.decode()
    assert "※" in page
    form = client.get(url).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data.update({"subject": "书法", "political_status": "中共党员", "reason": "党组织关系转入"})
    for name in ("work_start", "school_entry"):
        if data.get(name):
            data[name] = data[name].isoformat()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    world.t1.refresh_from_db()
    assert world.t1.subject == "书法" and world.t1.political_status == "群众"
    cr = ChangeRequest.objects.get()
    assert (cr.field, cr.new_display, cr.status) == ("political_status", "中共党员", "pending")
