#!/usr/bin/python3
"""A monitor's start-up registration of N checks (docs/performance.md,
"Start-up with many checks"): bench_pg_register on a SQLite file and on one
local PostgreSQL 15 (tests/integration/pgserver.py; Unix socket only), the
old way (five round trips per check) and the batched one. Prints one JSON
object per engine.

usage: register.py BUILD_DIR [--checks 10000]
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import pgserver  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--checks", type=int, default=10000)
    a = ap.parse_args()
    prog = os.path.join(a.build, "bench_pg_register")
    with tempfile.TemporaryDirectory() as d:
        print(subprocess.run([prog, os.path.join(d, "r.db"), str(a.checks)], check=True,
                             capture_output=True, text=True).stdout.strip(), flush=True)
    pg = pgserver.PgServer().start()
    try:
        uri = pg.new_database("register")
        print(subprocess.run([prog, uri, str(a.checks)], check=True, capture_output=True,
                             text=True).stdout.strip(), flush=True)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
