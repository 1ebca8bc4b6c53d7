"""The admin under review: school HR cannot change reviewed fields or add reviewed records there
(they go through change requests); district HR still can; city HR edits the review rules."""
import pytest

from personnel.models import ReviewRule

pytestmark = pytest.mark.django_db


def test_reviewed_fields_and_records_are_read_only_for_school_hr_in_the_admin(client, world):
    url = f"/admin/workforce/teacher/{world.t1.pk}/change/"
    client.force_login(world.users.school)
    page = client.get(url).content.decode()
    assert 'name="subject"' in page  # the school changes it directly
    assert 'name="political_status"' not in page and 'name="teaching_stage"' not in page
    assert "educationrecords-0-education" not in page and "教师档案" in page
    client.force_login(world.users.district)
    page = client.get(url).content.decode()
    assert 'name="political_status"' in page


def test_city_hr_changes_the_review_rules(client, world):
    rule = ReviewRule.objects.get(key="subject")
    client.force_login(world.users.city)
    response = client.post(f"/admin/personnel/reviewrule/{rule.pk}/change/",
                           {"label": rule.label, "needs_review": "on", "_save": "保存"})
    assert response.status_code == 302
    assert ReviewRule.objects.get(key="subject").needs_review
    client.force_login(world.users.school)
    page = client.get(f"/admin/workforce/teacher/{world.t1.pk}/change/").content.decode()
    assert 'name="subject"' not in page
    client.force_login(world.users.district)
    assert client.get("/admin/personnel/reviewrule/").status_code == 200  # reads
    rule.refresh_from_db()
    response = client.post(f"/admin/personnel/reviewrule/{rule.pk}/change/", {"label": rule.label})
    assert response.status_code == 403 and ReviewRule.objects.get(key="subject").needs_review


def test_school_hr_moves_a_teacher_only_by_a_personnel_event_not_in_the_admin(client, world):
    """The school and the leaving date change by an event (confirmed by the district, kept in the
    school history): in the admin they are read-only for school HR, and the page says where to go."""
    from django.urls import reverse

    url = f"/admin/workforce/teacher/{world.t1.pk}/change/"
    client.force_login(world.users.school)
    page = client.get(url).content.decode()
    for name in ("school", "left_on", "left_reason"):
        assert f'name="{name}"' not in page
    assert reverse("personnel:event_new", args=[world.t1.pk]) in page and "人事变动" in page
    client.force_login(world.users.district)
    assert 'name="school"' in client.get(url).content.decode()
