"""Honours and the ethics veto (一票否决): award / expire / revoke, nominations, title promotion,
conflicting awards, progress against the plan's honour targets, visibility of ethics records."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from backend.models import AuditEntry
from tests.factories import SchoolFactory, TeacherFactory
from workforce import choices as c
from workforce import honours, selectors, services
from workforce.models import Award, EthicsSeverity, HonourType, Nomination, TitleAppointment

D = dt.date


@pytest.fixture
def officer(world):
    """The city HR officer with the right to see ethics records."""
    user = world.users.city
    user.can_view_ethics = True
    user.save()
    return user


def case(world, teacher, user, decided=D(2025, 1, 10), severity="记过"):
    return services.ethics_case_record(teacher=teacher, severity=EthicsSeverity.objects.get(name=severity),
                                       occurred_on=decided - dt.timedelta(days=30), decided_on=decided, user=user)


def mingshi():
    return HonourType.objects.get(code="gangcheng_mingshi")


# ---------------------------------------------------------------- pure date arithmetic
def test_add_months_clamps_to_month_end():
    assert honours.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert honours.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert honours.add_months(D(2025, 11, 15), 14) == D(2027, 1, 15)
    assert honours.ban_until(D(2025, 1, 10), 12) == D(2026, 1, 10)


# ---------------------------------------------------------------- the veto
@pytest.mark.django_db
def test_award_refused_inside_the_ban_allowed_after(world, officer):
    recorded = case(world, world.t1, officer)  # 记过: 12 months
    assert recorded.ban_until == D(2026, 1, 10)
    for day in (D(2025, 1, 10), D(2025, 6, 1), D(2026, 1, 10)):  # first and last day included
        with pytest.raises(ValidationError, match="师德一票否决") as refused:
            services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=day, user=world.users.district)
        assert "2026-01-10" in refused.value.messages[0]
    award = services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=D(2026, 1, 11),
                                 user=world.users.district)
    assert award.expires_on == D(2031, 1, 11)  # 港城名师: 5 years
    assert Award.objects.count() == 1
    # before the decision the case does not bar either
    services.award_grant(honour_type=HonourType.objects.get(code="xian_gugan"), teacher=world.t1,
                         awarded_on=D(2025, 1, 9), user=world.users.district)


@pytest.mark.django_db
def test_unsubstantiated_case_does_not_bar(world, officer, client):
    warning = EthicsSeverity.objects.get(name="警告")  # 6 months' ban when substantiated
    services.ethics_case_record(teacher=world.t1, severity=warning,
                                occurred_on=D(2025, 1, 1), decided_on=D(2025, 1, 10), substantiated=False, user=officer)
    # the same case, substantiated, bars on that very day (2025-02-01 is inside 2025-01-10 … 2025-07-10)
    services.ethics_case_record(teacher=world.t1b, severity=warning,
                                occurred_on=D(2025, 1, 1), decided_on=D(2025, 1, 10), user=officer)
    with pytest.raises(ValidationError, match="师德一票否决"):
        services.award_grant(honour_type=mingshi(), teacher=world.t1b, awarded_on=D(2025, 2, 1),
                             user=world.users.district)

    award = services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=D(2025, 2, 1),
                                 user=world.users.district)

    # the award as stored: who, what, when, and 港城名师's 5 years of validity (2025-02-01 + 5 years)
    stored = Award.objects.get()
    assert stored.pk == award.pk
    assert (stored.teacher, stored.honour_type.code, stored.awarded_on) == (
        world.t1, "gangcheng_mingshi", D(2025, 2, 1))
    assert (stored.expires_on, stored.revoked_on, stored.school) == (D(2030, 2, 1), None, None)
    # the history: one creation row by the district officer
    trail = AuditEntry.objects.get(object_type="workforce.award", object_id=str(award.pk))
    assert (trail.action, trail.username, trail.message) == (AuditEntry.Action.CREATE, "district1", "授予荣誉")
    assert trail.changes["awarded_on"]["new"] == "2025-02-01"
    assert world.t1.name in trail.object_repr

    # the honours page's measure: 港城名师 (active awards, target 400) counts it in 海州区 from the
    # award day, up to the day before it expires; t1's school is 城区, so not a 乡村 港城名师
    def mingshi_row(on):
        return progress_of(world.users.city, on)[1]["gangcheng_mingshi"]

    progress, by_code = progress_of(world.users.city, D(2025, 6, 1))
    row = by_code["gangcheng_mingshi"]
    assert (row["count"], row["target"], row["gap"]) == (1, 400, 399)
    by_name = dict(zip([d.name for d in progress["districts"]], row["by_district"]))
    assert (by_name["海州区"], by_name["灌南县"]) == (1, 0)
    assert by_code["rural_gangcheng_mingshi"]["count"] == 0
    assert mingshi_row(D(2025, 1, 31))["count"] == 0
    assert mingshi_row(D(2025, 2, 1))["count"] == 1
    assert mingshi_row(D(2030, 1, 31))["count"] == 1
    assert mingshi_row(D(2030, 2, 1))["count"] == 0
    dashboard = next(h for h in selectors.measures_for(selectors.CITY, on=D(2025, 6, 1))["honours"]
                     if h["code"] == "gangcheng_mingshi")
    assert dashboard["count"] == 1
    # and the district officer's list of active awards shows the teacher
    client.force_login(world.users.district)
    page = client.get(reverse("workforce:honours_awards"), {"on": "2025-06-01"}).content.decode()
    assert world.t1.name in page and world.t1b.name not in page


@pytest.mark.django_db
def test_nomination_and_promotion_refused_inside_the_ban(world, officer):
    case(world, world.t1, officer)
    with pytest.raises(ValidationError, match="不得推荐评选"):
        services.nominate(honour_type=mingshi(), teacher=world.t1, on=D(2025, 5, 1), user=world.users.district)
    with pytest.raises(ValidationError, match="不得晋升专业技术职务"):
        services.title_promote(teacher=world.t1, title=c.Title.SENIOR, appointed_on=D(2025, 9, 1),
                               user=world.users.district)
    nomination = services.nominate(honour_type=mingshi(), teacher=world.t1b, on=D(2025, 5, 1), user=world.users.district)
    assert nomination.round_year == 2025
    with pytest.raises(ValidationError, match="已被推荐"):
        services.nominate(honour_type=mingshi(), teacher=world.t1b, on=D(2025, 6, 1), user=world.users.district)
    first = services.title_promote(teacher=world.t1b, title=c.Title.FIRST, appointed_on=D(2020, 9, 1),
                                   user=world.users.district)
    services.title_promote(teacher=world.t1b, title=c.Title.SENIOR, appointed_on=D(2025, 9, 1),
                           user=world.users.district)
    first.refresh_from_db()
    assert first.ended_on == D(2025, 8, 31)
    assert TitleAppointment.objects.filter(teacher=world.t1b, ended_on__isnull=True).get().title == c.Title.SENIOR


@pytest.mark.django_db
def test_ethics_records_need_the_right(world, client):
    with pytest.raises(PermissionDenied):
        case(world, world.t1, world.users.city)  # city HR without the ethics right
    client.force_login(world.users.district)
    assert client.get(reverse("workforce:honours_ethics")).status_code == 403
    assert client.get(reverse("workforce:honours_conflicts")).status_code == 403
    assert "师德失范案件" not in client.get(reverse("workforce:honours_index")).content.decode()


@pytest.mark.django_db
def test_veto_details_hidden_from_users_without_the_ethics_right(world, officer, client):
    case(world, world.t1, officer, decided=dt.date.today() - dt.timedelta(days=10))
    client.force_login(world.users.district)
    response = client.get(reverse("workforce:honours_nominate", args=["gangcheng_mingshi"]))
    page = response.content.decode()
    assert "一票否决，不得推荐" in page and "记过" not in page
    client.post(reverse("workforce:honours_nominate", args=["gangcheng_mingshi"]), {"teacher": world.t1.pk})
    assert not Nomination.objects.exists()
    followed = client.get(reverse("workforce:honours_nominate", args=["gangcheng_mingshi"]))
    text = followed.content.decode()
    assert "师德一票否决" in text and "记过" not in text


# ---------------------------------------------------------------- conflicts, expire, revoke
@pytest.mark.django_db
def test_conflicting_awards_are_flagged_and_revoked(world, officer, client):
    today = dt.date.today()
    old = services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=today - dt.timedelta(days=400),
                               user=world.users.district)
    services.award_grant(honour_type=mingshi(), teacher=world.t1b, awarded_on=today - dt.timedelta(days=400),
                         user=world.users.district)
    case(world, world.t1, officer, decided=today - dt.timedelta(days=5))
    flagged = list(honours.conflicting_awards(services.scope_for(officer), today))
    assert [a.pk for a in flagged] == [old.pk]
    client.force_login(officer)
    page = client.get(reverse("workforce:honours_conflicts"))
    assert world.t1.name in page.content.decode() and world.t1b.name not in page.content.decode()
    client.post(reverse("workforce:award_revoke", args=[old.pk]), {"on": today.isoformat(), "reason": "师德一票否决"})
    old.refresh_from_db()
    assert old.revoked_on == today
    assert not honours.conflicting_awards(services.scope_for(officer), today).exists()
    assert AuditEntry.objects.filter(object_type="workforce.award", action="update", username="city").exists()


@pytest.mark.django_db
def test_expire_and_revoke_rules(world):
    award = services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=D(2023, 1, 1),
                                 user=world.users.district)
    with pytest.raises(ValidationError):
        services.award_expire(award=award, on=D(2022, 1, 1), user=world.users.district)
    services.award_expire(award=award, on=D(2024, 1, 1), user=world.users.district)
    assert not Award.objects.active_on(D(2024, 6, 1)).exists()
    with pytest.raises(ValidationError, match="撤销原因"):
        services.award_revoke(award=award, on=D(2024, 1, 1), reason=" ", user=world.users.district)
    with pytest.raises(PermissionDenied):
        services.award_revoke(award=award, on=D(2024, 1, 1), reason="x", user=world.users.district2)
    with pytest.raises(PermissionDenied):
        services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=D(2023, 1, 1),
                             user=world.users.school)


# ---------------------------------------------------------------- progress against targets
def progress_of(user, on):
    rows = selectors.honours_by_district(services.scope_for(user), on)
    return rows, {t["code"]: t for t in rows["rows"]}


@pytest.mark.django_db
def test_progress_counts_city_district_and_rural(world):
    on = D(2025, 6, 1)
    rural = SchoolFactory(district=world.d2, location=c.Location.RURAL)
    rural_teacher = TeacherFactory(school=rural)
    d = world.users.district
    services.award_grant(honour_type=mingshi(), teacher=world.t1b, awarded_on=D(2022, 3, 1), user=d)  # 乡村, in period
    services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=D(2019, 3, 1), expires_on=D(2030, 1, 1),
                         user=d)  # before the period, still active
    services.award_grant(honour_type=mingshi(), teacher=rural_teacher, awarded_on=D(2024, 3, 1),
                         user=world.users.district2)
    services.award_grant(honour_type=HonourType.objects.get(code="shi_mingshi_gongzuoshi"), school=world.s1,
                         team_name="张三名师工作室", awarded_on=D(2023, 5, 1), user=d)
    left = TeacherFactory(school=world.s1)
    services.award_grant(honour_type=HonourType.objects.get(code="tejijiaoshi"), teacher=left,
                         awarded_on=D(2022, 1, 1), user=d)
    left.left_on, left.left_reason = D(2025, 1, 1), c.LeftReason.RETIRED
    left.save()
    progress, by_code = progress_of(world.users.city, on)
    assert by_code["gangcheng_mingshi"]["count"] == 3
    assert by_code["gangcheng_mingshi"]["target"] == 400 and by_code["gangcheng_mingshi"]["gap"] == 397
    assert by_code["rural_gangcheng_mingshi"]["count"] == 2  # t1b (海州 乡村) and the 灌南 乡村 teacher
    assert by_code["special_grade_in_post"]["count"] == 0  # retired: not in post
    assert by_code["city_master_studio"]["count"] == 1
    names = [d.name for d in progress["districts"]]
    assert by_code["rural_gangcheng_mingshi"]["by_district"][names.index("海州区")] == 1
    district_view, district_codes = progress_of(world.users.district2, on)
    assert district_codes["gangcheng_mingshi"]["count"] == 1
    assert district_codes["gangcheng_mingshi"]["target"] is None  # the plan's targets are the city's
    assert [d.name for d in district_view["districts"]] == ["灌南县"]


def special_grade(teacher, user, awarded_on=D(2022, 9, 10)):
    return services.award_grant(honour_type=HonourType.objects.get(code="tejijiaoshi"), teacher=teacher,
                                awarded_on=awarded_on, user=user)


@pytest.mark.django_db
def test_special_grade_in_post_is_one_figure_on_the_honours_page_and_the_dashboard(world):
    """在岗在职特级教师: an active award held by a teacher on the school's roll that day, any 教职工类别,
    in post by 人员状态 (100, 204, 205, 206 by default: DOMAIN.md Honours) — on rotation counts at
    the home school, on loan (借出) does not."""
    on = D(2025, 6, 1)
    d = world.users.district
    special_grade(world.t1, d)  # 专任教师 in post
    principal = TeacherFactory(school=world.s1, staff_category=c.StaffCategory.ADMIN)  # became a principal
    special_grade(principal, d)
    lent = TeacherFactory(school=world.s1b, status=c.PersonnelStatus.LENT_AGENCY)  # 借出到机关: not in post
    special_grade(lent, d)
    rotating = TeacherFactory(school=world.s1b, status=c.PersonnelStatus.ROTATING)  # 交流轮岗
    special_grade(rotating, d)
    _progress, by_code = progress_of(world.users.city, on)
    assert by_code["special_grade_in_post"]["count"] == 3
    assert by_code["special_grade_in_post"]["gap"] == 147
    dashboard = next(h for h in selectors.measures_for(selectors.CITY, on=on)["honours"]
                     if h["code"] == "special_grade_in_post")
    assert dashboard["count"] == 3


@pytest.mark.django_db
def test_retired_special_grade_teacher_counts_until_left_on(world):
    d = world.users.district
    retiring = TeacherFactory(school=world.s1)
    special_grade(retiring, d)
    retiring.left_on, retiring.left_reason = D(2025, 3, 1), c.LeftReason.RETIRED
    retiring.save()
    assert progress_of(world.users.city, D(2025, 2, 28))[1]["special_grade_in_post"]["count"] == 1
    assert progress_of(world.users.city, D(2025, 3, 1))[1]["special_grade_in_post"]["count"] == 0


@pytest.mark.django_db
def test_revoked_special_grade_award_stops_counting_on_the_revocation_day(world):
    d = world.users.district
    award = special_grade(world.t1b, d)  # t1b teaches at a 乡村 school
    services.award_revoke(award=award, on=D(2025, 3, 1), reason="师德一票否决", user=d)
    before, after = progress_of(world.users.city, D(2025, 2, 28))[1], progress_of(world.users.city, D(2025, 3, 1))[1]
    assert before["special_grade_in_post"]["count"] == 1 and after["special_grade_in_post"]["count"] == 0
    # nor is it among the plan period's awards to 乡村 teachers once revoked
    assert before["rural_special_grade"]["count"] == 1 and after["rural_special_grade"]["count"] == 0


@pytest.mark.django_db
def test_honour_pages_and_query_counts(world, officer, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer)
    urls = [reverse("workforce:honours_index"), reverse("workforce:honours_awards") + "?state=all",
            reverse("workforce:honours_nominate", args=["gangcheng_mingshi"]), reverse("workforce:honours_conflicts"),
            reverse("workforce:honours_ethics")]
    services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=D(2024, 1, 1), user=officer)
    case(world, world.t1, officer, decided=dt.date.today() - dt.timedelta(days=3))  # one row in every list
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx)
    for i in range(15):
        t = TeacherFactory(school=world.s1 if i % 2 else world.s2)
        services.award_grant(honour_type=mingshi(), teacher=t, awarded_on=D(2023, 1, 1), user=officer)
        case(world, t, officer, decided=dt.date.today() - dt.timedelta(days=3))
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_award_form_and_export(world, client):
    client.force_login(world.users.district)
    response = client.post(reverse("workforce:award_new"), {  # the teacher picked from the list: a record number
        "honour_type": mingshi().pk, "teacher": world.t1.pk, "awarded_on": "2025-03-01"})
    assert response.status_code == 302
    assert Award.objects.get().teacher == world.t1
    other = client.post(reverse("workforce:award_new"), {
        "honour_type": mingshi().pk, "teacher": world.t2.pk, "awarded_on": "2025-03-01"})
    assert "不在您的管理范围内" in other.content.decode()
    export = client.get(reverse("workforce:honours_awards"), {"state": "all", "format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("workforce:honours_index"), {"format": "xlsx"}).status_code == 200
    client.force_login(world.users.teacher)
    assert client.get(reverse("workforce:honours_index")).status_code == 403


@pytest.mark.django_db
def test_admin_applies_the_veto_and_revokes_through_the_service(world, officer, client):
    case(world, world.t1, officer, decided=D(2025, 1, 10))
    client.force_login(world.users.district)
    response = client.post(reverse("admin:workforce_award_add"), {
        "honour_type": mingshi().pk, "teacher": world.t1.pk, "awarded_on": "2025-06-01"})
    assert response.status_code == 200 and "师德一票否决" in response.content.decode()
    assert not Award.objects.exists()
    award = services.award_grant(honour_type=mingshi(), teacher=world.t1b, awarded_on=D(2025, 6, 1),
                                 user=world.users.district)
    client.post(reverse("admin:workforce_award_changelist"),
                {"action": "revoke_awards", "_selected_action": [award.pk]})
    award.refresh_from_db()
    assert award.revoked_on == dt.date.today() and award.revoke_reason == "师德一票否决"
