#!/usr/bin/env python
"""Customer list at 1,000,000 customers, on SQLite and PostgreSQL.

Run from the repo root with no arguments:  .venv/bin/python bench/customers_list.py
It builds its own data (cached in bench/.work/, rebuilt when missing or with --rebuild), then

1. in process, times the customer list view (search by phone, by ID number, by name prefix, a
   filtered first page; each with its COUNT) for a salesperson, a team lead and the general manager;
2. serves the app with gunicorn (2 workers) and measures with wrk on loopback the scoped customer
   list page (20 rows with count) beside the hello-world view /health/ of the same server.

Prints one JSON line per figure and appends a table to bench/RESULTS.md.
Targets (issue 2): each list query < 100 ms; list page >= 15% of hello-world req/s, p99 < 100 ms.
"""

import argparse
import datetime
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402
from benchlib import ROOT, WORK, django_setup, emit  # noqa: E402

PG_DB = "zhudai_bench"
TEAMS, SALES_PER_TEAM = 10, 10


def env_for(db):
    home = WORK / db
    url = f"sqlite:///{home / 'bench.sqlite3'}" if db == "sqlite" else benchlib.pg_url(PG_DB)
    return benchlib.env_for(home, url)


# ---------------------------------------------------------------- phases run inside Django ------

def phase_build(rows):
    """Fresh schema, the demo firm plus bench salespeople, and `rows` customers inserted in bulk."""
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from zhudai.accounts.demo import create_demo_firm
    from zhudai.accounts.models import OrgUnit, Role, User
    from zhudai.customers.models import Channel, Customer, Stage
    from zhudai.core import chinese
    from zhudai.security.crypto import cipher

    users, units = create_demo_firm()
    salesperson = Role.objects.get(code="salesperson")
    owners_by_team = [[users["sales1"], users["sales2"], users["lead1"]], [users["sales3"], users["lead2"]]]
    encoded = users["sales1"].password
    for t in range(2, TEAMS):
        team = OrgUnit.objects.create(name=f"压测{t}组", kind="team", parent=units["yinchuan"])
        owners_by_team.append([User.objects.create(username=f"b{t}_{i}", name=f"压测{t}-{i}", role=salesperson,
                                                   org_unit=team, password=encoded) for i in range(SALES_PER_TEAM)])
    for team in owners_by_team[:2]:
        while len(team) < SALES_PER_TEAM:
            unit = team[0].org_unit
            team.append(User.objects.create(username=f"pad{unit.pk}_{len(team)}", name="压测", role=salesperson,
                                            org_unit=unit, password=encoded))
    owners = [u for team in owners_by_team for u in team]
    stages = list(Stage.objects.values_list("pk", flat=True))
    channels = list(Channel.objects.values_list("pk", flat=True))

    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {}
    for f in fields:
        default = f.get_default()
        defaults[f.attname] = json.dumps(default) if f.get_internal_type() == "JSONField" else default
    c = cipher()
    rng = random.Random(7)
    surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁婷雪琳晶欣怡佳雯"
    employers = ["宁夏电力公司", "银川市第一人民医院", "个体经营", "宁夏建工集团", "吴忠市教育局", "中石化宁夏分公司",
                 "银川新华百货", "宁东能源化工基地", "自由职业", "宁夏医科大学", "美团骑手", "银川公交公司"]
    initial = {ch: chinese.pinyin_initials(ch) for ch in surnames + given}
    now = datetime.datetime.now(datetime.timezone.utc)
    samples = {"phones": [], "ids": []}
    is_pg = connection.vendor == "postgresql"

    def dt(value):
        return value if is_pg else value.replace(tzinfo=None).isoformat(" ")

    template = [defaults[f.attname] for f in fields]
    first_birth = datetime.date(1960, 1, 1)
    position = {f.attname: n for n, f in enumerate(fields)}

    def make_row(i):
        owner = owners[i % len(owners)]
        name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))
        initials = "".join(initial[ch] for ch in name)
        # (birth date, sequence) is unique per row: 16,000 birth dates times up to 1,000 sequences.
        birth = first_birth + datetime.timedelta(days=i % 16000)
        id_number = chinese.make_id_number("640104" if i % 3 else "640302", birth, i // 16000)
        mobile = f"1{3 + i % 7}{i:09d}"[:11]
        created = now - datetime.timedelta(minutes=i * 1.5 + rng.random())
        if i % 100000 == 5:
            samples["phones"].append(mobile)
            samples["ids"].append(id_number)
        row = template.copy()
        for key, value in dict(
            name=name, name_initials=initials, id_number=c.encrypt(id_number),
            id_number_bidx=c.blind_index("id_number", id_number), gender="M" if i % 2 else "F",
            birth_date=birth.isoformat(), mobile=c.encrypt(mobile), mobile_bidx=c.blind_index("phone", mobile),
            employer=employers[i % len(employers)], city="银川", stage_id=stages[i % len(stages)],
            channel_id=channels[i % len(channels)], owner_id=owner.pk, org_unit_id=owner.org_unit_id,
            next_follow_up_at=dt(created + datetime.timedelta(days=30)) if i % 4 else None,
            created_at=dt(created), updated_at=dt(created), created_by_id=owner.pk, assigned_at=dt(created),
            loan_type="credit", expected_amount=str(50000 + (i % 20) * 10000),
        ).items():
            row[position[key]] = value
        return row

    chunk = 20000
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    started = time.monotonic()
    indexes = drop_secondary_indexes(connection)
    with connection.cursor() as cur:
        for start in range(0, rows, chunk):
            batch = [make_row(i) for i in range(start, min(rows, start + chunk))]
            if is_pg:
                with cur.cursor.copy(f"COPY customers_customer ({quoted}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f"INSERT INTO customers_customer ({quoted}) VALUES ({marks})", batch)
            print(f"  {min(rows, start + chunk):>9,} rows  {time.monotonic() - started:6.1f} s", file=sys.stderr,
                  flush=True)
        print(f"  rebuilding {len(indexes)} indexes …", file=sys.stderr, flush=True)
        for sql in indexes:
            cur.execute(sql)
    analyze(connection)
    print(f"  done in {time.monotonic() - started:6.1f} s", file=sys.stderr, flush=True)
    (Path(os.environ["ZHUDAI_HOME"]) / "samples.json").write_text(json.dumps({**samples, "rows": rows}))


def analyze(connection):
    """Planner statistics; on PostgreSQL also VACUUM, which autovacuum would do after a bulk load and
    without which index-only scans (the COUNT of the list) still read every heap page."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE")
            # VACUUM dirtied the whole table; flush it now rather than during the measurements.
            cur.execute("CHECKPOINT")
        else:
            cur.execute("ANALYZE")


def drop_secondary_indexes(connection):
    """Drop the customer table's plain indexes for the bulk load; returns the SQL to rebuild them.

    Maintaining ~15 indexes row by row made the load cost 1 ms a row; building them afterwards is
    one sort each. Indexes behind constraints (primary key, unique blind index) stay.
    """
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-400000")
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='customers_customer' "
                        "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'")
        else:
            cur.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename='customers_customer' "
                        "AND i.indexname NOT IN (SELECT conname FROM pg_constraint)")
        found = cur.fetchall()
        for name, _sql in found:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in found]


def phase_queries(repeat):
    """Time the list view in process (RequestFactory, the real view and template) per user and query."""
    django_setup()
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.contrib.messages.middleware import MessageMiddleware
    from django.test import RequestFactory

    from zhudai.accounts.models import User
    from zhudai.customers.models import Stage
    from zhudai.customers.views import customer_list

    samples = json.loads((Path(os.environ["ZHUDAI_HOME"]) / "samples.json").read_text())
    stage = Stage.objects.get(code="collecting").pk
    queries = {
        "phone": {"q": samples["phones"][0]},
        "id_number": {"q": samples["ids"][0]},
        "name_prefix_1char": {"q": "王"},
        "name_prefix_2chars": {"q": "王伟"},
        "filtered_first_page": {"stage": str(stage)},
        "first_page": {},
    }
    factory = RequestFactory()
    out = []
    for username in ("sales1", "lead1", "gm"):
        user = User.objects.select_related("role", "org_unit").get(username=username)
        for name, params in queries.items():
            timings, rows = [], 0
            for _ in range(repeat):
                request = factory.get("/customers/", params)
                SessionMiddleware(lambda r: None).process_request(request)
                MessageMiddleware(lambda r: None).process_request(request)
                request.user = user
                t0 = time.perf_counter()
                response = customer_list(request)
                timings.append((time.perf_counter() - t0) * 1000)
                rows = response.context_data["page"].paginator.count if hasattr(response, "context_data") else rows
            if name == "phone" and username == "gm":
                assert b"/customers/" in response.content
            out.append({"user": username, "query": name, "median_ms": statistics.median(timings),
                        "max_ms": max(timings)})
    print(json.dumps(out))


def phase_migrate():
    """Bring reused data up to the current schema (new indexes), then refresh planner statistics."""
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    analyze(connection)


def phase_session(username):
    """Log a user in and print the session cookie, for wrk."""
    django_setup()
    from django.test import Client

    from zhudai.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username), backend="zhudai.accounts.backends.RoleBackend")
    print(client.cookies["sessionid"].value)


# ---------------------------------------------------------------- orchestration ---------------

def run_phase(env, *args):
    return benchlib.run_phase(Path(__file__).resolve(), env, *args)


def prepare(db, rows, rebuild):
    env = env_for(db)
    samples = Path(env["ZHUDAI_HOME"]) / "samples.json"
    if not rebuild and samples.exists() and json.loads(samples.read_text()).get("rows") == rows:
        print(f"[{db}] reusing {rows:,} rows in {env['ZHUDAI_HOME']} (migrating it first)", file=sys.stderr)
        run_phase(env, "_migrate")
        return env
    if db == "sqlite":
        for f in Path(env["ZHUDAI_HOME"]).glob("bench.sqlite3*"):
            f.unlink()
    else:
        benchlib.recreate_pg_database(PG_DB)
    samples.unlink(missing_ok=True)
    print(f"[{db}] building {rows:,} customers …", file=sys.stderr)
    t0 = time.monotonic()
    run_phase(env, "_build", str(rows))
    print(f"[{db}] built in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url, cookie, duration, connections):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Cookie: sessionid={cookie}", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"wrk saw {non2xx.group(1)} error responses from {url}")
    return rps, p99_ms


def http_bench(db, env, duration, username, connections):
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    cookie = run_phase(env, "_session", username)
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen([gunicorn, "zhudai.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
                              env=env, cwd=ROOT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        wrk(f"{base}/customers/", cookie, 2, connections)  # warm both workers
        hello = wrk(f"{base}/health/", cookie, duration, connections)
        page = wrk(f"{base}/customers/", cookie, duration, connections)
        return hello, page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        phase, args = sys.argv[1], sys.argv[2:]
        {"_build": lambda: phase_build(int(args[0])), "_queries": lambda: phase_queries(int(args[0])),
         "_session": lambda: phase_session(args[0]), "_migrate": phase_migrate}[phase]()
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data even if a matching copy exists")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--repeat", type=int, default=15, help="timed repetitions per in-process query")
    parser.add_argument("--user", default="sales1", help="user whose scoped list page wrk requests")
    parser.add_argument("--connections", type=int, default=4,
                        help="wrk connections (default 4: two per sync worker, so p99 is service time, not queueing)")
    opts = parser.parse_args()
    figures = []
    for db in (["sqlite", "postgres"] if opts.db == "both" else [opts.db]):
        env = prepare(db, opts.rows, opts.rebuild)
        for row in json.loads(run_phase(env, "_queries", str(opts.repeat))):
            emit(figures, "customers_list", f"{db}.{row['user']}.{row['query']}", row["median_ms"], "ms",
                 max_ms=round(row["max_ms"], 1), rows=opts.rows, target="< 100 ms")
        (hello_rps, hello_p99), (page_rps, page_p99) = http_bench(db, env, opts.duration, opts.user,
                                                                  opts.connections)
        emit(figures, "customers_list", f"{db}.http.hello_world_rps", hello_rps, "req/s")
        emit(figures, "customers_list", f"{db}.http.hello_world_p99", hello_p99, "ms")
        emit(figures, "customers_list", f"{db}.http.list_page_rps", page_rps, "req/s", user=opts.user)
        emit(figures, "customers_list", f"{db}.http.list_page_vs_hello", 100 * page_rps / hello_rps, "%",
             target=">= 15 %")
        emit(figures, "customers_list", f"{db}.http.list_page_p99", page_p99, "ms", target="< 100 ms")
    write_results(figures, opts)


def write_results(figures, opts):
    benchlib.write_results(
        "customers_list",
        f"{opts.rows:,} customers; wrk -t2 -c{opts.connections} -d{opts.duration}s against gunicorn with 2 sync workers "
        f"on the same machine; list page as `{opts.user}` (scoped, 20 rows, with count).", figures)


if __name__ == "__main__":
    main()
