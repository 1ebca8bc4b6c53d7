"""Writes of the workflows (issue 6): rotation, honours and the ethics veto, staffing quotas.

Every function is atomic, validated (``full_clean``), keyword-only, checks that ``user`` may do it
in their scope, and writes an audit row through ``backend.audit``. Pages, admin actions, imports
and commands call these and nothing else, so the rules cannot differ between them.
Refusals are ``ValidationError`` (with a Chinese reason) or ``PermissionDenied``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from backend import audit
from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability as C

from . import honours, hooks, record_hooks, rules
from .models import (
    Award, EthicsCase, EthicsSeverity, Exchange, ExchangeType, HonourType, Nomination, QuotaPool, QuotaProposal,
    QuotaProposalLine, QuotaProposalStep, School, SchoolQuota, Teacher, TitleAppointment,
)
from .quota import allocate
from .selectors import quota_table


# ---------------------------------------------------------------- who may do what (the rights table)
def may_record_rotation(user) -> bool:
    """City and district HR record exchanges (DOMAIN.md: district HR records rotations)."""
    return can(user, C.ROTATION_RECORD)


def may_award(user) -> bool:
    """City and district HR award, expire, revoke and nominate."""
    return can(user, C.HONOURS_AWARD)


def may_record_ethics(user) -> bool:
    """Record an ethics case: the right to, and to see ethics cases (the account's right too)."""
    return can(user, C.ETHICS_RECORD) and can(user, C.ETHICS_VIEW)


def may_promote(user) -> bool:
    return can(user, C.TITLES_APPOINT)


def may_allocate(user) -> bool:
    """Only city HR runs, accepts or discards an allocation of the city pool. The pool is the whole
    installation's: in a province of several cities only a scope over all of it allocates (issue
    18; a pool per city is not modelled yet)."""
    from backend.scoping import single_city

    return can(user, C.QUOTA_ALLOCATE) and (single_city() or scope_for(user).covers_all)


def _require(allowed: bool, message: str = "您没有权限执行此操作。") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_schools_in_scope(user, school_ids: Iterable[int]) -> None:
    ids = {i for i in school_ids if i is not None}
    if not ids:
        return
    scope = scope_for(user)
    if scope.covers_all:
        return
    found = set(School.objects.for_scope(scope).filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise PermissionDenied("该记录不在您的管理范围内。")


def _refuse(field: str | None, message: str):
    raise ValidationError({field: message} if field else message)


def _locked_unvetoed(teacher: Teacher, user, on: dt.date, action: str) -> Teacher:
    """The teacher's row locked (two officers at once cannot both pass the checks), in the user's
    scope, and not barred on ``on`` from ``action`` by the ethics veto (一票否决)."""
    teacher = Teacher.objects.select_for_update(of=("self",)).select_related("school").get(pk=teacher.pk)
    _require_schools_in_scope(user, [teacher.school_id])
    reason = honours.veto_reason(teacher, on, action)
    if reason:
        _refuse("teacher", reason)
    return teacher


# ---------------------------------------------------------------- rotation (交流轮岗)
def _overlap_q(start: dt.date, end: dt.date | None) -> Q:
    """Exchanges sharing at least one day with [start, end] (end None = open): the database form
    of ``rotation.periods_overlap``."""
    q = Q(end__isnull=True) | Q(end__gte=start)
    if end is not None:
        q &= Q(start__lte=end)
    return q


def _period(ex: Exchange) -> rules.Period:
    """Another exchange of the teacher as ``rules.exchange_overlaps`` reads it."""
    return rules.Period(ex.start, ex.end, rules.exchange_label(ex.exchange_type.name, ex.start, ex.end))


def _validate_exchange(*, teacher, start, end, from_school, to_school, overlapping) -> list[str]:
    """``rules.exchange`` on an exchange about to be recorded: the messages."""
    problems = rules.exchange(
        start=start, end=end, from_school=from_school.pk if from_school is not None else None,
        to_school=to_school.pk if to_school is not None else None, left_on=teacher.left_on,
        others=[_period(e) for e in overlapping],
    )
    return [p.message for p in problems]


def exchange_check(
    *, teacher: Teacher, start: dt.date, end: dt.date | None, to_school: School | None,
    from_school: School | None = None, exclude_pk: int | None = None,
) -> None:
    """The rules of ``exchange_record`` for a form that saves by itself (the admin): raises
    ``ValidationError`` with the reasons, writes nothing. The exchange's own dates and schools
    are ``Exchange.clean``'s (the form runs it too): here the exchange school is required and
    the rules that need the teacher are checked (``rules.exchange_for_teacher``)."""
    overlapping = list(Exchange.objects.filter(teacher=teacher).filter(_overlap_q(start, end))
                       .exclude(pk=exclude_pk).select_related("exchange_type"))
    problems = rules.exchange_schools(None, None) if to_school is None else []
    problems += rules.exchange_for_teacher(start=start, end=end, left_on=teacher.left_on,
                                           others=[_period(e) for e in overlapping])
    if problems:
        raise ValidationError([p.message for p in problems])


def exchange_record(
    *, teacher: Teacher, exchange_type: ExchangeType, start: dt.date, end: dt.date | None = None,
    from_school: School | None = None, to_school: School, moves_personnel: bool = False,
    user, request=None, source: str = "web",
) -> Exchange:
    """Record one exchange. Refuses overlapping exchanges of the same teacher, an end before the
    start and the same school on both sides.

    Whether the teacher rotates as a 骨干 is not entered: it is ``TeacherQuerySet.backbone_on``
    on 1 September of the school year, which already leaves out a teacher under an ethics ban."""
    return exchange_record_many(
        teachers=[teacher], exchange_type=exchange_type, start=start, end=end, to_school=to_school,
        moves_personnel=moves_personnel, user=user, request=request, source=source, from_school=from_school,
    )[0]


def exchange_record_many(
    *, teachers: Iterable[Teacher], exchange_type: ExchangeType, start: dt.date, end: dt.date | None = None,
    to_school: School, moves_personnel: bool = False, user, request=None,
    source: str = "web", from_school: School | None = None,
) -> list[Exchange]:
    """Record the same exchange for many teachers (from the eligible list or an import): all or
    nothing, every refusal named by teacher. Queries do not grow with the number of teachers."""
    _require(may_record_rotation(user), "只有市、区县教育局人事可以登记交流轮岗。")
    ids = [t.pk for t in teachers]
    if not ids:
        _refuse(None, "请至少选择一名教师。")
    if len(set(ids)) != len(ids):
        _refuse(None, "同一教师被选择了两次。")
    with transaction.atomic():
        # lock the teachers: two officers recording at once cannot both pass the overlap check
        locked = {t.pk: t for t in Teacher.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("school")}
        _require_schools_in_scope(user, [t.school_id for t in locked.values()])
        overlapping: dict[int, list[Exchange]] = {}
        for ex in Exchange.objects.filter(teacher_id__in=ids).filter(_overlap_q(start, end)).select_related("exchange_type"):
            overlapping.setdefault(ex.teacher_id, []).append(ex)
        errors, rows = [], []
        for pk in ids:
            teacher = locked[pk]
            home = from_school or teacher.school
            problems = _validate_exchange(
                teacher=teacher, start=start, end=end, from_school=home, to_school=to_school,
                overlapping=overlapping.get(pk, []),
            )
            if problems:
                errors += [f"{teacher.name}：{message}" for message in problems]
                continue
            ex = Exchange(
                teacher=teacher, exchange_type=exchange_type, start=start, end=end, from_school=home,
                to_school=to_school, from_name=home.name if home else "", to_name=to_school.name if to_school else "",
                moves_personnel=moves_personnel, created_by=user if user.pk else None,
            )
            try:
                ex.full_clean(exclude=["teacher", "from_school", "to_school", "exchange_type", "created_by"])
            except ValidationError as exc:
                errors.append(f"{teacher.name}：" + " ".join(exc.messages))
                continue
            rows.append(ex)
        if errors:
            raise ValidationError(errors)
        created = Exchange.objects.bulk_create(rows)
        hooks.exchanges_recorded_after_commit(created, user=user, source=source)
        audit.record_many(
            audit.entry(audit.CREATE, user=user, request=request, obj=ex, object_repr=f"{ex.teacher} {ex}",
                        changes=audit.snapshot(ex), source=source, message="登记交流轮岗")
            for ex in created
        )
    return created


def exchange_end(*, exchange: Exchange, end: dt.date, user, request=None, source: str = "web") -> Exchange:
    """End an exchange on ``end`` (not before its start)."""
    _require(may_record_rotation(user), "只有市、区县教育局人事可以结束交流轮岗。")
    with transaction.atomic():
        ex = Exchange.objects.select_for_update(of=("self",)).select_related("teacher", "exchange_type").get(pk=exchange.pk)
        _require_schools_in_scope(user, [ex.teacher.school_id])
        rules.refuse(rules.exchange_period(ex.start, end))
        if ex.end is not None and ex.end <= end:
            _refuse("end", f"该交流已于 {ex.end:%Y-%m-%d} 结束。")
        old = Exchange.objects.get(pk=ex.pk)
        ex.end = end
        ex.full_clean(exclude=["teacher", "from_school", "to_school", "exchange_type", "created_by"])
        ex.save(update_fields=["end"])
        audit.record(audit.UPDATE, user=user, request=request, obj=ex, object_repr=f"{ex.teacher} {ex}",
                     changes=audit.diff(old, ex, fields=["end"]), source=source, message="结束交流轮岗")
    exchange.end = end
    return ex


# ---------------------------------------------------------------- honours and ethics
def award_grant(
    *, honour_type: HonourType, awarded_on: dt.date, user, teacher: Teacher | None = None,
    school: School | None = None, team_name: str = "", awarding_body: str = "", expires_on: dt.date | None = None,
    nomination: Nomination | None = None, request=None, source: str = "web",
) -> Award:
    """Grant an honour to a teacher (or a school's team). 一票否决: refused when the teacher is
    inside the ban period of a substantiated ethics case on ``awarded_on``."""
    _require(may_award(user), "只有市、区县教育局人事可以授予荣誉。")
    if honour_type.is_team and school is None:
        _refuse("school", "团队/工作室类荣誉须填写所在学校。")
    if not honour_type.is_team and teacher is None:
        _refuse("teacher", "请选择教师。")
    with transaction.atomic():
        if teacher is not None:
            teacher = _locked_unvetoed(teacher, user, awarded_on, "award")
        _require_schools_in_scope(user, [school.pk if school else None])
        award = Award(
            honour_type=honour_type, teacher=teacher, school=school, team_name=team_name,
            awarded_on=awarded_on, awarding_body=awarding_body,
            expires_on=expires_on if expires_on is not None else honours.award_expiry(honour_type, awarded_on),
        )
        award.full_clean()
        award.save()
        if nomination is not None:
            Nomination.objects.filter(pk=nomination.pk, award__isnull=True).update(award=award)
        holder = teacher or team_name or school
        audit.record(audit.CREATE, user=user, request=request, obj=award, object_repr=f"{holder} {award}",
                     changes=audit.snapshot(award), source=source, message="授予荣誉")
    return award


def _award_for_update(award: Award, user) -> Award:
    locked = Award.objects.select_for_update(of=("self",)).select_related("honour_type", "teacher").get(pk=award.pk)
    _require_schools_in_scope(user, [locked.teacher.school_id if locked.teacher_id else locked.school_id])
    return locked


def award_expire(*, award: Award, on: dt.date, user, request=None, source: str = "web") -> Award:
    """End an award's validity on ``on`` (re-assessment due or not passed)."""
    _require(may_award(user), "只有市、区县教育局人事可以办理荣誉到期。")
    with transaction.atomic():
        locked = _award_for_update(award, user)
        if on < locked.awarded_on:
            _refuse("expires_on", "到期日期不能早于授予日期。")
        old = Award.objects.get(pk=locked.pk)
        locked.expires_on = on
        locked.full_clean()
        locked.save(update_fields=["expires_on"])
        audit.record(audit.UPDATE, user=user, request=request, obj=locked,
                     object_repr=f"{locked.teacher or locked.team_name} {locked}",
                     changes=audit.diff(old, locked, fields=["expires_on"]), source=source, message="荣誉到期")
    return locked


def award_revoke(*, award: Award, on: dt.date, reason: str, user, request=None, source: str = "web") -> Award:
    """Revoke an award on ``on`` with a reason (e.g. an ethics case that conflicts)."""
    _require(may_award(user), "只有市、区县教育局人事可以撤销荣誉。")
    if not reason.strip():
        _refuse("revoke_reason", "请填写撤销原因。")
    with transaction.atomic():
        locked = _award_for_update(award, user)
        if locked.revoked_on is not None:
            _refuse(None, f"该荣誉已于 {locked.revoked_on:%Y-%m-%d} 撤销。")
        if on < locked.awarded_on:
            _refuse("revoked_on", "撤销日期不能早于授予日期。")
        old = Award.objects.get(pk=locked.pk)
        locked.revoked_on, locked.revoke_reason = on, reason.strip()
        locked.full_clean()
        locked.save(update_fields=["revoked_on", "revoke_reason"])
        audit.record(audit.UPDATE, user=user, request=request, obj=locked,
                     object_repr=f"{locked.teacher or locked.team_name} {locked}",
                     changes=audit.diff(old, locked, fields=["revoked_on", "revoke_reason"]), source=source,
                     message="撤销荣誉")
    return locked


def nominate(
    *, honour_type: HonourType, teacher: Teacher, on: dt.date, user, note: str = "", request=None,
    source: str = "web",
) -> Nomination:
    """Put a teacher forward for ``honour_type`` in the round of ``on``'s year (一票否决 applies)."""
    _require(may_award(user), "只有市、区县教育局人事可以推荐。")
    if honour_type.is_team:
        _refuse("honour_type", "团队/工作室类荣誉不按个人推荐。")
    with transaction.atomic():
        teacher = _locked_unvetoed(teacher, user, on, "nominate")
        rules.refuse(record_hooks.nomination_problems([teacher.pk], on).get(teacher.pk, []))  # e.g. 不合格 within N years
        if teacher.left_on is not None and teacher.left_on <= on:
            _refuse("teacher", "该教师已不在本校任职。")
        if Award.objects.active_on(on).filter(honour_type=honour_type, teacher=teacher).exists():
            _refuse("teacher", f"该教师已获得“{honour_type.name}”且仍在有效期内。")
        if Nomination.objects.filter(honour_type=honour_type, teacher=teacher, round_year=on.year).exists():
            _refuse("teacher", f"该教师已被推荐参加 {on.year} 年度“{honour_type.name}”评选。")
        nomination = Nomination(honour_type=honour_type, teacher=teacher, round_year=on.year, nominated_on=on,
                                note=note, nominated_by=user if user.pk else None)
        nomination.full_clean()
        nomination.save()
        audit.record(audit.CREATE, user=user, request=request, obj=nomination,
                     object_repr=f"{teacher} {nomination}", changes=audit.snapshot(nomination), source=source,
                     message="荣誉推荐")
    return nomination


def ethics_case_record(
    *, teacher: Teacher, severity: EthicsSeverity, occurred_on: dt.date, decided_on: dt.date, user,
    substantiated: bool = True, description: str = "", request=None, source: str = "web",
) -> EthicsCase:
    """Record a 师德失范 case; the ban runs from the decision for the severity's months."""
    _require(may_record_ethics(user), "只有有权查看师德档案的市、区县教育局人事可以登记师德失范案件。")
    with transaction.atomic():
        teacher = Teacher.objects.select_related("school").get(pk=teacher.pk)
        _require_schools_in_scope(user, [teacher.school_id])
        case = EthicsCase(
            teacher=teacher, severity=severity, occurred_on=occurred_on, decided_on=decided_on,
            substantiated=substantiated, ban_until=honours.ban_until(decided_on, severity.ban_months),
            description=description, recorded_by=user if user.pk else None,
        )
        case.full_clean()
        case.save()
        audit.record(audit.CREATE, user=user, request=request, obj=case, object_repr=f"{teacher} 师德失范案件",
                     changes={k: v for k, v in audit.snapshot(case).items() if k != "description"},
                     source=source, message="登记师德失范案件")
    return case


def title_promote(
    *, teacher: Teacher, title: str, appointed_on: dt.date, user, request=None, source: str = "web",
) -> TitleAppointment:
    """Appoint a teacher to a professional title (一票否决 applies); the open appointment ends
    the day before."""
    _require(may_promote(user), "只有人事部门可以办理职称聘任。")
    with transaction.atomic():
        teacher = _locked_unvetoed(teacher, user, appointed_on, "promote")
        current = list(TitleAppointment.objects.filter(teacher=teacher, ended_on__isnull=True))
        for old in current:
            if old.appointed_on >= appointed_on:
                _refuse("appointed_on", f"聘任日期须晚于现任职务（{old.get_title_display()}）的聘任日期 {old.appointed_on:%Y-%m-%d}。")
        appointment = TitleAppointment(teacher=teacher, title=title, appointed_on=appointed_on)
        appointment.full_clean()
        for old in current:
            old.ended_on = appointed_on - dt.timedelta(days=1)
            old.save(update_fields=["ended_on"])
        appointment.save()
        audit.record(audit.CREATE, user=user, request=request, obj=appointment, object_repr=f"{teacher} {appointment}",
                     changes=audit.snapshot(appointment), source=source, message="职称聘任")
    return appointment


# ---------------------------------------------------------------- staffing quota (编制)
def pool_available(school_year: int) -> int | None:
    """Posts of the city pool not yet given out by accepted proposals (None: no pool recorded)."""
    pool = QuotaPool.objects.filter(school_year=school_year).values_list("posts", flat=True).first()
    if pool is None:
        return None
    used = QuotaProposalLine.objects.filter(
        proposal__school_year=school_year, proposal__status=QuotaProposal.Status.ACCEPTED, school__isnull=False,
    ).aggregate(n=Sum("allocated"))["n"] or 0
    return max(0, pool - used)


def quota_allocate(*, school_year: int, posts: int, user, request=None, source: str = "web") -> QuotaProposal:
    """Compute a proposal for ``posts`` of the city pool (``quota.allocate``: transfers within
    districts, then the pool) and store it as a draft, with its lines (per school and district)
    and its steps (the table that explains it). Nothing changes until someone accepts it."""
    _require(may_allocate(user), "只有市教育局人事科可以测算周转编制分配。")
    if posts <= 0:
        _refuse("posts", "分配编制数须大于 0。")
    available = pool_available(school_year)
    if available is not None and posts > available:
        _refuse("posts", f"本学年周转编制池剩余 {available} 个，不能分配 {posts} 个。")
    plan = allocate(quota_table(scope_for(user), school_year), posts)
    with transaction.atomic():
        proposal = QuotaProposal.objects.create(
            school_year=school_year, posts=posts, leftover=plan.leftover, leftover_reason=plan.leftover_reason,
            explanation="\n".join(plan.rules), proposed_by=user if user.pk else None,
        )
        districts = [
            QuotaProposalLine(
                proposal=proposal, district_id=d.row.district_id, standard=d.row.standard,
                approved_before=d.row.approved or 0, actual=d.row.actual, shortage=d.row.shortage or 0,
                surplus=d.row.surplus or 0, transfer_in=d.transferred, transfer_out=d.transferred, allocated=d.from_pool,
            )
            for d in plan.districts if d.row.shortage or d.transferred
        ]
        schools = [
            QuotaProposalLine(
                proposal=proposal, district_id=c.row.district_id, school_id=c.row.school_id, standard=c.row.standard,
                approved_before=c.row.approved, actual=c.row.actual, shortage=c.row.shortage, surplus=c.row.surplus,
                transfer_in=c.transfer_in, transfer_out=c.transfer_out, allocated=c.from_pool,
            )
            for c in plan.schools
        ]
        QuotaProposalLine.objects.bulk_create(districts + schools)
        QuotaProposalStep.objects.bulk_create([
            QuotaProposalStep(
                proposal=proposal, order=i, kind=step.kind, district_id=step.district.district_id if step.district else None,
                source=step.source[:120], target=step.target[:120], posts=step.posts, explanation=step.why,
            )
            for i, step in enumerate(plan.steps, start=1)
        ])
        audit.record(audit.CREATE, user=user, request=request, obj=proposal,
                     changes={"posts": posts, "school_year": school_year, "transferred": plan.transferred,
                              "given": plan.given, "leftover": plan.leftover,
                              "proposed_by": getattr(user, "username", "")},
                     source=source, message="测算编制调剂方案（区县内调剂与周转编制分配）")
    return proposal


SELF_ACCEPT_REFUSED = (
    "该方案由您本人提出：须由另一位市教育局人事科人员采纳；如确需由本人采纳，请勾选“我确认由本人提出并采纳本方案”后再提交。"
)


def proposal_accept(*, proposal: QuotaProposal, user, request=None, source: str = "web",
                    confirm_own: bool = False) -> QuotaProposal:
    """Accept a draft: each school's approved quota (SchoolQuota of that school year) changes by
    what the proposal gives it (transfer in + pool − transfer out). The author accepts only with
    ``confirm_own`` (an explicit confirmation); refused when an approved quota changed since the
    proposal was computed, or the pool no longer holds the posts."""
    _require(may_allocate(user), "只有市教育局人事科可以采纳编制调剂方案。")
    with transaction.atomic():
        locked = QuotaProposal.objects.select_for_update(of=("self",)).select_related("proposed_by").get(pk=proposal.pk)
        if locked.status != QuotaProposal.Status.DRAFT:
            _refuse(None, f"该方案{locked.get_status_display()}，不能再采纳。")
        own = locked.proposed_by_id is not None and locked.proposed_by_id == user.pk
        if own and not confirm_own:
            _refuse("confirm_own", SELF_ACCEPT_REFUSED)
        lines = [line for line in locked.lines.filter(school__isnull=False).select_related("school")
                 if line.transfer_in or line.transfer_out or line.allocated]
        available = pool_available(locked.school_year)
        given = sum(line.allocated for line in lines)
        if available is not None and given > available:
            _refuse(None, f"本学年周转编制池剩余 {available} 个，少于方案分出的 {given} 个。")
        existing = {q.school_id: q for q in SchoolQuota.objects.select_for_update().filter(
            school_year=locked.school_year, school_id__in=[line.school_id for line in lines])}
        stale = [line.school.name for line in lines
                 if line.school_id not in existing or existing[line.school_id].approved != line.approved_before]
        if stale:
            _refuse(None, "方案测算后以下学校的核定编制已变化，请重新测算：" + "、".join(stale[:10]) + ("等" if len(stale) > 10 else ""))
        note = f"采纳编制调剂方案 #{locked.pk}"
        entries = []
        for line in lines:
            quota = existing[line.school_id]
            old_value = quota.approved
            quota.approved += line.transfer_in + line.allocated - line.transfer_out
            quota.note = note
            entries.append((quota, old_value, line))
        SchoolQuota.objects.bulk_update([quota for quota, _old, _line in entries], ["approved", "note"])
        proposer = locked.proposed_by.username if locked.proposed_by else ""
        audit.record_many(
            audit.entry(
                audit.UPDATE, user=user, request=request, obj=quota,
                changes={"approved": {"label": "核定编制数", "old": old, "new": quota.approved},
                         "_proposal": locked.pk, "_transfer_in": line.transfer_in, "_transfer_out": line.transfer_out,
                         "_allocated": line.allocated},
                source=source, message=note,
            )
            for quota, old, line in entries
        )
        locked.status, locked.accepted_by, locked.accepted_at = QuotaProposal.Status.ACCEPTED, user, timezone.now()
        locked.self_accepted = own
        locked.save(update_fields=["status", "accepted_by", "accepted_at", "self_accepted"])
        audit.record(audit.UPDATE, user=user, request=request, obj=locked,
                     changes={"status": {"label": "状态", "old": "待确认", "new": "已采纳"},
                              "proposed_by": proposer, "accepted_by": user.username, "self_accepted": own,
                              "schools": len(entries), "posts": given,
                              "transferred": sum(line.transfer_in for line in lines)},
                     source=source,
                     message="采纳编制调剂方案" + ("（提出人本人确认后采纳）" if own else f"（{proposer} 提出，{user.username} 采纳）"))
    return locked


def proposal_discard(*, proposal: QuotaProposal, user, request=None, source: str = "web") -> QuotaProposal:
    _require(may_allocate(user), "只有市教育局人事科可以放弃编制调剂方案。")
    with transaction.atomic():
        locked = QuotaProposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != QuotaProposal.Status.DRAFT:
            _refuse(None, f"该方案{locked.get_status_display()}，不能放弃。")
        locked.status, locked.discarded_by, locked.discarded_at = QuotaProposal.Status.DISCARDED, user, timezone.now()
        locked.save(update_fields=["status", "discarded_by", "discarded_at"])
        audit.record(audit.UPDATE, user=user, request=request, obj=locked,
                     changes={"status": {"label": "状态", "old": "待确认", "new": "已放弃"}},
                     source=source, message="放弃编制调剂方案")
    return locked
