"""What a role may do, by name: the capabilities the code checks, declared once (issue 17, "Rights
as data").

Which role holds which capability is data — rows of ``backend.RoleCapability``, seeded by a
migration and edited by city HR in the admin — and ``backend.rights.can(user, capability, obj)``
is the one question views, services, the admin and the permission modules ask. Here only the
names and their Chinese labels live, so a misspelt capability fails loudly (``check``) instead of
quietly answering "no". This module imports no app: the table is handed to it by the backend
(``use_table``), as Django hands ``get_user_model`` its model.

Two kinds of capability:

- rights to act or read (``training.approve``, ``rotation.record`` …);
- the levels of scope a role works at (``scope.*``): a user's scope is the narrowest level their
  role holds that their account is assigned to (``backend.scoping.scope_for``) — a teacher's own
  record, a school, a district, a city, or the province (which needs no assignment). In a
  single-city installation the city needs no assignment either and is everything (issue 18).

Two rights need, besides the role, the per-account right city HR grants (DOMAIN.md: full
身份证件号 and ethics cases only for HR with that right): ``NEEDS_FLAG``. A superuser holds
every capability.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Capability(models.TextChoices):
    # ---- levels of scope (narrowest first: SCOPE_LEVELS)
    SCOPE_SELF = "scope.self", _("管理范围：本人档案")
    SCOPE_SCHOOL = "scope.school", _("管理范围：所属学校")
    SCOPE_DISTRICT = "scope.district", _("管理范围：所属区县")
    SCOPE_CITY = "scope.city", _("管理范围：所属城市（系统只有一个城市时即全部）")
    SCOPE_PROVINCE = "scope.province", _("管理范围：全省（未指定城市、区县、学校时）")
    # ---- records and reference data (the admin)
    RECORDS_VIEW = "records.view", _("查看管理范围内的记录（数据管理）")
    PROFILE_VIEW = "profile.view", _("查看教师档案与培训记录（教师仅本人）")
    RECORDS_EDIT = "records.edit", _("新增、修改管理范围内的记录")
    RECORDS_DELETE = "records.delete", _("删除记录")
    REFERENCE_EDIT = "reference.edit", _("维护基础数据（区县、标准、目标、类别）")
    CITIES_MANAGE = "cities.manage", _("维护城市（设区市）")
    SCHOOLS_EDIT = "schools.edit", _("维护学校信息")
    IDENTITY_REVEAL = "identity.reveal", _("查看完整身份证件号（另须账号授权）")
    # ---- accounts and the audit trail
    ACCOUNTS_MANAGE = "accounts.manage", _("管理用户账号与登录锁定")
    RIGHTS_MANAGE = "rights.manage", _("维护角色权限表")
    AUDIT_VIEW = "audit.view", _("查询审计日志")
    # ---- workflows: rotation, honours and ethics, staffing quotas
    WORKFLOWS_VIEW = "workflows.view", _("查看交流轮岗、荣誉与师德、编制页面")
    ROTATION_RECORD = "rotation.record", _("登记和结束交流轮岗")
    HONOURS_AWARD = "honours.award", _("授予、到期、撤销和推荐荣誉")
    ETHICS_VIEW = "ethics.view", _("查看师德档案（另须账号授权）")
    ETHICS_RECORD = "ethics.record", _("登记师德失范案件")
    TITLES_APPOINT = "titles.appoint", _("办理职称聘任")
    QUOTA_EDIT = "quota.edit", _("核定学校编制")
    QUOTA_ALLOCATE = "quota.allocate", _("测算、采纳和放弃周转编制分配")
    # ---- training
    TRAINING_LOG = "training.log", _("登记培训学时（教师仅本人）")
    TRAINING_APPROVE = "training.approve", _("审核培训学时")
    TRAINING_REPORT = "training.report", _("查看培训报表")
    TRAINING_PUBLISH = "training.publish", _("发布培训项目")
    TRAINING_IMPORT = "training.import", _("导入已认定的培训记录")
    # ---- imports
    IMPORTS_RUN = "imports.run", _("导入名册与记录")
    MAPPINGS_EDIT = "mappings.edit", _("维护全市导入映射")
    # ---- careers: 年度考核, 职称评审
    CAREERS_VIEW = "careers.view", _("查看年度考核与职称评审")
    ASSESSMENT_RECORD = "assessment.record", _("登记年度考核结果")
    PROMOTION_OPEN = "promotion.open", _("发起和结束职称评审")
    PROMOTION_NOMINATE = "promotion.nominate", _("推荐职称申报")
    PROMOTION_REVIEW_DISTRICT = "promotion.review_district", _("审核职称申报（区县）")
    PROMOTION_REVIEW_CITY = "promotion.review_city", _("审核职称申报（市）")
    # ---- personnel: change requests, moves, annual reporting
    PERSONNEL_VIEW = "personnel.view", _("查看变更申请、人事事项与年度报送")
    PERSONNEL_PROPOSE = "personnel.propose", _("提出信息变更（教师仅本人）")
    PERSONNEL_EDIT_DIRECTLY = "personnel.edit_directly", _("直接修改须审核的字段")
    PERSONNEL_REVIEW = "personnel.review", _("审核变更申请、确认调动")
    REPORTING_OPEN = "reporting.open", _("发起年度报送")


# The levels of scope, narrowest first: a user works at the first their role holds and their
# account is assigned to (the province needs no assignment; nor the city of a single-city install).
SCOPE_LEVELS = (Capability.SCOPE_SELF, Capability.SCOPE_SCHOOL, Capability.SCOPE_DISTRICT, Capability.SCOPE_CITY,
                Capability.SCOPE_PROVINCE)

# Rights that need, besides the role, the right city HR grants on the account.
NEEDS_FLAG = {
    Capability.IDENTITY_REVEAL: "can_view_identity",
    Capability.ETHICS_VIEW: "can_view_ethics",
}


def check(name: str) -> Capability:
    """``name`` as a declared capability; an undeclared name (a typo) raises ``ValueError``."""
    try:
        return Capability(name)
    except ValueError:
        raise ValueError(f"未声明的权限：{name!r}（见 core/capabilities.py）") from None


# ---------------------------------------------------------------- the table, handed in by the backend
_table: Callable[[str], frozenset[str]] | None = None


def use_table(source: Callable[[str], frozenset[str]]) -> None:
    """``source(role)`` → the capabilities that role holds (``backend.rights.capabilities_of``)."""
    global _table
    _table = source


def of_role(role: str) -> frozenset[str]:
    if _table is None:
        raise RuntimeError("权限表未加载：backend 应用未安装（core.capabilities.use_table）。")
    return _table(role)


def active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def granted(user, name: str) -> bool:
    """Whether ``user``'s role holds ``name`` (and the account its right, ``NEEDS_FLAG``), scope
    aside: ``backend.rights.can`` adds the scope of an object."""
    capability = check(name)
    if not active(user):
        return False
    if user.is_superuser:
        return True
    if capability not in of_role(user.role):
        return False
    flag = NEEDS_FLAG.get(capability)
    return flag is None or bool(getattr(user, flag, False))
