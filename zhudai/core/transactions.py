"""Transaction helpers shared by the services."""

from django.db import connection, transaction


def on_commit_once(func):
    """transaction.on_commit(func), unless `func` already waits for this transaction's commit: one
    call per transaction, however many changes asked for it (a rule's tick makes thousands).
    Returns whether it was registered now."""
    if any(entry[1] is func for entry in connection.run_on_commit):
        return False
    transaction.on_commit(func)
    return True
