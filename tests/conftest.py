"""Shared fixtures: users of every role in two districts and two schools (for scope tests)."""
import pytest

from tests import factories as f


@pytest.fixture
def world(db):
    """Two districts, a school in each (plus a second school in the first), a teacher in each,
    and one user per role. Returned as a simple namespace."""
    return f.build_world()


@pytest.fixture(autouse=True)
def _cities_rolled_back():
    """A test that adds or removes a city has it rolled back at its end: the scopes ask again how
    many cities there are (``backend.scoping`` keeps the answer per process)."""
    from backend import scoping

    before = scoping._forgotten
    yield
    if scoping._forgotten != before:
        scoping.forget_cities()


@pytest.fixture(autouse=True)
def _rights_rolled_back():
    """A test that changed the rights table has the change rolled back at its end: the next test
    reads the table again (``backend.rights`` keeps it per process)."""
    from backend import rights

    before = rights._cleared
    yield
    if rights._cleared != before:
        rights.clear()


from tests.browser import browser, page, phone_page  # noqa: E402,F401  (fixtures)
