"""Import runs: the uploaded file, its mapping and options, progress, and what each row did.

An import writes in chunks, each in one transaction together with the run's `position` (the last
Excel row it covered), its counts, its issues and an undo record per row it created or changed.
A run killed halfway therefore resumes from `position` without writing a row twice, and a rollback
deletes exactly the customers it created and restores the values it overwrote.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OnDuplicate(models.TextChoices):
    SKIP = "skip", _("跳过（默认）")
    UPDATE = "update", _("更新：用表格中的非空值覆盖")
    REPORT = "report", _("仅报告：列为错误，不写入")


class ImportRun(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("待确认列映射")
        PLANNING = "planning", _("预检中")
        PREVIEWED = "previewed", _("已预览，待确认导入")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        INTERRUPTED = "interrupted", _("已中断，可继续或回滚")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        ROLLED_BACK = "rolled_back", _("已回滚")

    target = models.CharField(_("导入对象"), max_length=40, default="customer")
    file_name = models.CharField(_("文件名"), max_length=200)
    # The upload, encrypted at rest like any other file holding personal data.
    file_path = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField(default=0)
    header = models.JSONField(_("表头"), default=list)
    header_row = models.PositiveIntegerField(default=1)
    # {column index as text: field key}; unmapped columns are absent.
    mapping = models.JSONField(_("列映射"), default=dict)
    on_duplicate = models.CharField(_("重复处理"), max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.SKIP)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("默认业务员"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("表格没有业务员列或该列为空时，客户归属于此人"),
    )
    assign_by_rules = models.BooleanField(_("按分配规则分配"), default=False,
                                          help_text=_("没有业务员的行按线索分配规则分配，无匹配规则的进公海"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.UPLOADED)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    rows_estimate = models.PositiveIntegerField(default=0)  # for the progress bar before the dry run counts
    total = models.PositiveIntegerField(_("总行数"), default=0)
    created = models.PositiveIntegerField(_("新建"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    skipped = models.PositiveIntegerField(_("跳过"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    # Last Excel row number whose outcome is committed; a resumed run starts after it.
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The dry run's figures: {"total", "created", "updated", "skipped", "failed", "preview": [...]}
    plan = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = _("导入记录")

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def processed(self):
        return self.created + self.updated + self.skipped + self.failed

    @property
    def percent(self):
        """Progress of the dry run (rows checked) or of the run (rows done)."""
        if self.status == self.Status.PLANNING:
            done, whole = self.total, self.rows_estimate
        else:
            done, whole = self.processed, self.total or self.rows_estimate
        return min(100, round(100 * done / whole)) if whole else 0

    def counts(self):
        return {"total": self.total, "created": self.created, "updated": self.updated, "skipped": self.skipped,
                "failed": self.failed}


class ImportIssue(models.Model):
    """A row that failed, or a duplicate that was skipped or reported: what the error report lists."""

    class Kind(models.TextChoices):
        FAILED = "failed", _("失败")
        SKIPPED = "skipped", _("跳过")

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=100, blank=True)
    message = models.CharField(_("原因"), max_length=500)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FAILED)
    dry_run = models.BooleanField(default=False)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["run", "row"], name="import_issue_run_row")]


class ImportedRecord(models.Model):
    """Undo information: the records a run created, as runs of consecutive ids (object_id … last_id),
    or one record it updated (before = encrypted JSON of the overwritten values)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="records")
    object_id = models.PositiveBigIntegerField()
    last_id = models.PositiveBigIntegerField(null=True, blank=True)
    row = models.PositiveIntegerField()
    created = models.BooleanField(default=True)
    before = models.TextField(blank=True)

    @property
    def ids(self):
        return range(self.object_id, (self.last_id or self.object_id) + 1)

    class Meta:
        indexes = [models.Index(fields=["run", "object_id"], name="imported_record_run_obj")]


class SavedMapping(models.Model):
    """Header → field choices a user saved for their own sheets, applied to later uploads."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=40, default="customer")
    header = models.CharField(_("表头"), max_length=100)
    field_key = models.CharField(_("字段"), max_length=60, blank=True)  # "" = ignore this column

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "target", "header"], name="saved_mapping_unique")]


class ExportRun(models.Model):
    """An .xlsx export written in the background (with a progress bar), kept encrypted for its
    owner to download for a day."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导出中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    target = models.CharField(max_length=40, default="customer")
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已导出"), default=0)
    file_path = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    @property
    def percent(self):
        return min(100, round(100 * self.done / self.total)) if self.total else (100 if self.status == "done" else 0)
