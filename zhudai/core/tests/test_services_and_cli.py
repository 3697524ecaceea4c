import os
import subprocess
import sys

import pytest
from django.conf import settings


def test_the_console_script_runs_django_commands():
    env = {**os.environ, "ZHUDAI_TESTING": "1"}
    result = subprocess.run([sys.executable, "-m", "zhudai.cli", "help", "rotate-keys"], capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0 and "re-encrypt" in result.stdout.lower()


def test_redis_backed_queue_round_trips_a_task():
    """The production path (REDIS_URL set): Huey on Redis stores, hands out and runs a task."""
    if not settings.REDIS_URL:
        if os.environ.get("CI") == "true" and "postgresql" in settings.DATABASES["default"]["ENGINE"]:
            pytest.fail("CI's PostgreSQL run must have REDIS_URL set")
        pytest.skip("REDIS_URL not set")
    from huey import RedisHuey

    huey = RedisHuey("zhudai-test", url=settings.REDIS_URL)
    huey.flush()

    @huey.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    task = huey.dequeue()
    huey.execute(task)
    assert result.get() == 5
    huey.flush()


@pytest.mark.django_db
def test_demo_command_builds_the_firm(capsys):
    from django.core.management import call_command

    from zhudai.customers.models import Customer

    call_command("demo", customers=30)
    out = capsys.readouterr().out
    assert "sales1" in out and "demo1234" in out
    assert Customer.objects.count() == 30
    assert Customer.objects.filter(owner__username="sales3", city="吴忠").exists()
    call_command("demo", if_empty=True)
    assert Customer.objects.count() == 30


def test_fewer_checkpoints_lets_sqlite_log_grow_to_a_bound_during_bulk_work(db, tmp_path):
    """An import's chunks commit without copying SQLite's log back after each one (up to a bound:
    never would let it grow without end); at the end the connection's own setting is back."""
    from django.db import connection

    from zhudai.core.bulk import BULK_CHECKPOINT_PAGES, fewer_checkpoints

    if connection.vendor != "sqlite":
        pytest.skip("a SQLite pragma")
    from django.db.backends.sqlite3.base import DatabaseWrapper

    db = DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "wal.sqlite3"), "TEST": {}})
    try:
        with db.cursor() as cur:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("CREATE TABLE t (x)")
        with fewer_checkpoints(db):
            with db.cursor() as cur:
                cur.execute("PRAGMA wal_autocheckpoint")
                assert cur.fetchone()[0] == BULK_CHECKPOINT_PAGES
                cur.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(5000)])
        with db.cursor() as cur:
            cur.execute("PRAGMA wal_autocheckpoint")
            assert cur.fetchone()[0] == 1000
            cur.execute("SELECT COUNT(*) FROM t")
            assert cur.fetchone()[0] == 5000
        with fewer_checkpoints(connection):  # the in-memory test database: no log, nothing changed
            with connection.cursor() as cur:
                cur.execute("PRAGMA wal_autocheckpoint")
                assert cur.fetchone()[0] == 1000
    finally:
        db.close()
