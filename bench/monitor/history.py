#!/usr/bin/python3
"""The monitor's writer on a store with history: what the minute's fold of
the daily rollups costs when check_daily already holds DAYS days of every
check, as a store in production does after DAYS days.

Runs `saasguard monitor` over N liveness HTTP checks against bench.py's
loopback nginx (each due every INTERVAL seconds) until it has registered
them, stops it, fills check_daily with DAYS earlier days of every check (a
day per transaction, as the daemon makes them), starts it again, waits two
intervals and 15 s, and then measures over a WINDOW-second window each
thread's CPU and the bytes the process wrote (/proc/PID/io wchar: the WAL
and its checkpoints). The window must hold several folds: 120 s before
7e9faca, which folds once a minute; since then at 100,000 checks every
100 s a fold comes about every 500 s (threads.py), so 1,200 s.

With --pg the store is a PostgreSQL started for the run (the integration
tests' pgserver.py: initdb into a temp dir, Unix socket only), and what is
measured is the WAL it wrote (pg_current_wal_lsn()) and the CPU of its
processes. It runs with full_page_writes on, as in production (the tests'
server turns it off), and the window starts with a CHECKPOINT, so every page
first written in the window is logged whole, as after each checkpoint.

usage: history.py SAASGUARD N INTERVAL DAYS [WINDOW] [--pg]
    e.g. history.py build/saasguard 100000 100 30 1200   (1,000 checks/s)
"""
import datetime
import os
import signal
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
import bench  # noqa: E402
from threads import print_threads, start_monitor, threads  # noqa: E402


def wchar(pid):
    with open(f"/proc/{pid}/io") as f:
        return int(next(x for x in f if x.startswith("wchar:")).split()[1])


class Store:
    """The store: a SQLite file in d, or with pg a database on it."""

    def __init__(self, d, pg):
        self.pg = pg
        self.db = pg.new_database("history") if pg else f"{d}/m.db"

    def connect(self):
        if self.pg:
            return self.pg.connect("history")
        return sqlite3.connect(self.db)

    def checks(self):
        try:
            c = self.connect()
        except sqlite3.OperationalError:  # not made yet
            return 0
        try:
            cur = c.cursor()
            cur.execute("SELECT count(*) FROM checks")
            return cur.fetchone()[0]
        except Exception:  # the schema is not made yet
            return 0
        finally:
            c.close()

    def fill(self, days):
        """DAYS days before today of every check, a day per transaction."""
        c = self.connect()
        cur = c.cursor()
        cur.execute("SELECT id FROM checks ORDER BY id")
        ids = [r[0] for r in cur.fetchall()]
        c.commit()
        today = datetime.date.today()
        hist = bytes(range(256))
        t0 = time.time()
        for k in range(days, 0, -1):
            day = (today - datetime.timedelta(days=k)).isoformat()
            if self.pg:
                cur.execute("INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, "
                            "lat_hist, last_at) SELECT id, %s, 864, 0, 101.0, %s, NULL FROM "
                            "checks", (day, hist))
            else:
                cur.executemany("INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, "
                                "lat_hist, last_at) VALUES (?, ?, 864, 0, 101.0, ?, NULL)",
                                ((i, day, hist) for i in ids))
            c.commit()
        if self.pg:
            c.autocommit = True
            c.cursor().execute("VACUUM ANALYZE check_daily")
        else:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
        return time.time() - t0

    def size(self):
        if not self.pg:
            return os.path.getsize(self.db)
        c = self.connect()
        cur = c.cursor()
        cur.execute("SELECT pg_database_size(current_database())")
        n = cur.fetchone()[0]
        c.close()
        return n

    def checkpoint(self):
        if self.pg:
            self.pg.psql("CHECKPOINT", "history")

    def written(self, pid):
        """Bytes written so far: the monitor's (SQLite) or the WAL's."""
        if not self.pg:
            return wchar(pid)
        c = self.connect()
        cur = c.cursor()
        cur.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")
        n = int(cur.fetchone()[0])
        c.close()
        return n


def registered(store, n, p):
    """Waits until the monitor p has stored the profile's n checks."""
    while p.poll() is None:
        if store.checks() >= n:
            return
        time.sleep(1)
    sys.exit(f"the monitor ended ({p.returncode}) before it registered {n} checks")


def pg_cpu(pg):
    """CPU seconds of the postmaster and the processes it forked (bench/pg/bench.py's
    pg_cpu(), loaded by path: it has this directory's bench.py's name)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("pg_bench",
                                                  os.path.join(HERE, "..", "pg", "bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.pg_cpu(pg.proc.pid)


def main():
    args = [a for a in sys.argv[1:] if a != "--pg"]
    if len(args) < 4:
        sys.exit(__doc__)
    sg, n, interval, days = args[0], int(args[1]), float(args[2]), int(args[3])
    window = float(args[4]) if len(args) > 4 else 120
    d = tempfile.mkdtemp(prefix="sg-history-")
    os.chmod(d, 0o755)
    pg = None
    if "--pg" in sys.argv:
        import pgserver
        pg = pgserver.PgServer()
        pg.extra_options = ["-c", "full_page_writes=on"]
        pg.start()
    ng, ports = bench.start_nginx(d)
    try:
        store = Store(d, pg)
        prof = bench.profile(d, bench.urls(ports, n), interval)
        p = start_monitor(sg, prof, store.db)
        registered(store, n, p)
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=300)
        took = store.fill(days)
        size = store.size()
        p = start_monitor(sg, prof, store.db)
        try:
            time.sleep(2 * interval + 15)
            store.checkpoint()
            a, wa, t0 = threads(p.pid), store.written(p.pid), time.time()
            ca = pg_cpu(pg) if pg else 0
            time.sleep(window)
            b, wb, w = threads(p.pid), store.written(p.pid), time.time() - t0
            cb = pg_cpu(pg) if pg else 0
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=300)
        print(f"{n} checks every {interval:g} s with {days} days of rollups "
              f"({'PostgreSQL' if pg else 'SQLite'}, filled in {took:.0f} s, "
              f"store {size / 2**20:.0f} MiB), {w:.0f} s window:")
        print(f"  written ({'WAL' if pg else 'wchar'}): {(wb - wa) / w / 2**20:.2f} MiB/s")
        if pg:
            print(f"  PostgreSQL processes: {(cb - ca) / w:.3f} CPU-s/s")
        print_threads(a, b, w)
    finally:
        bench.stop_nginx(ng, d)
        if pg:
            pg.stop()


if __name__ == "__main__":
    main()
