"""Reading and preparing a large import's chunks in a second process while this one writes.

Reading the sheet, cleaning, validating, encrypting and hashing rows is pure Python and took
about as long as the inserts on a 2-core machine. One helper process reads the file and prepares
chunk N+1 while this process inserts chunk N; with a single helper, duplicates within the file
are still found in file order (its `seen` set lives there). The helper only reads the database
(lookup tables, existing customers for duplicate checks); every write stays in this process and in
the chunk's one transaction, so resume and rollback work exactly as without it.
"""

import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from django.conf import settings
from django.db import connection

IN_FLIGHT = 2
FIRST_CHUNK_ROWS = 1000  # this process waits for the first chunk: make it short
_importer = None
_chunks = None


def wanted(run):
    """A helper process pays ~1 s to start: worth it for large files on a multi-core machine with a
    database another process can open (not an in-memory test database)."""
    if not settings.IMPORT_HELPER_PROCESS or (os.cpu_count() or 1) < 2:
        return False
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return False
    return max(run.rows_estimate, run.total) >= settings.IMPORT_HELPER_MIN_ROWS


def _start(run_id, user_id, db_name, data, chunk_rows):
    """Runs in the helper: Django, the same database, the file's rows from the run's position and
    an importer that has seen the rows before it."""
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = db_name  # a test database has its own name
    from zhudai.accounts.models import User

    from .importer import chunks, replay, target_class
    from .models import ImportRun
    from .readers import open_sheet

    global _importer, _chunks
    run = ImportRun.objects.get(pk=run_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    sheet = open_sheet(data, run.file_name)
    _importer = target_class(run.target)(run, user)
    _importer.preview_rows = 0
    if run.position:
        replay(_importer, sheet, run.position)
    _chunks = chunks(sheet.rows(start_after=run.position), chunk_rows, first=min(chunk_rows, FIRST_CHUNK_ROWS))


def _prepare_next(policy):
    """The next chunk, prepared, with its last Excel row; None after the last one."""
    chunk = next(_chunks, None)
    return None if chunk is None else (_importer.prepare(chunk, policy=policy), chunk[-1][0])


def prepared_chunks(run, user, sheet, policy, chunk_rows):
    """(prepared chunk, its last Excel row) in file order, read and prepared by the helper,
    IN_FLIGHT chunks ahead of the one handed out."""
    initargs = (run.pk, getattr(user, "pk", None), connection.settings_dict["NAME"], sheet.data, chunk_rows)
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"), initializer=_start,
                             initargs=initargs) as pool:
        pending = deque(pool.submit(_prepare_next, policy) for _ in range(IN_FLIGHT))
        try:
            while pending:
                result = pending.popleft().result()
                if result is None:
                    break
                pending.append(pool.submit(_prepare_next, policy))
                yield result
        finally:
            for future in pending:
                future.cancel()
