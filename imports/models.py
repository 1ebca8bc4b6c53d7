"""Import runs: who imported which file, when, with what outcome (issue 3).

A run is one upload: previewed (``dry_run``) and then, when the officer confirms, committed
from the copy of the file kept server-side (``upload``), never from anything the browser
sends back. ``progress`` / ``total_rows`` / ``phase`` feed the progress bar of a background run.
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from .storage import private_storage


def upload_path(instance, filename: str) -> str:
    """A random name: the officer's file name is kept in ``file_name`` only."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"imports/{uuid.uuid4().hex}.{ext[:5]}"


class ImportRun(models.Model):
    class Outcome(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        PREVIEWED = "previewed", _("已预览")
        COMMITTED = "committed", _("已导入")
        REJECTED = "rejected", _("有错误，未写入")
        UNREADABLE = "unreadable", _("文件无法读取")

    class Phase(models.TextChoices):
        WAITING = "", _("等待处理")
        READING = "reading", _("读取与校验")
        CHECKING = "checking", _("核对系统中的数据")
        WRITING = "writing", _("写入数据库")
        DONE = "done", _("完成")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    kind = models.CharField(_("类别"), max_length=30, blank=True)
    dry_run = models.BooleanField(_("仅预览"), default=False)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices, default=Outcome.QUEUED)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    new = models.PositiveIntegerField(_("新增"), default=0)
    changed = models.PositiveIntegerField(_("修改"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    errors = models.PositiveIntegerField(_("错误行"), default=0)
    progress = models.PositiveIntegerField(_("已处理行"), default=0)
    report = models.JSONField(_("报告"), default=dict, blank=True)
    source = models.CharField(_("途径"), max_length=10, default="web")
    # issue 3: background runs and preview → confirm
    total_rows = models.PositiveIntegerField(_("预计行数"), null=True, blank=True)
    phase = models.CharField(_("阶段"), max_length=10, choices=Phase.choices, blank=True, default="")
    requested_kind = models.CharField(_("指定类别"), max_length=30, blank=True)
    school = models.ForeignKey(
        "workforce.School", verbose_name=_("指定学校"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("文件没有学校列时，教师导入到这所学校"),
    )
    upload = models.FileField(_("上传文件"), storage=private_storage, upload_to=upload_path, blank=True, max_length=200)
    # the officer's answers for this file (issue 13): one value for a measure column it lacks,
    # {"fills": {"school.ownership": "public"}}; kept with the run, used by its preview and commit
    answers = models.JSONField(_("导入时的选择"), default=dict, blank=True)
    # the task worker process running it: host, process id and the process's start (``imports.workers``)
    worker = models.CharField(_("处理进程"), max_length=120, blank=True, default="")

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = pgettext_lazy("plural", "导入批次")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_outcome_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.outcome not in (self.Outcome.QUEUED, self.Outcome.RUNNING)

    @property
    def can_commit(self) -> bool:
        """Previewed without an error or an open question (an unknown header: answered or marked
        not needed in the mapping step) and the file still kept: the officer may confirm."""
        return (self.outcome == self.Outcome.PREVIEWED and self.errors == 0 and bool(self.upload)
                and not (self.report or {}).get("unknown_headers") and not (self.report or {}).get("missing_columns"))

    @property
    def kind_label(self) -> str:
        from django.utils.translation import gettext

        from .kinds import KINDS

        return gettext("、").join(gettext(KINDS[k].label) if k in KINDS else k for k in self.kind.split(",") if k)

    @property
    def percent(self) -> int | None:
        """Of the rows done; None while writing (one transaction, which has no row count: the
        page shows a bar that moves without a value)."""
        if self.is_finished:
            return 100
        if self.phase == self.Phase.WRITING:
            return None
        if not self.total_rows:
            return 0
        # one bar over the phases: reading fills its first part, checking the rest, so the bar
        # keeps its place when the row count starts again for the next phase
        start, end = self.PHASE_BANDS.get(self.phase, (0, 100))
        done = min(1.0, self.progress / self.total_rows)
        return min(99, int(start + (end - start) * done))

    PHASE_BANDS = {"": (0, 0), "reading": (0, 60), "checking": (60, 100)}


class SavedMapping(models.Model):
    """An answer an officer gave about their files, remembered for their organisation (issue 13).

    ``column == ""``: the header ``text`` of a ``sheet_kind`` sheet means the field ``target``
    (or, with ``target == ""``, a column that is not needed). Otherwise the value ``text`` in the
    column ``column`` means the code ``target``. Rows without district and school are the
    city's (city HR maintains them in the admin, next to the built-in spellings: the
    kinds' headers, ``imports.handlers``; values, ``imports.synonyms``); a district's rows serve its schools too. DOMAIN.md: "asks the user,
    once, about the ones it does not know — it never drops or defaults them in silence".
    """

    sheet_kind = models.CharField(_("表格类别"), max_length=20)
    column = models.CharField(_("列"), max_length=40, blank=True, help_text=_("空：表头的映射；否则为该列取值的映射"))
    text = models.CharField(_("文件中的写法"), max_length=200)
    norm = models.CharField(_("比较用写法"), max_length=200, editable=False)
    target = models.CharField(_("对应"), max_length=40, blank=True, help_text=_("字段或代码；表头为空表示“不需要此列”"))
    district = models.ForeignKey("workforce.District", verbose_name=_("区县"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("workforce.School", verbose_name=_("学校"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导入映射")
        verbose_name_plural = pgettext_lazy("plural", "导入映射")
        ordering = ["sheet_kind", "column", "norm"]
        indexes = [models.Index(fields=["sheet_kind", "column", "norm"], name="saved_mapping_lookup")]

    def __str__(self) -> str:
        return f"{self.text} → {self.target or '—'}"

    def save(self, *args, **kwargs):
        from .mappings import normalise

        self.norm = normalise(self.text, header=not self.column)
        super().save(*args, **kwargs)

    @property
    def organisation(self) -> str:
        return str(self.school or self.district or _("全市"))
