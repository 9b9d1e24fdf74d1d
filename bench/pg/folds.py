#!/usr/bin/python3
"""Several locations folding into one PostgreSQL store at 100,000 checks.

Each monitor's writer folds the daily rollups of the checks it probed into
the shared `check_daily` rows, in key order, in one transaction. With more
than 2,000 checks each probed less than five times a minute a fold waits
until they average five results (at most ten minutes): at 100,000 checks
every 100 s that is one fold of every check about every 500 s per location,
and the locations fold into the same rows. This runs MONITORS monitors
(locations loc1..locN) over the same N checks due every INTERVAL seconds on
one PostgreSQL (tests/integration/pgserver.py) against bench.py's loopback
nginx, with bench/pg/bench.py's measurement (results stored in the window,
CPU of the monitors and of PostgreSQL, WAL), and samples pg_stat_activity
every second for sessions waiting on a lock: how many seconds had one, the
most at once, and when (seconds from the start; the first round, when every
location registers the same checks, comes first). Use a window that holds
two folds or more: WARMUP + WINDOW past 600 s.

usage: folds.py SAASGUARD [--targets 100000] [--interval 100] [--monitors 3]
                [--warmup 300] [--seconds 1200]
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as pb  # noqa: E402  (bench/pg/bench.py)

WAITING = ("SELECT count(*) FROM pg_stat_activity "
           "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()")


def episodes(samples, t0):
    """Runs of seconds with a session waiting on a lock: [start s, length s, most]."""
    out = []
    for t, n in samples:
        if not n:
            continue
        if out and t - t0 - (out[-1][0] + out[-1][1]) <= 2.5:
            out[-1][1] = round(t - t0 - out[-1][0])
            out[-1][2] = max(out[-1][2], n)
        else:
            out.append([round(t - t0), 0, n])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("saasguard")
    ap.add_argument("--targets", type=int, default=100000)
    ap.add_argument("--interval", type=int, default=100)
    ap.add_argument("--monitors", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--seconds", type=int, default=1200)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="sg-pgfolds-")
    os.chmod(d, 0o755)
    ng, ports = pb.mb.start_nginx(d)
    pg = pb.pgserver.PgServer().start()
    samples, stop = [], threading.Event()

    def sample():
        while not stop.wait(1.0):
            out = pg.psql(WAITING, "bench_pg", check=False).strip()
            if out.isdigit():
                samples.append((time.time(), int(out)))

    try:
        prof = pb.profile(d, pb.mb.urls(ports, a.targets), a.interval, "n")
        uri = pg.new_database("bench_pg")
        locs = [f"loc{k + 1}" for k in range(a.monitors)]
        t0 = time.time()
        sampler = threading.Thread(target=sample)
        sampler.start()
        out = pb.measure(a.saasguard, prof, a.targets, [uri] * a.monitors, locs, a.warmup,
                         a.seconds, pg, "bench_pg")
        stop.set()
        sampler.join()
    finally:
        stop.set()
        pg.stop()
        pb.mb.stop_nginx(ng, d)
    stats = out.pop("monitor_stats")
    out["steady"] = [{k: s.get("steady", {}).get(k) for k in ("probes_per_s", "lateness_ms")}
                     for s in stats]
    out["expected"] = round(a.monitors * a.targets / a.interval * out["window_s"])
    window_start = out["first_round_stored_s"] + a.warmup
    out["window_from_s"] = round(window_start)
    out["lock_wait"] = {"seconds_sampled": len(samples),
                        "seconds_with_a_wait": sum(1 for _, n in samples if n),
                        "most_at_once": max((n for _, n in samples), default=0),
                        "episodes_start_length_most": episodes(samples, t0)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
