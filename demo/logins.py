"""The demo logins: one a role (city HR, 海州区 HR, the HR of 海州区's largest public primary
school, a teacher of it, the city's leader and 海州区's), all with ``DEMO_PASSWORD``; in a
province (``seed_demo --cities N``, N > 1) city HR and the city's leader name the demo city, and
the province's HR (省教育厅人事处) and leader come with them."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from core.roles import Role
from workforce import choices as c

from .base import Builder
from .writing import bulk

T = c.SchoolType

DEMO_PASSWORD = "Demo@2025"
DEMO_USERNAMES = ["city_hr", "haizhou_hr", "school_hr", "teacher", "leader", "leader_haizhou"]
PROVINCE_USERNAMES = ["province_hr", "leader_province"]  # with --cities N > 1 only


class LoginsPart(Builder):
    """Writes the demo logins (reads ``self.schools`` and their people, written)."""

    def write_users(self) -> list[dict[str, str]]:
        User = get_user_model()
        by_name = {d.name: d for d in self.districts}
        haizhou = by_name.get("海州区", self.districts[0])
        candidates = [s for s in self.schools if s.obj.district_id == haizhou.pk and s.obj.ownership == c.Ownership.PUBLIC
                      and s.obj.school_type == T.PRIMARY] or [s for s in self.schools if s.obj.district_id == haizhou.pk] \
            or self.schools
        school = max(candidates, key=lambda s: (len(s.people), s.obj.code))
        teacher = next((p for p in school.people if p.teaching and p.left_on is None and p.status == c.PersonnelStatus.IN_POST),
                       next(p for p in school.people))
        specs = [
            ("city_hr", "市教育局人事科（演示）", dict(role=Role.CITY_HR, can_view_identity=True, can_view_ethics=True), "全市"),
            ("haizhou_hr", "海州区教育局人事（演示）", dict(role=Role.DISTRICT_HR, district=haizhou, can_view_identity=True),
             haizhou.name),
            ("school_hr", f"{school.obj.name}人事（演示）", dict(role=Role.SCHOOL_HR, school=school.obj,
                                                             district=school.obj.district), school.obj.name),
            ("teacher", f"{teacher.name}（演示教师）", dict(role=Role.TEACHER, teacher_id=teacher.pk, school=school.obj,
                                                     district=school.obj.district),
             f"{school.obj.name} {teacher.name}"),
            ("leader", "市教育局领导（演示）", dict(role=Role.LEADER), "全市（只读）"),
            ("leader_haizhou", "海州区教育局领导（演示）", dict(role=Role.LEADER, district=haizhou), f"{haizhou.name}（只读）"),
        ]
        if len(self.cities) > 1:  # a province: the city's logins name their city, and the province's own
            city = self.cities[0]
            specs[0] = ("city_hr", f"{city.name}教育局人事科（演示）",
                        dict(role=Role.CITY_HR, city=city, can_view_identity=True, can_view_ethics=True), city.name)
            specs[4] = ("leader", f"{city.name}教育局领导（演示）", dict(role=Role.LEADER, city=city), f"{city.name}（只读）")
            specs += [
                ("province_hr", "省教育厅人事处（演示）",
                 dict(role=Role.PROVINCE_HR, can_view_identity=True, can_view_ethics=True), f"全省（{len(self.cities)} 个城市）"),
                ("leader_province", "省教育厅领导（演示）", dict(role=Role.LEADER), "全省（只读）"),
            ]
        User.objects.filter(username__in=[s[0] for s in specs]).delete()
        users = [User(username=u, first_name=label[:150], is_staff=True, **kw) for u, label, kw, _scope in specs]
        for user in users:
            validate_password(DEMO_PASSWORD, user)
        hashed = make_password(DEMO_PASSWORD)  # one hash (one salt) for all the demo logins
        for user in users:
            user.password = hashed
        bulk(User, users)
        self.counts["演示账号"] = len(users)
        return [dict(username=u.username, password=DEMO_PASSWORD, role=u.get_role_display(), scope=scope)
                for u, (_n, _l, _k, scope) in zip(users, specs)]
