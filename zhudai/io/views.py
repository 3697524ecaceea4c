"""Import pages: upload > column mapping > dry-run preview > confirm > progress > result, the error
report, rollback and the template; and the customer export.

A run belongs to the person who uploaded it: others get 404, as for any record outside their scope.
"""

import io
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhudai.audit.choices import Action
from zhudai.audit.services import record
from zhudai.customers.spreadsheet import columns_for
from zhudai.security.crypto import cipher

from . import importer, tasks
from .exporter import iter_csv, write_xlsx
from .models import ExportRun, ImportIssue, ImportRun, OnDuplicate
from .readers import SheetError

IMPORT_PERMISSION = "customer.import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _run_for(request, pk):
    run = ImportRun.objects.filter(pk=pk).first()
    if run is None or (run.created_by_id != request.user.pk and not request.user.is_superuser):
        raise Http404
    return run


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def import_list(request):
    runs = ImportRun.objects.filter(created_by=request.user).select_related("created_by")
    page = Paginator(runs, 20).get_page(request.GET.get("page"))
    return render(request, "io/list.html", {"page": page, "query": ""})


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_POST
def upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要导入的文件。"))
        return redirect("io:list")
    from django.conf import settings

    if upload.size > settings.IMPORT_MAX_FILE_BYTES:
        messages.error(request, _("文件大小 %(size)s MB 超过上限 %(max)s MB。") % {
            "size": f"{upload.size / 1e6:.1f}", "max": f"{settings.IMPORT_MAX_FILE_BYTES / 1e6:.0f}"})
        return redirect("io:list")
    try:
        run = importer.create_run(request.user, upload.read(), upload.name)
    except SheetError as exc:
        messages.error(request, str(exc))
        return redirect("io:list")
    return redirect("io:mapping", pk=run.pk)


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def mapping(request, pk):
    run = _run_for(request, pk)
    if run.status not in (ImportRun.Status.UPLOADED, ImportRun.Status.PREVIEWED, ImportRun.Status.FAILED):
        return redirect("io:detail", pk=run.pk)
    columns = columns_for(request.user)
    from zhudai.accounts.models import User

    owners = User.objects.assignable_by(request.user).order_by("org_unit", "username")
    error = ""
    if request.method == "POST":
        chosen = {str(i): request.POST.get(f"col_{i}", "") for i in range(len(run.header))}
        owner_id = request.POST.get("owner") or ""
        policy = request.POST.get("on_duplicate", OnDuplicate.SKIP)
        try:
            if policy not in OnDuplicate.values:
                raise ValueError(_("请选择重复客户的处理方式。"))
            by_rules = owner_id == "rules"
            if by_rules and not request.user.has_perm("customer.assign"):
                raise ValueError(_("您的角色不能按分配规则分配客户。"))
            owner = owners.filter(pk=owner_id).first() if owner_id and not by_rules else None
            if owner_id and not by_rules and owner is None:
                raise ValueError(_("不能把客户分配给所选业务员。"))
            importer.save_mapping(run, request.user, chosen, remember=bool(request.POST.get("remember")))
            if not any(key in ("name", "mobile") for key in run.mapping.values()):
                raise ValueError(_("至少要有“姓名”和“手机号”两列才能导入客户。"))
            run.on_duplicate, run.owner, run.assign_by_rules = policy, owner, by_rules
            run.status = ImportRun.Status.PLANNING
            run.save(update_fields=["on_duplicate", "owner", "assign_by_rules", "status"])
        except ValueError as exc:
            error = str(exc)
        else:
            tasks.plan_import(run.pk, request.user.pk)
            return redirect("io:detail", pk=run.pk)
    by_key = {c.key: c for c in columns}
    rows = [{"index": i, "header": text, "key": run.mapping.get(str(i), "")} for i, text in enumerate(run.header) if text]
    return render(request, "io/mapping.html", {
        "run": run, "rows": rows, "columns": columns, "owners": owners, "policies": OnDuplicate.choices,
        "error": error, "required": [by_key["name"].label, by_key["mobile"].label],
    })


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def detail(request, pk):
    run = _run_for(request, pk)
    stale = importer.is_stale(run)
    context = {"run": run, "stale": stale, "can_resume": importer.can_resume(run),
               "unmapped": importer.unmapped_columns(run)}
    if run.status in (ImportRun.Status.PREVIEWED, ImportRun.Status.DONE, ImportRun.Status.INTERRUPTED,
                      ImportRun.Status.ROLLED_BACK) or stale:
        dry_run = run.status == ImportRun.Status.PREVIEWED
        issues = run.issues.filter(dry_run=dry_run)
        context["issues"] = Paginator(issues, 100).get_page(request.GET.get("page"))
        context["dry_run"] = dry_run
        context["preview"] = run.plan.get("preview", []) if dry_run else []
        context["preview_labels"] = _preview_labels(context["preview"])
        context["has_failures"] = issues.filter(kind=ImportIssue.Kind.FAILED).exists()
    if request.headers.get("HX-Request"):
        return render(request, "io/_status.html", context)
    return render(request, "io/detail.html", context)


def _preview_labels(preview):
    labels = []
    for item in preview:
        for label in item["values"]:
            if label not in labels:
                labels.append(label)
    return labels


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_POST
def confirm(request, pk):
    run = _run_for(request, pk)
    if run.status != ImportRun.Status.PREVIEWED and not importer.can_resume(run):
        messages.error(request, _("该导入当前不能开始。"))
        return redirect("io:detail", pk=run.pk)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.QUEUED, heartbeat_at=timezone.now())
    tasks.execute_import(run.pk, request.user.pk)
    return redirect("io:detail", pk=run.pk)


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_POST
def rollback(request, pk):
    run = _run_for(request, pk)
    try:
        result = importer.rollback(run, request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已回滚：删除 %(removed)d 位客户，恢复 %(restored)d 位客户的原值，"
                                    "保留 %(kept)d 位导入后已有跟进的客户。") % result)
    return redirect("io:detail", pk=run.pk)


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def error_report(request, pk):
    """The sheet's failed rows as they were, with an 错误原因 column, to fix and import again."""
    run = _run_for(request, pk)
    dry_run = request.GET.get("dry_run") == "1"
    reasons = importer.failed_rows(run, dry_run=dry_run)
    sheet = importer.sheet_for(run)
    header = [h or "" for h in run.header] + [_("错误原因")]

    def rows():
        for number, values in sheet.rows():
            if number in reasons:
                yield [_cell(v) for v in values] + [f"{_('第 %(n)d 行') % {'n': number}}：{reasons[number]}"]

    out = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)
    write_xlsx(out, header, rows(), sheet_name=_("错误行"))
    out.seek(0)
    record(Action.EXPORT, run, actor=request.user, object_type="import",
           extra={"report": "errors", "rows": len(reasons), "dry_run": dry_run})
    name = f"{run.file_name.rsplit('.', 1)[0]}-错误报告.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


def _cell(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, (int, float, str)) else ("" if value is None else str(value))


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def template(request):
    """The import template: every column's header, an example row, drop-down lists for choices."""
    import xlsxwriter

    columns = columns_for(request.user)
    example = {"name": "张三", "id_number": "640104198805170013", "mobile": "13912345678", "expected_amount": "5万",
               "term_months": "12", "next_follow_up_at": "2026-03-05 10:00", "owner": request.user.username,
               "note": _("示例行，导入前请删除")}
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet(_("客户"))
    bold = workbook.add_format({"bold": True, "bg_color": "#EEF2F7"})
    required = workbook.add_format({"bold": True, "bg_color": "#FDECEC"})
    text = workbook.add_format({"num_format": "@"})
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.label, required if column.key in ("name", "mobile") else bold)
        sheet.set_column(col, col, max(12, len(column.label) * 2 + 2), text)
        value = example.get(column.key, column.choices[0] if column.choices else "")
        sheet.write_string(1, col, value)
        if column.choices:
            sheet.data_validation(1, col, 10000, col, {"validate": "list", "source": column.choices[:200]}
                                  if sum(len(c) + 1 for c in column.choices) < 250 else {"validate": "any"})
        note = column.help or (_("必填") if column.key in ("name", "mobile") else "")
        if note:
            sheet.write_comment(0, col, note)
    sheet.freeze_panes(1, 0)
    workbook.close()
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename="客户导入模板.xlsx", content_type=XLSX)


# -- export ---------------------------------------------------------------------------------------

@login_required
@permission_required("customer.export", raise_exception=True)
def export_customers(request):
    """The filtered list as the user sees it (scope and masking). CSV streams at once; .xlsx is
    written in the background with a progress bar. Both are audited with their row count."""
    from zhudai.customers.spreadsheet import export_query, export_rows

    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    query = request.GET.copy()
    for name in ("format", "page"):
        query.pop(name, None)
    if fmt == "xlsx":
        export = ExportRun.objects.create(created_by=request.user, query=query.urlencode()[:1000],
                                          file_name=f"客户-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
        tasks.export_customers(export.pk)
        return redirect("io:export_detail", pk=export.pk)
    customers, columns, reveal = export_query(request.user, query)
    # Recorded before the first byte leaves: a download cut short was still an export.
    _audit_export(request.user, customers.count(), fmt, query)
    rows = export_rows(customers, columns, reveal=reveal, escape_formulas=True)
    name = f"客户-{timezone.localtime():%Y%m%d-%H%M}.csv"
    return StreamingHttpResponse(iter_csv([c.label for c in columns], rows, prepared=True),
                                 content_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": content_disposition_header(True, name)})


def _export_for(request, pk):
    export = ExportRun.objects.filter(pk=pk, created_by=request.user).first()
    if export is None:
        raise Http404
    return export


@login_required
@permission_required("customer.export", raise_exception=True)
def export_detail(request, pk):
    export = _export_for(request, pk)
    template = "io/_export_status.html" if request.headers.get("HX-Request") else "io/export.html"
    return render(request, template, {"export": export})


@login_required
@permission_required("customer.export", raise_exception=True)
def export_download(request, pk):
    export = _export_for(request, pk)
    if export.status != ExportRun.Status.DONE or not export.file_path:
        raise Http404
    with default_storage.open(export.file_path, "rb") as fh:
        data = cipher().decrypt_bytes(fh.read())
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=export.file_name, content_type=XLSX)


def _audit_export(user, rows, fmt, query):
    record(Action.EXPORT, actor=user, object_type="customer", object_repr=_("客户列表"),
           extra={"rows": rows, "format": fmt, "filters": query.urlencode()[:500]})
