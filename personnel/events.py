"""Personnel events (issue 15, item 3): 新进, 调动, 离校, 返聘 — recorded, confirmed by the side(s)
concerned, and applied on their effective date (at once when the date has come; the command
``apply_personnel_events`` for the others). Applying moves the teacher's school or status and
keeps the school history (``TeacherSchoolSpell``). An exchange recorded with 调动人事关系
becomes a move as soon as it is committed (``exchange_moves``, told by ``workforce.hooks``).

Every write is atomic and audited; refusals are ``PermissionDenied`` / ``ValidationError``.
"""
from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backend import audit
from workforce import choices as c
from workforce.models import Exchange, School, Teacher

from . import permissions as perm
from .models import PersonnelEvent, TeacherSchoolSpell

Kind = PersonnelEvent.Kind
Status = PersonnelEvent.Status


def _refuse(message: str, field: str | None = None):
    raise ValidationError({field: message} if field else message)


def _event_audit(event, user, request, action, message, source, changes=None):
    audit.record(action, user=user, request=request, obj=event, object_repr=f"{event.teacher} {event}",
                 changes=changes if changes is not None else audit.snapshot(event), source=source, message=message)


def event_record(*, teacher: Teacher, kind: str, effective_on: dt.date, user, to_school: School | None = None,
                 left_reason: str = "", teaching_stage: str = "", note: str = "", exchange: Exchange | None = None,
                 request=None, source: str = "web", today: dt.date | None = None) -> PersonnelEvent:
    """Record an event. The sides the recording user confirms are confirmed at once; a fully
    confirmed event whose date has come is applied."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Teacher.objects.select_for_update(of=("self",)).select_related("school__district").get(pk=teacher.pk)
        from_school = locked.school if kind in (Kind.TRANSFER, Kind.LEAVE) else None
        if kind in (Kind.HIRE, Kind.REHIRE) and to_school is None:
            to_school = locked.school
        if kind == Kind.LEAVE:
            to_school = None
        event = PersonnelEvent(teacher=locked, kind=kind, effective_on=effective_on, from_school=from_school,
                               to_school=to_school, left_reason=left_reason if kind == Kind.LEAVE else "",
                               teaching_stage=teaching_stage if kind != Kind.LEAVE else "", note=note[:300],
                               exchange=exchange, created_by=user if getattr(user, "pk", None) else None)
        if not perm.may_record_event(user, event):
            raise PermissionDenied("调出学校和调入学校都不在您的管理范围内。")
        _check(event, locked)
        event.full_clean(exclude=["created_by", "exchange"])
        event.save()
        _event_audit(event, user, request, audit.CREATE, f"登记人事变动：{event.get_kind_display()}", source)
        _confirm_sides(event, user, request, source, today)
    return event


def _check(event: PersonnelEvent, teacher: Teacher) -> None:
    """The rules of an event for its teacher: one open event at a time; leaving needs the teacher
    on the roll, a rehire a teacher who has left; the stage taught must be one of the new school's."""
    if PersonnelEvent.objects.filter(teacher=teacher, status__in=[Status.PENDING, Status.CONFIRMED]).exclude(
            pk=event.pk).exists():
        _refuse("该教师已有一项尚未生效的人事变动，请先确认或撤销。")
    if event.kind in (Kind.TRANSFER, Kind.LEAVE, Kind.HIRE) and teacher.left_on is not None and teacher.left_on <= event.effective_on:
        _refuse(f"该教师已于 {teacher.left_on:%Y-%m-%d} 离校。")
    if event.kind == Kind.REHIRE and teacher.left_on is None:
        _refuse("返聘须是已离校（如退休）的教师。")
    if event.kind == Kind.TRANSFER and event.to_school_id == event.from_school_id:
        _refuse("调入学校不能与调出学校相同。", "to_school")
    if event.to_school is not None:
        stage = event.teaching_stage or teacher.teaching_stage
        if stage not in event.to_school.stage_list:
            stages = "、".join(str(c.Stage(s).label) for s in event.to_school.stage_list)
            _refuse(f"{event.to_school.name}没有{c.Stage(stage).label}学段，请选择调入后任教学段（{stages}）。",
                    "teaching_stage")


def _confirm_sides(event, user, request, source, today) -> list[str]:
    sides = perm.confirmable_sides(user, event)
    now = timezone.now()
    for side in sides:
        setattr(event, f"{side}_confirmed_by", user)
        setattr(event, f"{side}_confirmed_at", now)
    if sides:
        if all(event.confirmed(side) for side in event.sides):
            event.status = Status.CONFIRMED
        event.save(update_fields=[*(f"{s}_confirmed_{x}" for s in sides for x in ("by", "at")), "status"])
        names = "、".join("调出方" if s == "from" else "调入方" for s in sides) if event.kind == Kind.TRANSFER else "学校所在区县"
        audit.record(audit.UPDATE, user=user, request=request, obj=event, object_repr=f"{event.teacher} {event}",
                     changes={"confirmed": names, "status": event.get_status_display()}, source=source,
                     message=f"确认人事变动（{names}）")
    if event.status == Status.CONFIRMED and event.effective_on <= today:
        applied = event_apply(event=event, user=user, request=request, source=source)
        event.status, event.applied_at = applied.status, applied.applied_at
    return sides


def event_confirm(*, event: PersonnelEvent, user, request=None, source: str = "web",
                  today: dt.date | None = None) -> PersonnelEvent:
    """Confirm the side(s) of ``event`` the user answers for (the district of each school)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = (PersonnelEvent.objects.select_for_update(of=("self",))
                  .select_related("teacher", "from_school__district", "to_school__district").get(pk=event.pk))
        if locked.status != Status.PENDING:
            _refuse(f"该人事变动{locked.get_status_display()}，无需确认。")
        if not perm.confirmable_sides(user, locked):
            raise PermissionDenied("该人事变动没有需要您确认的一方（由学校所在区县确认，市直学校由市教育局确认）。")
        _confirm_sides(locked, user, request, source, today)
    return locked


def event_cancel(*, event: PersonnelEvent, user, reason: str, request=None, source: str = "web") -> PersonnelEvent:
    if not (reason or "").strip():
        _refuse("撤销须填写原因。", "reason")
    with transaction.atomic():
        locked = PersonnelEvent.objects.select_for_update(of=("self",)).select_related(
            "teacher", "from_school", "to_school").get(pk=event.pk)
        if not perm.may_record_event(user, locked):
            raise PermissionDenied("该人事变动不在您的管理范围内。")
        if locked.status not in (Status.PENDING, Status.CONFIRMED):
            _refuse(f"该人事变动{locked.get_status_display()}，不能撤销。")
        old = locked.get_status_display()
        locked.status = Status.CANCELLED
        locked.note = (f"{locked.note}；撤销：{reason.strip()}" if locked.note else f"撤销：{reason.strip()}")[:300]
        locked.save(update_fields=["status", "note"])
        _event_audit(locked, user, request, audit.UPDATE, "撤销人事变动", source,
                     {"status": {"label": "状态", "old": old, "new": locked.get_status_display()},
                      "reason": reason.strip()})
    return locked


# ---------------------------------------------------------------- applying
def _initial_spell(teacher: Teacher) -> None:
    """A teacher's first move starts their history: the school they were at, since 进本校年月."""
    if not TeacherSchoolSpell.objects.filter(teacher=teacher).exists():
        TeacherSchoolSpell.objects.create(teacher=teacher, school_id=teacher.school_id, start=teacher.school_entry,
                                          end=teacher.left_on - dt.timedelta(days=1) if teacher.left_on else None)


def _close_spell(teacher: Teacher, day: dt.date) -> None:
    TeacherSchoolSpell.objects.filter(teacher=teacher, end__isnull=True).update(end=day - dt.timedelta(days=1))


def event_apply(*, event: PersonnelEvent, user=None, request=None, source: str = "web") -> PersonnelEvent:
    """Apply a confirmed event: the teacher's school / status change, with their history row, and
    the school history is kept."""
    with transaction.atomic():
        event = (PersonnelEvent.objects.select_for_update(of=("self",))
                 .select_related("from_school", "to_school").get(pk=event.pk))
        if event.status != Status.CONFIRMED:
            _refuse(f"该人事变动{event.get_status_display()}，不能生效。")
        teacher = Teacher.objects.select_for_update(of=("self",)).select_related("school").get(pk=event.teacher_id)
        old = copy.copy(teacher)
        _initial_spell(teacher)
        day = event.effective_on
        if event.kind == Kind.LEAVE:
            teacher.left_on, teacher.left_reason = day, event.left_reason
            _close_spell(teacher, day)
            names = ["left_on", "left_reason"]
        else:
            _close_spell(teacher, day)
            teacher.school = event.to_school
            teacher.school_entry = day
            names = ["school", "school_entry"]
            if event.teaching_stage and event.teaching_stage != teacher.teaching_stage:
                teacher.teaching_stage = event.teaching_stage
                names.append("teaching_stage")
            if event.kind == Kind.TRANSFER:
                teacher.source = c.StaffSource.TRANSFER_IN
                names.append("source")
            if event.kind == Kind.REHIRE:
                teacher.left_on, teacher.left_reason = None, ""
                teacher.on_establishment = False
                names += ["left_on", "left_reason", "on_establishment"]
            TeacherSchoolSpell.objects.create(teacher=teacher, school=event.to_school, start=day, event=event)
        teacher.full_clean(validate_unique=False)
        teacher.save(update_fields=[*names, "updated_at"])
        audit.record(audit.UPDATE, user=user, request=request, obj=teacher,
                     changes={**audit.diff(old, teacher, fields=names), "_personnel_event": event.pk},
                     source=source if user is not None else "cli",
                     message=f"人事变动生效：{event.get_kind_display()}（{day:%Y-%m-%d}）")
        event.status, event.applied_at = Status.APPLIED, timezone.now()
        event.save(update_fields=["status", "applied_at"])
    return event


def apply_due(*, on: dt.date | None = None) -> list[PersonnelEvent]:
    """Apply every confirmed event whose date has come (the daily command)."""
    on = on or timezone.localdate()
    done = []
    for event in PersonnelEvent.objects.due(on).order_by("effective_on", "pk"):
        done.append(event_apply(event=event, source="cli"))
    return done


def _recorded_by(exchanges: list[Exchange]) -> dict[int, object]:
    """Who recorded each exchange without a 登记人 (the admin saves none): the user of its
    creation's history row (filed under the teacher, ``backend.audit``)."""
    from backend.models import AuditEntry

    if not exchanges:
        return {}
    rows = (AuditEntry.objects.filter(action=audit.CREATE, object_type="workforce.teacher",
                                      object_id__in={str(ex.teacher_id) for ex in exchanges},
                                      changes___record__type="workforce.exchange",
                                      changes___record__id__in=[str(ex.pk) for ex in exchanges], user__isnull=False)
            .order_by("at").values_list("changes___record__id", "user_id"))
    users = {}
    for pk, user_id in rows:
        users.setdefault(int(pk), user_id)
    from django.contrib.auth import get_user_model

    by_pk = get_user_model().objects.in_bulk(set(users.values()))
    return {pk: by_pk.get(user_id) for pk, user_id in users.items()}


def exchange_moves(*, exchange_ids: list[int] | None = None, user=None, today: dt.date | None = None,
                   source: str = "exchange") -> list[PersonnelEvent]:
    """An exchange recorded with 调动人事关系 moves the teacher: each such exchange (of
    ``exchange_ids``; None: all) without its move gets one — a 调动 from the teacher's school to
    its 交流轮岗单位 on its start — confirmed on the sides its recorder answers for, and applied at
    once when its date has come (else by the daily command on its date). Once: an exchange that
    has its move, or whose teacher is at the exchange school already or has left, gets none. An
    exchange whose move the rules refuse (another open event, a stage the school lacks …) stays
    without one: the officer records the move on the events page."""
    pending = (Exchange.objects.filter(moves_personnel=True, to_school__isnull=False, personnel_event__isnull=True)
               .exclude(teacher__left_on__isnull=False).exclude(teacher__school=F("to_school"))  # moved already
               .select_related("teacher__school", "to_school__district", "created_by").order_by("start", "pk"))
    if exchange_ids is not None:
        pending = pending.filter(pk__in=exchange_ids)
    pending = list(pending)
    recorded_by = _recorded_by([ex for ex in pending if ex.created_by is None])
    made = []
    for ex in pending:
        recorder = ex.created_by or recorded_by.get(ex.pk) or user
        if recorder is None:
            continue
        try:
            made.append(event_record(teacher=ex.teacher, kind=Kind.TRANSFER, effective_on=ex.start, user=recorder,
                                     to_school=ex.to_school, exchange=ex, note=f"交流轮岗（调动人事关系）：{ex}",
                                     source=source, today=today))
        except (ValidationError, PermissionDenied):
            continue
    return made


def sync_exchange_moves(*, user=None, today: dt.date | None = None) -> list[PersonnelEvent]:
    """The moves of every exchange recorded with 调动人事关系 that has none yet (the daily
    command: exchanges written where no hook told personnel, e.g. the demo builder)."""
    return exchange_moves(user=user, today=today)


# ---------------------------------------------------------------- receivers (personnel/apps.py)
def on_exchanges_recorded(sender, exchange_ids, user=None, source="", **kwargs) -> None:
    """``workforce.hooks.exchanges_recorded``: the service or the import committed exchanges."""
    exchange_moves(exchange_ids=exchange_ids, user=user, source="exchange")


MOVE_FIELDS = frozenset({"moves_personnel", "to_school", "start", "teacher"})


def on_exchange_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs) -> None:
    """``post_save`` of an exchange (the admin and its inline save the model): once committed,
    the same as ``on_exchanges_recorded``."""
    if raw or not instance.moves_personnel or instance.to_school_id is None:
        return
    if update_fields is not None and not MOVE_FIELDS & set(update_fields):
        return
    from workforce import hooks

    hooks.exchanges_recorded_after_commit([instance], source="admin")


def on_teachers_moved(sender, moves, user=None, source="", **kwargs) -> None:
    """A roster import moved teachers between schools (district or city HR, in their scope: the
    import is their confirmation): their school history gets the move in the import's own
    transaction — the spell at the school left (from 进本校年月, opened first if the teacher had
    no history) ends the day before ``on``, and one at the new school starts on ``on`` — so "who
    was at this school on a date" stays a query. Two statements for the moves, and one more for each
    day on which teachers who had a history already leave (their open spells are closed)."""
    if not moves:
        return
    ids = [move.teacher_id for move in moves]
    with_history = set(TeacherSchoolSpell.objects.filter(teacher_id__in=ids).values_list("teacher_id", flat=True))
    spells = []
    to_close: dict[dt.date, list[int]] = defaultdict(list)  # the open spells to end, by their last day
    for move in moves:
        last_day = move.on - dt.timedelta(days=1)
        if move.teacher_id not in with_history:
            start = move.from_entry if move.from_entry is None or move.from_entry <= last_day else last_day
            spells.append(TeacherSchoolSpell(teacher_id=move.teacher_id, school_id=move.from_school_id, start=start,
                                             end=last_day))
        else:
            to_close[last_day].append(move.teacher_id)
        spells.append(TeacherSchoolSpell(teacher_id=move.teacher_id, school_id=move.to_school_id, start=move.on))
    for last_day, teacher_ids in to_close.items():  # a statement a day, not a teacher
        (TeacherSchoolSpell.objects.filter(teacher_id__in=teacher_ids, end__isnull=True)
         .filter(Q(start__isnull=True) | Q(start__lte=last_day)).update(end=last_day))
    TeacherSchoolSpell.objects.bulk_create(spells)
