"""Access to the personnel pages as a matrix: role × page × own/other scope, every cell asserted
(as tests/security/test_matrix*.py). A record outside the scope answers 404 like one that does not
exist (and is recorded); a page the role may not use answers 403 (recorded)."""
import pytest

from backend.models import AuditEntry
from personnel import services
from tests.security.test_matrix import SUBJECTS, cell, cells_of, user_for

pytestmark = pytest.mark.django_db

URLS = {
    "mine": "/personnel/mine/",
    "requests": "/personnel/requests/",
    "request": "/personnel/requests/{request}/",
    "teachers": "/personnel/teachers/",
    "teacher_edit": "/personnel/teachers/{teacher}/edit/",
    "event_new": "/personnel/teachers/{teacher}/event/",
    "events": "/personnel/events/",
    "export": "/personnel/export/",
    "annual": "/personnel/annual/",
}
HR = {"mine": 404, "requests": 200, "request": (200, 404), "teachers": 200, "teacher_edit": (200, 404),
      "event_new": (200, 404), "events": 200, "export": 200, "annual": 200}
NONE = {"mine": 404, "requests": 403, "request": (403, 404), "teachers": 403, "teacher_edit": (403, 403),
        "event_new": (403, 403), "events": 403, "export": 403, "annual": 403}
EXPECTED = {
    "city": {**HR, "request": (200, 200), "teacher_edit": (200, 200), "event_new": (200, 200)},
    "district": HR,
    "district_id": HR,
    "school": HR,
    "teacher": {**NONE, "mine": 200, "request": (200, 404)},
    "leader": {**NONE, "request": (403, 403)},
    "district_leader": NONE,
}
CELLS = cells_of(EXPECTED)


@pytest.mark.parametrize("role, action, side", CELLS, ids=[f"{r}-{a}-{s}" for r, a, s in CELLS])
def test_personnel_page_cell(client, world, role, action, side):
    user = user_for(world, role)
    expected, teacher, _scope = cell(world, EXPECTED, SUBJECTS, role, action, side)
    cr = services.field_change_request(teacher=teacher, field="subject", value="书法", user=world.users.city)
    client.force_login(user)
    response = client.get(URLS[action].format(teacher=teacher.pk, request=cr.pk))
    assert response.status_code == expected, response.content.decode(errors="replace")[:300]
    if expected in (403, 404) and action not in ("mine",):
        assert AuditEntry.objects.filter(action="denied", username=user.username).exists()
