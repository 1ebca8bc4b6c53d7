"""The pure rules of careers at their boundaries (no database)."""
import datetime as dt
from decimal import Decimal

from careers import rules
from careers.choices import PostClass
from workforce.rules import Ban

D = dt.date


# ---- 优秀 cap
def test_excellent_cap_rounds_down_and_allows_exactly_the_cap():
    assert rules.excellent_cap(10, Decimal("20")) == 2
    assert rules.excellent_cap(14, Decimal("20")) == 2  # 2.8 → 2
    assert rules.excellent_cap(15, Decimal("20")) == 3
    assert rules.excellent_cap(0, Decimal("20")) == 0
    ok = rules.excellent_within_cap(excellent_after=2, teachers=10, share=Decimal("20"), school_name="甲校", year=2025)
    assert ok == []
    over = rules.excellent_within_cap(excellent_after=3, teachers=10, share=Decimal("20"), school_name="甲校", year=2025)
    assert len(over) == 1
    assert "20%" in over[0].message and "至多 2 人" in over[0].message and "3 人" in over[0].message


# ---- years in the current title
def test_years_in_title_exact_boundary():
    args = dict(current_title="yiji", from_title="yiji", min_years=5, target="gaoji")
    assert rules.years_in_title(appointed_on=D(2020, 12, 31), on=D(2025, 12, 31), **args) == []
    short = rules.years_in_title(appointed_on=D(2021, 1, 1), on=D(2025, 12, 31), **args)
    assert short and "满 5 年" in short[0].message and "2026-01-01" in short[0].message


def test_years_in_title_needs_the_title_below():
    problems = rules.years_in_title(current_title="erji", appointed_on=D(2000, 1, 1), from_title="yiji",
                                    min_years=5, target="gaoji", on=D(2025, 12, 31))
    assert problems and "须现任一级教师" in problems[0].message and "二级教师" in problems[0].message
    none = rules.years_in_title(current_title=None, appointed_on=None, from_title="yiji", min_years=5,
                                target="gaoji", on=D(2025, 12, 31))
    assert "无职称记录" in none[0].message


# ---- assessments
def test_each_of_the_last_n_years_passed():
    good = {2022: "pass", 2023: "excellent", 2024: "pass"}
    assert rules.assessments_passed(good, last_year=2024, years=3) == []
    # the year just outside the window does not matter; inside it, 基本合格 and a missing year fail
    assert rules.assessments_passed({**good, 2021: "fail"}, last_year=2024, years=3) == []
    basic = rules.assessments_passed({**good, 2022: "basic"}, last_year=2024, years=3)
    assert basic and "2022 年基本合格" in basic[0].message
    missing = rules.assessments_passed({2023: "pass", 2024: "pass"}, last_year=2024, years=3)
    assert missing and "2022 年无考核记录" in missing[0].message
    assert "2022 年不定等次" in rules.assessments_passed({**good, 2022: "ungraded"}, last_year=2024, years=3)[0].message


def test_no_fail_within_n_years_boundary():
    assert rules.no_fail_within({2020: "fail"}, last_year=2025, years=5, what="申报职称") == []
    barred = rules.no_fail_within({2021: "fail"}, last_year=2025, years=5, what="申报职称")
    assert barred and "2021" in barred[0].message and "不得申报职称" in barred[0].message
    assert rules.no_fail_within({2025: "fail"}, last_year=2025, years=0, what="x") == []


# ---- training
def test_training_on_track_passes_behind_fails_and_no_cycle_is_not_judged():
    base = dict(has_cycle=True, cycle="2021-2025", countable=Decimal("100.0"), required=Decimal("360"))
    assert rules.training_done(**base, on_track=True) == []
    behind = rules.training_done(**base, on_track=False)
    assert behind and "100.0 / 360" in behind[0].message
    assert rules.training_done(**{**base, "has_cycle": False}, on_track=False) == []
    assert rules.training_done(**{**base, "required": Decimal("0")}, on_track=False) == []


# ---- free posts
def test_free_posts_boundary():
    base = dict(post_class=PostClass.SENIOR, school_name="甲校")
    assert rules.free_posts(posts=3, holders=2, pending=0, **base) == []
    full = rules.free_posts(posts=3, holders=2, pending=1, **base)
    assert full and "高级岗位已满" in full[0].message and "1 人在审" in full[0].message
    assert rules.free_posts(posts=3, holders=3, pending=0, **base)
    assert "未核定" in rules.free_posts(posts=None, holders=0, pending=0, **base)[0].message
    assert rules.free_posts(posts=0, holders=5, pending=0, post_class=PostClass.JUNIOR, school_name="甲校") == []


def test_promotion_checks_names_each_failed_check_and_the_veto():
    ban = Ban("严重", D(2025, 3, 1), D(2027, 3, 1))
    checks = rules.promotion_checks(
        target="gaoji", current_title="yiji", appointed_on=D(2015, 9, 1), requirement=("yiji", 5),
        on=D(2025, 12, 31), results={2022: "pass", 2023: "pass", 2024: "pass"}, pass_years=3, no_fail_years=5,
        bans=[ban], training=None, posts=dict(post_class="senior", posts=5, holders=1, pending=0, school_name="甲校"))
    by_code = {c.code: c for c in checks}
    assert [c.code for c in rules.failed(checks)] == ["ethics"]
    assert by_code["ethics"].name == "师德一票否决" and "师德一票否决" in by_code["ethics"].message


# ---- post structure
def test_post_row_share_target_and_sums():
    a = rules.post_row(teachers=10, senior=2, middle=3, senior_share=Decimal("25"), middle_share=Decimal("50"))
    assert (a.senior_posts, a.middle_posts) == (2, 5)  # 2.5 → 2
    assert a.share == 0.5 and a.target == 0.7 and a.free_senior == 0 and a.free_middle == 2 and a.junior == 5
    empty = rules.post_row(teachers=0, senior=0, middle=0, senior_share=Decimal("10"), middle_share=Decimal("10"))
    assert empty.share is None and empty.target is None
    unknown = rules.post_row(teachers=4, senior=1, middle=1, senior_share=None, middle_share=None)
    assert unknown.target is None and unknown.free_senior is None
    total = rules.sum_rows([a, empty, unknown])
    assert (total.teachers, total.senior, total.middle) == (14, 3, 4)
    assert total.senior_posts == 2 and total.middle_posts == 5
