"""The pure rules of training credits (no database)."""
import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from training import rules
from training.rules import Cap

C1 = SimpleNamespace(name="2021—2025", start=dt.date(2021, 1, 1), end=dt.date(2025, 12, 31))
C2 = SimpleNamespace(name="2026—2030", start=dt.date(2026, 1, 1), end=dt.date(2030, 12, 31))
CYCLES = [C1, C2]


# ---------------------------------------------------------------- cycle boundaries
@pytest.mark.parametrize("year, cycle", [(2021, C1), (2025, C1), (2026, C2), (2030, C2), (2020, None), (2031, None)])
def test_a_record_with_only_a_year_falls_in_the_cycle_holding_that_year(year, cycle):
    assert rules.cycle_of_record(CYCLES, year=year) is cycle


def test_the_last_day_of_a_cycle_and_the_first_of_the_next():
    assert rules.cycle_of_record(CYCLES, year=2025, end=dt.date(2025, 12, 31)) is C1
    assert rules.cycle_of_record(CYCLES, year=2026, end=dt.date(2026, 1, 1)) is C2
    # a training over new year counts where it ends; without an end, where it starts
    assert rules.cycle_of_record(CYCLES, year=2026, start=dt.date(2025, 12, 28), end=dt.date(2026, 1, 3)) is C2
    assert rules.cycle_of_record(CYCLES, year=2025, start=dt.date(2025, 12, 28)) is C1


def test_cycle_years_of_calendar_and_shifted_cycles():
    assert rules.cycle_years(C1.start, C1.end) == (2021, 2025)
    # a cycle from 1 September: a year belongs to the cycle holding its 31 December
    assert rules.cycle_years(dt.date(2021, 9, 1), dt.date(2026, 8, 31)) == (2021, 2025)


def test_derived_year_from_dates():
    assert rules.derived_year(year=None, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 5)) == 2024
    assert rules.derived_year(year=2023, start=None, end=None) == 2023
    assert rules.derived_year(year=None, start=None, end=None) is None


# ---------------------------------------------------------------- caps
def countable(records, caps):
    return rules.countable_hours(rules.cells_of(records, caps), caps)


def test_without_caps_everything_counts():
    assert countable([("national", "online", D(100)), ("school", "short_face", D("20.5"))], []) == D("120.5")


def test_a_level_cap_limits_only_that_level():
    caps = [Cap("school", "", D(100))]
    records = [("school", "short_face", D(150)), ("national", "online", D(30))]
    assert countable(records, caps) == D(130)


def test_a_mode_cap_and_a_pair_cap():
    assert countable([("city", "online", D(200)), ("city", "short_face", D(10))], [Cap("", "online", D(120))]) == D(130)
    assert countable([("city", "online", D(200)), ("county", "online", D(10))], [Cap("city", "online", D(50))]) == D(60)


def test_overlapping_caps_count_the_most_that_fits_all_of_them():
    # 100 h national face-to-face, 100 h school online, 100 h national online;
    # national ≤ 100, online ≤ 100 → best: 100 national face-to-face + 100 school online = 200.
    caps = [Cap("national", "", D(100)), Cap("", "online", D(100))]
    records = [("national", "short_face", D(100)), ("school", "online", D(100)), ("national", "online", D(100))]
    assert countable(records, caps) == D(200)
    # a case where min(level bound, mode bound) would be wrong: the cut {national, online} is smaller
    caps = [Cap("national", "", D(50)), Cap("", "online", D(50))]
    records = [("national", "short_face", D(100)), ("school", "online", D(100)), ("national", "online", D(10))]
    assert countable(records, caps) == D(100)


def test_no_records_count_zero():
    assert rules.countable_hours({}, [Cap("national", "", D(10))]) == 0


# ---------------------------------------------------------------- progress
def test_elapsed_share_bounds():
    assert rules.elapsed_share(C1.start, C1.end, dt.date(2020, 6, 1)) == 0
    assert rules.elapsed_share(C1.start, C1.end, C1.end) == 1
    assert rules.elapsed_share(C1.start, C1.end, dt.date(2030, 1, 1)) == 1
    assert rules.elapsed_share(C1.start, C1.end, C1.start) == D(1) / D(1826)


def test_on_track_threshold_is_rounded_up_to_a_tenth_so_the_comparison_is_exact():
    on = dt.date(2023, 7, 2)  # day 913 of 1826: exactly half
    assert rules.on_track_threshold(D(360), C1.start, C1.end, on) == D("180.0")
    assert rules.is_on_track(D("180.0"), D("180.0"))
    assert not rules.is_on_track(D("179.9"), D("180.0"))
    # day 1: 360/1826 = 0.197… → 0.2
    assert rules.on_track_threshold(D(360), C1.start, C1.end, C1.start) == D("0.2")
    assert rules.on_track_threshold(D(360), C1.start, C1.end, C1.end) == D(360)


def test_progress_shortfall_and_behind():
    assert rules.progress(D(90), D(360)) == D("0.25")
    assert rules.progress(D(90), D(0)) == 0
    assert rules.shortfall(D(90), D(360)) == D(270)
    assert rules.shortfall(D(400), D(360)) == 0
    assert rules.behind_by(D(90), D(180)) == D(90)
    assert rules.behind_by(D(200), D(180)) == 0
    assert rules.is_complete(D(360), D(360)) and not rules.is_complete(D("359.9"), D(360))


def test_years_below_the_yearly_minimum():
    assert rules.years_below_minimum({2021: D(80), 2022: D(40)}, D(60), 2021, 2023) == [2022, 2023]
    assert rules.years_below_minimum({}, None, 2021, 2023) == []


def test_rate_with_zero_denominator():
    assert rules.rate(0, 0) is None  # nothing to measure is missing, not 0%
    assert rules.rate(1, 4) == 0.25
