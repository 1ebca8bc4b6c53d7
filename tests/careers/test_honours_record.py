"""Honours use the record: the nomination list shows 年度考核 and training progress, and an
不合格 within N years (a rule setting) bars the nomination, through the service as on the page."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from careers.models import Assessment
from tests.careers.helpers import results
from workforce import services as ws
from workforce.models import HonourType, Nomination, RuleSetting

pytestmark = pytest.mark.django_db
CODE = "gangcheng_mingshi"


def _nominate(world, teacher, on):
    return ws.nominate(honour_type=HonourType.objects.get(code=CODE), teacher=teacher, on=on, user=world.users.district)


def test_a_fail_within_n_years_bars_the_nomination_and_one_before_does_not(world):
    results(world.t1, {2024: "fail"})  # N = 3 (seeded): 2024–2026 for a nomination in 2026
    results(world.t1b, {2023: "fail"})
    on = dt.date(2026, 6, 1)
    with pytest.raises(ValidationError) as refused:
        _nominate(world, world.t1, on)
    assert "近 3 年内有年度考核不合格（2024 年）" in str(refused.value) and "推荐评选荣誉" in str(refused.value)
    assert not Nomination.objects.filter(teacher=world.t1).exists()
    _nominate(world, world.t1b, on)
    # the rule is data: 0 turns it off
    RuleSetting.objects.filter(key="honour_no_fail_years").update(value=Decimal("0"))
    _nominate(world, world.t1, on)


def test_the_nomination_list_shows_the_record_and_the_bar(client, world):
    Assessment.objects.create(teacher=world.t1, year=2025, result="fail", school=world.s1)
    results(world.t1b, {2024: "pass", 2025: "excellent"})
    client.force_login(world.users.district)
    page = client.get(f"/workforce/honours/nominate/{CODE}/?on=2026-06-01").content.decode()
    row_t1 = page[page.index("张三"):page.index("</tr>", page.index("张三"))]
    row_t1b = page[page.index("李四"):page.index("</tr>", page.index("李四"))]
    assert "2025 不合格" in row_t1 and "不得推荐评选荣誉" in row_t1 and 'name="teacher"' not in row_t1
    assert "2025 优秀，2024 合格" in row_t1b and 'name="teacher"' in row_t1b
    assert "学时" in row_t1b  # training progress of the 2026–2030 cycle
