"""The demo's personnel work: requests and events on a built demo city, every page showing them."""
import pytest
from django.test import Client

from demo.personnel import add_personnel_demo
from personnel.models import ChangeRequest, PersonnelEvent
from demo import builder

pytestmark = pytest.mark.django_db


def test_the_demo_city_gets_requests_and_events_its_logins_see(client):
    builder.build_demo_city(teachers=300, schools=12)
    made = add_personnel_demo()
    assert made["变更申请"] >= 4 and made["人事变动"] >= 1
    statuses = set(ChangeRequest.objects.values_list("status", flat=True))
    assert {"school", "pending", "returned"} <= statuses
    assert PersonnelEvent.objects.filter(status__in=["pending", "confirmed"]).exists()
    again = add_personnel_demo()
    assert again["人事变动"] == 0  # one open event a teacher
    from backend.models import User

    for username, url in [("teacher", "/personnel/mine/"), ("school_hr", "/personnel/requests/"),
                          ("haizhou_hr", "/personnel/requests/?status=pending"), ("haizhou_hr", "/personnel/events/"),
                          ("city_hr", "/personnel/export/"), ("school_hr", "/personnel/teachers/")]:
        browser = Client()
        browser.force_login(User.objects.get(username=username))
        response = browser.get(url)
        assert response.status_code == 200, (username, url)
    page = Client()
    page.force_login(User.objects.get(username="haizhou_hr"))
    assert 'data-status="pending"' in page.get("/personnel/requests/").content.decode()
