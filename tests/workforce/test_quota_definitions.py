"""The two quota gaps (DOMAIN.md "Staffing quota (编制)", "Missing data is missing"): per school,
summed per district and city on the quota page, its Excel export and JSON, and the dashboard's
JSON. Every figure is worked out by hand below and computed through the database code
(``selectors.quota_rows`` → ``quota.sum_rows`` / ``selectors.quota_result``).

The city of these tests (school year 2025, 在编 counted on 2025-10-01):

| district | school | pupils / classes | standard | approved | 在编 | gap s−a | a−在编 |
|---|---|---|---|---|---|---|---|
| 海州区 | s1 海州实验小学 | 1900 / 40 | 100 | 80 | 1 | +20 | +79 |
| 海州区 | s1b 海州第二小学 | 950 / 20 | 50 | 60 | 1 | −10 | +59 |
| 海州区 | 海州村小 | 40 / 6 (6 × 1.7 = 10.2) | 10 | 4 | 6 | +6 | −2 |
| 海州区 | 海州未核定小学 | 95 / 3 | 5 | — | 7 | — | — |
| 灌南县 | s2 灌南实验小学 | 380 / 10 | 20 | 30 | 1 | −10 | +29 |
| 灌南县 | 灌南缺编小学 | 380 / 10 | 20 | 5 | 0 | +15 | +5 |

海州区: standard 165, approved 144 (three schools), 在编 15, shortage 20 + 6 = 26, surplus 10,
vacancies 79 + 59 = 138, overstaffed 2, one school without an approved quota.
灌南县: standard 40, approved 35, 在编 1, shortage 15, surplus 10, vacancies 34, overstaffed 0.
City: standard 205, approved 179, 在编 16, shortage 41, surplus 20, vacancies 172, overstaffed 2.
"""
from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from backend.scoping import Scope
from tests.factories import SchoolFactory, TeacherFactory
from workforce import choices as c
from workforce import measures as ms
from workforce import quota, registry
from workforce import selectors as sel
from workforce.models import Enrolment, SchoolQuota

YEAR = 2025
ON = dt.date(2025, 10, 1)


@pytest.fixture(autouse=True)
def no_training(monkeypatch):
    """Quota only: the measures registry starts empty (as in test_selectors)."""
    monkeypatch.setattr(registry, "_MEASURES", {})


def build_city(world) -> SimpleNamespace:
    """The city of the module docstring (world's t1, t1b, t2 are the one 在编 of s1, s1b, s2)."""
    village = SchoolFactory(district=world.d1, name="海州村小", location=c.Location.RURAL,
                            rural_kind=c.RuralKind.VILLAGE)
    unapproved = SchoolFactory(district=world.d1, name="海州未核定小学")
    short = SchoolFactory(district=world.d2, name="灌南缺编小学")
    Enrolment.objects.bulk_create([
        Enrolment(school=world.s1, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=1900, classes=40),
        Enrolment(school=world.s1b, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=950, classes=20),
        Enrolment(school=village, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=40, classes=6),
        Enrolment(school=unapproved, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=95, classes=3),
        Enrolment(school=world.s2, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=380, classes=10),
        Enrolment(school=short, school_year=YEAR, stage=c.Stage.PRIMARY, pupils=380, classes=10),
    ])
    SchoolQuota.objects.bulk_create([
        SchoolQuota(school=world.s1, school_year=YEAR, approved=80),
        SchoolQuota(school=world.s1b, school_year=YEAR, approved=60),
        SchoolQuota(school=village, school_year=YEAR, approved=4),
        SchoolQuota(school=world.s2, school_year=YEAR, approved=30),
        SchoolQuota(school=short, school_year=YEAR, approved=5),
    ])
    for _ in range(6):
        TeacherFactory(school=village)
    for _ in range(6):
        TeacherFactory(school=unapproved)
    TeacherFactory(school=unapproved, staff_category=c.StaffCategory.ADMIN)  # 在编 staff of any category count
    TeacherFactory(school=unapproved, on_establishment=False)  # not 在编
    return SimpleNamespace(village=village, unapproved=unapproved, short=short)


FIGURES = ("standard", "approved", "actual", "shortage", "surplus", "vacancies", "overstaffed",
           "schools", "schools_without_approved")


def figures(row) -> tuple:
    return tuple(getattr(row, key) for key in FIGURES)


# ---------------------------------------------------------------- pure
def test_quota_gaps_of_one_school_and_missing_approved():
    assert ms.quota_gaps(standard=100, approved=80, actual=1) == (20, 0, 79, 0)
    assert ms.quota_gaps(standard=10, approved=4, actual=6) == (6, 0, 0, 2)
    assert ms.quota_gaps(standard=50, approved=60, actual=60) == (0, 10, 0, 0)
    assert ms.quota_gaps(standard=5, approved=None, actual=7) is None  # never the headcount in its place


def test_sums_keep_the_parts_apart_and_skip_missing_figures():
    rows = [quota.QuotaRow.for_school(code="a", name="甲", standard=10, approved=6, actual=8),   # +4, −2
            quota.QuotaRow.for_school(code="b", name="乙", standard=5, approved=8, actual=3),    # −3, +5
            quota.QuotaRow.for_school(code="c", name="丙", standard=7, approved=None, actual=9)]
    total = quota.sum_rows("", "合计", rows)
    assert figures(total) == (22, 14, 20, 4, 3, 5, 2, 3, 1)
    assert total.net_gap == 1  # kept for the JSON's legacy net_shortage only
    nothing = quota.sum_rows("", "合计", rows[2:])
    assert figures(nothing) == (7, None, 9, None, None, None, None, 1, 1)


# ---------------------------------------------------------------- through the database
def test_quota_table_per_school_district_and_city(world):
    city = build_city(world)
    table = sel.quota_table(Scope("city"), YEAR, on=ON)
    rows = {r.school_id: r for r in table.schools}
    assert figures(rows[world.s1.pk]) == (100, 80, 1, 20, 0, 79, 0, 1, 0)
    assert figures(rows[world.s1b.pk]) == (50, 60, 1, 0, 10, 59, 0, 1, 0)
    assert figures(rows[city.village.pk]) == (10, 4, 6, 6, 0, 0, 2, 1, 0)
    assert "村小/教学点" in rows[city.village.pk].basis
    # no approved quota: no figures — not 超编 by its 7 在编 against a standard of 5
    assert figures(rows[city.unapproved.pk]) == (5, None, 7, None, None, None, None, 1, 1)
    assert not rows[city.unapproved.pk].approved_recorded
    districts = {d.district_id: d for d in table.districts}
    assert figures(districts[world.d1.pk]) == (165, 144, 15, 26, 10, 138, 2, 4, 1)
    assert figures(districts[world.d2.pk]) == (40, 35, 1, 15, 10, 34, 0, 2, 0)
    assert figures(table.city) == (205, 179, 16, 41, 20, 172, 2, 6, 1)


def test_dashboard_json_gives_both_gaps_and_null_where_missing(world):
    build_city(world)
    q = sel.measures_for(sel.CITY, on=ON, year=YEAR)["quota"]
    assert (q["standard"], q["approved"], q["actual"]) == (205, 179, 16)
    assert q["quota_gap"] == {"shortage": 41, "surplus": 20}
    assert (q["vacancies"], q["overstaffed"]) == (172, 2)
    assert (q["schools"], q["schools_with_approved"], q["schools_without_approved"]) == (6, 5, 1)
    assert (q["shortage_total"], q["surplus_total"], q["net_shortage"]) == (41, 20, 21)  # kept keys
    assert "不相抵" in q["definitions"]["quota_gap"] and "不以在编人数代替" in q["definitions"]["approved"]
    d1 = sel.measures_for(sel.district_ref(world.d1), on=ON, year=YEAR)["quota"]
    assert (d1["standard"], d1["approved"], d1["actual"], d1["quota_gap"], d1["vacancies"], d1["overstaffed"]) == \
        (165, 144, 15, {"shortage": 26, "surplus": 10}, 138, 2)
    total, rows = sel.measures_by(sel.CITY, "district", on=ON, year=YEAR)
    assert dict(rows)[sel.district_ref(world.d1)]["quota"] == d1
    assert total["quota"] == q


def test_school_without_approved_quota_is_null_in_json(world):
    city = build_city(world)
    q = sel.measures_for(sel.school_ref(city.unapproved), on=ON, year=YEAR)["quota"]
    assert (q["standard"], q["approved"], q["actual"], q["quota_gap"]) == (5, None, 7, None)
    assert (q["vacancies"], q["overstaffed"], q["surplus_total"], q["net_shortage"]) == (None, None, None, None)
    assert (q["schools"], q["schools_without_approved"]) == (1, 1)


def test_a_year_without_any_approved_quota_is_missing_not_overstaffed(world):
    """The demo's 2026 bug: the whole workforce (35,248) showed as 超编 with no approved quota."""
    build_city(world)
    q = sel.measures_for(sel.CITY, on=dt.date(2026, 10, 1), year=YEAR + 1)["quota"]
    assert (q["standard"], q["approved"], q["actual"]) == (0, None, 16)
    assert (q["quota_gap"], q["vacancies"], q["overstaffed"], q["surplus_total"]) == (None, None, None, None)
    assert (q["schools"], q["schools_with_approved"], q["schools_without_approved"]) == (6, 0, 6)


def test_quota_page_export_and_json_agree(world, client):
    city = build_city(world)
    client.force_login(world.users.city)
    url = reverse("workforce:quota_index") + f"?year={YEAR}"
    data = client.get(url + "&format=json").json()
    assert {k: data["city"][k] for k in FIGURES} == dict(zip(FIGURES, (205, 179, 16, 41, 20, 172, 2, 6, 1)))
    schools = {s["code"]: s for s in data["schools"]}
    assert schools[world.s1.code]["quota_gap"] == 20 and schools[world.s1b.code]["quota_gap"] == -10
    missing = schools[city.unapproved.code]
    assert (missing["approved"], missing["quota_gap"], missing["shortage"], missing["overstaffed"]) == (None, None, None, None)
    assert missing["approved_recorded"] is False and missing["actual"] == 7
    haizhou = next(d for d in data["districts"] if d["name"] == "海州区")
    assert (haizhou["shortage"], haizhou["surplus"], haizhou["schools_without_approved"]) == (26, 10, 1)

    page = client.get(url).content.decode()
    assert "无数据" in page and "未核定编制的学校" in page and "超编（在编−核定）" in page

    book = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    by_name = {r[1]: r for r in book["学校"].iter_rows(min_row=3, values_only=True)}
    assert by_name["海州未核定小学"][3:10] == (5, "无数据", 7, "无数据", "无数据", "无数据", "无数据")
    assert by_name["海州村小"][3:10] == (10, 4, 6, 6, 0, 0, 2)
    sums = {r[1]: r for r in book["区县"].iter_rows(min_row=3, values_only=True)}
    assert sums["海州区"][2:11] == (4, 1, 165, 144, 15, 26, 10, 138, 2)
    assert sums["合计"][2:11] == (6, 1, 205, 179, 16, 41, 20, 172, 2)


def test_dashboard_page_and_workbook_show_the_quota_lines(world, client):
    build_city(world)
    client.force_login(world.users.leader)
    page = client.get(f"/workforce/dashboard/?on={ON}&year={YEAR}").content.decode()
    assert 'data-test="quota-shortage-total">41<' in page and 'data-test="quota-overstaffed">2<' in page
    book = load_workbook(io.BytesIO(client.get(f"/workforce/dashboard/export.xlsx?scope=city&on={ON}&year={YEAR}").content))
    row = next(r for r in book["编制"].iter_rows(min_row=3, values_only=True) if r[0] == "全市")
    assert row[2:11] == (205, 179, 16, 41, 20, 172, 2, 6, 1)
    empty = client.get(f"/workforce/dashboard/?on=2026-10-01&year={YEAR + 1}").content.decode()
    assert 'data-test="quota-missing">无数据<' in empty
