"""The store's size for 1,000 checks probed every minute: bulk-inserts a
sample of raw results (with HTTP phases) and a year of daily rollups into a
store made by saasguard's own migrations, measures bytes per row, and
extrapolates to a year at the default retention of pattern 1 (successful
results 3 months, III.2.1.3.a; failures 5 years, III.2.1.3.b; rollups kept).

    python3 bench/monitor/store_size.py build [SAMPLE_ROWS]
"""
import os
import random
import sqlite3
import subprocess
import sys
import tempfile

build = sys.argv[1] if len(sys.argv) > 1 else "build"
sample = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
CHECKS, PER_DAY, FAIL_RATE = 1000, 1440, 0.001
d = tempfile.mkdtemp(prefix="sg-size-")
db = os.path.join(d, "sg.db")
subprocess.run([os.path.join(build, "tests", "sg-store-init"), db], check=True)
c = sqlite3.connect(db)
c.execute("PRAGMA synchronous=OFF")
with c:
    c.executemany("INSERT INTO checks(service, name, kind, type, target, interval_s, item_id, "
                  "created_at) VALUES ('s', ?, 'liveness', 'http', ?, 60, 'III.1.1.1.a', 0)",
                  [(f"t{i}", f"https://app{i}.example.jp/healthz") for i in range(CHECKS)])
ids = [r[0] for r in c.execute("SELECT id FROM checks")]
t0 = 1_780_000_000.0
rnd = random.Random(1)


def rows(n):
    for k in range(n):
        ok = rnd.random() > FAIL_RATE
        lat = rnd.uniform(20, 200)
        yield (ids[k % CHECKS], t0 + 60 * (k // CHECKS) + rnd.random(), 1 if ok else 0, lat,
               200 if ok else None, None if ok else "Couldn't connect to server",
               rnd.uniform(0.1, 2), lat * 0.2, lat * 0.5, lat * 0.8)


before = os.path.getsize(db)
with c:
    c.executemany("INSERT INTO check_results(check_id, at, ok, latency_ms, status_code, error, "
                  "dns_ms, connect_ms, tls_ms, ttfb_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
                  rows(sample))
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
after_results = os.path.getsize(db)
blob = bytes(256)
with c:
    c.executemany("INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, lat_hist) "
                  "VALUES (?, ?, 1440, 1, 61.0, ?)",
                  [(i, f"2026-{1 + day // 31:02d}-{1 + day % 31:02d}", blob)
                   for day in range(365) for i in ids])  # a day at a time, as the daemon
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
after_daily = os.path.getsize(db)
c.close()
per_result = (after_results - before) / sample
per_daily = (after_daily - after_results) / (365 * CHECKS)
ok_rows = CHECKS * PER_DAY * 91 * (1 - FAIL_RATE)   # 3 months of successes
fail_rows = CHECKS * PER_DAY * 365 * FAIL_RATE       # a year of failures (kept 5 years)
year_all = CHECKS * PER_DAY * 365
print(f"sample: {sample} results, {per_result:.1f} bytes per result (indexes included)")
print(f"rollups: {per_daily:.1f} bytes per check-day")
print(f"one year, default retention (pattern 1): "
      f"{(ok_rows + fail_rows) * per_result / 2**30:.1f} GiB results + "
      f"{365 * CHECKS * per_daily / 2**20:.0f} MiB rollups")
print(f"one year, everything kept: {year_all * per_result / 2**30:.1f} GiB")
subprocess.run(["rm", "-rf", d])
