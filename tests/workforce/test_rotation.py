"""Rotation (交流轮岗): the plan arithmetic, eligibility on 1 September, recording and ending
exchanges (overlap refused), the 骨干 veto, scope, pages and exports."""
import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from backend.models import AuditEntry
from tests.factories import SchoolFactory, TeacherFactory
from workforce import choices as c
from workforce import services
from workforce.models import EthicsSeverity, Exchange, ExchangeType, Teacher
from workforce.rotation import eligible_queryset, rotation_figures, rotation_plan

YEAR = 2025
D = dt.date


# ---------------------------------------------------------------- the plan arithmetic (pure)
@pytest.mark.parametrize(
    "eligible, rotated, backbone, required, more, backbone_more",
    [
        (100, 10, 1, 15, 5, 2),   # 15 in all; 15 × 20% = 3 骨干, 1 already → 2 of the 5
        (100, 15, 3, 15, 0, 0),   # met on both counts
        (20, 0, 0, 3, 3, 1),      # 20 × 15% = 3 exactly; 3 × 20% = 0.6 → 1
        (21, 0, 0, 4, 4, 1),      # 21 × 15% = 3.15 → 4 (ratio must reach 15%)
        (0, 0, 0, 0, 0, 0),       # no eligible teacher: nothing to do
        (100, 15, 0, 15, 4, 4),   # target met but no 骨干: 4 more 骨干 (4 ÷ 19 ≥ 20%, 3 ÷ 18 is not)
    ],
)
def test_plan_arithmetic(eligible, rotated, backbone, required, more, backbone_more):
    plan = rotation_plan(eligible=eligible, rotated=rotated, rotated_backbone=backbone, target_pct=Decimal("15"),
                         backbone_pct=Decimal("20"))
    assert (plan.required, plan.more, plan.backbone_more) == (required, more, backbone_more)
    after = rotated + plan.more
    if eligible:
        assert after / eligible >= 0.15
    if after:
        assert (backbone + plan.backbone_more) / after >= 0.20


def test_plan_is_the_least_that_works():
    plan = rotation_plan(eligible=100, rotated=15, rotated_backbone=0, target_pct=15, backbone_pct=20)
    assert (0 + plan.backbone_more - 1) / (15 + plan.more - 1) < 0.20  # one fewer would not do
    assert "须交流 15 人" in plan.explain()[0]


# ---------------------------------------------------------------- eligibility
@pytest.mark.django_db
def test_eligibility_on_the_first_of_september(world):
    on_the_day = TeacherFactory(school=world.s1, school_entry=D(YEAR - 6, 9, 1))
    day_after = TeacherFactory(school=world.s1, school_entry=D(YEAR - 6, 9, 2))
    not_established = TeacherFactory(school=world.s1, school_entry=D(2000, 9, 1), on_establishment=False)
    eligible = set(eligible_queryset(services.scope_for(world.users.district), YEAR).values_list("pk", flat=True))
    assert on_the_day.pk in eligible
    assert day_after.pk not in eligible
    assert not_established.pk not in eligible
    # a year later the second one has served six years too
    assert day_after.pk in set(eligible_queryset(services.scope_for(world.users.district), YEAR + 1)
                               .values_list("pk", flat=True))


# ---------------------------------------------------------------- recording
@pytest.fixture
def kinds(world):
    return ExchangeType.objects.get(name="交流轮岗"), ExchangeType.objects.get(name="调动")


def record(world, teacher, start, end=None, **kw):
    return services.exchange_record(
        teacher=teacher, exchange_type=ExchangeType.objects.get(name="交流轮岗"), start=start, end=end,
        to_school=kw.pop("to_school", world.s1b if teacher.school_id != world.s1b.pk else world.s1),
        user=kw.pop("user", world.users.district), **kw,
    )


@pytest.mark.django_db
def test_overlapping_exchange_is_refused(world, kinds):
    first = record(world, world.t1, D(2025, 9, 1), D(2026, 8, 31))
    with pytest.raises(ValidationError, match="时间重叠"):
        record(world, world.t1, D(2026, 8, 31), D(2027, 8, 31))  # shares the last day
    with pytest.raises(ValidationError, match="时间重叠"):
        record(world, world.t1, D(2024, 9, 1))  # open-ended, started before
    record(world, world.t1, D(2026, 9, 1), D(2027, 8, 31))  # the day after: fine
    assert Exchange.objects.filter(teacher=world.t1).count() == 2
    assert first.from_school == world.s1 and first.to_name == world.s1b.name


@pytest.mark.django_db
def test_exchange_refusals(world, kinds):
    with pytest.raises(ValidationError, match="不能早于"):
        record(world, world.t1, D(2025, 9, 1), D(2025, 8, 1))
    with pytest.raises(ValidationError, match="不能与原单位相同"):
        record(world, world.t1, D(2025, 9, 1), to_school=world.s1)
    with pytest.raises(PermissionDenied):
        record(world, world.t1, D(2025, 9, 1), user=world.users.school)  # school HR does not record
    with pytest.raises(PermissionDenied):
        record(world, world.t2, D(2025, 9, 1), user=world.users.district)  # another district's teacher
    assert not Exchange.objects.exists()


@pytest.mark.django_db
def test_bulk_record_is_all_or_nothing_and_names_the_teacher(world, kinds):
    extra = TeacherFactory(school=world.s1, name="赵六")
    record(world, extra, D(2025, 3, 1))  # still running
    with pytest.raises(ValidationError) as refused:
        services.exchange_record_many(teachers=[world.t1, extra], exchange_type=kinds[0], start=D(2025, 9, 1),
                                      to_school=world.s1b, user=world.users.district)
    assert any(m.startswith("赵六") for m in refused.value.messages)
    assert Exchange.objects.count() == 1
    services.exchange_end(exchange=Exchange.objects.get(teacher=extra), end=D(2025, 8, 31), user=world.users.district)
    created = services.exchange_record_many(teachers=[world.t1, extra], exchange_type=kinds[0], start=D(2025, 9, 1),
                                            to_school=world.s1b, user=world.users.district)
    assert len(created) == 2
    assert AuditEntry.objects.filter(object_type="workforce.exchange", action="create").count() == 3


@pytest.mark.django_db
def test_end_exchange(world, kinds):
    ex = record(world, world.t1, D(2025, 9, 1))
    with pytest.raises(ValidationError, match="不能早于开始"):
        services.exchange_end(exchange=ex, end=D(2025, 8, 1), user=world.users.district)
    services.exchange_end(exchange=ex, end=D(2026, 8, 31), user=world.users.district)
    ex.refresh_from_db()
    assert ex.end == D(2026, 8, 31)
    entry = AuditEntry.objects.filter(object_type="workforce.exchange", action="update").get()
    assert entry.changes["end"]["new"] == "2026-08-31" and entry.username == "district1"


@pytest.mark.django_db
def test_a_backbone_under_an_ethics_ban_rotates_but_is_not_counted_as_backbone(world, kinds):
    """一票否决 bars rotation-as-骨干: the exchange is recorded; the plan and the dashboard (one
    count, ``selectors.rotation_counts`` on ``backbone_on``) do not count the teacher as 骨干."""
    from workforce import selectors as sel

    for t in (world.t1, world.t1b):
        t.backbone = True
        t.save()
    world.users.city.can_view_ethics = True
    services.ethics_case_record(teacher=world.t1, severity=EthicsSeverity.objects.get(name="记过"),
                                occurred_on=D(2025, 5, 1), decided_on=D(2025, 6, 1), user=world.users.city)  # to 2026-06-01
    record(world, world.t1, D(2025, 9, 1))
    record(world, world.t1b, D(2025, 9, 1))
    figures = rotation_figures(services.scope_for(world.users.district), YEAR)
    assert figures.rotated == 2 and figures.rotated_backbone == 1  # t1b only
    dashboard = sel.measures_for(sel.district_ref(world.d1), on=D(2025, 10, 1), year=YEAR)["rotation"]
    assert (dashboard["rotated"], dashboard["backbone"]) == (2, 1)
    assert figures.plan.rotated_backbone == dashboard["backbone"]


# ---------------------------------------------------------------- figures and pages
def make_district_year(world, eligible=20, rotated=1):
    teachers = [TeacherFactory(school=world.s1 if i % 2 else world.s1b, school_entry=D(2010, 9, 1))
                for i in range(eligible)]
    kind = ExchangeType.objects.get(name="交流轮岗")
    for t in teachers[:rotated]:
        record(world, t, D(YEAR, 10, 1), to_school=SchoolFactory(district=world.d1, location=c.Location.RURAL))
    Exchange.objects.create(teacher=world.t2, exchange_type=kind, start=D(YEAR, 10, 1), from_school=world.s2,
                            to_school=world.s1)  # another district's: never counted here
    return teachers


@pytest.mark.django_db
def test_plan_page_shows_how_many_more(client, world):
    make_district_year(world, eligible=20, rotated=1)  # + t1, t1b (entered 2012) are eligible too
    client.force_login(world.users.district)
    response = client.get(reverse("workforce:rotation_plan"), {"year": YEAR})
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.eligible, figures.rotated) == (22, 1)
    assert response.context["plan"].more == 3  # 22 × 15% = 3.3 → 4, one done
    assert "还须交流" in response.content.decode()
    assert figures.directions[0] == ("城区→乡村", 1) or figures.directions[0][0] == "城区→乡村"


@pytest.mark.django_db
def test_plan_export(client, world):
    make_district_year(world, eligible=5, rotated=1)
    client.force_login(world.users.district)
    response = client.get(reverse("workforce:rotation_plan"), {"year": YEAR, "format": "xlsx"})
    book = load_workbook(BytesIO(response.content))
    values = {row[0]: row[1] for row in book["计划"].iter_rows(min_row=3, values_only=True)}
    assert values["还须交流"] == 1 and values["已交流（本学年开始的计入类型交流）"] == 1
    assert AuditEntry.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_eligible_export_masks_ids_and_escapes_text(client, world):
    TeacherFactory(school=world.s1, name="=HYPERLINK(1)", school_entry=D(2010, 9, 1))
    client.force_login(world.users.district)  # no right to full IDs
    response = client.get(reverse("workforce:rotation_eligible"), {"year": YEAR, "format": "xlsx", "state": "all"})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    names = {r[0] for r in rows}
    # text, never a formula: Excel's quote prefix on a text cell (the value is the record's, as in
    # the national template), not an apostrophe inside the value that Excel would show
    formula = next(cell for row in sheet.iter_rows(min_row=3) for cell in row if cell.value == "=HYPERLINK(1)")
    assert "=HYPERLINK(1)" in names and (formula.data_type, formula.quotePrefix) == ("s", True)
    assert all("*" in r[1] for r in rows)
    assert world.t1.id_number not in response.content.decode("latin-1")


@pytest.mark.django_db
def test_list_pages_queries_do_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.users.district)
    urls = [reverse("workforce:rotation_eligible") + f"?year={YEAR}&state=all",
            reverse("workforce:rotation_exchanges") + f"?year={YEAR}",
            reverse("workforce:rotation_plan") + f"?year={YEAR}"]
    make_district_year(world, eligible=2, rotated=1)
    counts = {}
    for url in urls:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx)
    make_district_year(world, eligible=30, rotated=10)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


# ---------------------------------------------------------------- scope
@pytest.mark.django_db
def test_district_cannot_record_or_see_another_districts_exchanges(client, world, kinds):
    theirs = services.exchange_record(teacher=world.t2, exchange_type=kinds[0], start=D(YEAR, 9, 1),
                                      to_school=world.s1, user=world.users.district2)
    client.force_login(world.users.district)
    assert client.get(reverse("workforce:rotation_record", args=[world.t2.pk])).status_code == 404
    assert client.post(reverse("workforce:exchange_end", args=[theirs.pk]), {"end": "2026-01-01"}).status_code == 404
    response = client.post(reverse("workforce:rotation_record_bulk"), {
        "teacher": [world.t2.pk], "exchange_type": kinds[0].pk, "start": "2025-09-01", "to_school": world.s1.pk})
    assert response.status_code == 403
    page = client.get(reverse("workforce:rotation_exchanges"), {"year": YEAR})
    assert world.t2.name not in page.content.decode()
    theirs.refresh_from_db()
    assert theirs.end is None and Exchange.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("user, read, write", [
    ("city", 200, 200), ("district", 200, 200), ("school", 200, 403), ("leader", 200, 403),
    ("district_leader", 200, 403), ("teacher", 403, 403),
])
def test_access_by_role(client, world, user, read, write):
    client.force_login(getattr(world.users, user))
    assert client.get(reverse("workforce:rotation_plan")).status_code == read
    assert client.get(reverse("workforce:rotation_eligible")).status_code == read
    assert client.get(reverse("workforce:rotation_record", args=[world.t1.pk])).status_code == write


@pytest.mark.django_db
def test_record_one_through_the_page(client, world, kinds):
    client.force_login(world.users.district)
    url = reverse("workforce:rotation_record", args=[world.t1.pk])
    response = client.post(url, {"exchange_type": kinds[0].pk, "start": "2025-09-01", "end": "2026-08-31",
                                 "to_school": world.s1b.pk})
    assert response.status_code == 302
    again = client.post(url, {"exchange_type": kinds[0].pk, "start": "2026-01-01", "to_school": world.s1b.pk})
    assert "时间重叠" in again.content.decode()
    assert Teacher.objects.get(pk=world.t1.pk).exchanges.count() == 1


@pytest.mark.django_db
def test_admin_refuses_an_overlapping_exchange(world, client, kinds):
    record(world, world.t1, D(2025, 9, 1))
    client.force_login(world.users.district)
    response = client.post(reverse("admin:workforce_exchange_add"), {
        "teacher": world.t1.pk, "exchange_type": kinds[0].pk, "start": "2026-01-01", "to_school": world.s1b.pk,
        "from_school": world.s1.pk})
    assert response.status_code == 200 and "时间重叠" in response.content.decode()
    assert Exchange.objects.count() == 1


def test_periods_overlap_share_a_day_and_open_ends():
    from workforce.rotation import periods_overlap

    d = dt.date
    assert periods_overlap(d(2025, 9, 1), d(2026, 8, 31), d(2026, 8, 31), None)  # the last day is shared
    assert not periods_overlap(d(2025, 9, 1), d(2026, 8, 31), d(2026, 9, 1), d(2027, 8, 31))
    assert periods_overlap(d(2025, 9, 1), None, d(2030, 1, 1), d(2030, 2, 1))  # still open
    assert periods_overlap(d(2026, 1, 1), d(2026, 2, 1), d(2025, 9, 1), None)
    assert not periods_overlap(d(2026, 1, 1), d(2026, 2, 1), d(2026, 3, 1), None)
