"""One measure object behind every output (issue 14, item 5): a measure registered as an object
(``workforce.registry.Measure``) is on the overview pages, the school page, in the JSON, the
Excel export (its sheet and every scope's sheet) and the snapshots, with no other change."""
import datetime as dt
import io
from collections import Counter, defaultdict

import pytest
from django.db.models import Count, Q
from openpyxl import load_workbook

from workforce import measures as ms
from workforce import registry
from workforce import selectors as sel

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 10, 1)


class MaleShare(registry.Measure):
    """A toy: the share of men among the 专任教师 on the roll, against 60%."""

    key = "toy_male_share"
    label = "男教师比例"

    def count(self, scope, on, year, filters, by, *, targets):
        out = defaultdict(Counter)
        rows = sel._grouped(sel.population(scope, on, filters), by, "school", n=Count("pk"),
                            men=Count("pk", filter=Q(sex="1")))
        for row in rows:
            out[row["g"]]["teachers"] += row["n"] or 0
            out[row["g"]]["men"] += row["men"] or 0
        return out

    def result(self, counts, targets, ctx):
        r = ms.ratio_with_target(counts["men"], counts["teachers"], 60)
        figure = registry.Figure("toy_male_share", "男教师比例", value=r.ratio, numerator=r.numerator,
                                 denominator=r.denominator, target=r.target, met=r.met, gap=r.gap,
                                 applies=bool(r.denominator))
        return registry.Result([figure], {self.key: {"men": r.numerator, "teachers": r.denominator, "ratio": r.ratio}})


@pytest.fixture
def toy(world, monkeypatch):
    monkeypatch.setattr(registry, "_MEASURES", dict(registry._MEASURES))
    registry.register_measure(MaleShare())
    return world  # 海州区: 张三 (man), 李四 (woman); 灌南县: 王五 (man)


def cell(page, row, key):
    tr = page[page.index(f'data-row="{row}"'):]
    tr = tr[:tr.index("</tr>")]
    td = tr[tr.index(f'data-key="{key}"') - 30:]
    return td[:td.index("</td>")]


def test_a_registered_measure_object_is_on_the_pages_in_the_json_and_in_the_export(client, toy):
    client.force_login(toy.users.leader)

    # the JSON: its own part and its typed figure
    data = client.get("/workforce/dashboard/measures.json", {"scope": "city", "on": ON.isoformat()}).json()
    assert data["toy_male_share"] == {"men": 2, "teachers": 3, "ratio": 0.666667}
    figure = data["figures"]["toy_male_share"]
    assert (figure["numerator"], figure["denominator"], figure["target"], figure["met"], figure["measure"]) == (
        2, 3, 0.6, True, "toy_male_share")
    district = client.get("/workforce/dashboard/measures.json", {"scope": "district:海州区", "on": ON.isoformat()}).json()
    assert district["figures"]["toy_male_share"]["met"] is False and district["figures"]["toy_male_share"]["gap"] == 1

    # the city page: a column, the city's and each district's figure, coloured, with the gap
    page = client.get("/workforce/dashboard/city/", {"on": ON.isoformat()}).content.decode()
    assert 'th class="num" data-key="toy_male_share">男教师比例' in page
    assert "66.7%" in cell(page, "全市", "toy_male_share") and 'class="num met"' in cell(page, "全市", "toy_male_share")
    haizhou = cell(page, "海州区", "toy_male_share")
    assert "50.0%" in haizhou and "unmet" in haizhou and "差 1 人" in haizhou
    assert "100.0%" in cell(page, "灌南县", "toy_male_share")
    assert 'data-measure="toy_male_share"' in page  # its card (the generic one)

    # the district page: a row per school; the school page: its card
    page = client.get(f"/workforce/dashboard/district/{toy.d1.code}/", {"on": ON.isoformat()}).content.decode()
    assert "0.0%" in cell(page, "海州第二小学", "toy_male_share") and "100.0%" in cell(page, "海州实验小学", "toy_male_share")
    page = client.get(f"/workforce/dashboard/school/{toy.s1b.code}/", {"on": ON.isoformat()}).content.decode()
    card = page[page.index('data-measure="toy_male_share"'):]
    assert 'data-code="toy_male_share"' in card and "0.0%" in card[:card.index("</section>")]

    # the export: its sheet (the scope, then each district) and its line on each district's sheet
    content = client.get("/workforce/dashboard/export.xlsx",
                         {"scope": "city", "on": ON.isoformat(), "per_district": "1"}).content
    book = load_workbook(io.BytesIO(content))
    assert "男教师比例" in book.sheetnames
    rows = {r[0]: r for r in book["男教师比例"].iter_rows(min_row=3, values_only=True)}
    assert rows["全市"][3:8] == (2, 3, 0.666667, 0.6, "达标")
    assert rows["海州区"][3:8] == (1, 2, 0.5, 0.6, "未达标") and rows["海州区"][8] == 1
    line = next(r for r in book["海州区"].iter_rows(min_row=3, values_only=True) if r[0] == "男教师比例")
    assert line[1:4] == (1, 2, 0.5)


def test_a_registered_measure_is_in_the_snapshots_and_kept_under_the_data_version(toy):
    from workforce.models import Teacher

    targets = sel.load_targets(on=ON)
    stored = dict((ref.text, data) for ref, data in sel.snapshot_results(ON, 2025, targets, schools=False))
    assert stored["district:海州区"]["figures"]["toy_male_share"]["numerator"] == 1
    assert sel.measures_for(sel.CITY, on=ON)["toy_male_share"]["men"] == 2
    Teacher.objects.filter(pk=toy.t1b.pk).update(sex="1")  # a write: the kept counts are not used again
    assert sel.measures_for(sel.CITY, on=ON)["toy_male_share"]["men"] == 3


def test_register_keeps_its_signature(client, world, monkeypatch):
    """The older call (training's, careers'): a function and a label (no rows without by_group);
    its share is on the city page, in the JSON and in the export."""
    monkeypatch.setattr(registry, "_MEASURES", {})

    def measure(scope, on):
        return {"cycle": "", "complete": 1, "teachers": 4, "ratio": 0.25, "senior": 1}

    registry.register("posts", measure, label="中高级岗位教师占比")
    data = sel.measures_for(sel.CITY, on=ON)
    assert data["posts"]["complete"] == 1 and data["posts"]["senior"] == 1 and data["posts"]["target"] is None
    assert data["figures"]["posts"]["value"] == 0.25 and data["figures"]["posts"]["met"] is None
    client.force_login(world.users.leader)
    page = client.get("/workforce/dashboard/city/", {"on": ON.isoformat()}).content.decode()
    assert "25.0%" in cell(page, "全市", "posts") and "—" in cell(page, "海州区", "posts")
    book = load_workbook(io.BytesIO(client.get("/workforce/dashboard/export.xlsx", {"on": ON.isoformat()}).content))
    assert next(book["中高级岗位教师占比"].iter_rows(min_row=3, values_only=True))[3:6] == (1, 4, 0.25)
