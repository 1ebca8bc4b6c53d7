"""A round's nominations are searched and paginated (issue 17: no list without both), and a round's
candidates are found by name, school or the ID's last four characters."""
import pytest
from django.urls import reverse

from careers import services, views
from careers.models import PromotionNomination
from tests.careers.helpers import eligible_teacher, open_round, shares
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def listed(response) -> set[str]:
    return {n.teacher.name for n in response.context["nominations"]}


def test_the_nominations_of_a_round_are_searched_and_paginated(client, world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    TeacherFactory.create_batch(10, school=world.s1)  # room in the post structure for three 高级 nominations
    shares(world.s1)
    rnd = open_round(world.users.city)
    for name in ("甲一", "乙二", "丙三"):
        services.nominate(rnd=rnd, teacher=eligible_teacher(world.s1, name=name), user=world.users.school)
    assert PromotionNomination.objects.count() == 3
    client.force_login(world.users.district)
    url = reverse("careers:round", args=[rnd.pk])
    first, second = client.get(url), client.get(url, {"page": 2})
    assert len(listed(first)) == 2 and listed(first) | listed(second) == {"甲一", "乙二", "丙三"}
    assert "第 1 / 2 页" in first.content.decode()
    assert listed(client.get(url, {"q": "乙"})) == {"乙二"}


def test_a_rounds_candidates_are_found_by_the_last_four_of_the_id(client, world):
    rnd = open_round(world.users.city)
    teacher = eligible_teacher(world.s1, name="候选人")
    client.force_login(world.users.school)
    url = reverse("careers:candidates", args=[rnd.pk])
    found = client.get(url, {"q": teacher.id_number[-4:]})
    assert [t.name for t in found.context["teachers"]] == ["候选人"]
    refused = client.get(url, {"q": teacher.id_number})  # a full number without the identity right finds nobody
    assert refused.context["teachers"] == [] and "身份证件号后4位" in refused.content.decode()
