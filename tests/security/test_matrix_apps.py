"""The access matrix for the pages of the other apps: training (/training/…), rotation, honours and
quota (/workforce/…) and the dashboard's pages and JSON (its workbook is in ``test_matrix``).

Same rows and sides as ``test_matrix``: own = a teacher or scope the user holds, other = one outside
it (for city-wide users: another district, still theirs). A record out of scope answers 404 like
one that does not exist; a scope named in the address (dashboard) answers 403; a page the role
may not use answers 403.
"""
from __future__ import annotations

import pytest

from backend.models import AuditEntry
from tests.security.test_matrix import SUBJECTS, cell, cells_of, dashboard_scope, user_for

pytestmark = pytest.mark.django_db

# action → URL; {teacher} is the own/other teacher's pk, {district}/{school} the own/other scope's code
URLS = {
    "training_index": "/training/",
    "training_mine": "/training/mine/",
    "training_queue": "/training/queue/",
    "training_catalogue": "/training/programmes/",
    "training_report": "/training/report/",
    "training_behind": "/training/report/behind/",
    "training_teacher": "/training/teachers/{teacher}/",
    "rotation_plan": "/workforce/rotation/",
    "rotation_eligible": "/workforce/rotation/eligible/",
    "rotation_exchanges": "/workforce/rotation/exchanges/",
    "rotation_record": "/workforce/rotation/record/{teacher}/",
    "honours": "/workforce/honours/",
    "honours_awards": "/workforce/honours/awards/",
    "honours_conflicts": "/workforce/honours/conflicts/",
    "honours_ethics": "/workforce/honours/ethics/",
    "quota": "/workforce/quota/",
    "dashboard": "/workforce/dashboard/",
    "dashboard_scope": "{scope_page}",
    "dashboard_json": "/workforce/dashboard/measures.json?scope={scope}",
}
READ = {"rotation_plan": 200, "rotation_eligible": 200, "rotation_exchanges": 200, "honours": 200,
        "honours_awards": 200, "honours_conflicts": 403, "honours_ethics": 403, "quota": 200, "dashboard": 200,
        "dashboard_scope": (200, 403), "dashboard_json": (200, 403), "training_catalogue": 200,
        "training_report": 200, "training_behind": 200, "training_teacher": (200, 404)}
HR = {**READ, "dashboard": 302, "training_index": 302, "training_mine": 404, "training_queue": 200, "rotation_record": (403, 403)}
DISTRICT_HR = {**HR, "rotation_record": (200, 404)}
LEADER = {**READ, "dashboard": 302, "training_index": 302, "training_mine": 404, "training_queue": 403, "rotation_record": (403, 403)}
CITY_WIDE = {"dashboard": 200, "dashboard_scope": (200, 200), "dashboard_json": (200, 200), "training_teacher": (200, 200)}
EXPECTED = {
    # the dashboard's entry: the city overview for city-wide users, else a redirect to one's own scope
    "city": {**DISTRICT_HR, **CITY_WIDE, "rotation_record": (200, 200)},
    "district": DISTRICT_HR,
    "district_id": DISTRICT_HR,
    "school": HR,
    "teacher": {action: 403 for action in READ} | {
        "training_index": 302, "training_mine": 200, "training_queue": 403, "training_catalogue": 200,
        "training_teacher": (403, 403), "rotation_record": (403, 403), "dashboard_scope": (403, 403),
        "dashboard_json": (403, 403)},
    "leader": {**LEADER, **CITY_WIDE},
    "district_leader": LEADER,
    # the province's HR (issue 18) reads as a city-wide leader does and decides nothing here
    "province": {**LEADER, **CITY_WIDE},
}
CELLS = cells_of(EXPECTED)


def scope_page(world, text: str) -> str:
    kind, _, key = text.partition(":")
    if kind == "school":
        return f"/workforce/dashboard/school/{getattr(world, key).code}/"
    return f"/workforce/dashboard/district/{world.d1.code if key == '海州区' else world.d2.code}/"


@pytest.mark.parametrize("role, action, side", CELLS, ids=[f"{r}-{a}-{s}" for r, a, s in CELLS])
def test_page_cell(client, world, role, action, side):
    user = user_for(world, role)
    client.force_login(user)
    expected, teacher, scope = cell(world, EXPECTED, SUBJECTS, role, action, side)
    own_scope = SUBJECTS[role][2]
    url = URLS[action].format(teacher=teacher.pk, scope=dashboard_scope(world, scope),
                              scope_page=scope_page(world, scope))
    response = client.get(url)
    assert response.status_code == expected, response.content.decode(errors="replace")[:400]
    if expected == 403:
        assert AuditEntry.objects.filter(action="denied", username=user.username).exists()
    if action == "dashboard" and expected == 302:
        assert response.url == scope_page(world, own_scope)
    if expected == 200 and action in ("training_teacher", "rotation_record"):
        assert teacher.name in response.content.decode()
