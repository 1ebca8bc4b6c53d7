"""Roles of DOMAIN.md ("Who uses it") and the rights each starts with.

A role is stored on the user; the scope (district or school) beside it. What a role may do is
data: rows of ``backend.RoleCapability`` (role → capability, the names in
``core.capabilities``), which city HR edits in the admin, and ``backend.rights.can`` is the one
question every page, service, admin class and permission module asks.

``DEFAULT_RIGHTS`` is what the migrations seed (``backend/migrations/0006_role_capability``, the
province's rows ``0007_province``) and what a database with an empty table gets back after ``migrate``/``flush``; a test checks the
two agree. A new role is a choice here, its row of ``DEFAULT_RIGHTS``, and a migration adding its
rows — no page, service or admin class changes.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .capabilities import Capability as C, granted


class Role(models.TextChoices):
    PROVINCE_HR = "province_hr", _("省教育厅人事处")
    CITY_HR = "city_hr", _("市教育局人事科")
    DISTRICT_HR = "district_hr", _("区县教育局人事")
    SCHOOL_HR = "school_hr", _("学校人事")
    TEACHER = "teacher", _("教师")
    LEADER = "leader", _("领导（只读）")


# What every HR office may do in its scope.
_HR = frozenset({
    C.RECORDS_VIEW, C.PROFILE_VIEW, C.RECORDS_EDIT, C.IDENTITY_REVEAL, C.ETHICS_VIEW, C.WORKFLOWS_VIEW,
    C.TITLES_APPOINT, C.TRAINING_LOG, C.TRAINING_APPROVE, C.TRAINING_REPORT, C.TRAINING_IMPORT, C.IMPORTS_RUN,
    C.CAREERS_VIEW, C.ASSESSMENT_RECORD, C.PROMOTION_NOMINATE, C.PERSONNEL_VIEW, C.PERSONNEL_PROPOSE,
})
# What district and city HR add: the district's decisions.
_DISTRICT = frozenset({
    C.SCHOOLS_EDIT, C.ROTATION_RECORD, C.HONOURS_AWARD, C.ETHICS_RECORD, C.QUOTA_EDIT, C.TRAINING_PUBLISH,
    C.PROMOTION_REVIEW_DISTRICT, C.PERSONNEL_EDIT_DIRECTLY, C.PERSONNEL_REVIEW,
})
# What only the city's HR office does.
_CITY = frozenset({
    C.RECORDS_DELETE, C.REFERENCE_EDIT, C.ACCOUNTS_MANAGE, C.RIGHTS_MANAGE, C.AUDIT_VIEW, C.QUOTA_ALLOCATE,
    C.MAPPINGS_EDIT, C.CITIES_MANAGE, C.PROMOTION_OPEN, C.PROMOTION_REVIEW_CITY, C.REPORTING_OPEN,
})

# What the province's HR office does (issue 18): it reads everything city HR reads, in every city,
# and keeps what is the province's — the cities, the accounts, the rights table, the audit trail,
# the reference data and import mappings every city shares. The decisions on records stay with the
# cities and districts (no records.edit, no quota, promotion review, personnel review or
# reporting): the province looks, the city decides.
_PROVINCE = frozenset({
    C.SCOPE_PROVINCE, C.RECORDS_VIEW, C.PROFILE_VIEW, C.IDENTITY_REVEAL, C.ETHICS_VIEW, C.WORKFLOWS_VIEW,
    C.TRAINING_REPORT, C.CAREERS_VIEW, C.PERSONNEL_VIEW, C.AUDIT_VIEW, C.ACCOUNTS_MANAGE, C.RIGHTS_MANAGE,
    C.CITIES_MANAGE, C.REFERENCE_EDIT, C.MAPPINGS_EDIT,
})

DEFAULT_RIGHTS: dict[str, frozenset[str]] = {
    Role.PROVINCE_HR: _PROVINCE,
    Role.CITY_HR: frozenset({C.SCOPE_CITY}) | _HR | _DISTRICT | _CITY,
    Role.DISTRICT_HR: frozenset({C.SCOPE_DISTRICT}) | _HR | _DISTRICT,
    Role.SCHOOL_HR: frozenset({C.SCOPE_SCHOOL}) | _HR,
    Role.TEACHER: frozenset({C.SCOPE_SELF, C.PROFILE_VIEW, C.TRAINING_LOG, C.PERSONNEL_PROPOSE}),
    # A leader reads at the level of their account: a school, a district, a city, or (none) the
    # province — in a single-city installation the city is the province.
    Role.LEADER: frozenset({C.SCOPE_SCHOOL, C.SCOPE_DISTRICT, C.SCOPE_CITY, C.SCOPE_PROVINCE, C.RECORDS_VIEW,
                            C.PROFILE_VIEW, C.WORKFLOWS_VIEW, C.TRAINING_REPORT, C.CAREERS_VIEW}),
}


# ---------------------------------------------------------------- shorthands core-level callers use
def is_hr(user) -> bool:
    """Changes records in their scope (``records.edit``: the HR offices)."""
    return granted(user, C.RECORDS_EDIT)


def can_write(user) -> bool:
    """HR roles change records in their scope; leaders and teachers change no master data."""
    return granted(user, C.RECORDS_EDIT)


def can_see_identity(user) -> bool:
    """Full 身份证件号 and birth dates: HR with the explicit right (DOMAIN.md: masked otherwise)."""
    return granted(user, C.IDENTITY_REVEAL)


def can_see_ethics(user) -> bool:
    """Ethics cases are visible only to HR roles with that right (issue 6)."""
    return granted(user, C.ETHICS_VIEW)
