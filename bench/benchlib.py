"""What the bench scripts share: their environment, phases in fresh processes, figures and RESULTS.md."""

import base64
import datetime
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "RESULTS.md"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
KEYS = {  # fixed throw-away keys: the bench data is synthetic
    "SECRET_KEY": "bench-secret-key-" + "b" * 40,
    "ZHUDAI_FIELD_KEYS": base64.b64encode(b"bench-field-key-0123456789abcdef").decode(),
    "ZHUDAI_INDEX_KEY": base64.b64encode(b"bench-index-key-0123456789abcdef").decode(),
}


def env_for(home, database_url=None):
    """The environment of a phase: production settings (DEBUG=0) with bench keys, in `home`."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **KEYS, "ZHUDAI_HOME": str(home), "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "zhudai.settings",
           "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "LOG_LEVEL": "WARNING"}
    env.pop("ZHUDAI_TESTING", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def pg_url(database):
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def recreate_pg_database(database):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")


def django_setup():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def run_phase(script, env, *args):
    """Run `script` with a phase argument in a fresh process; returns its last stdout line."""
    result = subprocess.run([sys.executable, str(script), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode:
        raise SystemExit(f"phase {args[0]} failed")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def emit(figures, bench, metric, value, unit, **extra):
    """Record one figure and print it as the JSON line the bench contract asks for."""
    line = {"bench": bench, "metric": metric, "value": round(value, 2) if isinstance(value, float) else value,
            "unit": unit, **extra}
    figures.append(line)
    print(json.dumps(line, ensure_ascii=False), flush=True)


def machine():
    cpu = "?"
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    return f"{platform.node()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def write_results(bench, description, figures):
    """Append a section with every figure to bench/RESULTS.md: date, commit, machine, table."""
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/RESULTS.md"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [f"\n## {bench} — {stamp} — commit {commit}{' (with uncommitted changes)' if dirty else ''}\n",
             f"Machine: {machine()}. {description}\n",
             "| metric | value | unit | target |", "|---|---:|---|---|"]
    lines += [f"| {f['metric']} | {f['value']} | {f['unit']} | {f.get('target', '')} |" for f in figures]
    RESULTS.parent.mkdir(exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by the scripts in bench/; newest last.\n")
    with RESULTS.open("a") as fh:
        fh.write("\n".join(lines) + "\n")


def prepare(script, db, env, expected, pg_database, rebuild, build_args, what):
    """Reuse the data in env's ZHUDAI_HOME when its built.json says `expected`; else build it afresh
    with the script's `_build` phase (which writes built.json when it is done)."""
    home = Path(env["ZHUDAI_HOME"])
    marker = home / "built.json"
    if not rebuild and marker.exists() and json.loads(marker.read_text()) == expected:
        print(f"[{db}] reusing {what} in {home}", file=sys.stderr)
        return env
    marker.unlink(missing_ok=True)
    if db == "sqlite":
        for f in home.glob("bench.sqlite3*"):
            f.unlink()
    else:
        recreate_pg_database(pg_database)
    print(f"[{db}] building {what} …", file=sys.stderr)
    run_phase(script, env, "_build", *build_args)
    return env
