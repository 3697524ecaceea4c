"""Preparing a large import's chunks in a second process while this one writes.

Cleaning, validating, encrypting and hashing rows is pure Python and took about as long as the
inserts (19 s against 15 s for 100,000 customers on a 2-core machine). One helper process prepares
chunk N+1 while this process inserts chunk N; with a single helper, duplicates within the file are
still found in file order (its `seen` set lives there). The helper only reads the database (lookup
tables, existing customers for duplicate checks); every write stays in this process and in the
chunk's one transaction, so resume and rollback work exactly as without it.
"""

import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from django.conf import settings
from django.db import connection

_importer = None


def wanted(run):
    """A helper process pays ~1 s to start: worth it for large files on a multi-core machine with a
    database another process can open (not an in-memory test database)."""
    if not settings.IMPORT_HELPER_PROCESS or (os.cpu_count() or 1) < 2:
        return False
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return False
    return max(run.rows_estimate, run.total) >= settings.IMPORT_HELPER_MIN_ROWS


def _start(run_id, user_id, db_name, position):
    """Runs in the helper: Django, the same database, and an importer for the run."""
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = db_name  # a test database has its own name
    from zhudai.accounts.models import User

    from .importer import replay, sheet_for, target_class
    from .models import ImportRun

    global _importer
    run = ImportRun.objects.get(pk=run_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    _importer = target_class(run.target)(run, user)
    _importer.preview_rows = 0
    if position:
        replay(_importer, sheet_for(run), position)


def _prepare(chunk, policy):
    return _importer.prepare(chunk, policy=policy)


def run_chunks(run, user, chunks, commit, policy):
    """Prepare `chunks` in the helper, two in flight, and `commit(prepared, last_row)` each here in order."""
    context = get_context("spawn")
    initargs = (run.pk, getattr(user, "pk", None), connection.settings_dict["NAME"], run.position)
    with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start, initargs=initargs) as pool:
        pending = deque()
        for chunk in chunks:
            pending.append((pool.submit(_prepare, chunk, policy), chunk[-1][0]))
            if len(pending) >= 2:
                future, last_row = pending.popleft()
                commit(future.result(), last_row)
        while pending:
            future, last_row = pending.popleft()
            commit(future.result(), last_row)
