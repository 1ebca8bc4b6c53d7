"""The 年度考核 list and its download (issue 17): the same columns, the same rows under a filter,
the 身份证件号 masked, a bad result refused in Chinese with nothing stored, the download audited."""
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from backend.models import AuditEntry
from careers import services
from careers.models import Assessment
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def test_a_filter_narrows_the_sheet_and_its_download_alike(client, world):
    others = TeacherFactory.create_batch(3, school=world.s1)
    services.assessment_record(teacher=world.t1, year=2024, result="pass", user=world.users.school)
    client.force_login(world.users.district)
    url = reverse("careers:assessments")
    for params in ({"year": 2024, "result": "pass"}, {"year": 2024, "result": "none", "school": world.s1.pk},
                   {"year": 2024, "q": others[0].name}):
        page = client.get(url, params)
        listed = [cells for _t, cells in page.context["rows"]]
        response = client.get(url, {**params, "format": "xlsx"})
        sheet = load_workbook(BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[1][:-1]) == [str(h) for h in page.context["columns"]]
        assert [list(r[:-1]) for r in rows[2:]] == listed and listed, params
        assert all("*" in cells[1] for cells in listed)
    assert [r[-1] for r in load_workbook(BytesIO(client.get(url, {"year": 2024, "result": "pass", "format": "xlsx"})
                                                  .content)).active.iter_rows(min_row=3, values_only=True)] == ["合格"]
    assert AuditEntry.objects.filter(action="export", object_repr="年度考核_2024.xlsx").count() == 4


def test_a_result_that_is_not_a_choice_is_refused_in_chinese_and_nothing_is_stored(client, world):
    client.force_login(world.users.school)
    url = reverse("careers:assessments") + "?year=2024"
    response = client.post(url, {f"result_{world.t1.pk}": "pass", f"result_{world.t1b.pk}": "最好"}, follow=True)
    assert "“最好”不是可选的考核结果。" in response.content.decode()
    assert not Assessment.objects.exists()
