"""Import runs: who imported which file, when, with what outcome (issue 3)."""
from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    class Outcome(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "处理中"
        PREVIEWED = "previewed", "已预览"
        COMMITTED = "committed", "已导入"
        REJECTED = "rejected", "有错误，未写入"
        UNREADABLE = "unreadable", "文件无法读取"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    kind = models.CharField("类别", max_length=30, blank=True)
    dry_run = models.BooleanField("仅预览", default=False)
    outcome = models.CharField("结果", max_length=12, choices=Outcome.choices, default=Outcome.QUEUED)
    rows = models.PositiveIntegerField("行数", default=0)
    new = models.PositiveIntegerField("新增", default=0)
    changed = models.PositiveIntegerField("修改", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    errors = models.PositiveIntegerField("错误行", default=0)
    progress = models.PositiveIntegerField("已处理行", default=0)
    report = models.JSONField("报告", default=dict, blank=True)
    source = models.CharField("途径", max_length=10, default="web")

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_outcome_display()}）"
