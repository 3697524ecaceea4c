#!/usr/bin/env python
"""The process engine at 200,000 applications, 2,000,000 history rows and 2,000 users.

Run from the repo root with no arguments:  .venv/bin/python bench/flow.py
It builds its own data on SQLite and on PostgreSQL (cached in bench/.work/flow-*/, rebuilt when
missing or with --rebuild): the demo firm grown to 2,000 users in 20 teams, 100,000 customers with
200,000 loan applications on the standard process, each with ten history rows; 60% are still
running, so about 120,000 tasks are open, spread over salespeople, risk officers, team leads,
approvers and finance. Then, per database, in a fresh process:

1. "my pending tasks": the to-do center page (/todo/) requested through Django's test client
   (middleware, session, the page's queries and template) for a salesperson, a risk officer, a
   team lead and an approver; and the query alone (first page and count);
2. the loan application list (/loans/, scoped, first page with its count) for the same people, as a
   check on the scope-plus-involvement query (no goal is named for it);
3. one approve action in the service layer (services.act: lock, checks, task close, history,
   routing through the next gateway, the next task, audit event), on 40 different applications.

Prints one JSON line per figure and appends a table to bench/RESULTS.md.
Targets (issue 4): my pending tasks < 20 ms; one approve action < 30 ms.
"""

import argparse
import os
import datetime
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402

SCRIPT = Path(__file__).resolve()
PG_DB = "zhudai_bench_flow"
TEAMS, SALES_PER_TEAM = 20, 81
RISK, APPROVERS, FINANCE = 150, 100, 101  # with the demo firm and the teams: 2,000 users
# The work steps of the standard process an application walks through, with who handles them.
PATH = [("prescreen", "资质预审", "owner"), ("documents", "资料收集与审核", "owner"),
        ("risk_assessment", "风控评估", "risk"), ("team_lead_approval", "团队主管审批", "lead"),
        ("final_approval", "终审", "approver"), ("contract", "合同签订", "owner"),
        ("disbursement", "放款", "finance")]
HISTORY_PER_APPLICATION = 10


def env_for(db):
    home = benchlib.WORK / f"flow-{db}"
    url = f"sqlite:///{home / 'bench.sqlite3'}" if db == "sqlite" else benchlib.pg_url(PG_DB)
    return benchlib.env_for(home, url)


# ---------------------------------------------------------------- phases run inside Django ------

def phase_build(applications):
    benchlib.django_setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-400000")
    started = time.monotonic()
    with transaction.atomic():
        people = _people()
        log(f"  {len(people['all']):,} users", started)
        customers = _customers(people["sales"], applications // 2)
        log(f"  {len(customers):,} customers", started)
        _applications(people, customers, applications, started)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    log("  done", started)
    (Path(os.environ["ZHUDAI_HOME"]) / "built.json").write_text(json.dumps({"applications": applications}))


def log(text, started):
    print(f"{text}  ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)


def _people():
    from zhudai.accounts.demo import create_demo_firm
    from zhudai.accounts.models import OrgUnit, Role, User

    users, units = create_demo_firm()
    roles = {r.code: r for r in Role.objects.all()}
    password = users["sales1"].password
    rows, teams = [], []
    for t in range(TEAMS):
        branch = units["yinchuan"] if t % 2 == 0 else units["wuzhong"]
        teams.append(OrgUnit.objects.create(name=f"压测{t + 1}组", kind="team", parent=branch))
    for t, team in enumerate(teams):
        rows.append(User(username=f"b_lead{t}", name=f"主管{t}", role=roles["team_lead"], org_unit=team, password=password))
        rows += [User(username=f"b_s{t}_{i}", name=f"业务{t}-{i}", role=roles["salesperson"], org_unit=team,
                      password=password) for i in range(SALES_PER_TEAM)]
    for code, count, unit in (("risk", RISK, "company"), ("approver", APPROVERS, "company"),
                              ("finance", FINANCE, "company")):
        rows += [User(username=f"b_{code}{i}", name=f"{code}{i}", role=roles[code], org_unit=units[unit],
                      password=password) for i in range(count)]
    User.objects.bulk_create(rows, batch_size=500)
    everyone = list(User.objects.select_related("role"))
    by_role = {}
    for user in everyone:
        by_role.setdefault(user.role.code if user.role_id else "", []).append(user)
    leads = {u.org_unit_id: u for u in by_role["team_lead"]}
    return {"sales": [u for u in by_role["salesperson"] if u.org_unit_id in leads], "risk": by_role["risk"],
            "approver": by_role["approver"], "finance": by_role["finance"], "leads": leads, "all": everyone}


def _template(model, **overrides):
    """attnames and a row of each field's default, for RowWriter."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    row = {f.attname: f.get_default() for f in fields}
    row.update(overrides)
    return row


def _writer(model, template):
    from zhudai.core.bulk import RowWriter

    names = ["id", *template]
    return RowWriter(model, names), names


def _customers(sales, count):
    from django.utils import timezone

    from zhudai.core.bulk import allocate_ids
    from zhudai.customers.models import Customer, Stage

    stage = Stage.objects.get(code="approving").pk
    now = timezone.now()
    template = _template(Customer, stage_id=stage, created_at=now, updated_at=now, credit_rating="good")
    writer, names = _writer(Customer, template)
    ids = allocate_ids(Customer, count)
    rows = []
    for n, pk in enumerate(ids):
        owner = sales[n % len(sales)]
        row = dict(template, id=pk, name=f"客户{n}", name_initials="kh", owner_id=owner.pk, org_unit_id=owner.org_unit_id,
                   id_number_bidx=None)
        rows.append([row[a] for a in names])
    writer.insert(rows)
    return [(pk, sales[n % len(sales)]) for n, pk in enumerate(ids)]


def _applications(people, customers, count, started):
    from django.utils import timezone

    from zhudai.core.bulk import allocate_ids
    from zhudai.engines.flow.models import ProcessDefinition, ProcessInstance, Task, Transition
    from zhudai.loans.models import LoanApplication, Product

    rng = random.Random(4)
    version = ProcessDefinition.objects.get(key="loan_standard").published()
    product = Product.objects.get(name="宁易贷")
    now = timezone.now()
    app_t = _template(LoanApplication, product_id=product.pk, term_months=12, created_at=now, updated_at=now)
    inst_t = _template(ProcessInstance, version_id=version.pk, subject_type="loan_application")
    task_t = _template(Task)
    tr_t = _template(Transition)
    writers = {name: _writer(model, t) for name, model, t in (
        ("app", LoanApplication, app_t), ("inst", ProcessInstance, inst_t), ("task", Task, task_t),
        ("tr", Transition, tr_t))}
    chunk = 20000
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        app_ids = allocate_ids(LoanApplication, size)
        inst_ids = allocate_ids(ProcessInstance, size)
        rows = {name: [] for name in writers}
        tasks, transitions = [], []
        for k in range(size):
            n = start + k
            customer_id, owner = customers[n % len(customers)]
            handlers = {"owner": owner, "lead": people["leads"][owner.org_unit_id],
                        "risk": rng.choice(people["risk"]), "approver": rng.choice(people["approver"]),
                        "finance": rng.choice(people["finance"])}
            created = now - datetime.timedelta(minutes=n)
            running = n % 10 < 6
            position = rng.randrange(len(PATH)) if running else len(PATH)
            status = "running" if running else ("approved" if n % 10 < 9 else "rejected")
            current = PATH[position] if running else ("done", "放款完成（转贷后）", "")
            rows["app"].append(dict(app_t, id=app_ids[k], number=f"ZD{created:%Y%m%d}-{n:07d}"[:20],
                                    customer_id=customer_id, amount=30000 + (n % 30) * 10000, owner_id=owner.pk,
                                    org_unit_id=owner.org_unit_id,
                                    status="in_review" if running else ("disbursed" if status == "approved" else "rejected"),
                                    current_step=current[1] if running else "", submitted_at=created, created_at=created))
            rows["inst"].append(dict(inst_t, id=inst_ids[k], subject_id=app_ids[k], status=status,
                                     current_node=current[0], current_name=current[1], entered_at=created,
                                     started_by_id=owner.pk, started_at=created,
                                     ended_at=None if running else created + datetime.timedelta(days=3)))
            history = [("start", "提交申请", "submit", owner), ("system_check", "系统校验", "auto", None),
                       ("renewal_check", "是否续贷", "route", None)]
            for step, (node_id, name, who) in enumerate(PATH[:position + (1 if running else 0)]):
                user = handlers[who]
                arrived = created + datetime.timedelta(hours=4 * step)
                done = step < position
                tasks.append(dict(task_t, instance_id=inst_ids[k], node_id=node_id, node_name=name, assignee_id=user.pk,
                                  status="done" if done else "open", outcome="approve" if done else "",
                                  created_at=arrived, due_at=arrived + datetime.timedelta(hours=24),
                                  completed_at=arrived + datetime.timedelta(hours=3) if done else None,
                                  completed_by_id=user.pk if done else None))
                if done:
                    history.append((node_id, name, "approve", user))
            while len(history) < HISTORY_PER_APPLICATION:
                history.append(("approval_route", "快速通道判断", "route", None))
            for node_id, name, action, user in history[:HISTORY_PER_APPLICATION]:
                transitions.append(dict(tr_t, instance_id=inst_ids[k], node_id=node_id, node_name=name, action=action,
                                        actor_id=user.pk if user else None,
                                        actor_label=user.username if user else "系统", created_at=created,
                                        duration_seconds=10800 if action == "approve" else None,
                                        over_limit=False if action == "approve" else None))
        task_ids = allocate_ids(Task, len(tasks))
        tr_ids = allocate_ids(Transition, len(transitions))
        for name, items, ids in (("task", tasks, task_ids), ("tr", transitions, tr_ids)):
            for row, pk in zip(items, ids):
                row["id"] = pk
            rows[name] = items
        for name, (writer, names) in writers.items():
            writer.insert([[row[a] for a in names] for row in rows[name]])
        log(f"  {start + size:,} applications", started)


def phase_measure(repeat, actions):
    benchlib.django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)  # reused data, today's schema
    from django.test import Client

    from zhudai.accounts.models import User
    from zhudai.core.context import acting
    from zhudai.engines.flow import queries
    from zhudai.engines.flow import services
    from zhudai.engines.flow.models import Task, Transition
    from zhudai.loans.models import LoanApplication

    out = {"counts": {"applications": LoanApplication.objects.count(), "history": Transition.objects.count(),
                      "users": User.objects.count(), "open_tasks": Task.objects.filter(status="open").count()}}
    probes = {"salesperson": User.objects.get(username="b_s0_0"), "risk": User.objects.get(username="b_risk0"),
              "team_lead": User.objects.get(username="b_lead0"), "approver": User.objects.get(username="b_approver0")}
    figures = []
    for label, user in probes.items():
        mine = queries.pending(user).count()
        client = Client()
        client.force_login(user, backend="zhudai.accounts.backends.RoleBackend")
        client.get("/todo/")
        page_times, query_times = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get("/todo/")
            page_times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            t0 = time.perf_counter()
            list(queries.pending(user)[:30])
            queries.pending(user).count()
            query_times.append((time.perf_counter() - t0) * 1000)
        figures.append({"metric": f"my_pending_tasks.page.{label}", "value": statistics.median(page_times),
                        "max": max(page_times), "open_tasks": mine})
        figures.append({"metric": f"my_pending_tasks.query.{label}", "value": statistics.median(query_times),
                        "max": max(query_times), "open_tasks": mine})
        client.get("/loans/")
        list_times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            assert client.get("/loans/").status_code == 200
            list_times.append((time.perf_counter() - t0) * 1000)
        figures.append({"metric": f"loan_list.page.{label}", "value": statistics.median(list_times),
                        "max": max(list_times)})
    # One approve action, end to end in the service layer, on different applications at 风控评估.
    tasks = list(Task.objects.filter(status="open", node_id="risk_assessment").select_related("assignee")
                 .order_by("id")[:actions])
    times = []
    for task in tasks:
        t0 = time.perf_counter()
        with acting(task.assignee):
            services.act(task.assignee, task.pk, "approve", comment="同意")
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    figures.append({"metric": "approve_action", "value": statistics.median(times), "max": times[-1],
                    "p90": times[int(len(times) * 0.9) - 1]})
    out["figures"] = figures
    out["vendor"] = connection.vendor
    print(json.dumps(out))


# ---------------------------------------------------------------- orchestration -------------------

def prepare(db, applications, rebuild):
    return benchlib.prepare(SCRIPT, db, env_for(db), {"applications": applications}, PG_DB, rebuild,
                            [str(applications)], f"{applications:,} applications")


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        phase, args = sys.argv[1], sys.argv[2:]
        if phase == "_build":
            phase_build(int(args[0]))
        else:
            phase_measure(int(args[0]), int(args[1]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data even if a matching copy exists")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per user")
    parser.add_argument("--actions", type=int, default=40, help="approve actions timed (each uses up one task)")
    opts = parser.parse_args()
    figures, counts = [], {}
    for db in (["sqlite", "postgres"] if opts.db == "both" else [opts.db]):
        # Each run approves tasks, so the measured data is rebuilt whenever it was used up.
        env = prepare(db, opts.applications, opts.rebuild)
        result = json.loads(benchlib.run_phase(SCRIPT, env, "_measure", str(opts.repeat), str(opts.actions)))
        counts[db] = result["counts"]
        for row in result["figures"]:
            target = {"approve_action": "< 30 ms", "loan_list": ""}.get(row["metric"].split(".")[0], "< 20 ms")
            extra = {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items() if k not in ("metric", "value")}
            benchlib.emit(figures, "flow", f"{db}.{row['metric']}", row["value"], "ms", target=target, **extra)
    sizes = "; ".join(f"{db}: {c['applications']:,} applications, {c['history']:,} history rows, {c['users']:,} users, "
                      f"{c['open_tasks']:,} open tasks" for db, c in counts.items())
    benchlib.write_results("flow", f"{sizes}. Medians of {opts.repeat} requests of /todo/ through Django's test client "
                                   f"and of {opts.actions} approve actions (services.act) at 风控评估.", figures)


if __name__ == "__main__":
    main()
