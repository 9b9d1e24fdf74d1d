#!/usr/bin/python3
"""What the monitor writes, by file: runs `saasguard monitor` over N liveness
HTTP checks against bench.py's loopback nginx (each due every INTERVAL
seconds), waits two intervals and 15 s, then traces its pwrite64 calls with
strace for SECONDS seconds and prints MiB/s, calls and mean size per file
(the store, its WAL, SQLite's temporary files in /var/tmp). Needs strace.
Since 7e9faca a fold at 100,000 checks every 100 s comes about every 500 s
(threads.py): trace for longer than that to see one.

usage: writes.py SAASGUARD N INTERVAL [SECONDS]
    e.g. writes.py build/saasguard 100000 100 65
"""
import collections
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from threads import steady_monitor, usage_args  # noqa: E402


def links(pid):
    out = {}
    for f in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[f] = os.readlink(f"/proc/{pid}/fd/{f}")
        except OSError:  # closed meanwhile
            pass
    return out


def main():
    sg, n, interval, seconds = usage_args(__doc__, 65)
    with steady_monitor(sg, n, interval, "sg-writes-") as (p, d):
        fds = links(p.pid)
        out = f"{d}/strace.out"
        subprocess.run(["timeout", "-s", "INT", f"{seconds:g}", "strace", "-f", "-qq",
                        "-e", "trace=pwrite64,openat", "-o", out, "-p", str(p.pid)])
        fds.update(links(p.pid))
        with open(out) as f:
            lines = f.readlines()
    size, calls = collections.Counter(), collections.Counter()
    opened = {}  # fd -> the file an openat in the trace gave it
    for line in lines:
        m = re.search(r'openat\(AT_FDCWD, "([^"]+)".* = (\d+)$', line.strip())
        if m:
            opened[m.group(2)] = m.group(1)
            continue
        m = re.search(r"pwrite64\((\d+),.*= (\d+)$", line.strip())
        if m:
            name = (opened.get(m.group(1)) or fds.get(m.group(1), m.group(1))).replace(d, "DIR")
            size[name] += int(m.group(2))
            calls[name] += 1
    print(f"{n} checks every {interval:g} s, pwrite64 over {seconds:g} s:")
    for name, b in size.most_common():
        print(f"  {name}: {b / seconds / 2**20:.2f} MiB/s, {calls[name]} calls, "
              f"{b / calls[name]:.0f} B each")


if __name__ == "__main__":
    main()
