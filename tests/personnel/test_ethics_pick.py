"""The ethics case form picks the teacher from a searched list (issue 15, item 6), as the award
form does: it posts the record number and never looks up a typed 身份证件号."""
import pytest
from django.urls import reverse

from workforce.models import EthicsCase, EthicsSeverity

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world):
    user = world.users.district
    user.can_view_ethics = True
    user.save()
    return user


def test_the_teacher_is_found_by_the_last_four_and_picked(client, world, officer):
    client.force_login(officer)
    url = reverse("workforce:honours_ethics")
    page = client.get(url, {"q": world.t1b.id_number[-4:]}).content.decode()
    assert f"teacher={world.t1b.pk}" in page and f"teacher={world.t1.pk}" not in page
    assert f"teacher={world.t2.pk}" not in client.get(url).content.decode()  # other district: not listed
    page = client.get(url, {"teacher": world.t1b.pk}).content.decode()
    assert f'name="teacher" value="{world.t1b.pk}"' in page
    severity = EthicsSeverity.objects.get(name="记过")
    response = client.post(url, {"teacher": world.t1b.pk, "severity": severity.pk, "occurred_on": "2025-03-01",
                                 "decided_on": "2025-03-10", "substantiated": "1"})
    assert response.status_code == 302
    assert EthicsCase.objects.get().teacher == world.t1b


def test_a_typed_id_number_is_not_looked_up(client, world, officer):
    client.force_login(officer)
    severity = EthicsSeverity.objects.get(name="记过")
    page = client.post(reverse("workforce:honours_ethics"), {
        "teacher": world.t1b.id_number, "severity": severity.pk, "occurred_on": "2025-03-01",
        "decided_on": "2025-03-10"}).content.decode()
    assert "请从名单中选择教师" in page and not EthicsCase.objects.exists()
    # another district's teacher by record number: not in scope, refused the same way
    page = client.post(reverse("workforce:honours_ethics"), {
        "teacher": world.t2.pk, "severity": severity.pk, "occurred_on": "2025-03-01",
        "decided_on": "2025-03-10"}).content.decode()
    assert "请从名单中选择教师" in page and not EthicsCase.objects.exists()
