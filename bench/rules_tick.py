#!/usr/bin/env python
"""One scheduler tick of the rules engine over 1,000,000 customers and 200,000 open process tasks.

Run from the repo root with no arguments:  .venv/bin/python bench/rules_tick.py
It builds its own data on SQLite and PostgreSQL (cached in bench/.work/rules-*/; --rebuild to redo):
the customer list bench's 1,000,000 customers (100 salespeople in 10 teams, created over ~3 years,
birthdays spread over the year), plus 200,000 open approval tasks that arrived over the last 30
days. Then, in a fresh process per database, with the five shipped rules enabled, it times:

1. an ordinary tick (the minute since the previous one);
2. the midnight tick, when the birthday rule looks at the whole day's birthdays (~2,700 to-dos);
3. a catch-up tick after the scheduler was down for an hour.

Every tick evaluates all shipped rules and performs their actions (to-dos, notifications).
Prints one JSON line per figure and appends a table to bench/RESULTS.md.
Target (issue 5): one tick < 10 s on both databases.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402

SCRIPT = Path(__file__).resolve()
PG_DB = "zhudai_bench_rules"
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "1000000"))
TASKS = int(os.environ.get("BENCH_TASKS", "200000"))


def env_for(db):
    home = benchlib.WORK / f"rules-{db}"
    url = f"sqlite:///{home / 'bench.sqlite3'}" if db == "sqlite" else benchlib.pg_url(PG_DB)
    return benchlib.env_for(home, url)


def phase_build(customers, tasks):
    import customers_list

    customers_list.phase_build(customers)  # migrate, the firm, the customers, indexes, statistics
    from django.db import connection, transaction
    from django.utils import timezone

    from zhudai.accounts.models import User
    from zhudai.core.bulk import RowWriter, allocate_ids
    from zhudai.engines.flow.models import ProcessDefinition, ProcessInstance, Task

    version = ProcessDefinition.objects.get(key="loan_standard").published()
    handlers = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    now = timezone.now()
    started = time.monotonic()
    with transaction.atomic():
        instance_ids, task_ids = allocate_ids(ProcessInstance, tasks), allocate_ids(Task, tasks)
        instances = RowWriter(ProcessInstance, ["id", "version_id", "subject_type", "subject_id", "status",
                                                "current_node", "current_name", "entered_at", "started_by_id",
                                                "started_at", "revision"])
        open_tasks = RowWriter(Task, ["id", "instance_id", "node_id", "node_name", "kind", "activation", "assignee_id",
                                      "status", "outcome", "comment", "created_at", "due_at", "note"])
        for start in range(0, tasks, 20000):
            rows_i, rows_t = [], []
            for n in range(start, min(tasks, start + 20000)):
                arrived = now - datetime.timedelta(seconds=n * 30 * 86400 // tasks)
                user = handlers[n % len(handlers)]
                rows_i.append([instance_ids[n], version.pk, "loan_application", n + 1, "running", "risk_assessment",
                               "风控评估", arrived, user, arrived, 1])
                rows_t.append([task_ids[n], instance_ids[n], "risk_assessment", "风控评估", "approval", 1, user, "open",
                               "", "", arrived, arrived + datetime.timedelta(hours=16), ""])
            instances.insert(rows_i)
            open_tasks.insert(rows_t)
    customers_list.analyze(connection)
    print(f"  {tasks:,} open tasks in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    (Path(os.environ["ZHUDAI_HOME"]) / "built.json").write_text(json.dumps({"customers": customers, "tasks": tasks}))


def phase_measure():
    benchlib.django_setup()
    from django.core.management import call_command
    from django.utils import timezone

    from zhudai.customers.models import Customer
    from zhudai.engines.flow.models import Task
    from zhudai.engines.rules import services
    from zhudai.engines.rules.models import Firing, Rule, Todo
    from zhudai.notify.models import Message

    call_command("migrate", verbosity=0)
    Firing.objects.all().delete()
    Todo.objects.all().delete()
    Message.objects.all().delete()
    Rule.objects.filter(code__isnull=False).update(is_enabled=True)
    counts = {"customers": Customer.objects.count(),
              "open_tasks": Task.objects.filter(status="open").count(),
              "rules": Rule.objects.filter(is_enabled=True).count()}
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=30, microsecond=0) + datetime.timedelta(days=1)
    figures = []
    for label, moment, window in (("minute", now, datetime.timedelta(minutes=1)),
                                  ("midnight", midnight, datetime.timedelta(minutes=1)),
                                  ("catch_up_hour", midnight + datetime.timedelta(hours=1, minutes=1),
                                   datetime.timedelta(hours=1))):
        # Each tick looks at its own window: the rules were last checked `window` before it.
        Rule.objects.update(watched_from=moment - datetime.timedelta(days=400), checked_until=moment - window)
        todos_before = Todo.objects.count()
        t0 = time.perf_counter()
        fired = services.tick(moment)
        seconds = time.perf_counter() - t0
        figures.append({"metric": f"tick.{label}", "value": seconds, "fired": fired,
                        "todos": Todo.objects.count() - todos_before})
    print(json.dumps({"counts": counts, "figures": figures}))


def prepare(db, rebuild):
    return benchlib.prepare(SCRIPT, db, env_for(db), {"customers": CUSTOMERS, "tasks": TASKS}, PG_DB, rebuild,
                            [str(CUSTOMERS), str(TASKS)], f"{CUSTOMERS:,} customers and {TASKS:,} open tasks")


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        if sys.argv[1] == "_build":
            benchlib.django_setup()
            phase_build(int(sys.argv[2]), int(sys.argv[3]))
        else:
            phase_measure()
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rebuild", action="store_true")
    opts = parser.parse_args()
    figures, counts = [], {}
    for db in (["sqlite", "postgres"] if opts.db == "both" else [opts.db]):
        env = prepare(db, opts.rebuild)
        result = json.loads(benchlib.run_phase(SCRIPT, env, "_measure"))
        counts[db] = result["counts"]
        for row in result["figures"]:
            benchlib.emit(figures, "rules_tick", f"{db}.{row['metric']}", row["value"], "s", target="< 10 s",
                          fired=row["fired"], todos=row["todos"])
    sizes = "; ".join(f"{db}: {c['customers']:,} customers, {c['open_tasks']:,} open tasks, {c['rules']} rules"
                      for db, c in counts.items())
    benchlib.write_results("rules_tick", f"{sizes}. One `services.tick()` each: the minute since the last tick, the "
                                         "midnight tick (the birthday rule's day), and an hour of catch-up.", figures)


if __name__ == "__main__":
    main()
