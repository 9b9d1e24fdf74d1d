#!/usr/bin/python3
"""Whose work a check's CPU is, libcurl's or saasguard's own, and the ratio
to blackbox_exporter that saasguard could reach if its own work cost nothing.

Three parts in one run, against bench.py's loopback nginx with N targets all
due every second (bench.py's `max` part, the monitor saturated):
  1. `saasguard monitor --stats` for SECONDS, not observed: CPU ms per check
     in the steady state, and its kernel part;
  2. blackbox_exporter over the same targets for SECONDS (bench.py's
     `blackbox` part): CPU ms per probe;
  3. the monitor again, under `perf record --call-graph dwarf` for PERF
     seconds once every check has been probed. Each sample goes to the first
     owner on its call chain, from the leaf out:
       libcurl    libcurl's code, and everything it calls: the allocator,
                  libc, its system calls and the kernel's TCP work under them;
       saasguard  saasguard's code and the libraries it calls for its own
                  work (libuv, SQLite, OpenSSL): the schedule, curluv's epoll
                  set, the callbacks libcurl calls, results, the writer.
     The kernel, libc, the allocator and the vDSO own nothing; their time
     goes to whoever called them. A sample with no owner on its chain (the
     unwinding failed) is counted as `unattributed`.

    ceiling = exporter's ms per probe / (monitor's ms per check x libcurl's share)

is the ratio of total CPU the monitor would reach if saasguard's own share
cost nothing at all, with libcurl's share as measured.

usage: owners.py SAASGUARD [--targets 10000] [--seconds 30] [--perf 10]
Needs perf (linux-perf) and the right to trace the monitor (root, or
kernel.perf_event_paranoid <= 1). 127.0.0.1 only.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import threads  # noqa: E402

OWNERS = (("libcurl.", "libcurl"), ("saasguard", "saasguard"), ("libuv.", "saasguard"),
          ("libsqlite3.", "saasguard"), ("libcrypto.", "saasguard"))


def owner_of(frame):
    """The owner a `perf script` frame line names, or None (kernel, libc,
    allocator, vDSO, inlined frames)."""
    dso = frame[frame.rfind("(") + 1:-1].rsplit("/", 1)[-1]
    for prefix, who in OWNERS:
        if dso.startswith(prefix):
            return who
    return None


def attribute(data):
    """{owner: {"kernel": samples, "user": samples}} of a perf.data file."""
    out = collections.defaultdict(lambda: {"kernel": 0, "user": 0})
    p = subprocess.Popen(["perf", "script", "-i", data, "-F", "tid,ip,sym,dso"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    frames = []

    def close():
        if frames:
            who = next((o for o in map(owner_of, frames) if o), "unattributed")
            out[who]["kernel" if frames[0].endswith("([kernel.kallsyms])") else "user"] += 1
            frames.clear()

    for line in p.stdout:
        if line[:1] in ("\t", " ") and line.strip():
            frames.append(line.strip())
        else:
            close()
    close()
    if p.wait():
        raise RuntimeError("perf script failed")
    return dict(out)


def perf_shares(sg, n, seconds):
    """Owners' shares of the monitor's CPU over n targets due every second."""
    with threads.steady_monitor(sg, n, 1, "sg-owners-") as (p, d):
        data = f"{d}/perf.data"
        subprocess.run(["perf", "record", "--call-graph", "dwarf,16384", "-F", "499", "-o", data,
                        "-p", str(p.pid), "--", "sleep", str(seconds)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        counts = attribute(data)
    total = sum(c["kernel"] + c["user"] for c in counts.values())
    shares = {who: {"share": (c["kernel"] + c["user"]) / total,
                    "kernel_share": c["kernel"] / total, "samples": c["kernel"] + c["user"]}
              for who, c in counts.items()}
    return shares, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("saasguard")
    ap.add_argument("--targets", type=int, default=10000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--perf", type=int, default=10)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="sg-owners-")
    os.chmod(d, 0o755)
    ng, ports = bench.start_nginx(d)
    try:
        t = bench.urls(ports, a.targets)
        st = bench.run_monitor(a.saasguard, bench.profile(d, t, 1), f"{d}/max.db",
                               a.seconds + 5)
        mon = bench.brief(st)
        bb = bench.blackbox(t, a.seconds, d)
    finally:
        bench.stop_nginx(ng, d)
    shares, samples = perf_shares(a.saasguard, a.targets, a.perf)
    ms = mon["steady_cpu_ms_per_check"]
    curl = shares.get("libcurl", {"share": 0})["share"]
    out = {"targets": a.targets, "monitor_ms_per_check": ms,
           "monitor_kernel_ms_per_check": mon["steady_sys_ms_per_check"],
           "monitor_checks_per_s": mon["steady_checks_per_s"], "monitor_load": mon["load"],
           "exporter_ms_per_probe": bb["cpu_s_per_1000"],
           "exporter_kernel_ms_per_probe": bb["sys_s_per_1000"], "exporter_load": bb["load"],
           "ratio": bb["cpu_s_per_1000"] / ms, "perf_samples": samples, "owners": shares,
           "libcurl_ms_per_check": ms * curl,
           "ceiling": bb["cpu_s_per_1000"] / (ms * curl) if curl else None}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
