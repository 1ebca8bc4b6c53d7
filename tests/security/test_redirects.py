"""Off-site redirects (issue 12): every ``next`` a form posts goes through ``backend.redirects.safe_next``.

A user who follows a crafted link and then approves, ends, revokes or records must land back on
this site, never on ``evil.example`` nor on a ``javascript:`` address."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from backend.redirects import safe_next
from tests.training.helpers import log
from workforce import services as wf_services
from workforce.models import ExchangeType, HonourType

pytestmark = pytest.mark.django_db

BAD = ["//evil.example", "https://evil.example", "http://evil.example/path", "/\\evil.example", "\\\\evil.example",
       "javascript:alert(1)", " //evil.example", "https:evil.example", "///evil.example"]
GOOD = "/workforce/honours/awards/?state=all&page=2"


@pytest.mark.parametrize("target", BAD)
def test_safe_next_refuses_addresses_off_the_site(target):
    request = RequestFactory().post("/x/", {"next": target})
    assert safe_next(request, "/fallback/") == "/fallback/"


def test_safe_next_keeps_a_local_path_and_resolves_url_names():
    request = RequestFactory().post("/x/", {"next": GOOD})
    assert safe_next(request, "/fallback/") == GOOD
    empty = RequestFactory().post("/x/", {})
    assert safe_next(empty, "training:queue") == "/training/queue/"


def _award(world):
    return wf_services.award_grant(honour_type=HonourType.objects.get(code="gangcheng_mingshi"), teacher=world.t1,
                                   awarded_on=dt.date(2025, 3, 1), user=world.users.district)


def _exchange(world):
    return wf_services.exchange_record(
        teacher=world.t1, exchange_type=ExchangeType.objects.get(name="交流轮岗"), start=dt.date(2025, 9, 1),
        end=None, to_school=world.s1b, user=world.users.district)


def _post(client, world, which, next_value):
    """One POST of each form that carries ``next``; the page would send it back there."""
    if which == "training_decide":
        record = log(world.t1, world.users.teacher)
        client.force_login(world.users.school)
        return client.post(f"/training/records/{record.pk}/decide/", {"action": "approve", "next": next_value})
    client.force_login(world.users.district)
    if which == "award_revoke":
        award = _award(world)
        return client.post(f"/workforce/honours/awards/{award.pk}/revoke/",
                           {"reason": "师德一票否决", "on": "2025-06-01", "next": next_value})
    if which == "award_expire":
        award = _award(world)
        return client.post(f"/workforce/honours/awards/{award.pk}/expire/", {"on": "2025-06-01", "next": next_value})
    if which == "exchange_end":
        exchange = _exchange(world)
        return client.post(f"/workforce/rotation/exchanges/{exchange.pk}/end/", {"end": "2026-07-01", "next": next_value})
    if which == "rotation_bulk":
        return client.post("/workforce/rotation/record/", {"next": next_value})  # nothing chosen: a message, back
    raise AssertionError(which)


FORMS = {"training_decide": "/training/queue/", "award_revoke": "/workforce/honours/awards/",
         "award_expire": "/workforce/honours/awards/", "exchange_end": "/workforce/rotation/exchanges/",
         "rotation_bulk": "/workforce/rotation/eligible/"}


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"])
def test_forms_never_send_the_user_off_the_site(client, world, which, target):
    response = _post(client, world, which, target)
    assert response.status_code == 302
    assert response["Location"] == FORMS[which]


@pytest.mark.parametrize("which", FORMS)
def test_forms_come_back_to_the_page_they_were_posted_from(client, world, which):
    response = _post(client, world, which, GOOD)
    assert response.status_code == 302 and response["Location"] == GOOD
