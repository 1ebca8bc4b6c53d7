"""The dashboard pages, the JSON endpoint, the export and the two commands."""
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from backend.models import AuditEntry
from tests.factories import SchoolFactory, TeacherFactory
from workforce import choices as c
from workforce import models as m
from workforce import registry
from workforce import selectors as sel

pytestmark = pytest.mark.django_db

ON = "2025-10-01"
ON_DATE = dt.date(2025, 10, 1)


@pytest.fixture(autouse=True)
def fake_training(monkeypatch):
    """A stand-in for the training app's registration, so these tests depend on workforce only."""
    monkeypatch.setattr(registry, "_MEASURES", {})

    def measure(scope, on):
        teachers = m.Teacher.objects.for_scope(scope).population(on).count()
        return {"cycle": "2021—2025年周期", "complete": 0, "teachers": teachers, "ratio": 0.0 if teachers else None}

    def behind(scope, on):
        return m.Teacher.objects.for_scope(scope).population(on)

    registry.register("training", measure, behind=behind)


def edu(teacher, education, degree="none"):
    m.EducationRecord.objects.create(teacher=teacher, education=education, degree=degree, is_highest=True,
                                     end=dt.date(2008, 7, 1))


def login(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------- access: role × page × own/other scope
def _urls(world):
    return {
        "city": "/workforce/dashboard/city/",
        "district_own": f"/workforce/dashboard/district/{world.d1.code}/",
        "district_other": f"/workforce/dashboard/district/{world.d2.code}/",
        "school_own": f"/workforce/dashboard/school/{world.s1.code}/",
        "school_other_district": f"/workforce/dashboard/school/{world.s2.code}/",
        "school_same_district": f"/workforce/dashboard/school/{world.s1b.code}/",
        "json_city": "/workforce/dashboard/measures.json?scope=city",
        "json_own": "/workforce/dashboard/measures.json?scope=district:海州区",
        "json_other": "/workforce/dashboard/measures.json?scope=district:灌南县",
        "export_city": "/workforce/dashboard/export.xlsx?scope=city",
        "export_own_school": f"/workforce/dashboard/export.xlsx?scope=school:{world.s1.code}",
    }


ALLOWED = {
    "leader": {"city", "district_own", "district_other", "school_own", "school_other_district", "school_same_district",
               "json_city", "json_own", "json_other", "export_city", "export_own_school"},
    "city": {"city", "district_own", "district_other", "school_own", "school_other_district", "school_same_district",
             "json_city", "json_own", "json_other", "export_city", "export_own_school"},
    "district": {"district_own", "school_own", "school_same_district", "json_own", "export_own_school"},
    "district_leader": {"district_own", "school_own", "school_same_district", "json_own", "export_own_school"},
    "school": {"school_own", "export_own_school"},
    "teacher": set(),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_access_matrix(client, world, role):
    login(client, getattr(world.users, role))
    for name, url in _urls(world).items():
        status = client.get(url).status_code
        expected = 200 if name in ALLOWED[role] else 403
        assert status == expected, f"{role} {name}: {status}"


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/workforce/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role,target", [("district", "district"), ("district_leader", "district"), ("school", "school"),
                                         ("leader", None)])
def test_dashboard_entry_goes_to_the_users_scope(client, world, role, target):
    login(client, getattr(world.users, role))
    response = client.get("/workforce/dashboard/?on=" + ON)
    if target is None:
        assert response.status_code == 200 and "各区县达标情况" in response.content.decode()
    else:
        assert response.status_code == 302 and f"/dashboard/{target}/" in response["Location"]
        assert "on=" + ON in response["Location"]


def test_nav_shows_the_dashboard_to_leaders_not_to_teachers(client, world):
    login(client, world.users.leader)
    assert "指标看板" in client.get("/").content.decode()
    client.logout()
    login(client, world.users.teacher)
    assert "指标看板" not in client.get("/").content.decode()


# ---------------------------------------------------------------- figures on the pages
def test_city_overview_shows_each_districts_figures(client, world):
    edu(world.t1, "bachelor")
    edu(world.t1b, "associate")
    edu(world.t2, "bachelor", "master")
    login(client, world.users.leader)
    page = client.get(f"/workforce/dashboard/city/?on={ON}").content.decode()
    total, rows = sel.measures_by(sel.CITY, "district", on=ON_DATE)
    assert "海州区" in page and "灌南县" in page and "市直" in page
    d1 = dict((ref.name, data) for ref, data in rows)["海州区"]
    bachelor = next(x for x in d1["table2"] if x["code"] == "t2_primary_bachelor")
    assert bachelor["ratio"] == 0.5 and bachelor["gap"] == 1
    assert 'data-key="t2_primary_bachelor">50.0%<br><small>差 1 人</small>' in page
    assert 'class="num unmet"' in page


def test_school_page_lists_the_teachers_behind_each_figure_with_masked_ids(client, world):
    edu(world.t1, "associate")  # 张三 is below 本科
    world.t1.school_entry = dt.date(2015, 9, 1)  # ≥ 6 years on 1 September 2025, not rotated
    world.t1.save()
    login(client, world.users.leader)
    page = client.get(f"/workforce/dashboard/school/{world.s1.code}/?on={ON}").content.decode()
    assert "未达到本科及以上的教师 1 人" in page
    assert "应交流未交流的教师（2025-2026学年）1 人" in page
    assert "培训学时落后的教师 1 人" in page
    assert "张三" in page
    assert world.t1.id_number not in page
    assert world.t1.masked_id_number in page


def test_school_page_masks_ids_even_for_hr_with_the_right_and_offers_a_reveal(client, world):
    login(client, world.users.city)  # can_view_identity: reveals one at a time, with a reason
    page = client.get(f"/workforce/dashboard/school/{world.s1.code}/?on={ON}").content.decode()
    assert world.t1.id_number not in page
    assert f"/accounts/reveal/{world.t1.pk}/" in page


def test_filters_narrow_the_figures(client, world):
    login(client, world.users.leader)
    page = client.get(f"/workforce/dashboard/city/?on={ON}&location=rural").content.decode()
    data = sel.measures_for(sel.CITY, on=ON_DATE, filters=sel.Filters(location="rural"))
    assert next(x for x in data["table2"] if x["code"] == "t2_primary_bachelor")["denominator"] == 1
    assert 'value="rural" selected' in page


def test_overview_query_count_does_not_grow_with_districts_rows(client, world, django_assert_max_num_queries):
    from django.db import connection

    login(client, world.users.leader)
    url = f"/workforce/dashboard/district/{world.d1.code}/?on={ON}"
    school_url = f"/workforce/dashboard/school/{world.s1.code}/?on={ON}"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as few_school:
        assert client.get(school_url).status_code == 200
    for i in range(12):
        school = SchoolFactory(district=world.d1, location=c.Location.RURAL if i % 2 else c.Location.URBAN)
        for _ in range(3):
            edu(TeacherFactory(school=school), "bachelor")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    # the school page's own count is taken again after the district's new schools: no more than before
    with django_assert_max_num_queries(len(few_school.captured_queries)):
        assert client.get(school_url).status_code == 200


# ---------------------------------------------------------------- JSON, export, commands agree
def test_json_endpoint_equals_the_selector_and_the_command(client, world):
    edu(world.t1, "bachelor", "master")
    login(client, world.users.district)
    response = client.get(f"/workforce/dashboard/measures.json?on={ON}&year=2025")
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data == json.loads(json.dumps(sel.measures_for(sel.district_ref(world.d1), on=ON_DATE, year=2025)))
    out = io.StringIO()
    call_command("measures", "--scope", "district:海州区", "--on", ON, "--year", "2025-2026", "--json", stdout=out)
    assert json.loads(out.getvalue()) == data
    assert data["scope"] == "district:海州区" and data["on"] == ON
    assert set(data) >= {"scope", "on", "table2", "pupil_teacher", "rotation", "training", "honours", "quota"}
    assert set(data["table2"][0]) >= {"stage", "measure", "numerator", "denominator", "ratio", "target", "met", "gap"}
    assert {x["stage"] for x in data["table2"]} == {"学前", "小学", "初中", "高中", "中职", "高职高专"}
    assert {x["measure"] for x in data["table2"]} == {"专科及以上", "本科及以上", "研究生"}
    assert set(data["pupil_teacher"][0]) >= {"stage", "pupils", "teachers", "ratio", "target", "met"}
    assert set(data["rotation"]) >= {"year", "rotated", "eligible", "all", "ratio", "target", "met", "backbone", "backbone_share"}
    assert set(data["training"]) >= {"cycle", "complete", "teachers", "ratio"}


def test_json_training_is_null_without_registration(client, world, monkeypatch):
    monkeypatch.setattr(registry, "_MEASURES", {})
    login(client, world.users.leader)
    assert client.get(f"/workforce/dashboard/measures.json?on={ON}").json()["training"] is None
    page = client.get(f"/workforce/dashboard/city/?on={ON}").content.decode()
    assert "培训学分" not in page


def test_json_unknown_scope_is_404(client, world):
    login(client, world.users.leader)
    assert client.get("/workforce/dashboard/measures.json?scope=district:火星区").status_code == 404


def test_measures_command_text_and_errors(world):
    out = io.StringIO()
    call_command("measures", "--scope", "city", "--on", ON, stdout=out)
    assert "全市" in out.getvalue() and "小学本科及以上" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="学年"):
        call_command("measures", "--year", "2025-2027")
    with pytest.raises(CommandError, match="区县"):
        call_command("measures", "--scope", "district:火星区")


def test_export_has_a_sheet_per_measure_percentages_colours_and_title(client, world):
    edu(world.t1, "bachelor")
    edu(world.t1b, "associate")
    world.s1.name = "=HYPERLINK(\"http://x\")"
    world.s1.save()
    login(client, world.users.leader)
    response = client.get(f"/workforce/dashboard/export.xlsx?scope=city&on={ON}&per_district=1")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:7] == ["表2学历", "表1生师比", "交流轮岗", "荣誉", "新教师与双师型", "培训学分", "编制"]
    assert "海州区" in wb.sheetnames and "灌南县" in wb.sheetnames
    ws = wb["表2学历"]
    assert "范围：全市" in ws["A1"].value and "统计日期：2025-10-01" in ws["A1"].value
    rows = list(ws.iter_rows(min_row=3, values_only=False))
    haizhou = next(r for r in rows if r[0].value == "海州区" and r[1].value == "小学" and r[2].value == "本科及以上")
    assert haizhou[5].value == 0.5 and haizhou[5].number_format == "0.0%"
    assert haizhou[7].value == "未达标" and haizhou[5].fill.fgColor.rgb.endswith("FFC7CE")
    assert haizhou[8].value == 1
    assert AuditEntry.objects.filter(action="export", object_type="workforce.measures").count() == 1
    # formula injection: a school's name is text, never a formula
    response = client.get(f"/workforce/dashboard/export.xlsx?scope=district:海州区&on={ON}")
    ws = load_workbook(io.BytesIO(response.content))["表2学历"]
    names = [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in names


def test_export_agrees_with_the_json(client, world):
    edu(world.t2, "bachelor", "master")
    login(client, world.users.leader)
    data = client.get(f"/workforce/dashboard/measures.json?scope=district:灌南县&on={ON}").json()
    wb = load_workbook(io.BytesIO(client.get(f"/workforce/dashboard/export.xlsx?scope=district:灌南县&on={ON}").content))
    rows = [r for r in wb["表2学历"].iter_rows(min_row=3, values_only=True) if r[0] == "灌南县"]
    assert [(r[1], r[2], r[3], r[4], r[8]) for r in rows] == [
        (x["stage"], x["measure"], x["numerator"], x["denominator"], x["gap"]) for x in data["table2"]]
    quota = next(r for r in wb["编制"].iter_rows(min_row=3, values_only=True) if r[0] == "灌南县")
    q = data["quota"]  # no approved quota in 灌南县: the gaps are null in the JSON, 无数据 in the sheet
    assert (q["approved"], q["quota_gap"], q["vacancies"], q["overstaffed"]) == (None, None, None, None)
    assert quota[2:9] == (q["standard"], "无数据", q["actual"], "无数据", "无数据", "无数据", "无数据")


def test_snapshot_command_stores_city_and_districts_and_feeds_the_trend(world):
    edu(world.t1, "bachelor")
    out = io.StringIO()
    call_command("snapshot_measures", "--on", ON, stdout=out)
    n = m.District.objects.count() + 1
    assert m.MeasureSnapshot.objects.filter(on=ON_DATE).count() == n
    call_command("snapshot_measures", "--on", ON, stdout=out)  # same date replaces
    assert m.MeasureSnapshot.objects.filter(on=ON_DATE).count() == n
    snap = m.MeasureSnapshot.objects.get(scope_kind="district", scope_key=world.d1.code)
    assert snap.data["table2"] == sel.measures_for(sel.district_ref(world.d1), on=ON_DATE)["table2"]
    trend = sel.trend(sel.district_ref(world.d1), sel.load_targets(on=ON_DATE))
    primary = next(s for s in trend["series"] if s["code"] == "t2_primary_bachelor")
    # the district's own snapshot and the target; the plan's 2020 baseline is the city's, not drawn here
    # (a snapshot of 2025-2026, the school year beginning in the 14th plan's target year, is marked so)
    assert [(c["kind"], c["label"]) for c in trend["categories"]] == [("snapshot", "2025-2026（目标年）")]
    assert primary["target"] == 0.95 and primary["values"] == [0.5]


def test_dashboard_shows_the_training_on_track_rate_beside_completion(client, world):
    """Early in a cycle nobody has 360 学时 yet; the on-track rate says who keeps pace."""
    def measure(scope, on):  # the registry contract, with the optional on_track count
        return {"cycle": "2026—2030年周期", "complete": 0, "teachers": 4, "ratio": 0.0, "on_track": 3}

    registry.register("training", measure)
    login(client, world.users.leader)
    page = client.get(f"/workforce/dashboard/city/?on={ON}").content.decode()
    assert "培训进度正常" in page
    assert "75.0%（3 / 4）" in page
