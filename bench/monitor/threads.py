#!/usr/bin/python3
"""CPU of each of the monitor's threads (loop, writer, hourly) over a window
of the steady state, from /proc/PID/task/TID/stat.

Runs `saasguard monitor` over N liveness HTTP checks against bench.py's
loopback nginx, each due every INTERVAL seconds (N / INTERVAL checks/s),
waits two intervals and 15 s (every check probed, the start-up round
over), then reads every thread's user and system time at the start and the
end of a WINDOW-second window. The writer folds the daily rollups once a
minute, and with more than 2,000 checks each probed less than five times a
minute later, up to every ten minutes (about every 500 s at 100,000 checks
every 100 s): use a window that holds several folds, 120 s or more, 1,200 s
at 100,000 checks.

usage: threads.py SAASGUARD N INTERVAL [WINDOW]
    e.g. threads.py build/saasguard 100000 100 1200   (1,000 checks/s)
"""
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def threads(pid):
    """{tid: (name, user ticks, system ticks)} of pid's threads."""
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/stat") as f:
                x = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/task/{t}/comm") as f:
                name = f.read().strip()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        out[t] = (name, int(x[11]), int(x[12]))
    return out


def print_threads(a, b, w):
    """Each thread's user and system CPU-s per second between threads() a and b,
    w seconds apart."""
    tck = os.sysconf("SC_CLK_TCK")
    for t in sorted(b, key=int):
        if t in a:
            user = (b[t][1] - a[t][1]) / tck / w
            system = (b[t][2] - a[t][2]) / tck / w
            print(f"  thread {t} ({b[t][0]}): user {user:.3f} system {system:.3f}")


def start_monitor(sg, prof, db):
    """`saasguard monitor PROF --db DB`, its output discarded."""
    return subprocess.Popen([sg, "monitor", prof, "--db", db], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, LANG="C.UTF-8"))


@contextlib.contextmanager
def steady_monitor(sg, n, interval, prefix):
    """A monitor over n checks due every interval seconds against bench.py's
    nginx, yielded once every check has been probed (two intervals and 15 s);
    stopped, and its directory removed, on leaving."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    ng, ports = bench.start_nginx(d)
    try:
        prof = bench.profile(d, bench.urls(ports, n), interval)
        p = start_monitor(sg, prof, f"{d}/m.db")
        try:
            time.sleep(2 * interval + 15)
            yield p, d
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=300)
    finally:
        bench.stop_nginx(ng, d)


def usage_args(doc, last):
    """SAASGUARD N INTERVAL [X] from argv (X defaults to last); exits with doc."""
    if len(sys.argv) < 4:
        sys.exit(doc)
    x = float(sys.argv[4]) if len(sys.argv) > 4 else last
    return sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), x


def main():
    sg, n, interval, window = usage_args(__doc__, 120)
    with steady_monitor(sg, n, interval, "sg-threads-") as (p, _):
        a, t0 = threads(p.pid), time.time()
        time.sleep(window)
        b, w = threads(p.pid), time.time() - t0
    print(f"{n} checks every {interval:g} s, {w:.0f} s window; CPU-s per second "
          "(the lowest thread id is the loop, the next the writer):")
    print_threads(a, b, w)


if __name__ == "__main__":
    main()
