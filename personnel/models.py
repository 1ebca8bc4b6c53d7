"""Personnel work the way the national system does it (issue 15): change requests reviewed up
the line, personnel moves as effective-dated events, and the teacher's school history."""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from training.evidence import EXTENSIONS, private_storage
from workforce import choices as c
from workforce.models import Exchange, School, ScopedQuerySet, Teacher, TeacherChildQuerySet


# ---------------------------------------------------------------- which changes need review
class ReviewRule(models.Model):
    """Whether a change of one field (or an addition of one kind of record) made by school HR or
    proposed by a teacher needs review by district HR, or the school may change it directly.
    Data: seeded by a migration, edited by city HR in the admin."""

    key = models.CharField(_("字段或记录"), max_length=40, unique=True)
    label = models.CharField(_("名称"), max_length=60)
    needs_review = models.BooleanField(_("需审核"), default=True,
                                       help_text=_("勾选：学校修改或教师提出后须由区县（市直学校由市）审核；不勾选：学校可直接修改"))

    class Meta:
        verbose_name = _("变更审核规则")
        verbose_name_plural = pgettext_lazy("plural", "变更审核规则")
        ordering = ["key"]

    def __str__(self) -> str:
        state = _("需审核") if self.needs_review else _("学校可直接修改")
        return "%s：%s" % (self.label, state)

    @classmethod
    def table(cls) -> dict[str, bool]:
        """key → needs review. A key without a row needs review (the safe side): callers read
        ``table().get(key, True)``."""
        return dict(cls.objects.values_list("key", "needs_review"))


# ---------------------------------------------------------------- change requests
def evidence_path(instance, filename: str) -> str:
    ext = Path(filename).suffix.lower().lstrip(".") or "bin"
    return f"evidence/personnel/{uuid.uuid4().hex}.{EXTENSIONS.get(ext, ext)}"


class ChangeRequestQuerySet(TeacherChildQuerySet):
    def open(self):
        return self.filter(status__in=[ChangeRequest.Status.AT_SCHOOL, ChangeRequest.Status.PENDING])


class ChangeRequest(models.Model):
    """A change to a teacher's record that waits for review: one field (old → new) or one new
    record (学习经历, 专业技术职务, 荣誉), with evidence and a reason."""

    class Kind(models.TextChoices):
        FIELD = "field", _("信息更正")
        EDUCATION = "education", _("新增学习经历")
        TITLE = "title", _("新增专业技术职务")
        HONOUR = "honour", _("新增荣誉")

    class Status(models.TextChoices):
        AT_SCHOOL = "school", _("待学校报送")
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    teacher = models.ForeignKey(Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="change_requests")
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.FIELD)
    field = models.CharField(_("字段"), max_length=40)
    field_label = models.CharField(_("项目"), max_length=60)
    old_value = models.JSONField(_("原值（数据）"), null=True, blank=True)
    new_value = models.JSONField(_("新值（数据）"), null=True, blank=True)
    old_display = models.CharField(_("原值"), max_length=300, blank=True)
    new_display = models.CharField(_("新值"), max_length=500)
    evidence = models.FileField(_("证明材料"), upload_to=evidence_path, storage=private_storage, blank=True)
    evidence_name = models.CharField(_("原文件名"), max_length=150, blank=True)
    reason = models.CharField(_("申请理由"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    forwarded_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("变更申请")
        verbose_name_plural = pgettext_lazy("plural", "变更申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="change_request_queue_idx")]
        constraints = [
            models.CheckConstraint(
                name="change_request_returned_has_reason",
                condition=~Q(status="returned") | ~Q(return_reason=""),
                violation_error_message=_("退回须填写原因。"),
            ),
            models.CheckConstraint(
                name="change_request_decided_has_reviewer",
                condition=~Q(status="approved") | Q(reviewer__isnull=False, decided_at__isnull=False),
                violation_error_message=_("已通过的申请须有审核人和审核时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.field_label}（{self.get_status_display()}）"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.AT_SCHOOL, self.Status.PENDING)

    def _values(self) -> dict:
        from .fields import from_json

        values = dict(self.new_value or {})
        for name in ("start", "end", "appointed_on", "awarded_on"):
            if values.get(name):
                values[name] = dt.date.fromisoformat(values[name])
        if self.kind == self.Kind.HONOUR:
            from workforce.models import HonourType

            values["honour_type"] = HonourType.objects.filter(pk=values.get("honour_type")).first() or HonourType(
                name=self.field_label)
        return values if self.kind != self.Kind.FIELD else {"value": from_json(self.field, self.new_value)}

    @property
    def shown_old(self) -> str:
        """The old value in the page's language (the stored ``old_display`` is the record's, in Chinese)."""
        from .fields import display, from_json

        return display(self.field, from_json(self.field, self.old_value)) if self.kind == self.Kind.FIELD else ""

    @property
    def shown_new(self) -> str:
        from .fields import display, record_display

        try:
            values = self._values()
            if self.kind == self.Kind.FIELD:
                return display(self.field, values["value"])
            return record_display(self.kind, values)
        except Exception:  # a stored value the code no longer reads: the record as written
            return self.new_display

    @property
    def shown_label(self) -> str:
        from .fields import EDITABLE_FIELDS, label

        return label(self.field) if self.kind == self.Kind.FIELD and self.field in EDITABLE_FIELDS else str(
            self.get_kind_display())


# ---------------------------------------------------------------- personnel events
class EventQuerySet(ScopedQuerySet):
    def for_scope(self, scope):
        """An event is in scope on either side: the sending and the receiving school."""
        if scope.covers_all:
            return self.all()
        if scope.kind == "city":
            return self.filter(Q(from_school__district__city_id=scope.city_id)
                               | Q(to_school__district__city_id=scope.city_id))
        if scope.kind == "district":
            return self.filter(Q(from_school__district_id=scope.district_id) | Q(to_school__district_id=scope.district_id))
        if scope.kind == "school":
            return self.filter(Q(from_school_id=scope.school_id) | Q(to_school_id=scope.school_id))
        if scope.kind == "self":
            return self.filter(teacher_id=scope.teacher_id)
        return self.none()

    def due(self, on: dt.date):
        return self.filter(status=PersonnelEvent.Status.CONFIRMED, effective_on__lte=on)


class PersonnelEvent(models.Model):
    """新进, 调动, 离校, 返聘: effective-dated; on its date it moves the teacher's school or status.
    A move between schools is confirmed by the sending and the receiving side (the district of
    each; one confirmation when both schools are in the same district)."""

    class Kind(models.TextChoices):
        HIRE = "hire", _("新进")
        TRANSFER = "transfer", _("调动")
        LEAVE = "leave", _("离校")
        REHIRE = "rehire", _("返聘")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认待生效")
        APPLIED = "applied", _("已生效")
        CANCELLED = "cancelled", _("已撤销")

    teacher = models.ForeignKey(Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="personnel_events")
    kind = models.CharField(_("变动类别"), max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("生效日期"))
    from_school = models.ForeignKey(School, verbose_name=_("调出学校"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    to_school = models.ForeignKey(School, verbose_name=_("调入学校"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    teaching_stage = models.CharField(_("调入后任教学段"), max_length=20, choices=c.Stage.choices, blank=True)
    left_reason = models.CharField(_("离校原因"), max_length=20, choices=c.LeftReason.choices, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    from_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调出方确认人"), null=True,
                                          blank=True, on_delete=models.SET_NULL, related_name="+")
    from_confirmed_at = models.DateTimeField(_("调出方确认时间"), null=True, blank=True)
    to_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调入方确认人"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    to_confirmed_at = models.DateTimeField(_("调入方确认时间"), null=True, blank=True)
    exchange = models.OneToOneField(Exchange, verbose_name=_("交流轮岗记录"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="personnel_event")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("生效处理时间"), null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("人事变动")
        verbose_name_plural = pgettext_lazy("plural", "人事变动")
        ordering = ["-effective_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="event_transfer_schools",
                condition=~Q(kind="transfer") | Q(from_school__isnull=False, to_school__isnull=False),
                violation_error_message=_("调动须有调出学校和调入学校。"),
            ),
            models.CheckConstraint(
                name="event_schools_differ",
                condition=Q(from_school__isnull=True) | Q(to_school__isnull=True) | ~Q(from_school=models.F("to_school")),
                violation_error_message=_("调入学校不能与调出学校相同。"),
            ),
            models.CheckConstraint(
                name="event_leave_reason",
                condition=~Q(kind="leave") | (~Q(left_reason="") & Q(from_school__isnull=False)),
                violation_error_message=_("离校须填写离校原因。"),
            ),
            models.CheckConstraint(
                name="event_arrival_school",
                condition=~Q(kind__in=["hire", "rehire"]) | Q(to_school__isnull=False),
                violation_error_message=_("新进、返聘须填写学校。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on:%Y-%m-%d}"

    @property
    def sides(self) -> list[str]:
        """The sides that confirm: both schools of a move, else the one school."""
        if self.kind == self.Kind.TRANSFER:
            return ["from", "to"]
        return ["from"] if self.kind == self.Kind.LEAVE else ["to"]

    def side_school(self, side: str):
        return self.from_school if side == "from" else self.to_school

    def confirmed(self, side: str) -> bool:
        return getattr(self, f"{side}_confirmed_at") is not None


class SpellQuerySet(TeacherChildQuerySet):
    def covering(self, on: dt.date):
        return self.filter(Q(start__isnull=True) | Q(start__lte=on), Q(end__isnull=True) | Q(end__gte=on))


class TeacherSchoolSpell(models.Model):
    """A teacher at a school from ``start`` to ``end`` (inclusive; open = still there). Written
    when a personnel event moves the teacher; a teacher without spells has been at their current
    school since 进本校年月 (``selectors.teachers_at``)."""

    teacher = models.ForeignKey(Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="school_spells")
    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("起"), null=True, blank=True)
    end = models.DateField(_("止"), null=True, blank=True)
    event = models.ForeignKey(PersonnelEvent, verbose_name=_("人事变动"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")

    objects = SpellQuerySet.as_manager()

    class Meta:
        verbose_name = _("任职学校经历")
        verbose_name_plural = pgettext_lazy("plural", "任职学校经历")
        ordering = ["teacher", "start"]
        constraints = [
            models.CheckConstraint(
                name="spell_end_after_start",
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=models.F("start")),
                violation_error_message=_("止日期不能早于起日期。"),
            ),
        ]
        indexes = [models.Index(fields=["school", "start", "end"], name="spell_school_idx")]

    def __str__(self) -> str:
        return f"{self.school} {self.start or '…'}–{self.end or ''}"


def no_spells_q() -> Q:
    return ~Q(Exists(TeacherSchoolSpell.objects.filter(teacher=OuterRef("pk"))))


# ---------------------------------------------------------------- the annual check and report
class ReportingPeriod(models.Model):
    """A reporting round (e.g. the school year's 基数): each school checks its data, fixes it and
    submits; each district reviews and submits; city HR follows who has and what is left."""

    name = models.CharField(_("名称"), max_length=60)
    school_year = models.PositiveSmallIntegerField(_("学年（起始年）"), unique=True)
    deadline = models.DateField(_("报送截止日期"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年度报送")
        verbose_name_plural = pgettext_lazy("plural", "年度报送")
        ordering = ["-school_year"]

    def __str__(self) -> str:
        return self.name


class SchoolReport(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("学校已报送")
        RETURNED = "returned", _("区县已退回")
        APPROVED = "approved", _("区县已审核")

    period = models.ForeignKey(ReportingPeriod, verbose_name=_("年度报送"), on_delete=models.CASCADE,
                               related_name="school_reports")
    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    problems = models.JSONField(_("报送时的问题"), default=dict, blank=True)
    problem_count = models.PositiveIntegerField(_("报送时的问题数"), default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"), null=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("学校年度报送")
        verbose_name_plural = pgettext_lazy("plural", "学校年度报送")
        constraints = [models.UniqueConstraint(fields=["period", "school"], name="school_report_once")]

    def __str__(self) -> str:
        return f"{self.period} {self.school}：{self.get_status_display()}"


class DistrictReport(models.Model):
    period = models.ForeignKey(ReportingPeriod, verbose_name=_("年度报送"), on_delete=models.CASCADE,
                               related_name="district_reports")
    district = models.ForeignKey("workforce.District", verbose_name=_("区县"), on_delete=models.CASCADE,
                                 related_name="+")
    schools_submitted = models.PositiveIntegerField(_("已报送学校数"), default=0)
    schools_total = models.PositiveIntegerField(_("学校数"), default=0)
    problem_count = models.PositiveIntegerField(_("报送时的问题数"), default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("区县年度报送")
        verbose_name_plural = pgettext_lazy("plural", "区县年度报送")
        constraints = [models.UniqueConstraint(fields=["period", "district"], name="district_report_once")]

    def __str__(self) -> str:
        return f"{self.period} {self.district}"


# ---------------------------------------------------------------- school HR's imports under review
BULK_IMPORT_KEY = "bulk_import"  # the ReviewRule that sends school HR's imports to review as one batch


def batch_path(instance, filename: str) -> str:
    ext = Path(filename).suffix.lower().lstrip(".") or "xlsx"
    return f"imports/batches/{uuid.uuid4().hex}.{ext[:5]}"


class ImportBatch(models.Model):
    """A school HR's import kept for review as one batch (``ReviewRule`` ``bulk_import``): the
    file, the answers it was checked with and the rows it changes. District HR (city HR for 市直
    schools) approves the whole batch — the file is then written in one transaction with its
    history — or returns it with a reason; nothing is written before."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    file = models.FileField(_("导入文件"), upload_to=batch_path, storage=private_storage)
    file_name = models.CharField(_("文件名"), max_length=255)
    kind = models.CharField(_("导入类别"), max_length=60, blank=True)
    answers = models.JSONField(_("导入时的映射和补充值"), default=dict, blank=True)
    submitted_run = models.ForeignKey("imports.ImportRun", verbose_name=_("提交时的校验"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    applied_run = models.ForeignKey("imports.ImportRun", verbose_name=_("通过后的导入"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    rows_total = models.PositiveIntegerField(_("行数"), default=0)
    new = models.PositiveIntegerField(_("新增"), default=0)
    changed = models.PositiveIntegerField(_("修改"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("批量导入审核")
        verbose_name_plural = pgettext_lazy("plural", "批量导入审核")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="import_batch_returned_has_reason",
                condition=~Q(status="returned") | ~Q(return_reason=""),
                violation_error_message=_("退回须填写原因。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"


class ImportBatchRow(models.Model):
    """One row of a batch as the check found it: a new record, or a record's fields old → new."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="rows")
    sheet = models.CharField(_("工作表"), max_length=100)
    row = models.PositiveIntegerField(_("行号"))
    outcome = models.CharField(_("结果"), max_length=10, choices=[("new", _("新增")), ("changed", _("修改"))])
    record = models.CharField(_("记录"), max_length=300)
    fields = models.JSONField(_("字段"), default=list, blank=True)

    class Meta:
        verbose_name = _("批量导入行")
        verbose_name_plural = pgettext_lazy("plural", "批量导入行")
        ordering = ["batch", "pk"]

    def __str__(self) -> str:
        return f"{self.sheet} 第{self.row}行"
