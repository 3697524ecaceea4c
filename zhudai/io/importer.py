"""Import runs: upload > mapping > dry run > chunked, resumable run > rollback.

    run = create_run(user, data, "客户.xlsx")        # stores the file encrypted, proposes a mapping
    plan(run, user)                                 # dry run: counts, issues, preview; writes nothing
    execute(run, user)                              # chunks of CHUNK_ROWS rows, one transaction each
    rollback(run, user)                             # undo what the run created or changed

Each chunk commits its customers, audit events, issues, undo records and the run's new position
together, so a run killed at any point resumes after its last committed row, never writing a row
twice; the same file imported again finds every row as a duplicate and creates nothing.
"""

import datetime
import hashlib
import uuid
from contextlib import closing
from importlib import import_module
from itertools import chain, islice

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhudai.audit.choices import Action
from zhudai.audit.services import record
from zhudai.core.bulk import RowWriter, fewer_checkpoints
from zhudai.security.crypto import cipher

from . import pipeline
from .models import ImportedRecord, ImportIssue, ImportRun, SavedMapping
from .readers import SheetError, open_sheet

CHUNK_ROWS = 5000  # rows prepared (and, with a helper process, handed over) at a time
# Chunks written per transaction. Each commit writes every index page the transaction touched to
# SQLite's log, and a chunk's random keys (names, blind indexes, dates) touch most of them: four
# chunks a commit took SQLite ~20 % less time for 100,000 customers (the whole import: ~25 % less
# system time, a few per cent of wall time), holding no more rows in memory.
TRANSACTION_CHUNKS = 4
COUNTS = ("created", "updated", "skipped", "failed")
STALE_AFTER = datetime.timedelta(minutes=5)
TARGETS = {"customer": "zhudai.customers.importing.CustomerImport"}


def target_class(key):
    module, name = TARGETS[key].rsplit(".", 1)
    return getattr(import_module(module), name)


def columns(key, user):
    from zhudai.customers.spreadsheet import columns_for

    return {"customer": columns_for}[key](user)


# -- upload and mapping -----------------------------------------------------------------------------

def create_run(user, data, file_name, *, target="customer"):
    """Check the file, store it encrypted and propose a mapping from the header. Raises SheetError."""
    from zhudai.customers.spreadsheet import match_headers

    sheet = open_sheet(data, file_name)
    saved = dict(SavedMapping.objects.filter(user=user, target=target).values_list("header", "field_key")) \
        if user is not None and user.pk else {}
    mapping = match_headers(sheet.header, columns(target, user), saved)
    path = default_storage.save(f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.bin",
                                ContentFile(cipher().encrypt_bytes(data)))
    run = ImportRun.objects.create(
        target=target, file_name=file_name[:200], file_path=path, file_sha256=hashlib.sha256(data).hexdigest(),
        file_size=len(data), header=sheet.header, header_row=sheet.header_row, rows_estimate=sheet.estimate(),
        mapping={str(k): v for k, v in mapping.items()},
        created_by=user if user is not None and user.pk else None,
    )
    run.sheet = sheet  # reused by plan() / execute() in this process, which saves a second parse
    return run


def read_file(run):
    with default_storage.open(run.file_path, "rb") as fh:
        return cipher().decrypt_bytes(fh.read())


def sheet_for(run):
    sheet = getattr(run, "sheet", None)
    return sheet if sheet is not None else open_sheet(read_file(run), run.file_name)


def unmapped_columns(run):
    return [text for index, text in enumerate(run.header) if text and str(index) not in run.mapping]


def save_mapping(run, user, mapping, *, remember=False):
    """Set the run's mapping ({column index: field key or ""}); with `remember`, the user's later
    uploads map these headers the same way."""
    keys = {c.key for c in columns(run.target, user)}
    clean, used = {}, set()
    for index, key in mapping.items():
        if key and key in keys:
            if key in used:
                raise ValueError(_("字段“%(f)s”被映射了两次。") % {"f": key})
            used.add(key)
            clean[str(index)] = key
    run.mapping = clean
    run.status = ImportRun.Status.UPLOADED
    run.save(update_fields=["mapping", "status"])
    if remember and user is not None and user.pk:
        for index, text in enumerate(run.header):
            if text:
                SavedMapping.objects.update_or_create(user=user, target=run.target, header=text[:100],
                                                      defaults={"field_key": clean.get(str(index), "")})
    return run


# -- dry run ----------------------------------------------------------------------------------------

def plan(run, user, *, on_progress=None):
    """Go through the whole file as the run would, writing nothing: counts, issues, preview rows."""
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.PLANNING, total=0, message="")
    sheet = sheet_for(run)
    importer = target_class(run.target)(run, user)
    totals = {"total": 0, "created": 0, "updated": 0, "skipped": 0, "failed": 0}
    preview, issues = [], []
    for chunk in chunks(sheet.rows()):
        out = importer.process(chunk, write=False, policy=run.on_duplicate)
        _add(totals, out, len(chunk))
        preview.extend(out.preview)
        issues.extend(out.issues)
        if on_progress:
            on_progress(totals["total"])
    with transaction.atomic():
        ImportIssue.objects.filter(run=run, dry_run=True).delete()
        ImportIssue.objects.bulk_create(
            [ImportIssue(run=run, row=r, column=c[:100], message=m[:500], kind=k, dry_run=True) for r, c, m, k in issues],
            batch_size=2000)
        run.plan = {**totals, "preview": [{"row": n, "action": a, "values": v} for n, a, v in preview]}
        run.total = totals["total"]
        run.status = ImportRun.Status.PREVIEWED
        run.save(update_fields=["plan", "total", "status"])
    return totals


def chunks(rows, size=None, *, first=None):
    """Lists of `size` rows; the first of them `first` rows long when given (a writer waiting for
    its first chunk starts sooner)."""
    size = size or CHUNK_ROWS
    limit, chunk = first or size, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= limit:
            yield chunk
            limit, chunk = size, []
    if chunk:
        yield chunk


def _add(totals, out, rows):
    totals["total"] += rows
    for key in COUNTS:
        totals[key] += getattr(out, key)


# -- the run ----------------------------------------------------------------------------------------

def is_stale(run):
    """A run marked running whose worker stopped reporting: it was killed and can resume."""
    return run.status == ImportRun.Status.RUNNING and (
        run.heartbeat_at is None or timezone.now() - run.heartbeat_at > STALE_AFTER)


def can_resume(run):
    return run.status in (ImportRun.Status.INTERRUPTED, ImportRun.Status.FAILED) or is_stale(run)


def execute(run, user, *, on_progress=None):
    """Import the file in chunks from the run's position; safe to call again after a crash."""
    sheet = sheet_for(run)
    importer = target_class(run.target)(run, user)
    importer.preview_rows = 0
    if run.position and not pipeline.wanted(run):
        replay(importer, sheet, run.position)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING, heartbeat_at=timezone.now(),
                                               started_at=run.started_at or timezone.now(), message="")
    policy = run.on_duplicate

    def commit(pieces):
        """Prepared chunks, (prepared, last Excel row) each, written with their issues and undo
        records and the run's new position and counts, in one transaction."""
        counts = dict.fromkeys(COUNTS, 0)
        with transaction.atomic():
            for prepared, last_row in pieces:
                out = importer.write(prepared)
                ImportIssue.objects.bulk_create(
                    [ImportIssue(run=run, row=r, column=c[:100], message=m[:500], kind=k) for r, c, m, k in out.issues],
                    batch_size=2000)
                RowWriter(ImportedRecord, ["run_id", "object_id", "last_id", "row", "created", "before"]).insert(
                    [[run.pk, *record] for record in out.records])
                for key in COUNTS:
                    counts[key] += getattr(out, key)
            ImportRun.objects.filter(pk=run.pk).update(position=last_row, heartbeat_at=timezone.now(),
                                                       **{key: F(key) + n for key, n in counts.items()})
        if on_progress:
            on_progress(ImportRun.objects.get(pk=run.pk))

    try:
        with fewer_checkpoints():
            if pipeline.wanted(run):
                prepared = pipeline.prepared_chunks(run, user, sheet, policy, CHUNK_ROWS)
            else:
                prepared = ((importer.prepare(chunk, policy=policy), chunk[-1][0])
                            for chunk in chunks(sheet.rows(start_after=run.position)))
            with closing(prepared):
                for first in prepared:
                    commit(chain([first], islice(prepared, TRANSACTION_CHUNKS - 1)))
    except Exception as exc:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.INTERRUPTED, message=str(exc)[:500])
        raise
    with transaction.atomic():
        run.refresh_from_db()
        run.status = ImportRun.Status.DONE
        run.finished_at = timezone.now()
        run.total = run.processed
        run.save(update_fields=["status", "finished_at", "total"])
        record(Action.IMPORT, run, actor=user, object_type="import", extra={
            "file": run.file_name, "on_duplicate": run.on_duplicate, **run.counts()})
    return run


def replay(importer, sheet, position):
    """A resumed run re-learns which ID numbers and phones the rows before `position` carried, so
    that duplicates within the file are still told apart from duplicates in the database."""
    for number, values in sheet.rows():
        if number > position:
            break
        data, errors = importer.clean(values)
        if not errors:
            for _k, h in importer.keys(data):
                importer.seen.setdefault(h, number)


def rollback(run, user):
    """Undo the run: customers it created are deleted (unless worked on since), overwritten values
    restored. Returns {"removed", "kept", "restored"}."""
    if run.status == ImportRun.Status.ROLLED_BACK:
        raise ValueError(_("该导入已经回滚过了。"))
    if run.status == ImportRun.Status.RUNNING and not is_stale(run):
        raise ValueError(_("导入仍在进行中，请等它结束或中断后再回滚。"))
    with transaction.atomic():
        importer = target_class(run.target)(run, user)
        result = importer.rollback(list(run.records.all()))
        run.status = ImportRun.Status.ROLLED_BACK
        run.save(update_fields=["status"])
        record(Action.IMPORT, run, actor=user, object_type="import", extra={"rollback": True, **result})
    return result


def failed_rows(run, *, dry_run=False):
    """{Excel row: "reason；reason"} for the error report."""
    reasons = {}
    for row, column, message in run.issues.filter(kind=ImportIssue.Kind.FAILED, dry_run=dry_run) \
            .values_list("row", "column", "message"):
        text = f"{column}：{message}" if column else message
        reasons[row] = f"{reasons[row]}；{text}" if row in reasons else text
    return reasons


__all__ = ["SheetError", "create_run", "plan", "execute", "rollback", "save_mapping", "failed_rows"]
