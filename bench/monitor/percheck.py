#!/usr/bin/python3
"""What one check costs in system calls and allocations, per thread.

Runs `saasguard monitor` over N liveness HTTP checks against bench.py's
loopback nginx (every check due each --interval seconds), waits --warmup
seconds, then attaches
  strace -c -f     system calls per check (connect() calls = checks), split
                   into the loop's and the writer thread's (pwrite64/pread64/
                   fdatasync/futex)
  perf stat        (with --allocs; needs `perf probe` on the process's
                   malloc, calloc and realloc: jemalloc's or libc's, made
                   here) allocations per check per thread
strace slows the loop down, so the loop runs saturated while it is attached:
read the counts, not the rates.

usage: percheck.py SAASGUARD [--targets 2000] [--interval 1] [--warmup 12]
                   [--seconds 5] [--allocs]
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

WRITER = ("pwrite64", "pread64", "fdatasync", "fsync", "futex", "clock_nanosleep")


def strace_counts(pid, seconds):
    out = tempfile.mktemp(prefix="sg-strace-")
    subprocess.run(["timeout", str(seconds), "strace", "-c", "-f", "-p", str(pid), "-o", out],
                   stderr=subprocess.DEVNULL)
    rows = {}
    with open(out) as f:
        for line in f:
            p = line.split()
            if len(p) >= 5 and p[0][0].isdigit() and p[-1] != "total":
                rows[p[-1]] = int(p[3])
    os.unlink(out)
    return rows


def allocator_of(pid):
    """The library whose malloc the process calls: jemalloc when the build
    links it (meson.build), libc otherwise, and perf's probe group for it."""
    with open(f"/proc/{pid}/maps") as f:
        libs = {line.split()[-1] for line in f if ".so" in line}
    for lib in sorted(libs):
        if "/libjemalloc.so" in lib:
            return lib, "probe_libjemalloc"
    return "/lib/x86_64-linux-gnu/libc.so.6", "probe_libc"


def alloc_counts(pid, seconds):
    lib, group = allocator_of(pid)
    have = subprocess.run(["perf", "probe", "-l"], capture_output=True, text=True).stdout
    made = []
    for fn in ("malloc", "calloc", "realloc"):
        if f"{group}:{fn}" not in have:
            subprocess.run(["perf", "probe", "-q", "-x", lib, "-a", fn], check=True)
            made.append(f"{group}:{fn}")
    ev = f"{group}:malloc,{group}:calloc,{group}:realloc,syscalls:sys_enter_connect"
    try:
        r = subprocess.run(["perf", "stat", "--per-thread", "-x,", "-e", ev, "-p", str(pid),
                            "--", "sleep", str(seconds)], capture_output=True, text=True)
    finally:
        for name in made:  # the probes this run made go with it
            subprocess.run(["perf", "probe", "-q", "-d", name])
    per = {}
    for line in r.stderr.splitlines():
        p = line.split(",")
        if len(p) > 3 and p[1].isdigit():
            per.setdefault(p[0], {})[p[3]] = int(p[1])
    checks = sum(v.get("syscalls:sys_enter_connect", 0) for v in per.values())
    out = {}
    for t, v in per.items():
        n = sum(v.get(f"{group}:{fn}", 0) for fn in ("malloc", "calloc", "realloc"))
        kind = "loop" if v.get("syscalls:sys_enter_connect") else "other"
        out[f"{t} ({kind})"] = round(n / max(checks, 1), 1)
    return checks, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("saasguard")
    ap.add_argument("--targets", type=int, default=2000)
    ap.add_argument("--interval", type=float, default=1)
    ap.add_argument("--warmup", type=float, default=12)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--allocs", action="store_true")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="sg-percheck-")
    os.chmod(d, 0o755)
    ng, ports = bench.start_nginx(d)
    try:
        prof = bench.profile(d, bench.urls(ports, a.targets), a.interval)
        p = subprocess.Popen([a.saasguard, "monitor", prof, "--db", f"{d}/a.db"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(a.warmup)
        rows = strace_counts(p.pid, a.seconds)
        checks = rows.get("connect", 0)
        loop = {k: round(v / max(checks, 1), 2) for k, v in sorted(rows.items())
                if k not in WRITER}
        writer = {k: round(v / max(checks, 1), 2) for k, v in sorted(rows.items()) if k in WRITER}
        print(f"checks under strace: {checks} (load {bench.load()})")
        print(f"loop thread, system calls per check: {sum(loop.values()):.1f}  {loop}")
        print(f"writer thread (and locks), per check: {writer}")
        if a.allocs:
            n, per = alloc_counts(p.pid, a.seconds)
            print(f"allocations (malloc+calloc+realloc) per check over {n} checks: {per}")
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=120)
    finally:
        bench.stop_nginx(ng, d)


if __name__ == "__main__":
    main()
