"""Personnel pages in English (as tests/backend/test_i18n_pages.py): with the demo's requests and
events on them, no run of Chinese characters but data values."""
import re

import pytest
from django.test import Client

from backend.models import User
from personnel import annual
from demo.personnel import add_personnel_demo
from personnel.models import ChangeRequest
from tests.backend.test_i18n_pages import HAN, data_words, is_data, shown_text
from demo import builder

pytestmark = pytest.mark.django_db

PAGES = {
    "teacher": ["/personnel/mine/"],
    "school_hr": ["/personnel/requests/", "/personnel/teachers/", "/personnel/events/", "/personnel/annual/",
                  "/personnel/annual/{period}/", "/personnel/export/", "/personnel/batches/"],
    "haizhou_hr": ["/personnel/requests/", "/personnel/requests/{request}/", "/personnel/events/",
                   "/personnel/annual/{period}/", "/personnel/teachers/{teacher}/edit/",
                   "/personnel/teachers/{teacher}/event/", "/personnel/batches/?status=pending"],
    "city_hr": ["/personnel/annual/", "/personnel/annual/{period}/", "/personnel/events/"],
}


def test_personnel_pages_read_in_english():
    builder.build_demo_city(teachers=300, schools=12)
    add_personnel_demo()
    city = User.objects.get(username="city_hr")
    period = annual.period_open(school_year=2026, name="2026-2027", deadline=None, user=city)
    cr = ChangeRequest.objects.filter(kind="field").first()
    # the values of free-text fields (民族, 政治面貌) as entered, and the records' institutions
    typed = ChangeRequest.objects.filter(kind="field", field__in=["ethnicity", "political_status"])
    words = data_words() | {w for r in typed for text in (r.old_display, r.new_display) for w in HAN.findall(text)}
    words |= {w for r in ChangeRequest.objects.all() for text in (r.reason, r.return_reason) for w in HAN.findall(text)}
    words |= {w for r in ChangeRequest.objects.exclude(kind="field") for w in HAN.findall(
        (r.new_value or {}).get("institution", "") or "")}
    longest = max(map(len, words))
    found = {}
    for username, urls in PAGES.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        for url in urls:
            url = url.format(period=period.pk, request=cr.pk, teacher=cr.teacher_id)
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            html = re.sub(r'<nav class="mainnav">.*?</nav>', " ", response.content.decode(), flags=re.S)
            for run in HAN.findall(shown_text(html)):
                if len(run) >= 2 and not is_data(run, words, longest):
                    found.setdefault(run, set()).add(url)
    assert not found, found
