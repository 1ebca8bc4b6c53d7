"""Rights as data (issue 17): the role → capability table, ``can()``, and a new role as rows.

A hypothetical read-only 校长 (principal) with the right to approve training is added as rows of
the table in a test — no code — and the access matrix of ``test_matrix`` covers it cell by cell;
the training rules give it its school's records to approve and nothing else.
"""
from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from backend import rights
from backend.models import AuditEntry, RoleCapability
from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability as C
from core.roles import DEFAULT_RIGHTS, Role
from tests.factories import UserFactory
from tests.security import test_matrix_apps
from tests.security.test_matrix import (
    EXPECTED, TABLE_CELLS, assert_row_of_the_table, expected_from_table, roles_in_table, table_user, user_for,
)
from tests.training.helpers import log
from training import selectors as training_selectors
from training import services as training_services
from training.models import CreditRecord, Programme

pytestmark = pytest.mark.django_db

PRINCIPAL = "principal"
# Reads what a school's leader reads, and approves training: no writes of records.
PRINCIPAL_ROWS = [C.SCOPE_SCHOOL, C.RECORDS_VIEW, C.PROFILE_VIEW, C.WORKFLOWS_VIEW, C.TRAINING_REPORT,
                  C.CAREERS_VIEW, C.TRAINING_APPROVE]


@pytest.fixture(autouse=True)
def fresh_rights():
    """The process keeps the table; rows a test adds are rolled back without a signal."""
    rights.clear()
    yield
    rights.clear()


@pytest.fixture
def principal_role(db):
    for capability in PRINCIPAL_ROWS:
        RoleCapability.objects.create(role=PRINCIPAL, capability=capability)
    return PRINCIPAL


def table_as_sets() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for role, capability in RoleCapability.objects.values_list("role", "capability"):
        table.setdefault(role, set()).add(capability)
    return table


def test_the_migrated_table_holds_the_default_rights():
    assert table_as_sets() == {role: {str(c) for c in caps} for role, caps in DEFAULT_RIGHTS.items()}
    assert set(DEFAULT_RIGHTS) == set(Role.values)


def test_the_table_gives_the_pages_matrix_of_the_approval_queue_and_the_report(world):
    """The two pages of the other apps the table-read rows cover agree with test_matrix_apps."""
    for key in EXPECTED:
        row = expected_from_table(user_for(world, key))
        written = test_matrix_apps.EXPECTED[key]
        assert (row["approve"], row["training_report"]) == (written["training_queue"], written["training_report"]), key


def test_a_misspelt_capability_fails_loudly(world):
    with pytest.raises(ValueError, match="未声明的权限"):
        can(world.users.city, "training.aprove")
    with pytest.raises(ValueError):
        can(None, "rotation.recrod")


def test_the_identity_and_ethics_rights_need_the_role_and_the_account(world):
    district = world.users.district
    assert not can(district, C.IDENTITY_REVEAL) and not can(district, C.ETHICS_VIEW)
    district.can_view_identity = district.can_view_ethics = True
    assert can(district, C.IDENTITY_REVEAL) and can(district, C.ETHICS_VIEW)
    teacher = world.users.teacher
    teacher.can_view_identity = teacher.can_view_ethics = True  # the account's right alone is not enough
    assert not can(teacher, C.IDENTITY_REVEAL) and not can(teacher, C.ETHICS_VIEW)


def test_with_an_object_the_scope_decides_too(world):
    assert can(world.users.school, C.RECORDS_EDIT, world.t1)
    assert not can(world.users.school, C.RECORDS_EDIT, world.t1b)  # another school of the district
    assert can(world.users.district, C.RECORDS_EDIT, world.t1b) and not can(world.users.district, C.RECORDS_EDIT, world.t2)
    assert can(world.users.teacher, C.TRAINING_LOG, world.t1) and not can(world.users.teacher, C.TRAINING_LOG, world.t1b)
    assert not can(world.users.leader, C.RECORDS_EDIT, world.t1)  # the whole city in scope, but no right


def test_city_hr_takes_a_right_away_in_the_admin_and_it_holds_at_once(client, world):
    """School HR approves training today; city HR deletes that row in the admin: the next
    approval is refused, the queue is empty, and the change is in the audit trail."""
    record = log(world.t1, world.users.teacher)
    assert record in training_selectors.approval_queue(world.users.school)
    row = RoleCapability.objects.get(role=Role.SCHOOL_HR, capability=C.TRAINING_APPROVE)

    client.force_login(world.users.district)  # only city HR keeps the table
    assert client.get("/admin/backend/rolecapability/").status_code == 403
    client.force_login(world.users.city)
    assert client.get("/admin/backend/rolecapability/").status_code == 200
    response = client.post(f"/admin/backend/rolecapability/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302

    assert not can(world.users.school, C.TRAINING_APPROVE)
    assert not training_selectors.approval_queue(world.users.school).exists()
    with pytest.raises(PermissionDenied):
        training_services.credit_approve(record=record, user=world.users.school)
    assert AuditEntry.objects.filter(action="delete", object_type="backend.rolecapability",
                                     username="city").exists()


def test_an_emptied_table_gets_the_default_rights_back_after_migrate(world):
    RoleCapability.objects.all().delete()
    assert not can(world.users.city, C.AUDIT_VIEW)
    assert scope_for(world.users.school).kind == "none"  # nobody may do anything
    rights.seed_when_empty(sender=apps.get_app_config("backend"))  # what migrate and flush send
    assert table_as_sets() == {role: {str(c) for c in caps} for role, caps in DEFAULT_RIGHTS.items()}
    assert can(world.users.city, C.AUDIT_VIEW) and scope_for(world.users.school).kind == "school"


# ---------------------------------------------------------------- a new role: rows, no code
def test_a_principal_added_as_rows_is_in_the_matrix(world, principal_role):
    assert PRINCIPAL in roles_in_table()
    user = table_user(world, PRINCIPAL)
    assert scope_for(user).kind == "school" and user.school == world.s1
    # read-only in its school: reads its teachers, changes none, no audit search, no full numbers
    assert expected_from_table(user) == {
        "list": 200, "view": (200, 404), "edit": (403, 404), "history": (200, 404),
        "export": (200, 403), "audit": 403, "reveal": (403, 403), "approve": 200, "training_report": 200,
    }


@pytest.mark.parametrize("action, side", TABLE_CELLS, ids=[f"{a}-{s}" for a, s in TABLE_CELLS])
def test_the_matrix_checks_every_cell_of_the_principal(client, world, principal_role, action, side):
    assert_row_of_the_table(client, world, PRINCIPAL, action, side)


def test_a_principal_approves_training_of_their_school_only(world, principal_role):
    principal = UserFactory(username="principal1", role=PRINCIPAL, school=world.s1)
    own = log(world.t1, world.users.teacher)
    other = log(world.t1b, world.users.district)
    district_programme = Programme.objects.create(name="海州区班主任研修", level="county", mode="short_face",
                                                  hours=24, district=world.d1)
    for_district = training_services.credit_log(teacher=world.t1, user=world.users.teacher,
                                                programme=district_programme, year=2024)

    assert list(training_selectors.approval_queue(principal)) == [own]
    training_services.credit_approve(record=own, user=principal)
    own.refresh_from_db()
    assert own.status == CreditRecord.Status.APPROVED and own.decided_by == principal
    with pytest.raises(PermissionDenied):  # another school
        training_services.credit_approve(record=other, user=principal)
    with pytest.raises(PermissionDenied):  # a district programme: the district approves
        training_services.credit_approve(record=for_district, user=principal)
    with pytest.raises(PermissionDenied):  # read-only: logs nothing
        log(world.t1, principal, title="校长代登记")
