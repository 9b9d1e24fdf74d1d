#!/usr/bin/python3
"""PostgreSQL store benchmark (issue 14): monitors x N HTTP targets (nginx on
loopback, as bench/monitor/bench.py) against one PostgreSQL on this machine
(tests/integration/pgserver.py: initdb into a temp dir, Unix socket only),
then the same targets with the SQLite store, in the same run.

For each run, over a measuring window after a warm-up:
  - checks/s stored: rows that reached check_results in the window / window;
  - CPU ms per 1,000 checks for the monitors (/proc/PID/stat of each) and for
    PostgreSQL (/proc/PID/stat of the postmaster and every backend, the
    processes whose parent is the postmaster);
  - the store's write rate: rows/s (the checks stored), and on PostgreSQL the
    WAL it wrote (pg_current_wal_lsn() before and after), per second and per
    check;
  - after the run, check_results' size per row on both (partitions with
    their indexes; SQLite's dbstat), for docs/scaling.md.

With --monitors 3 each monitor runs with --location locK (needs a saasguard
built with the cluster work: `saasguard monitor --help` lists --location);
--sqlite-saasguard picks the binary for the SQLite run (default: the same).
Prints one JSON object. 127.0.0.1 and Unix sockets only.

usage: bench.py SAASGUARD [--targets 10000] [--interval 10] [--warmup 15]
                [--seconds 30] [--monitors 1] [--stagger] [--sqlite-saasguard PATH]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import pgserver  # noqa: E402


def _load_monitor_bench():
    """bench/monitor/bench.py (nginx, target URLs, /proc readers), by path: this file
    has the same name."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "monitor_bench", os.path.join(ROOT, "bench", "monitor", "bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


mb = _load_monitor_bench()


def children_of(ppid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(rest[1]) == ppid:
            out.append(int(d))
    return out


def pg_cpu(postmaster):
    """CPU seconds of the postmaster and every process it forked (backends,
    checkpointer, WAL writer ...), dead ones not counted: sample while the
    monitors' connections are open."""
    total = 0.0
    for pid in [postmaster] + children_of(postmaster):
        try:
            total += mb.cpu_of(pid)
        except OSError:
            pass
    return total


def profile(d, targets, interval, tag):
    path = f"{d}/bench-{tag}.yaml"
    with open(path, "w") as f:
        f.write("service: {name: bench, pattern: 3}\nmonitor:\n  checks:\n")
        for i, u in enumerate(targets):
            f.write(f"    - {{name: t{i}, kind: liveness, type: http, url: \"{u}\", "
                    f"interval: {interval}s, timeout: 5s}}\n")
    return path


def start_monitor(sg, prof, db, location=None):
    argv = [sg, "monitor", prof, "--db", db, "--stats"]
    if location:
        argv += ["--location", location]
    return subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, LANG="C.UTF-8"))


def stop_monitor(p):
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=300)[1]
    m = re.search(r"stats: (\{.*\})", err)
    return json.loads(m.group(1)) if m else {"error": err[-1500:]}


def count_pg(pg, db, t0, t1):
    out = pg.psql(f"SELECT count(*) FROM check_results WHERE at >= {t0} AND at < {t1}", db,
                  check=False)  # no table yet: none
    return int(out.strip() or 0)


def count_sqlite(path, t0, t1):
    import sqlite3
    if not os.path.exists(path):
        return 0
    c = sqlite3.connect(path)
    try:
        return c.execute("SELECT count(*) FROM check_results WHERE at >= ? AND at < ?",
                         (t0, t1)).fetchone()[0]
    except sqlite3.Error:  # no table yet
        return 0
    finally:
        c.close()


def sqlite_sizes(path):
    """check_results' pages (dbstat) per row, comparable with pg_sizes()."""
    import sqlite3
    c = sqlite3.connect(path)
    try:
        rows = c.execute("SELECT count(*) FROM check_results").fetchone()[0]
        try:
            size = c.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN ('check_results', "
                             "'check_results_by_time')").fetchone()[0] or 0
        except sqlite3.Error:  # no dbstat in this build of sqlite3
            size = c.execute("PRAGMA page_count").fetchone()[0] * \
                c.execute("PRAGMA page_size").fetchone()[0]
        return {"check_results_bytes": size, "check_results_rows": rows,
                "bytes_per_result": round(size / max(rows, 1), 1)}
    finally:
        c.close()


def measure(sg, prof, ntargets, dbs, locations, warmup, seconds, pg=None, pgdb=None,
            stagger=False):
    """Runs one monitor per (db, location); returns the window's figures."""
    start = time.time()
    procs = []

    def stored_round(k):
        # Start-up (the checks registered, the first round stored) is not
        # the steady state: wait for one full round per monitor.
        while time.time() - start < 600:
            n = count_pg(pg, pgdb, 0, 1e12) if pg else count_sqlite(dbs[0], 0, 1e12)
            if n >= ntargets * k or any(p.poll() is not None for p in procs):
                return
            time.sleep(1)

    for k, (db, loc) in enumerate(zip(dbs, locations)):
        procs.append(start_monitor(sg, prof, db, loc))
        if stagger:
            stored_round(k + 1)
    stored_round(len(procs))
    first_round_s = time.time() - start
    time.sleep(warmup)
    t0 = time.time()
    mon0 = [mb.cpu_of(p.pid) for p in procs]
    if pg:
        cpu0 = pg_cpu(pg.proc.pid)
        lsn0 = pg.psql("SELECT pg_current_wal_lsn() - '0/0'", pgdb).strip()
    time.sleep(seconds)
    t1 = time.time()
    mon1 = [mb.cpu_of(p.pid) for p in procs]
    rss = [mb.rss_kib(p.pid) for p in procs]
    if pg:
        cpu1 = pg_cpu(pg.proc.pid)
        lsn1 = pg.psql("SELECT pg_current_wal_lsn() - '0/0'", pgdb).strip()
    stats = [stop_monitor(p) for p in procs]
    # Results are stamped with their probe's time: let the writers finish
    # (stop_monitor waited for them) before counting the window.
    if pg:
        stored = count_pg(pg, pgdb, t0, t1)
    else:
        stored = sum(count_sqlite(db, t0, t1) for db in dbs)
    wall = t1 - t0
    out = {
        "monitors": len(procs),
        "locations": [x for x in locations if x],
        "first_round_stored_s": round(first_round_s, 1),
        "staggered_start": stagger,
        "window_s": round(wall, 2),
        "stored": stored,
        "checks_per_s_stored": round(stored / wall, 1),
        "monitor_cpu_s": round(sum(mon1) - sum(mon0), 2),
        "monitor_cpu_ms_per_1000": round((sum(mon1) - sum(mon0)) * 1e6 / max(stored, 1), 1),
        "monitor_rss_kib": rss,
        "monitor_stats": stats,
    }
    if pg:
        wal = int(float(lsn1)) - int(float(lsn0))
        out.update({
            "postgres_cpu_s": round(cpu1 - cpu0, 2),
            "postgres_cpu_ms_per_1000": round((cpu1 - cpu0) * 1e6 / max(stored, 1), 1),
            "wal_bytes_per_s": round(wal / wall),
            "wal_bytes_per_check": round(wal / max(stored, 1), 1),
        })
    else:
        out.update(sqlite_sizes(dbs[0]))
    return out


def pg_sizes(pg, db):
    q = ("SELECT pg_total_relation_size(inhrelid) FROM pg_inherits "
         "WHERE inhparent = 'check_results'::regclass")
    parts = sum(int(x) for x in pg.psql(q, db).split())
    rows = int(pg.psql("SELECT count(*) FROM check_results", db).strip())
    return {"check_results_bytes": parts, "check_results_rows": rows,
            "bytes_per_result": round(parts / max(rows, 1), 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("saasguard")
    ap.add_argument("--targets", type=int, default=10000)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=15)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--monitors", type=int, default=1)
    ap.add_argument("--sqlite-saasguard")
    ap.add_argument("--stagger", action="store_true",
                    help="start each monitor once the one before has stored a full round")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="sg-pgbench-")
    os.chmod(d, 0o755)
    ng, ports = mb.start_nginx(d)
    pg = pgserver.PgServer().start()
    out = {"targets": a.targets, "interval_s": a.interval,
           "demand_per_monitor_per_s": a.targets / a.interval,
           "loadavg_before": open("/proc/loadavg").read().split()[:3]}
    try:
        prof = profile(d, mb.urls(ports, a.targets), a.interval, "n")
        locs = [f"loc{k + 1}" for k in range(a.monitors)] if a.monitors > 1 else [None]
        uri = pg.new_database("bench_pg")
        out["postgresql"] = measure(a.saasguard, prof, a.targets, [uri] * len(locs), locs, a.warmup,
                                    a.seconds, pg, "bench_pg", stagger=a.stagger)
        out["postgresql"].update(pg_sizes(pg, "bench_pg"))
        if a.monitors > 1:
            uri1 = pg.new_database("bench_pg1")
            out["postgresql_1"] = measure(a.saasguard, prof, a.targets, [uri1], [None], a.warmup,
                                          a.seconds, pg, "bench_pg1")
            out["postgresql_1"].update(pg_sizes(pg, "bench_pg1"))
        out["sqlite"] = measure(a.sqlite_saasguard or a.saasguard, prof, a.targets, [f"{d}/s.db"], [None],
                                a.warmup, a.seconds)
        out["loadavg_after"] = open("/proc/loadavg").read().split()[:3]
    finally:
        pg.stop()
        ng.send_signal(signal.SIGQUIT)
        ng.wait()
        shutil.rmtree(d, True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
