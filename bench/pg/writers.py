#!/usr/bin/python3
"""Writers on one PostgreSQL store (issue 14, docs/performance.md "Writers on
one PostgreSQL store"): W concurrent writers (bench_pg_write: W threads, each
its own connection, playing W monitors' writer threads through the real
store_monitor write path) against one local PostgreSQL 15
(tests/integration/pgserver.py: initdb into a temp dir, Unix socket only),
the demand raised step by step until the stored rows/s stop following it,
with the results transaction under the store-wide writer lock (`lock`, as
before store_begin_shared()) and without it (`shared`).

For each run: offered and stored rows/s, PostgreSQL CPU per 1,000 rows (the
postmaster and every process it forked, exited ones included: its
cutime/cstime), WAL bytes per row (pg_current_wal_lsn() before and after).
The server runs as the test harness runs it (fsync off, synchronous_commit
off, full_page_writes off) unless --fsync, which turns all three on.

Prints one JSON object per run, then a summary line per mode: the highest
stored rows/s. 127.0.0.1 is not even used: Unix sockets only.

usage: writers.py BUILD_DIR [--writers 1,2,4,8] [--rates 10000,20000,...]
                  [--seconds 10] [--checks 20000] [--modes lock,shared]
                  [--phase spread|same] [--fsync]
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import pgserver  # noqa: E402


def proc_cpu(pid, children=False):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    t = int(parts[11]) + int(parts[12])
    if children:
        t += int(parts[13]) + int(parts[14])
    return t / tck


def pg_cpu(postmaster):
    """CPU seconds of the postmaster, of the processes it reaped (backends that
    exited: its cutime/cstime) and of those alive."""
    total = proc_cpu(postmaster, children=True)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            if int(rest[1]) == postmaster:
                total += proc_cpu(int(d))
        except (OSError, IndexError):
            pass
    return total


def wal_lsn(pg, db):
    return int(float(pg.psql("SELECT pg_current_wal_lsn() - '0/0'", db).strip()))


def run_one(build, pg, writers, rate, seconds, checks, mode, phase):
    db = pg.unique_name("bw")
    uri = pg.new_database(db)
    # the schema and the checks first (bench_pg_write does both; a run of 1 s
    # at a token rate), so the measured window is the writes alone
    subprocess.run([os.path.join(build, "bench_pg_write"), uri, "1", "1", "1", str(checks),
                    mode, phase], check=True, capture_output=True)
    pg.psql("CHECKPOINT", db)
    cpu0, lsn0 = pg_cpu(pg.proc.pid), wal_lsn(pg, db)
    p = subprocess.run([os.path.join(build, "bench_pg_write"), uri, str(writers), str(rate),
                        str(seconds), str(checks), mode, phase],
                       check=True, capture_output=True, text=True)
    cpu1, lsn1 = pg_cpu(pg.proc.pid), wal_lsn(pg, db)
    out = json.loads(p.stdout)
    stored = max(out["stored_rows"], 1)
    out["postgres_cpu_ms_per_1000"] = round((cpu1 - cpu0) * 1e6 / stored, 1)
    out["wal_bytes_per_row"] = round((lsn1 - lsn0) / stored, 1)
    out["stderr"] = p.stderr.strip()[-300:]
    pg.drop_database(db)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--writers", default="1,2,4,8")
    ap.add_argument("--rates", default="10000,20000,40000,80000")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--checks", type=int, default=20000)
    ap.add_argument("--modes", default="lock,shared")
    ap.add_argument("--phase", default="spread", choices=["spread", "same"])
    ap.add_argument("--fsync", action="store_true")
    a = ap.parse_args()
    pg = pgserver.PgServer()
    if a.fsync:
        pg.extra_options = ["-c", "fsync=on", "-c", "synchronous_commit=on",
                            "-c", "full_page_writes=on"]
    pg.start()
    best = {}
    try:
        for mode in a.modes.split(","):
            for w in [int(x) for x in a.writers.split(",")]:
                for rate in [int(x) for x in a.rates.split(",")]:
                    r = run_one(a.build, pg, w, rate, a.seconds, a.checks, mode, a.phase)
                    r["fsync"] = a.fsync
                    print(json.dumps(r), flush=True)
                    key = mode
                    if r["stored_rows_per_s"] > best.get(key, {}).get("stored_rows_per_s", 0):
                        best[key] = r
                    if r["stored_rows_per_s"] < 0.9 * rate:
                        break  # saturated: more demand only queues
    finally:
        pg.stop()
    for mode, r in best.items():
        print(json.dumps({"summary": mode, "max_stored_rows_per_s": r["stored_rows_per_s"],
                          "at_writers": r["writers"], "offered": r["offered_rows_per_s"],
                          "postgres_cpu_ms_per_1000": r["postgres_cpu_ms_per_1000"],
                          "wal_bytes_per_row": r["wal_bytes_per_row"]}))


if __name__ == "__main__":
    main()
