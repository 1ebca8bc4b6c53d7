"""Staffing quotas (编制): standard quota per school, district sums, the largest-remainder
allocation of the city pool (sums, caps, determinism, explanation), accept / discard."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.models import AuditEntry
from tests.factories import SchoolFactory, TeacherFactory
from workforce import choices as c
from workforce import quota, services
from workforce.models import Enrolment, QuotaPool, QuotaProposal, SchoolQuota

YEAR = 2025


# ---------------------------------------------------------------- pure arithmetic
def test_stage_standard():
    assert quota.stage_standard(pupils=190, classes=6, pupils_per_post=Decimal("19"))[0] == 10
    kg, text = quota.stage_standard(pupils=120, classes=4, posts_per_class=Decimal("3"))
    assert kg == 12 and "4 个班 × 每班 3" in text
    small, text = quota.stage_standard(pupils=30, classes=6, pupils_per_post=Decimal("19"),
                                       small_school_posts_per_class=Decimal("1.7"), small_school=True)
    assert small == Decimal("10.2") and "取后者" in text
    big, _ = quota.stage_standard(pupils=300, classes=6, pupils_per_post=Decimal("19"),
                                  small_school_posts_per_class=Decimal("1.7"), small_school=True)
    assert big == quota.Fraction(300, 19)


def test_largest_remainder_by_hand():
    out = quota.largest_remainder(5, [quota.Share("b", "乙", 1), quota.Share("a", "甲", 1),
                                      quota.Share("c", "丙", 1), quota.Share("d", "丁", 10)])
    # 5 × 10 ÷ 13 = 3 余 11; the three others 0 余 5 each: 丁 +1, then 甲 (tie broken by code)
    assert out.allocated == {"a": 1, "b": 0, "c": 0, "d": 4}
    assert "50 ÷ 13 = 3 余 11" in out.detail["d"]
    assert any("丁（余 11）、甲（余 5）" in step for step in out.steps)


def test_pool_larger_than_shortage_leaves_the_rest():
    out = quota.largest_remainder(50, [quota.Share("a", "甲", 10), quota.Share("b", "乙", 5)])
    assert out.allocated == {"a": 10, "b": 5} and out.leftover == 35


@settings(max_examples=200, deadline=None)
@given(total=st.integers(0, 500), shortages=st.lists(st.integers(0, 120), min_size=1, max_size=12))
def test_largest_remainder_properties(total, shortages):
    shares = [quota.Share(f"{i:03d}", f"S{i}", s) for i, s in enumerate(shortages)]
    out = quota.largest_remainder(total, shares)
    assert sum(out.allocated.values()) + out.leftover == total  # sums equal the pool
    assert sum(out.allocated.values()) == min(total, sum(shortages))
    for s in shares:
        assert 0 <= out.allocated.get(s.code, 0) <= s.shortage  # never above the shortage
    again = quota.largest_remainder(total, list(reversed(shares)))
    assert again.allocated == out.allocated and again.steps == out.steps  # same input, same output


# ---------------------------------------------------------------- the city
def make_city(world):
    """海州区 short of posts in two schools, 灌南县 in surplus."""
    s1, s1b, s2 = world.s1, world.s1b, world.s2
    extra = SchoolFactory(district=world.d1, name="海州村小", location=c.Location.RURAL,
                          rural_kind=c.RuralKind.VILLAGE)
    Enrolment.objects.bulk_create([
        Enrolment(school=s1, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=1900, classes=40),   # 100
        Enrolment(school=s1b, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=950, classes=20),   # 50
        Enrolment(school=extra, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=40, classes=6),   # 6 × 1.7 = 10.2 → 10
        Enrolment(school=s2, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=380, classes=10),    # 20
    ])
    SchoolQuota.objects.bulk_create([
        SchoolQuota(school=s1, school_year=YEAR, approved=80),   # short 20
        SchoolQuota(school=s1b, school_year=YEAR, approved=45),  # short 5
        SchoolQuota(school=extra, school_year=YEAR, approved=4),  # short 6
        SchoolQuota(school=s2, school_year=YEAR, approved=30),   # surplus 10
    ])
    return extra


@pytest.mark.django_db
def test_quota_table_sums(world):
    extra = make_city(world)
    table = quota.quota_table(services.scope_for(world.users.city), YEAR, on=dt.date(2025, 10, 1))
    rows = {r.code: r for r in table.schools}
    assert (rows[world.s1.code].standard, rows[world.s1.code].shortage) == (100, 20)
    assert rows[extra.code].standard == 10 and "村小/教学点" in rows[extra.code].basis
    assert rows[world.s2.code].surplus == 10
    haizhou = next(d for d in table.districts if d.name == "海州区")
    assert (haizhou.standard, haizhou.approved, haizhou.shortage) == (160, 129, 31)
    assert table.city.standard == 180 and table.city.actual == 3  # t1, t1b, t2 在编


@pytest.mark.django_db
def test_allocation_proposal_and_accept(world):
    extra = make_city(world)
    city = world.users.city
    proposal = services.quota_allocate(school_year=YEAR, posts=10, user=city)
    lines = {ln.school_id: ln for ln in proposal.lines.filter(school__isnull=False)}
    # 海州区 short 31 gets all 10 (灌南县 is in surplus); within: 10 × 20/31 = 6 余 14, 10 × 5/31 = 1 余 19,
    # 10 × 6/31 = 1 余 29 → +1 to 村小 (29) and +1 to 海州第二小学 (19)
    assert lines[world.s1.pk].allocated == 6 and lines[extra.pk].allocated == 2 and lines[world.s1b.pk].allocated == 2
    assert sum(ln.allocated for ln in lines.values()) == 10
    assert all(ln.allocated <= ln.shortage for ln in lines.values())
    donor = proposal.lines.get(is_donor=True)
    assert donor.district == world.d2 and donor.surplus == 10
    assert "200 ÷ 31 = 6 余 14" in proposal.explanation and "建议调出" in proposal.explanation
    # the rule is stated, with each district's gross and net figures
    assert "以县为主" in proposal.explanation and "按净缺编分到区县" in proposal.explanation
    assert "海州区 缺编合计 31 − 超编合计 0 = 净缺编 31" in proposal.explanation
    assert "灌南县 缺编合计 0 − 超编合计 10 = 净缺编 -10（净超编）" in proposal.explanation
    same = services.quota_allocate(school_year=YEAR, posts=10, user=city)
    assert same.explanation == proposal.explanation  # same input, same output
    assert [(ln.school_id, ln.allocated) for ln in same.lines.order_by("school_id")] == \
        [(ln.school_id, ln.allocated) for ln in proposal.lines.order_by("school_id")]

    services.proposal_accept(proposal=proposal, user=city)
    approved = dict(SchoolQuota.objects.filter(school_year=YEAR).values_list("school_id", "approved"))
    assert approved[world.s1.pk] == 86 and approved[extra.pk] == 6 and approved[world.s1b.pk] == 47
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.decided_by == city
    trail = AuditEntry.objects.filter(object_type="workforce.schoolquota", username="city")
    assert trail.count() == 3 and trail.filter(changes__approved__new=86).exists()
    with pytest.raises(ValidationError, match="已变化"):  # the other draft was computed on old quotas
        services.proposal_accept(proposal=same, user=city)
    services.proposal_discard(proposal=same, user=city)
    with pytest.raises(ValidationError):
        services.proposal_accept(proposal=same, user=city)


@pytest.mark.django_db
def test_pool_limits_and_rights(world):
    make_city(world)
    QuotaPool.objects.create(school_year=YEAR, posts=8)
    with pytest.raises(ValidationError, match="剩余 8"):
        services.quota_allocate(school_year=YEAR, posts=9, user=world.users.city)
    with pytest.raises(PermissionDenied):
        services.quota_allocate(school_year=YEAR, posts=5, user=world.users.district)
    proposal = services.quota_allocate(school_year=YEAR, posts=8, user=world.users.city)
    with pytest.raises(PermissionDenied):
        services.proposal_accept(proposal=proposal, user=world.users.district)
    services.proposal_accept(proposal=proposal, user=world.users.city)
    assert services.pool_available(YEAR) == 0


@pytest.mark.django_db
def test_quota_pages(world, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_city(world)
    client.force_login(world.users.city)
    url = reverse("workforce:quota_index") + f"?year={YEAR}"
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    for i in range(20):
        school = SchoolFactory(district=world.d1 if i % 2 else world.d2)
        Enrolment.objects.create(school=school, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=100 + i, classes=3)
        TeacherFactory(school=school)
    with django_assert_max_num_queries(len(ctx)):
        assert client.get(url).status_code == 200
    response = client.post(reverse("workforce:quota_allocate"), {"year": YEAR, "posts": 12})
    proposal = QuotaProposal.objects.get()
    assert response.url == reverse("workforce:quota_proposal", args=[proposal.pk])
    index = client.get(url).content.decode()
    assert "缺编合计" in index and "超编合计" in index and "净缺编" in index
    page = client.get(response.url).content.decode()
    assert "计算说明" in page and "采纳方案" in page
    assert client.get(response.url + "?format=xlsx").status_code == 200
    client.post(reverse("workforce:quota_accept", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    assert client.get(url + "&format=xlsx").status_code == 200
    # a district officer sees its own district only and cannot allocate
    client.force_login(world.users.district2)
    page = client.get(url)
    assert [d.name for d in page.context["table"].districts] == ["灌南县"]
    assert client.post(reverse("workforce:quota_allocate"), {"year": YEAR, "posts": 5}).status_code == 403
    assert client.get(reverse("workforce:quota_proposal", args=[proposal.pk])).status_code == 403


@pytest.mark.django_db
def test_admin_accepts_through_the_service(world, client):
    make_city(world)
    proposal = services.quota_allocate(school_year=YEAR, posts=10, user=world.users.city)
    client.force_login(world.users.city)
    client.post(reverse("admin:workforce_quotaproposal_changelist"),
                {"action": "accept_proposals", "_selected_action": [proposal.pk]})
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    assert SchoolQuota.objects.get(school=world.s1, school_year=YEAR).approved == 86
