"""学校: matched by 学校标识码; district HR for its district's schools, school HR its own."""
from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from backend import audit
from workforce import choices as c
from workforce import rules
from workforce.models import District, School

from ..bulk import fast_update, write_history
from ..context import EMPTY, Row, key_of, label_of
from ..kinds import Column, Kind
from . import Handler, register

KIND = Kind(
    name="schools",
    sheet_kind="school",
    label=gettext_noop("学校"),
    template_title="学校",
    columns=(
        Column("code", "学校标识码", required=True, max_length=10, hint="10位数字", headers=("学校代码", "标识码", "学校识别码")),
        Column("name", "学校名称", required=True, max_length=100, field="name", headers=("单位名称", "学校全称")),
        Column("district", "所属区县", max_length=40, hint="区县名称或区划代码；新学校必填", headers=("区县", "所在区县", "所属地区", "区县名称")),
        Column("school_type", "学校类型", "choice", choices=c.SchoolType, synonyms="school_type", field="school_type",
               headers=("办学类型", "学校类别")),
        Column("ownership", "办学性质", "choice", choices=c.Ownership, synonyms="ownership", field="ownership", measure=True,
               headers=("公办/民办", "学校性质", "举办性质", "举办者", "举办者类型", "学校举办者", "办别", "举办单位类型")),
        Column("location", "城乡分类", "choice", choices=c.Location, synonyms="location", field="location",
               headers=("城乡类型", "城乡属性", "所在地城乡类型", "学校所在地类型")),
        Column("rural_kind", "村小/教学点", "choice", choices=c.RuralKind, synonyms="rural_kind", field="rural_kind",
               hint="仅乡村学校填写",
               headers=("村小或教学点", "是否村小或教学点", "村小教学点")),
    ),
    aliases=("school", "学校"),
    sheet_titles=("学校", "学校信息"),
    row_no=("序号",),
    order=10,
    precedence=70,
)


class SchoolHandler(Handler):
    FIELDS = ("name", "district_id", "school_type", "ownership", "location", "rural_kind")

    def allowed(self):
        if self.ctx.scope.above_district or self.ctx.scope.kind in ("district", "school"):
            return None
        return "您没有导入学校信息的权限。"

    def check(self):
        ctx = self.ctx
        ctx.load_schools()
        # A city's districts (in a province: the districts of the user's city, or every city's
        # for the province). A name every city has (市直) names no district when several cities
        # are in reach: the row must give the 区划代码.
        districts = list(District.objects.for_scope(ctx.scope) if ctx.scope.kind in ("province", "city")
                         else District.objects.all())
        by_name, named = {}, {}
        for d in districts:
            named.setdefault(key_of(d.name), []).append(d)
            by_name[key_of(d.code)] = d
        for key, found in named.items():
            by_name.setdefault(key, found[0] if len(found) == 1 else None)
        ambiguous = {key for key, found in named.items() if len(found) > 1}
        self.new, self.updates, self.changes = [], [], {}
        seen: dict[str, Row] = {}
        names_in_file: dict[tuple[int, str], Row] = {}
        for row in self.rows:
            vals = row.values
            code = vals.get("code")
            if code is None:
                continue
            if not re.fullmatch(r"\d{10}", code):
                ctx.error(row, "code", code, "学校标识码应为10位数字")
                continue
            if code in seen:
                ctx.error(row, "code", code, f"与第 {seen[code].number} 行的学校标识码重复")
                continue
            seen[code] = row
            existing = ctx.school_by_code.get(code)
            district = None
            if vals.get("district"):
                district = by_name.get(key_of(vals["district"]))
                if district is None and key_of(vals["district"]) in ambiguous:
                    ctx.error(row, "district", vals["district"], "多个城市有同名区县，请填写6位区划代码")
                    continue
                if district is None:
                    ctx.error(row, "district", vals["district"], "区县名称不存在，可选：" + "、".join(d.name for d in districts))
                    continue
            if existing is None:
                missing = [label for key, label in (("district", "所属区县"), ("school_type", "学校类型"),
                                                    ("location", "城乡分类")) if not vals.get(key)]
                if missing:
                    ctx.error(row, "code", code, f"新学校须填写：{'、'.join(missing)}")
                    continue
            scope = ctx.scope
            target_district = district.pk if district else existing.district_id
            if scope.kind == "school" and (existing is None or existing.pk != scope.school_id):
                ctx.error(row, "code", code, "学校人事只能修改本校的学校信息")
                continue
            if scope.kind == "district" and (
                    target_district != scope.district_id or (existing and existing.district_id != scope.district_id)):
                ctx.error(row, "code", code, "该学校不在您的区县，不在您的管理范围内")
                continue
            wanted = {k: val for k, val in self.fields_of(row).items()}
            if district is not None:
                wanted["district_id"] = district.pk
            location = wanted.get("location", existing.location if existing else None)
            rural_kind = wanted.get("rural_kind", existing.rural_kind if existing else "")
            problems = rules.rural_kind_only_rural(location, rural_kind)
            if problems:
                ctx.problems(row, problems, {"rural_kind": ("rural_kind", label_of(c.RuralKind, rural_kind))})
                continue
            name = wanted.get("name", existing.name if existing else "")
            name_key = (target_district, key_of(name))
            clash = [s for s in ctx.schools_by_name.get(key_of(name), [])
                     if s.district_id == target_district and s.code != code]
            if clash or name_key in names_in_file:
                ctx.error(row, "name", name, "同一区县已有同名学校")
                continue
            names_in_file[name_key] = row
            if existing is None:
                school = School(code=code, **wanted)
                self.new.append(school)
                ctx.add_school(school)
                row.extra["obj"] = school
                self.count(row, "new")
                continue
            changed = self.compare(row, existing, wanted)
            if not changed:
                self.count(row, "unchanged")
                continue
            for name_, (_old, new) in changed.items():
                setattr(existing, name_, new)
            self.updates.append(existing)
            self.changes[existing.code] = changed
            ctx.change(row, f"{existing.name}（{existing.code}）",
                       [self.shown_school(n, o, nv) for n, (o, nv) in changed.items()])
            self.count(row, "changed")

    def shown_school(self, name, old, new):
        if name == "district_id":
            names = {d.pk: d.name for d in District.objects.all()} if not hasattr(self, "_dn") else self._dn
            self._dn = names
            return "区县", names.get(old, EMPTY), names.get(new, EMPTY)
        return self.shown_change(School, name, old, new)

    def write(self):
        ctx = self.ctx
        if self.new:
            School.objects.bulk_create(self.new)
        if self.updates:
            fields = sorted({n for ch in self.changes.values() for n in ch})
            fast_update(School, self.updates, fields)
        entries = [ctx.audit_entry(audit.CREATE, s, self.audit_snapshot(School, s, ("code", *self.FIELDS)))
                   for s in self.new]
        entries += [ctx.audit_entry(audit.UPDATE, s, {n: {"label": self.shown_school(n, o, nv)[0],
                                                          "old": self.shown_school(n, o, nv)[1],
                                                          "new": self.shown_school(n, o, nv)[2]}
                                                      for n, (o, nv) in self.changes[s.code].items()})
                    for s in self.updates]
        write_history(entries)


register(KIND, SchoolHandler)
