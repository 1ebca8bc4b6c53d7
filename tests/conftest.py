"""Shared fixtures: users of every role in two districts and two schools (for scope tests)."""
import pytest

from tests import factories as f


@pytest.fixture
def world(db):
    """Two districts, a school in each (plus a second school in the first), a teacher in each,
    and one user per role. Returned as a simple namespace."""
    return f.build_world()


from tests.browser import browser, page, phone_page  # noqa: E402,F401  (fixtures)
