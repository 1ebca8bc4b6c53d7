"""Plan periods as data (issue 14 item 8): the 14th plan ended with 2025; its final account reads
the 2025-2026 snapshot against the 2025 targets, and the next plan's 2030 targets, entered in the
admin, are what every output measures against — the page, the JSON, the Excel export and the
``measures`` command — with a switch back (``?plan=``). Indicator codes are choices: a typo is
refused, never an indicator dropped in silence."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from workforce import choices as c
from workforce import models as m
from workforce import selectors as sel
from workforce import snapshots

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)  # December 2026: the 14th plan has ended
Q = "on=2026-12-01"
FIFTEENTH = {  # code → the 2030 target the city enters
    "t2_primary_bachelor": "98", "t2_preschool_bachelor": "80", "t2_primary_postgraduate": "10",
    "t1_ptr_primary": "16.5", "rotation_ratio": "18", "zhenggao_appointed": "60", "gangcheng_mingshi": "500",
}


def edu(teacher, education, end=dt.date(2008, 7, 1), degree="none"):
    m.EducationRecord.objects.create(teacher=teacher, education=education, degree=degree, is_highest=True, end=end)


@pytest.fixture
def city(world):
    """Three primary teachers: t1 本科 since 2008; t1b 本科 from July 2023; t2 硕士 from July 2025.
    A 正高级教师 appointed in 2024 (the 14th plan's period). The 2025-2026 snapshot (on its last day)."""
    edu(world.t1, "bachelor")
    edu(world.t1b, "associate")
    edu(world.t1b, "bachelor", end=dt.date(2023, 7, 1))
    edu(world.t2, "master", end=dt.date(2025, 7, 1), degree="master")
    m.TitleAppointment.objects.create(teacher=world.t1, title=c.Title.SENIOR_PROFESSOR, appointed_on=dt.date(2024, 3, 1))
    snapshots.snapshot_take(snapshots.school_year_end(2025), 2025, schools=True)
    return world


def enter_fifteenth_plan_in_the_admin(client, world, codes=FIFTEENTH) -> None:
    """City HR adds the plan and its targets on the admin's plan page (one inline row an indicator)."""
    client.force_login(world.users.city)
    post = {"code": "15th", "name": "十五五", "title": "连云港市“十五五”教育发展规划", "start_year": "2026",
            "end_year": "2030", "baseline_year": "2025", "interim_year": "", "target_year": "2030",
            "indicators-TOTAL_FORMS": str(len(codes)), "indicators-INITIAL_FORMS": "0",
            "indicators-MIN_NUM_FORMS": "0", "indicators-MAX_NUM_FORMS": "1000"}
    for i, (code, target) in enumerate(codes.items()):
        post.update({f"indicators-{i}-code": code, f"indicators-{i}-name": f"十五五 {code}",
                     f"indicators-{i}-baseline": "", f"indicators-{i}-interim": "", f"indicators-{i}-target": target,
                     f"indicators-{i}-kind": "binding", f"indicators-{i}-coverage": "", f"indicators-{i}-order": str(i)})
    return client.post("/admin/workforce/plan/add/", post)


def line(data, code):
    return next(x for x in data["table2"] + data["pupil_teacher"] if x["code"] == code)


# ---------------------------------------------------------------- the rule of the plan in force (pure)
def test_the_plan_in_force_is_the_one_whose_period_holds_the_year_else_the_latest_begun():
    fourteenth = m.Plan(code="14th", start_year=2021, end_year=2025)
    fifteenth = m.Plan(code="15th", start_year=2026, end_year=2030)
    assert m.Plan.in_force_of([fourteenth], dt.date(2025, 12, 31)) is fourteenth
    assert m.Plan.in_force_of([fourteenth], TODAY) is fourteenth  # ended, the next one not entered yet
    assert m.Plan.in_force_of([fifteenth, fourteenth], TODAY) is fifteenth
    assert m.Plan.in_force_of([fifteenth, fourteenth], dt.date(2025, 6, 1)) is fourteenth
    assert m.Plan.in_force_of([fourteenth], dt.date(2019, 1, 1)) is fourteenth
    assert m.Plan.in_force_of([], TODAY) is None


# ---------------------------------------------------------------- codes are choices, validated
def test_an_indicator_code_with_a_typo_is_refused_by_the_form_rules_and_by_the_database(world):
    plan = m.Plan.objects.get(code="14th")
    typo = m.PlanIndicator(plan=plan, code="t2_primary_bachelr", name="小学本科", target=95)
    with pytest.raises(ValidationError) as error:
        typo.full_clean()
    assert "code" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        m.PlanIndicator.objects.create(plan=plan, code="t2_primary_bachelr", name="小学本科", table="table2",
                                       stage="primary", measure="本科及以上", target=95)


def test_the_code_decides_table_stage_level_unit_and_direction(world):
    plan = m.Plan.objects.create(code="15th", name="十五五", start_year=2026, end_year=2030, baseline_year=2025,
                                 target_year=2030)
    ind = m.PlanIndicator(plan=plan, code="t1_ptr_junior", name="生师比（初中）", target=11.5)
    ind.full_clean()
    assert (ind.table, ind.stage, ind.measure, ind.unit, ind.higher_is_better) == ("table1", "junior", "生师比", "比", False)
    ind = m.PlanIndicator(plan=plan, code="t2_primary_postgraduate", name="小学研究生", target=8)
    ind.full_clean()
    assert (ind.table, ind.stage, ind.measure, ind.unit) == ("table2", "primary", "研究生", "%")


def test_plans_do_not_overlap_and_their_years_are_in_order(world):
    overlapping = m.Plan(code="x", name="重叠", start_year=2025, end_year=2029, baseline_year=2024, target_year=2029)
    with pytest.raises(ValidationError) as error:
        overlapping.full_clean()
    assert "start_year" in error.value.message_dict
    backwards = m.Plan(code="y", name="倒置", start_year=2031, end_year=2035, baseline_year=2035, target_year=2030)
    with pytest.raises(ValidationError):
        backwards.full_clean()


def test_a_typo_in_the_admin_inline_enters_nothing(client, world):
    response = enter_fifteenth_plan_in_the_admin(client, world, {"t2_primary_bachelr": "98"})
    assert response.status_code == 200  # the form again, with the error
    assert not m.Plan.objects.filter(code="15th").exists()


# ---------------------------------------------------------------- the 14th plan ended: its final account
def test_december_2026_measures_against_the_14th_plan_says_it_ended_and_links_its_final_account(client, city):
    client.force_login(city.users.leader)
    page = client.get(f"/workforce/dashboard/city/?{Q}").content.decode()
    assert "对照规划：“十四五”（2021–2025年），目标年 2025" in page
    assert "该规划已于 2025 年结束" in page and 'data-test="next-plan-missing"' in page
    assert "/workforce/dashboard/final/?scope=city&amp;plan=14th" in page


def test_the_final_account_is_the_2025_2026_snapshot_against_the_2025_targets(client, city):
    account = sel.final_account(sel.CITY, sel.load_targets("14th"), members=[sel.district_ref(city.d1)])
    assert (account["school_year"], account["snapshot_on"]) == ("2025-2026", "2026-08-31")
    rows = {r["code"]: r for r in account["rows"]}
    # every indicator of the plan has its row
    assert set(rows) == set(m.PlanIndicator.objects.filter(plan__code="14th").values_list("code", flat=True))
    primary = rows["t2_primary_bachelor"]  # on 2026-08-31: all three 本科 or above, target 95%
    assert (primary["numerator"], primary["denominator"], primary["value"], primary["target"], primary["met"]) == (
        3, 3, 1.0, 95.0, True)
    postgraduate = rows["t2_junior_postgraduate"]  # no 初中 teachers: does not apply ("—"), never met
    assert (postgraduate["missing"], postgraduate["value"], postgraduate["met"]) == (False, None, None)
    ptr = rows["t1_ptr_primary"]  # primary teachers and no enrolment entered: missing (无数据), never met
    assert (ptr["missing"], ptr["met"]) == (True, None)
    zhenggao = rows["zhenggao_appointed"]  # appointed in 2024: in the 2021–2025 period, against 80
    assert (zhenggao["value"], zhenggao["target"], zhenggao["met"], zhenggao["gap"]) == (1, 80.0, False, 79)
    haizhou = {r["code"]: r for r in account["members"][0]["rows"]}
    assert (haizhou["t2_primary_bachelor"]["numerator"], haizhou["t2_primary_bachelor"]["denominator"]) == (2, 2)
    assert haizhou["zhenggao_appointed"]["target"] == 80.0 and haizhou["zhenggao_appointed"]["met"] is None  # the city's


def test_a_target_corrected_after_the_snapshot_is_what_the_final_account_judges(city):
    m.PlanIndicator.objects.filter(plan__code="14th", code="zhenggao_appointed").update(target=1)
    rows = {r["code"]: r for r in sel.final_account(sel.CITY, sel.load_targets("14th"))["rows"]}
    assert (rows["zhenggao_appointed"]["met"], rows["zhenggao_appointed"]["gap"]) == (True, 0)


def test_without_the_target_year_snapshot_the_final_account_says_so(world):
    account = sel.final_account(sel.CITY, sel.load_targets("14th"))
    assert account["snapshot_on"] is None
    assert all(r["missing"] and r["note"] == "无该学年快照" for r in account["rows"])


def test_the_final_account_page_and_its_excel_export(client, city):
    client.force_login(city.users.leader)
    page = client.get("/workforce/dashboard/final/?scope=city&plan=14th").content.decode()
    assert "2025-2026学年的数据对照 2025 年目标" in page and "快照日期 2026-08-31" in page
    assert 'data-row="海州区"' in page
    response = client.get("/workforce/dashboard/final.xlsx?scope=city&plan=14th")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["终期核算"]
    assert "“十四五”规划终期核算" in sheet["A1"].value and "2025-2026学年对照2025年目标" in sheet["A1"].value
    header = [cell.value for cell in sheet[2]]
    assert header[4:8] == ["基线（2020年）", "中期（2022年）", "目标（2025年）", "2025-2026学年实际"]
    rows = {r[2]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["t2_primary_bachelor"][4:8] == (0.93, None, 0.95, 1.0)
    assert rows["t2_primary_bachelor"][10] == "达标"
    assert rows["t2_junior_postgraduate"][7:11] == (None, None, None, "—")
    assert rows["t1_ptr_primary"][7] == "无数据" and rows["t1_ptr_primary"][10] == "无数据"
    assert rows["t1_ptr_primary"][6] == 17  # a pupil–teacher ratio as N:1
    districts = [r for r in book["分区县"].iter_rows(min_row=3, values_only=True) if r[3] == "t2_primary_bachelor"]
    assert {r[0]: r[8] for r in districts}["海州区"] == 1.0


def test_a_district_officer_gets_the_final_account_of_their_district_only(client, city):
    client.force_login(city.users.district)
    assert client.get("/workforce/dashboard/final/?scope=city&plan=14th").status_code == 403
    page = client.get("/workforce/dashboard/final/?plan=14th").content.decode()
    assert 'data-test="scope-name">海州区' in page and "海州实验小学" in page and "灌南" not in page


# ---------------------------------------------------------------- the next plan's targets, entered in the admin
def test_a_2030_target_set_entered_in_the_admin_is_followed_by_every_output(client, city):
    # given the 15th plan's targets entered on the admin's plan page
    response = enter_fifteenth_plan_in_the_admin(client, city)
    assert response.status_code == 302, response.content.decode()[:2000]
    fifteenth = m.Plan.objects.get(code="15th")
    assert fifteenth.indicators.count() == len(FIFTEENTH)
    assert fifteenth.indicators.get(code="t1_ptr_primary").higher_is_better is False  # decided by the code
    client.force_login(city.users.leader)

    # the page: the plan in force in December 2026, its 2030 targets, its new Table 2 line
    response = client.get(f"/workforce/dashboard/city/?{Q}")
    page = response.content.decode()
    assert "对照规划：“十五五”（2026–2030年），目标年 2030" in page and "该规划已于" not in page
    columns = {col["key"]: col["target"] for col in response.context["overview"]["columns"]}
    assert columns["t2_primary_bachelor"] == "98%" and "t2_primary_postgraduate" in columns
    assert "t2_preschool_associate" not in columns  # not a target of the 15th plan
    assert response.context["charts"]["trend"]["plan"]["target_year"] == 2030
    # … and the switch back to the 14th plan
    response = client.get(f"/workforce/dashboard/city/?{Q}&plan=14th")
    assert "对照规划：“十四五”" in response.content.decode()
    assert {col["key"]: col["target"] for col in response.context["overview"]["columns"]}["t2_primary_bachelor"] == "95%"

    # the JSON
    data = client.get(f"/workforce/dashboard/measures.json?scope=city&{Q}").json()
    assert data["plan"]["code"] == "15th" and data["plan"]["target_year"] == 2030
    assert line(data, "t2_primary_bachelor")["target"] == 0.98 and line(data, "t1_ptr_primary")["target"] == 16.5
    assert data["rotation"]["target"] == 0.18
    honours = {h["code"]: h for h in data["honours"]}
    assert honours["gangcheng_mingshi"]["target"] == 500
    assert honours["zhenggao_appointed"]["count"] == 0  # the 2026–2030 period: the 2024 appointment is the 14th's
    old = client.get(f"/workforce/dashboard/measures.json?scope=city&{Q}&plan=14th").json()
    assert old["plan"]["code"] == "14th" and line(old, "t2_primary_bachelor")["target"] == 0.95
    assert {h["code"]: h for h in old["honours"]}["zhenggao_appointed"]["count"] == 1

    # the Excel export
    book = load_workbook(io.BytesIO(client.get(f"/workforce/dashboard/export.xlsx?scope=city&{Q}").content))
    table2 = {(r[0], r[1], r[2]): r for r in book["表2学历"].iter_rows(min_row=3, values_only=True)}
    assert table2[("全市", "小学", "本科及以上")][6] == 0.98
    assert table2[("全市", "小学", "研究生")][6] == 0.1

    # the command
    out = io.StringIO()
    call_command("measures", "--scope", "city", "--on", "2026-12-01", "--json", stdout=out)
    assert line(json.loads(out.getvalue()), "t2_primary_bachelor")["target"] == 0.98
    out = io.StringIO()
    call_command("measures", "--scope", "city", "--on", "2026-12-01", "--plan", "14th", "--json", stdout=out)
    assert line(json.loads(out.getvalue()), "t2_primary_bachelor")["target"] == 0.95
    out = io.StringIO()
    call_command("measures", "--scope", "city", "--on", "2026-12-01", stdout=out)
    assert "对照规划 十五五（目标年 2030）" in out.getvalue()

    # the 14th plan's final account is still there, behind the switch
    out = io.StringIO()
    call_command("measures", "--scope", "city", "--plan", "14th", "--final", stdout=out)
    assert "“十四五”规划终期核算：2025-2026 学年对照 2025 年目标（快照 2026-08-31）" in out.getvalue()
    assert "小学教师本科及以上学历（学位）: 100.0%（目标 95%）达标" in out.getvalue()


def test_an_unknown_plan_is_an_error_of_the_command(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有代码为“16th”的规划"):
        call_command("measures", "--plan", "16th", stdout=io.StringIO())


def test_the_next_plan_imported_from_excel_in_the_admin(client, world):
    """The indicators' Excel import takes a new plan's rows (its name in 规划); a typo in 代码 is the
    row's error, named, and nothing is written."""
    from tests.workforce.test_reference_import_export import confirm, preview, xlsx

    m.Plan.objects.create(code="15th", name="十五五", start_year=2026, end_year=2030, baseline_year=2025, target_year=2030)
    client.force_login(world.users.city)
    url = "/admin/workforce/planindicator/"
    header = ["规划", "代码", "指标", "基线值", "目标值", "属性"]
    bad = preview(client, url, xlsx([header, ["十五五", "t2_primary_bachelor", "小学本科", 95, 98, "约束性"],
                                     ["十五五", "t2_primary_bachelr", "错字", None, 5, "约束性"]]))
    assert bad.context["result"].has_validation_errors()
    assert "代码" in bad.context["result"].invalid_rows[0].field_specific_errors
    assert not m.PlanIndicator.objects.filter(plan__code="15th").exists()

    good = preview(client, url, xlsx([header, ["十五五", "t2_primary_bachelor", "小学本科", 95, 98, "约束性"],
                                      ["15th", "t1_ptr_primary", "小学生师比", 17, 16.5, "预期性"]]))
    confirm(client, url, good)
    rows = {i.code: i for i in m.PlanIndicator.objects.filter(plan__code="15th")}
    assert float(rows["t2_primary_bachelor"].target) == 98 and rows["t2_primary_bachelor"].table == "table2"
    assert rows["t1_ptr_primary"].higher_is_better is False and rows["t1_ptr_primary"].unit == "比"
    assert sel.load_targets(on=TODAY).plan.code == "15th"
