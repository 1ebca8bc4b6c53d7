"""The workflow pages as a user meets them (issue 17): a bad form is answered in Chinese on the page
and stores nothing; a filter narrows the list and its download alike; a download keeps
formula-looking text as text, is named in Chinese and leaves an audit row; a list page costs the
same number of queries for many rows as for a few."""
from __future__ import annotations

import datetime as dt
from io import BytesIO
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from backend.models import AuditEntry
from careers.models import PromotionRound
from core.spreadsheets import content_disposition
from tests.factories import SchoolFactory, TeacherFactory
from workforce import columns as cols
from workforce import services
from workforce.models import Award, EthicsCase, EthicsSeverity, Exchange, ExchangeType, HonourType, QuotaProposal

pytestmark = pytest.mark.django_db

D = dt.date
YEAR = 2025


@pytest.fixture
def officer(world):
    """City HR with the rights to see ethics records and full IDs."""
    user = world.users.city
    user.can_view_ethics = True
    user.save()
    return user


def mingshi():
    return HonourType.objects.get(code="gangcheng_mingshi")


def book_of(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats"), response.content[:200]
    return load_workbook(BytesIO(response.content))


def first_column(sheet, header_row: int = 2) -> list:
    return [row[0] for row in sheet.iter_rows(min_row=header_row + 1, values_only=True)]


def page_names(response) -> list[str]:
    """The rows of a list page as the view gave them to the table (row object, its cells)."""
    return [cells[0] for _row, cells in response.context["rows"]]


def eligible_teachers(world, n: int, school=None, prefix: str = "应交流"):
    return [TeacherFactory(school=school or (world.s1 if i % 2 else world.s1b), school_entry=D(2010, 9, 1),
                           name=f"{prefix}{i:02d}") for i in range(n)]


# ---------------------------------------------------------------- bad posts
def test_a_bad_exchange_form_is_answered_in_chinese_and_records_nothing(client, world):
    client.force_login(world.users.district)
    response = client.post(reverse("workforce:rotation_record", args=[world.t1.pk]),
                           {"exchange_type": "abc", "start": "2025-13-45", "to_school": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "请选择交流轮岗类型。" in body and "日期格式应为 2025-09-01。" in body and "请选择交流轮岗单位。" in body
    assert not Exchange.objects.exists()
    # the same form, filled in, records the exchange
    response = client.post(reverse("workforce:rotation_record", args=[world.t1.pk]), {
        "exchange_type": ExchangeType.objects.get(name="交流轮岗").pk, "start": "2025-09-01",
        "to_school": world.s1b.pk})
    assert response.status_code == 302 and Exchange.objects.get().teacher == world.t1


def test_a_bulk_exchange_without_a_school_says_so_and_records_nobody(client, world):
    client.force_login(world.users.district)
    response = client.post(reverse("workforce:rotation_record_bulk"), {
        "teacher": [world.t1.pk, world.t1b.pk], "exchange_type": ExchangeType.objects.get(name="交流轮岗").pk,
        "start": "2025-09-01"}, follow=True)
    assert "请选择交流轮岗单位。" in response.content.decode() and not Exchange.objects.exists()


def test_an_ethics_case_without_dates_is_answered_in_chinese_and_not_recorded(client, world, officer):
    client.force_login(officer)
    response = client.post(reverse("workforce:honours_ethics"), {
        "teacher": world.t1.pk, "severity": EthicsSeverity.objects.get(name="记过").pk, "occurred_on": "",
        "decided_on": "yesterday"})
    body = response.content.decode()
    assert response.status_code == 200 and body.count("请填写发生日期和认定日期。") == 1
    assert "日期格式应为 2025-09-01。" in body and not EthicsCase.objects.exists()


def test_an_award_without_a_type_is_answered_in_chinese_and_not_granted(client, world):
    client.force_login(world.users.district)
    response = client.post(reverse("workforce:award_new"), {"teacher": world.t1.pk, "awarded_on": "2025-03-01"})
    assert "请选择荣誉类型。" in response.content.decode() and not Award.objects.exists()


def test_a_quota_allocation_that_is_not_a_number_is_refused_in_chinese(client, world):
    client.force_login(world.users.city)
    response = client.post(reverse("workforce:quota_allocate"), {"year": "2025-2026", "posts": "十"}, follow=True)
    assert "请填写分配编制数（整数）。" in response.content.decode() and not QuotaProposal.objects.exists()
    assert response.redirect_chain[-1][0].endswith("?year=2025")


def test_a_round_with_an_unknown_series_is_refused_in_chinese(client, world):
    client.force_login(world.users.city)
    response = client.post(reverse("careers:rounds"), {"year": "2025", "series": "nope", "levels": []}, follow=True)
    body = response.content.decode()
    assert "请选择评审系列。" in body and "请至少选择一个评审层级。" in body and not PromotionRound.objects.exists()


def test_a_bad_record_number_is_not_an_error_page(client, world):
    client.force_login(world.users.district)
    response = client.post(reverse("workforce:award_new"), {
        "honour_type": "²", "teacher": "9" * 40, "awarded_on": "2025-03-01"})
    body = response.content.decode()
    assert response.status_code == 200 and "请选择荣誉类型。" in body and "请从名单中选择教师" in body


# ---------------------------------------------------------------- filters: the page and its download
def test_a_filter_narrows_the_eligible_list_and_its_download_alike(client, world):
    eligible_teachers(world, 6)
    client.force_login(world.users.district)
    url = reverse("workforce:rotation_eligible")
    everyone = page_names(client.get(url, {"year": YEAR, "state": "all"}))
    for params in ({"school": world.s1.code}, {"q": "应交流0"}, {"q": world.t1b.id_number[-4:]}):
        params = {"year": YEAR, "state": "all", **params}
        listed = page_names(client.get(url, params))
        exported = first_column(book_of(client.get(url, {**params, "format": "xlsx"})).active)
        assert listed and set(listed) < set(everyone), params
        assert exported == listed, params


def test_a_filter_narrows_the_awards_and_their_download_alike(client, world):
    user = world.users.district
    services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=D(2024, 1, 1), user=user)
    services.award_grant(honour_type=HonourType.objects.get(code="xian_gugan"), teacher=world.t1b,
                         awarded_on=D(2024, 1, 1), user=user)
    client.force_login(user)
    url = reverse("workforce:honours_awards")
    params = {"type": "gangcheng_mingshi", "state": "all"}
    listed = [cells[1] for _a, cells in client.get(url, params).context["rows"]]
    sheet = book_of(client.get(url, {**params, "format": "xlsx"})).active
    exported = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert listed == exported == [world.t1.name]


def test_the_quota_schools_are_searched_on_the_page_and_in_the_download(client, world):
    client.force_login(world.users.city)
    url = reverse("workforce:quota_index")
    page = client.get(url, {"year": YEAR, "q": world.s1b.code})
    assert [s.code for s in page.context["page"]] == [world.s1b.code]
    sheet = book_of(client.get(url, {"year": YEAR, "q": world.s1b.code, "format": "xlsx"}))["学校"]
    assert first_column(sheet) == [world.s1b.code]


def test_the_page_and_its_download_show_the_same_columns(client, world):
    eligible_teachers(world, 2)
    client.force_login(world.users.district)
    url = reverse("workforce:rotation_eligible")
    page = client.get(url, {"year": YEAR, "state": "all"})
    sheet = book_of(client.get(url, {"year": YEAR, "state": "all", "format": "xlsx"})).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[1]) == [str(h) for h in page.context["columns"]] == [str(c.header) for c in cols.ELIGIBLE]
    assert [list(r) for r in rows[2:]] == [cells for _t, cells in page.context["rows"]]
    assert all("*" in cells[1] for _t, cells in page.context["rows"])  # 身份证件号 masked on both


# ---------------------------------------------------------------- the download itself
def test_text_that_starts_like_a_formula_is_written_as_text(client, world):
    names = ["=SUM(A1)", "+1", "-1", "@x", '=HYPERLINK("http://x","点我")']
    for name in names:
        TeacherFactory(school=world.s1, school_entry=D(2010, 9, 1), name=name)
    client.force_login(world.users.district)
    response = client.get(reverse("workforce:rotation_eligible"), {"year": YEAR, "state": "all", "format": "xlsx"})
    sheet = book_of(response).active
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=3, max_col=1) for cell in row}
    for name in names:
        assert (cells[name].data_type, cells[name].quotePrefix) == ("s", True), name
    assert not cells[world.t1.name].quotePrefix
    assert b"<f>" not in response.content  # no formula anywhere in the file


def test_every_download_is_named_in_chinese_and_audited(client, world, officer):
    services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=D(2024, 1, 1), user=officer)
    client.force_login(officer)
    downloads = {
        reverse("workforce:rotation_plan"): f"交流轮岗计划_{YEAR}-{YEAR + 1}.xlsx",
        reverse("workforce:rotation_eligible"): f"应交流教师_{YEAR}-{YEAR + 1}.xlsx",
        reverse("workforce:rotation_exchanges"): f"交流轮岗记录_{YEAR}-{YEAR + 1}.xlsx",
        reverse("workforce:honours_index"): "荣誉目标进展.xlsx",
        reverse("workforce:honours_awards"): "荣誉授予.xlsx",
        reverse("workforce:honours_nominate", args=["gangcheng_mingshi"]): "港城名师候选人.xlsx",
        reverse("workforce:honours_conflicts"): "与师德限制冲突的荣誉.xlsx",
        reverse("workforce:honours_ethics"): "师德失范案件.xlsx",
        reverse("workforce:quota_index"): f"编制_{YEAR}-{YEAR + 1}.xlsx",
    }
    for url, name in downloads.items():
        before = AuditEntry.objects.filter(action="export").count()
        response = client.get(url, {"year": YEAR, "format": "xlsx"})
        assert f"filename*=UTF-8''{quote(name)}" in response["Content-Disposition"], url
        book_of(response)
        rows = AuditEntry.objects.filter(action="export").order_by("-id")
        assert rows.count() == before + 1, url
        assert rows[0].username == officer.username and rows[0].object_repr == name


def test_the_file_name_header_has_an_ascii_fallback_and_the_chinese_name():
    header = content_disposition("应交流教师_2025-2026.xlsx")
    assert header.startswith('attachment; filename="2025-2026.xlsx"; ')
    assert header.endswith("filename*=UTF-8''" + quote("应交流教师_2025-2026.xlsx", safe=""))
    assert 'filename="download.xlsx"' in content_disposition("荣誉授予.xlsx")
    assert '"' not in content_disposition('a"b;c.xlsx').split("filename*=")[1]


def test_the_download_follows_no_page_but_the_first_and_ignores_the_page_size(client, world, monkeypatch):
    from workforce import workflow_views

    monkeypatch.setattr(workflow_views, "PAGE_SIZE", 2)
    eligible_teachers(world, 5)
    client.force_login(world.users.district)
    url = reverse("workforce:rotation_eligible")
    page = client.get(url, {"year": YEAR, "state": "all"})
    assert len(page.context["rows"]) == 2 and page.context["page"].paginator.count == 7
    sheet = book_of(client.get(url, {"year": YEAR, "state": "all", "page": 2, "format": "xlsx"})).active
    assert len(first_column(sheet)) == 7


# ---------------------------------------------------------------- queries do not grow with rows
def _grow(world, officer, n: int):
    school = SchoolFactory(district=world.d1, name=f"增量学校{n}")
    kind = ExchangeType.objects.get(name="交流轮岗")
    severity = EthicsSeverity.objects.get(name="警告")
    for i in range(n):
        t = TeacherFactory(school=school if i % 2 else world.s1, school_entry=D(2010, 9, 1), name=f"增量{n}-{i}")
        services.award_grant(honour_type=HonourType.objects.get(code="xian_gugan"), teacher=t,
                             awarded_on=D(2024, 1, 1), user=officer)
        services.exchange_record(teacher=t, exchange_type=kind, start=D(YEAR, 10, 1), to_school=world.s1b,
                                 user=officer)
        services.ethics_case_record(teacher=t, severity=severity, occurred_on=D(2024, 12, 1),
                                    decided_on=D(2025, 1, 10), user=officer)


LISTS = [
    ("workforce:rotation_eligible", (), {"year": YEAR, "state": "all"}),
    ("workforce:rotation_exchanges", (), {"year": YEAR}),
    ("workforce:honours_awards", (), {"state": "all"}),
    ("workforce:honours_nominate", ("gangcheng_mingshi",), {}),
    ("workforce:honours_conflicts", (), {"on": "2025-06-01"}),
    ("workforce:honours_ethics", (), {}),
    ("workforce:award_new", (), {}),
    ("workforce:quota_index", (), {"year": YEAR}),
    ("careers:assessments", (), {"year": 2024}),
]


@pytest.mark.parametrize("name, args, params", LISTS, ids=[name for name, _a, _p in LISTS])
def test_a_list_page_costs_the_same_queries_for_many_rows(client, world, officer, django_assert_max_num_queries,
                                                          name, args, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _grow(world, officer, 2)
    client.force_login(officer)
    url = reverse(name, args=args)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, params).status_code == 200
    _grow(world, officer, 25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, params)
    assert response.status_code == 200
    if "rows" in response.context:
        assert len(response.context["rows"]) > 25


def test_the_rotation_plans_schools_are_searched_and_paginated_on_the_page_and_in_the_download(client, world,
                                                                                               monkeypatch):
    from workforce import workflow_views

    eligible_teachers(world, 4)
    client.force_login(world.users.district)
    url = reverse("workforce:rotation_plan")
    everyone = client.get(url, {"year": YEAR})
    assert {cells[0] for _s, cells in everyone.context["rows"]} == {world.s1.code, world.s1b.code}
    page = client.get(url, {"year": YEAR, "q": world.s1b.name})
    assert [cells[0] for _s, cells in page.context["rows"]] == [world.s1b.code]
    sheet = book_of(client.get(url, {"year": YEAR, "q": world.s1b.name, "format": "xlsx"}))["各校"]
    assert first_column(sheet) == [world.s1b.code]
    monkeypatch.setattr(workflow_views, "PAGE_SIZE", 1)
    assert "第 1 / 2 页" in client.get(url, {"year": YEAR}).content.decode()
