"""The demo's splitting of a total by weight (``demo.base.apportion``): the quota pool's largest
remainder, exact, at least the minimum each, ties to the earlier weight."""
from fractions import Fraction

import pytest

from demo.base import apportion


@pytest.mark.parametrize("weights, total, minimum", [
    ([3, 10, 8, 22, 7, 3, 62, 55, 262, 268], 690, 0),  # the school types of a 700-school city
    ([20, 7, 17, 18, 15, 11, 4, 1.5, 1.2, 5], 262, 0),  # primary schools by district weight
    ([34.7, 12.25, 0.1, 560.0], 2800, 1),  # more than the weights add up to
    ([1, 1, 1], 0, 0),
])
def test_the_parts_add_up_and_each_is_within_one_of_its_exact_share(weights, total, minimum):
    parts = apportion(weights, total, minimum)
    assert sum(parts) == max(total, minimum * len(weights))
    rest = total - minimum * len(weights)
    exact = [Fraction(w) / sum(Fraction(x) for x in weights) * rest for w in weights]
    assert all(p >= minimum for p in parts)
    assert all(abs((p - minimum) - e) < 1 for p, e in zip(parts, exact))


def test_the_largest_remainders_get_the_posts_left_and_ties_go_to_the_earlier():
    assert apportion([1, 1, 1], 2) == [1, 1, 0]
    assert apportion([1, 2, 1], 3) == [1, 1, 1]  # 0.75, 1.5, 0.75: remainders .75 .5 .75
    assert apportion([0.2, 0.3, 0.5], 9) == [2, 3, 4]  # 1.8, 2.7, 4.5
    assert apportion([5, 5], 7, minimum=2) == [4, 3]
