#!/usr/bin/python3
"""Failover time after kill -9 of the coordinator (issue 14).

Three monitors (locations a, b, c) on one PostgreSQL store (a real server
from tests/integration/pgserver.py, Unix socket only), one HTTP check every
3 s against nginx on loopback. Each round kills the coordinator with
SIGKILL, measures how long until another node holds the lease (polling the
lease row every 20 ms), then starts the killed monitor again. Prints one
JSON line: the rounds' times, min, median, max, and the bound the docs state
(CLUSTER_LEASE_TTL_S + 2 s).

    bench/cluster/failover.py [--rounds 10] [--build build]
"""
import argparse
import json
import os
import statistics
import sys
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    os.environ["SAASGUARD"] = os.path.join(ROOT, args.build, "saasguard")
    import test_cluster as tc
    from pgserver import PgServer
    from servers import Nginx

    class Bench(unittest.TestCase):
        def runTest(self):
            pass

    t = Bench()
    pg = PgServer().start()
    try:
        db = pg.new_database("sg_failover")
        d = tc.sg.scratch(t)
        ng = Nginx(t)
        ng.start()
        prof = os.path.join(d, "p.yaml")
        tc.write_profile(prof, ng.url(), interval="4s")
        cl = tc.Cluster(t, prof, db)
        names = {"a": "a", "b": "b", "c": "c"}
        for n in names:
            cl.start(n, n)
            time.sleep(0.5)
        tc.wait_for(lambda: tc.holder(db), 10)
        times = []
        for _ in range(args.rounds):
            time.sleep(4)  # every node heartbeating
            before = tc.holder(db)
            t0 = time.time()
            cl.kill9(before[1])
            after = tc.wait_for(lambda: (lambda h: h if h and h[0] != before[0] else None)(
                tc.holder(db)), 20, step=0.02)
            times.append(round(time.time() - t0, 3))
            cl.start(before[1], before[1])
        cl.stop_all()
        print(json.dumps({"rounds": args.rounds, "failover_s": times, "min": min(times),
                          "median": statistics.median(times), "max": max(times),
                          "bound_s": tc.FAILOVER_BOUND}))
    finally:
        t.doCleanups()
        pg.stop()


if __name__ == "__main__":
    main()
