"""The arithmetic of the measures, without the database: levels, boundaries, zero denominators."""
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workforce import measures as ms


# ---------------------------------------------------------------- levels
def test_bachelor_education_with_master_degree_counts_as_postgraduate():
    assert ms.effective_level([("bachelor", "master")]) == ms.POSTGRADUATE


def test_associate_education_with_bachelor_degree_counts_as_bachelor():
    assert ms.effective_level([("associate", "bachelor")]) == ms.BACHELOR


def test_effective_level_is_the_highest_over_records():
    records = [("secondary", "none"), ("associate", "none"), ("bachelor", "bachelor")]
    assert ms.effective_level(records) == ms.BACHELOR


def test_doctorate_is_postgraduate_and_no_record_is_none():
    assert ms.effective_level([("doctorate", "doctor")]) == ms.POSTGRADUATE
    assert ms.effective_level([]) == ms.NONE


def test_education_only_ignores_the_degree_and_follows_the_highest_flag():
    # 本科学历 + 硕士学位, flagged 最高学历: 学历 alone is 本科, 学历（学位） is 研究生
    records = [("bachelor", "master", True)]
    assert ms.education_only_level(records) == ms.BACHELOR
    assert ms.effective_level([(e, d) for e, d, _h in records]) == ms.POSTGRADUATE


def test_education_only_uses_the_flagged_record_even_if_another_is_higher():
    records = [("master", "master", False), ("bachelor", "bachelor", True)]
    assert ms.education_only_level(records) == ms.BACHELOR


def test_education_only_without_flag_takes_the_highest_education():
    assert ms.education_only_level([("associate", "none", False), ("bachelor", "none", False)]) == ms.BACHELOR


def test_count_at_or_above_reads_a_histogram():
    hist = {ms.POSTGRADUATE: 2, ms.BACHELOR: 5, ms.ASSOCIATE: 3, ms.NONE: 1}
    assert ms.count_at_or_above(hist, ms.ASSOCIATE) == 10
    assert ms.count_at_or_above(hist, ms.BACHELOR) == 7
    assert ms.count_at_or_above(hist, ms.POSTGRADUATE) == 2


# ---------------------------------------------------------------- ratio with target
def test_exactly_at_the_target_is_met_with_no_gap():
    # 95% of 20 is exactly 19: a float would make it 19.000000000000004 and ask for a 20th teacher
    r = ms.ratio_with_target(19, 20, 95)
    assert r.met is True and r.gap == 0 and r.ratio == 0.95


def test_one_below_the_target_needs_one_teacher():
    r = ms.ratio_with_target(18, 20, 95)
    assert r.met is False and r.gap == 1


def test_gap_rounds_up_a_fraction_of_a_teacher():
    # 5% of 87 = 4.35 → 5 teachers must be postgraduates; 4 are: gap 1
    r = ms.ratio_with_target(4, 87, 5)
    assert r.met is False and r.gap == 1
    # 2.3% of 100 = 2.3 → 3 needed
    assert ms.ratio_with_target(0, 100, "2.3").gap == 3


def test_decimal_targets_are_exact():
    from decimal import Decimal

    assert ms.ratio_with_target(23, 100, Decimal("23.00")).met is True
    assert ms.ratio_with_target(22, 100, Decimal("23.00")).gap == 1


def test_zero_denominator_has_no_ratio_and_no_verdict():
    r = ms.ratio_with_target(0, 0, 95)
    assert r.ratio is None and r.met is None and r.gap == 0


def test_hundred_percent_target():
    assert ms.ratio_with_target(99, 100, 100).gap == 1
    assert ms.ratio_with_target(100, 100, 100).met is True


def test_no_target_gives_no_verdict():
    r = ms.ratio_with_target(3, 4, None)
    assert r.ratio == 0.75 and r.met is None and r.gap == 0


def test_lower_is_better_share():
    r = ms.ratio_with_target(3, 20, 10, higher_is_better=False)  # 15% > 10%: 1 too many
    assert r.met is False and r.gap == 1
    assert ms.ratio_with_target(2, 20, 10, higher_is_better=False).met is True


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=1, max_value=5000),
       st.integers(min_value=0, max_value=100))
def test_closing_the_gap_meets_the_target_and_one_less_does_not(extra, den, target):
    num = min(extra, den)
    r = ms.ratio_with_target(num, den, target)
    if r.gap:
        assert not r.met
        assert ms.ratio_with_target(num + r.gap, den, target).met
        assert not ms.ratio_with_target(num + r.gap - 1, den, target).met
    else:
        assert r.met


# ---------------------------------------------------------------- pupil–teacher ratio
def test_ptr_at_the_target_is_met():
    r = ms.pupil_teacher_ratio(170, 10, 17)
    assert r.met is True and r.gap == 0 and r.ratio == 17.0


def test_ptr_above_the_target_needs_more_teachers():
    r = ms.pupil_teacher_ratio(171, 10, 17)  # 171/17 = 10.06 → 11 teachers
    assert r.met is False and r.gap == 1


def test_ptr_with_decimal_target():
    r = ms.pupil_teacher_ratio(1284, 100, "12.84")
    assert r.met is True
    assert ms.pupil_teacher_ratio(1285, 100, "12.84").gap == 1


def test_ptr_without_teachers_or_pupils():
    assert ms.pupil_teacher_ratio(0, 0, 17).met is None
    r = ms.pupil_teacher_ratio(35, 0, 17)
    assert r.ratio is None and r.met is False and r.gap == 3
    assert ms.pupil_teacher_ratio(0, 4, 17).met is True


# ---------------------------------------------------------------- counts
def test_count_with_target():
    r = ms.count_with_target(109, 150)
    assert r.met is False and r.gap == 41
    assert ms.count_with_target(150, 150).met is True
    assert ms.count_with_target(160, 150).gap == 0


def test_count_without_target():
    r = ms.count_with_target(7, None)
    assert r.met is None and r.target is None and r.gap == 0


def test_backbone_share_boundary():
    assert ms.backbone_share(2, 10, 20).met is True
    r = ms.backbone_share(1, 10, 20)
    assert r.met is False and r.gap == 1
    assert ms.backbone_share(0, 0, 20).met is None


# ---------------------------------------------------------------- staffing quota
def test_standard_posts_by_ratio_and_by_class():
    assert ms.standard_posts(190, 6, pupils_per_post=19) == 10
    assert ms.standard_posts(100, 4, posts_per_class=3) == 12  # kindergarten by class


def test_small_rural_school_gets_the_class_minimum():
    # 40 pupils at 1:19 would be 2.1 posts; 6 classes × 1.7 = 10.2
    posts = ms.standard_posts(40, 6, pupils_per_post=19, small_school_posts_per_class="1.7", small_school=True)
    assert posts == Fraction(102, 10)
    assert ms.standard_posts(40, 6, pupils_per_post=19, small_school_posts_per_class="1.7", small_school=False) == Fraction(40, 19)


@pytest.mark.parametrize("posts,whole", [(Fraction(25, 2), 13), (Fraction(249, 20), 12), (Fraction(0), 0), (Fraction(51, 10), 5)])
def test_round_posts_half_up(posts, whole):
    assert ms.round_posts(posts) == whole


def test_quota_gaps_need_an_approved_quota():
    # (shortage, surplus, vacancies, overstaffed): standard − approved and approved − actual, split
    assert ms.quota_gaps(standard=20, approved=18, actual=25) == (2, 0, 0, 7)
    assert ms.quota_gaps(standard=20, approved=23, actual=19) == (0, 3, 4, 0)
    assert ms.quota_gaps(standard=20, approved=None, actual=17) is None  # never the headcount in its place


def test_percent_text():
    assert ms.percent(0.9531) == "95.3%"
    assert ms.percent(None) == "—"
    assert ms.percent(1.0, 0) == "100%"
