"""Staffing quotas (编制): the standard quota per school, the largest-remainder arithmetic, and the
proposal "以县为主、市域调剂" (DOMAIN.md "Staffing quota"): transfers within each district first,
then the city pool (周转编制) to districts and schools, every step a row of a table; accepting it
takes a second person, or the author after an explicit confirmation.

The city is ``test_quota_definitions.build_city`` (its docstring has the table). By hand:

海州区: short s1 20, 海州村小 6 (26); surplus s1b 10 → min(26, 10) = 10 transferred, s1b gives all
10; received in proportion to shortage: s1 10 × 20 ÷ 26 = 200 ÷ 26 = 7 余 18, 村小 10 × 6 ÷ 26 =
60 ÷ 26 = 2 余 8 → the one post left to the larger remainder: s1 8, 村小 2. Still short: s1 12,
村小 4 → 16. 灌南县: short 灌南缺编小学 15, surplus s2 10 → 10 transferred; still short 5.
The pool then shares by what is still short: 海州区 16, 灌南县 5 (21).
"""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.models import AuditEntry
from core.roles import Role
from tests.factories import SchoolFactory, TeacherFactory, UserFactory
from tests.workforce.test_quota_definitions import YEAR, build_city
from workforce import choices as c
from workforce import quota, selectors, services
from workforce.models import Enrolment, QuotaPool, QuotaProposal, SchoolQuota


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


def _table(districts: list[list[tuple[int, int | None]]]) -> quota.QuotaTable:
    """A table from (standard, approved) per school per district (pure, no database)."""
    schools = [
        quota.QuotaRow.for_school(code=f"{d:02d}{i:03d}", name=f"校{d}-{i}", district_id=d, district_name=f"区{d}",
                                  district_code=f"{d:02d}", school_id=d * 1000 + i, standard=std, approved=appr, actual=0)
        for d, members in enumerate(districts) for i, (std, appr) in enumerate(members)
    ]
    sums = [quota.sum_rows(f"{d:02d}", f"区{d}", [s for s in schools if s.district_id == d], district_id=d)
            for d in range(len(districts))]
    return quota.QuotaTable(YEAR, dt.date(2025, 10, 1), schools, [s for s in sums if s.schools], quota.sum_rows("", "合计", schools))


@settings(max_examples=150, deadline=None)
@given(posts=st.integers(1, 300), districts=st.lists(
    st.lists(st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 60))), min_size=1, max_size=6),
    min_size=1, max_size=4))
def test_allocation_properties(posts, districts):
    table = _table(districts)
    plan = quota.allocate(table, posts)
    for change in plan.schools:
        assert 0 <= change.transfer_in + change.from_pool <= (change.row.shortage or 0)  # never above the shortage
        assert 0 <= change.transfer_out <= (change.row.surplus or 0)
        assert change.row.approved is not None  # a school without an approved quota takes no part
    for d in plan.districts:
        inside = [c for c in plan.schools if c.row.district_id == d.row.district_id]
        assert sum(c.transfer_in for c in inside) == sum(c.transfer_out for c in inside) == d.transferred
        assert d.transferred == min(d.row.shortage or 0, d.row.surplus or 0)
        assert sum(c.from_pool for c in inside) == d.from_pool <= d.remaining_after_transfer
    still_short = sum(d.remaining_after_transfer for d in plan.districts)
    assert plan.given == min(posts, still_short) and plan.given + plan.leftover == posts
    assert plan.steps[-1].kind == quota.LEFTOVER and plan.steps[-1].posts == plan.leftover
    assert quota.allocate(table, posts).steps == plan.steps  # same input, same output


# ---------------------------------------------------------------- proposals through the database
def steps_of(proposal) -> list[tuple]:
    return [(s.kind, s.source, s.target, s.posts) for s in proposal.steps.order_by("order")]


def lines_of(proposal) -> dict:
    return {ln.school.name: (ln.transfer_in, ln.transfer_out, ln.allocated)
            for ln in proposal.lines.filter(school__isnull=False).select_related("school")}


@pytest.mark.django_db
def test_pool_exhausted_after_the_transfers_within_districts(world):
    """Pool 10 < 21 still short: 10 × 16 ÷ 21 = 160 ÷ 21 = 7 余 13, 10 × 5 ÷ 21 = 50 ÷ 21 = 2 余 8 →
    海州区 8, 灌南县 2. In 海州区: 8 × 12 ÷ 16 = 6 余 0, 8 × 4 ÷ 16 = 2 余 0. Nothing left; still
    short: s1 12 − 6 = 6, 村小 4 − 2 = 2, 灌南缺编小学 5 − 2 = 3 → 11."""
    build_city(world)
    proposal = services.quota_allocate(school_year=YEAR, posts=10, user=world.users.city)
    assert steps_of(proposal) == [
        ("district_transfer", "海州区富余学校（1 所）", "海州区缺口学校（2 所）", 10),
        ("transfer", "海州第二小学", "海州实验小学", 8),
        ("transfer", "海州第二小学", "海州村小", 2),
        ("district_transfer", "灌南县富余学校（1 所）", "灌南县缺口学校（1 所）", 10),
        ("transfer", "灌南实验小学", "灌南缺编小学", 10),
        ("pool_district", "市周转编制池", "海州区", 8),
        ("pool_district", "市周转编制池", "灌南县", 2),
        ("pool_school", "海州区分得的周转编制", "海州实验小学", 6),
        ("pool_school", "海州区分得的周转编制", "海州村小", 2),
        ("pool_school", "灌南县分得的周转编制", "灌南缺编小学", 2),
        ("leftover", "市周转编制池", "留在周转编制池", 0),
    ]
    assert lines_of(proposal) == {"海州实验小学": (8, 0, 6), "海州第二小学": (0, 10, 0), "海州村小": (2, 0, 2),
                                  "灌南实验小学": (0, 10, 0), "灌南缺编小学": (10, 0, 2)}
    assert proposal.leftover == 0
    assert proposal.leftover_reason == ("剩余 0：周转编制已用完，仍有 11 个编制缺口未补足；"
                                        "1 所学校未核定编制，无编制缺口数据，未参与测算")
    def why(kind, target):
        return proposal.steps.get(kind=kind, target=target).explanation

    assert "min(26, 10) = 10 个，仍缺 16 个由周转编制补" in why("district_transfer", "海州区缺口学校（2 所）")
    assert "按缺口比例调入：10 × 20 ÷ 26 = 200 ÷ 26 = 7 余 18，按余数加 1，共 8 个" in why("transfer", "海州实验小学")
    assert "调出方富余 10（核定 60 − 标准 50），全部调出 10" in why("transfer", "海州实验小学")
    assert "10 × 16 ÷ 21 = 160 ÷ 21 = 7 余 13，按余数加 1，共 8 个" in why("pool_district", "海州区")
    assert "缺口 20 − 区县内调入 8 = 仍缺 12" in why("pool_school", "海州实验小学")
    same = services.quota_allocate(school_year=YEAR, posts=10, user=world.users.city)
    assert steps_of(same) == steps_of(proposal) and same.explanation == proposal.explanation


@pytest.mark.django_db
def test_pool_larger_than_all_shortage_reports_the_leftover(world):
    """Pool 100 ≥ 21 still short: each district and school gets what it still lacks; 79 stay."""
    build_city(world)
    proposal = services.quota_allocate(school_year=YEAR, posts=100, user=world.users.city)
    assert lines_of(proposal) == {"海州实验小学": (8, 0, 12), "海州第二小学": (0, 10, 0), "海州村小": (2, 0, 4),
                                  "灌南实验小学": (0, 10, 0), "灌南缺编小学": (10, 0, 5)}
    assert proposal.leftover == 79
    assert proposal.leftover_reason.startswith("剩余 79：各区县缺口已补足（区县内调剂后仍缺的 21 个已由周转编制补足）")
    assert steps_of(proposal)[-1] == ("leftover", "市周转编制池", "留在周转编制池", 79)
    assert "12 + 79 = 100" not in proposal.explanation and "21 + 79 = 100" in proposal.explanation


@pytest.mark.django_db
def test_school_above_standard_donates_within_its_district_only(world):
    """s1b (60 > 50) gives its 10 to 海州区's short schools; 灌南县's s2 gives only to 灌南县. When
    the district's surplus covers its shortage, the pool is not needed there."""
    city = build_city(world)
    SchoolQuota.objects.filter(school=city.short).update(approved=15)  # 灌南缺编小学 now short 5 < s2's 10
    proposal = services.quota_allocate(school_year=YEAR, posts=3, user=world.users.city)
    # 灌南县: min(5, 10) = 5 — s2 gives 5 × 10 ÷ 10 = 5 of its 10 surplus; no pool for 灌南县
    transfer = proposal.steps.get(kind="transfer", target="灌南缺编小学")
    assert (transfer.source, transfer.posts) == ("灌南实验小学", 5)
    assert "按富余比例调出：5 × 10 ÷ 10 = 50 ÷ 10 = 5 余 0，共 5 个" in transfer.explanation
    assert "全额补足 5" in transfer.explanation
    assert lines_of(proposal)["灌南实验小学"] == (0, 5, 0) and lines_of(proposal)["灌南缺编小学"] == (5, 0, 0)
    # the pool of 3 all goes to 海州区 (still short 16): 3 × 12 ÷ 16 = 2 余 4, 3 × 4 ÷ 16 = 0 余 12 → 2 and 1
    assert [s for s in steps_of(proposal) if s[0].startswith("pool")] == [
        ("pool_district", "市周转编制池", "海州区", 3),
        ("pool_school", "海州区分得的周转编制", "海州实验小学", 2),
        ("pool_school", "海州区分得的周转编制", "海州村小", 1),
    ]
    assert not proposal.lines.filter(school=city.unapproved).exists()  # no approved quota: no part


@pytest.mark.django_db
def test_accept_by_a_second_person_applies_transfers_and_pool(world):
    build_city(world)
    QuotaPool.objects.create(school_year=YEAR, posts=10)
    proposal = services.quota_allocate(school_year=YEAR, posts=10, user=world.users.city)
    second = UserFactory(username="city2", role=Role.CITY_HR)
    services.proposal_accept(proposal=proposal, user=second)
    approved = {q.school.name: q.approved for q in SchoolQuota.objects.filter(school_year=YEAR).select_related("school")}
    # s1 80 + 8 + 6, s1b 60 − 10, 村小 4 + 2 + 2, s2 30 − 10, 灌南缺编小学 5 + 10 + 2: Σ 179 + 10 = 189
    assert approved == {"海州实验小学": 94, "海州第二小学": 50, "海州村小": 8, "灌南实验小学": 20, "灌南缺编小学": 17}
    assert not SchoolQuota.objects.filter(school__name="海州未核定小学").exists()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.proposed_by, proposal.accepted_by, proposal.self_accepted) == \
        ("accepted", world.users.city, second, False)
    assert services.pool_available(YEAR) == 0  # the pool's 10 are given; transfers use none of it
    entry = AuditEntry.objects.get(object_type="workforce.quotaproposal", message__startswith="采纳")
    assert (entry.username, entry.changes["proposed_by"], entry.changes["accepted_by"]) == ("city2", "city", "city2")
    assert AuditEntry.objects.filter(object_type="workforce.schoolquota", username="city2").count() == 5
    table = selectors.quota_table(services.scope_for(world.users.city), YEAR, on=dt.date(2025, 10, 1))
    assert (table.city.shortage, table.city.surplus) == (11, 0)  # what the proposal said stays short
    with pytest.raises(ValidationError, match="不能再采纳"):
        services.proposal_accept(proposal=proposal, user=second)


@pytest.mark.django_db
def test_author_accepting_without_confirmation_is_refused_then_accepted_with_it(world):
    build_city(world)
    city = world.users.city
    proposal = services.quota_allocate(school_year=YEAR, posts=10, user=city)
    with pytest.raises(ValidationError) as refused:
        services.proposal_accept(proposal=proposal, user=city)
    assert refused.value.messages == [services.SELF_ACCEPT_REFUSED]
    assert "须由另一位市教育局人事科人员采纳" in services.SELF_ACCEPT_REFUSED
    proposal.refresh_from_db()
    assert proposal.status == "draft" and SchoolQuota.objects.get(school=world.s1, school_year=YEAR).approved == 80
    services.proposal_accept(proposal=proposal, user=city, confirm_own=True)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.proposed_by, proposal.accepted_by, proposal.self_accepted) == \
        ("accepted", city, city, True)
    entry = AuditEntry.objects.get(object_type="workforce.quotaproposal", message__startswith="采纳")
    assert entry.changes["self_accepted"] is True and "提出人本人确认后采纳" in entry.message


@pytest.mark.django_db
def test_stale_proposal_discard_and_rights(world):
    build_city(world)
    city = world.users.city
    QuotaPool.objects.create(school_year=YEAR, posts=8)
    with pytest.raises(ValidationError, match="剩余 8"):
        services.quota_allocate(school_year=YEAR, posts=9, user=city)
    with pytest.raises(PermissionDenied):
        services.quota_allocate(school_year=YEAR, posts=5, user=world.users.district)
    first = services.quota_allocate(school_year=YEAR, posts=8, user=city)
    other = services.quota_allocate(school_year=YEAR, posts=8, user=city)
    with pytest.raises(PermissionDenied):
        services.proposal_accept(proposal=first, user=world.users.district)
    services.proposal_accept(proposal=first, user=city, confirm_own=True)
    assert services.pool_available(YEAR) == 0
    with pytest.raises(ValidationError, match="剩余 0|已变化"):  # computed on the old quotas, and the pool is used
        services.proposal_accept(proposal=other, user=city, confirm_own=True)
    services.proposal_discard(proposal=other, user=city)
    other.refresh_from_db()
    assert (other.status, other.discarded_by, other.accepted_by) == ("discarded", city, None)


@pytest.mark.django_db
def test_quota_pages(world, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    build_city(world)
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
    page = client.get(response.url).content.decode()
    assert 'id="steps"' in page and "海州第二小学" in page and "剩余" in page and 'id="confirm-own"' in page
    assert client.get(response.url + "?format=xlsx").status_code == 200
    # the author, one click: refused with the reason, nothing changes
    refused = client.post(reverse("workforce:quota_accept", args=[proposal.pk]), follow=True).content.decode()
    assert "须由另一位市教育局人事科人员采纳" in refused
    proposal.refresh_from_db()
    assert proposal.status == "draft"
    # re-posted with the confirmation
    client.post(reverse("workforce:quota_accept", args=[proposal.pk]), {"confirm_own": "1"})
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.self_accepted
    page = client.get(response.url).content.decode()
    assert "提出人本人确认后采纳" in page and 'id="accepted-by">city' in page
    assert client.get(url + "&format=xlsx").status_code == 200
    # a second person sees no confirmation box
    other = services.quota_allocate(school_year=YEAR, posts=1, user=world.users.city)
    client.force_login(UserFactory(username="city2", role=Role.CITY_HR))
    assert 'id="confirm-own"' not in client.get(reverse("workforce:quota_proposal", args=[other.pk])).content.decode()
    # a district officer sees its own district only and cannot allocate
    client.force_login(world.users.district2)
    page = client.get(url)
    assert [d.name for d in page.context["table"].districts] == ["灌南县"]
    assert client.post(reverse("workforce:quota_allocate"), {"year": YEAR, "posts": 5}).status_code == 403
    assert client.get(reverse("workforce:quota_proposal", args=[proposal.pk])).status_code == 403


@pytest.mark.django_db
def test_admin_accepts_through_the_service(world, client):
    build_city(world)
    proposal = services.quota_allocate(school_year=YEAR, posts=10, user=world.users.city)
    changelist = reverse("admin:workforce_quotaproposal_changelist")
    client.force_login(world.users.city)  # the author: refused (the proposal page offers the confirmation)
    client.post(changelist, {"action": "accept_proposals", "_selected_action": [proposal.pk]})
    proposal.refresh_from_db()
    assert proposal.status == "draft"
    client.force_login(UserFactory(username="city2", role=Role.CITY_HR))
    client.post(changelist, {"action": "accept_proposals", "_selected_action": [proposal.pk]})
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.accepted_by.username == "city2"
    assert SchoolQuota.objects.get(school=world.s1, school_year=YEAR).approved == 94
