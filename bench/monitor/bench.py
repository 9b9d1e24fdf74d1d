#!/usr/bin/python3
"""Monitor benchmark: N HTTP targets against a loopback nginx, a fresh
connection per check on both sides.

Measures, for saasguard monitor (each figure in the steady state the monitor's
--stats reports: after every check's first probe and one interval, so the
start-up round that records every check's first state is left out; the
whole-run figures are in the JSON too):
  max      all N targets due every second: checks/s, CPU ms per check
  scale    the cost per check at a fixed demand (--rate checks/s) for each
           target count of --scale (interval = count / rate)
  at_500   N targets every N/500 s: p99 lateness of the schedule, quiet and
           while `saasguard report` (PDF) and `saasguard check` run against
           the same store in a loop
  memory   RSS with N targets minus RSS with 100, per target
  blackbox Debian's prometheus-blackbox-exporter over the same targets,
           driven by a loopback scrape loop hitting /probe; CPU ratio, and
           the ratio of user-space CPU alone (user_cpu_ratio: the kernel's
           part, mostly loopback TCP work both sides pay, left out)
Every run records the 1-minute load average before and after it (this
machine is shared). 127.0.0.1 only.

usage: bench.py SAASGUARD [--targets 10000] [--seconds 30]
                [--scale 1000,10000,50000,100000] [--rate 1000]
                [--only max,scale,at_500,memory,blackbox]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

PORTS = 4


def cpu_of(pid, kernel_only=False):
    """CPU seconds of pid (user + system), or its system part alone."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    return (int(parts[12]) + (0 if kernel_only else int(parts[11]))) / tck


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def load():
    return round(os.getloadavg()[0], 2)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(d):
    ports = [free_port() for _ in range(PORTS)]
    listens = "\n".join(f"    listen 127.0.0.1:{p} backlog=4096;" for p in ports)
    conf = f"""worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log crit;
worker_rlimit_nofile 65536;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  server {{
{listens}
    location /t/ {{ return 200 "ok\\n"; }}
  }}
}}
"""
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(conf)
    p = subprocess.Popen(["/usr/sbin/nginx", "-c", f"{d}/nginx.conf", "-p", d])
    time.sleep(0.5)
    return p, ports


def stop_nginx(ng, d):
    """Stops start_nginx()'s server gracefully and removes the run's directory d."""
    ng.send_signal(signal.SIGQUIT)
    ng.wait()
    shutil.rmtree(d, True)


def urls(ports, n):
    return [f"http://127.0.0.1:{ports[i % len(ports)]}/t/{i}" for i in range(n)]


def profile(d, targets, interval):
    """A profile with one liveness check per target, and the host collectors
    `saasguard check` runs during the at_500 measurement."""
    path = f"{d}/bench-{len(targets)}-{interval}.yaml"
    with open(path, "w") as f:
        f.write("service: {name: bench, pattern: 3}\n"
                "collectors:\n  timeout: 30s\n  time: {max_offset: 100ms}\n"
                "  patches: {dpkg_status: /var/lib/dpkg/status, lists: /var/lib/apt/lists}\n"
                "  firewall: {}\n"
                "monitor:\n  checks:\n")
        for i, u in enumerate(targets):
            f.write(f"    - {{name: t{i}, kind: liveness, type: http, url: \"{u}\", "
                    f"interval: {interval:g}s, timeout: 5s}}\n")
    return path


class Loaders:
    """`saasguard report` (PDF, the default format) and `saasguard check` in a
    loop against the monitor's store, from `start` seconds until stopped."""

    def __init__(self, sg, prof, db, d, start):
        self.sg, self.prof, self.db, self.d, self.start = sg, prof, db, d, start
        self.stop = threading.Event()
        self.runs = {"report": 0, "check": 0}  # finished
        self.started = {"report": 0, "check": 0}
        self.fails = {"report": 0, "check": 0}
        self.ts = [threading.Thread(target=self.loop, args=(k,)) for k in self.runs]
        for t in self.ts:
            t.start()

    def loop(self, kind):
        if self.stop.wait(self.start):
            return
        env = dict(os.environ, LANG="C.UTF-8")
        while not self.stop.is_set():
            if kind == "report":
                argv = [self.sg, "report", self.prof, "--db", self.db, "--format", "pdf",
                        "--output", f"{self.d}/report.pdf"]
            else:
                argv = [self.sg, "check", self.prof, "--db", self.db]
            p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.started[kind] += 1
            while p.poll() is None:
                if self.stop.wait(0.1):
                    p.terminate()
                    p.wait()
                    return
            # check exits 1 when it finds something (no nft here): not a failure
            self.runs[kind] += 1
            if p.returncode not in (0, 1):
                self.fails[kind] += 1
            if kind == "check":
                self.stop.wait(1.0)

    def finish(self):
        self.stop.set()
        for t in self.ts:
            t.join()
        return {"started": self.started, "finished": self.runs, "failed": self.fails}


def run_monitor(sg, prof, db, seconds, loaded_after=None, d=None):
    """Runs the monitor for `seconds` and returns its --stats. With
    loaded_after, report and check run in a loop from then on."""
    env = dict(os.environ, LANG="C.UTF-8")
    load0 = load()
    p = subprocess.Popen([sg, "monitor", prof, "--db", db, "--stats"], stderr=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, text=True, env=env)
    errs = []
    reader = threading.Thread(target=lambda: errs.append(p.stderr.read()))
    reader.start()
    loaders = Loaders(sg, prof, db, d, loaded_after) if loaded_after is not None else None
    time.sleep(seconds)
    rss = rss_kib(p.pid)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=300)
    reader.join()
    err = errs[0] if errs else ""
    m = re.search(r"stats: (\{.*\})", err)
    if not m:
        raise RuntimeError(err[-2000:])
    st = json.loads(m.group(1))
    st["rss_kib"] = rss
    st["load"] = [load0, load()]
    if loaders:
        st["during"] = loaders.finish()
    return st


def blackbox(targets, seconds, d, threads=16):
    port = free_port()
    cfg = f"{d}/blackbox.yml"
    with open(cfg, "w") as f:
        f.write("modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n"
                "    http: {preferred_ip_protocol: ip4}\n")
    p = subprocess.Popen(["/usr/bin/prometheus-blackbox-exporter", f"--config.file={cfg}",
                          f"--web.listen-address=127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    load0 = load()
    stop = time.time() + seconds
    count = [0] * threads
    fails = [0] * threads

    def worker(k):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = k
        while time.time() < stop:
            u = targets[i % len(targets)]
            c.request("GET", f"/probe?module=http_2xx&target={u}")
            body = c.getresponse().read()
            if b"probe_success 1" in body:
                count[k] += 1
            else:
                fails[k] += 1
            i += threads
        c.close()

    cpu0, sys0 = cpu_of(p.pid), cpu_of(p.pid, True)
    t0 = time.time()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.time() - t0
    cpu = cpu_of(p.pid) - cpu0
    sys_s = cpu_of(p.pid, True) - sys0
    rss = rss_kib(p.pid)
    p.terminate()
    p.wait()
    n = sum(count)
    return {"probes": n, "failed": sum(fails), "wall_s": wall, "cpu_s": cpu,
            "probes_per_s": n / wall, "cpu_s_per_1000": cpu * 1000 / max(n, 1),
            "sys_s_per_1000": sys_s * 1000 / max(n, 1), "rss_kib": rss,
            "load": [load0, load()]}


def brief(st):
    """The figures the docs quote from a run."""
    # a build from before the steady-state figures reports the whole run only
    s = st.get("steady", {"probes_per_s": None, "cpu_s_per_1000": None, "lateness_ms": None})
    out = {"steady_checks_per_s": s["probes_per_s"], "steady_cpu_ms_per_check":
           s["cpu_s_per_1000"], "steady_lateness_ms": s["lateness_ms"],
           "steady_hourly_cpu_s": s.get("hourly_cpu_s"),
           "steady_sys_ms_per_check": (s["sys_s"] * 1000 / s["probes"]
                                       if s.get("sys_s") is not None and s["probes"] else None),
           "all_checks_per_s": st["probes_per_s"], "all_cpu_ms_per_check": st["cpu_s_per_1000"],
           "all_lateness_ms": st["lateness_ms"], "load": st["load"]}
    if "during" in st:
        out["during"] = st["during"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("saasguard")
    ap.add_argument("--targets", type=int, default=10000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--scale", default="1000,10000,50000,100000")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--only", default="max,scale,at_500,memory,blackbox")
    a = ap.parse_args()
    only = set(a.only.split(","))
    d = tempfile.mkdtemp(prefix="sg-bench-")
    os.chmod(d, 0o755)
    ng, ports = start_nginx(d)
    out = {"targets": a.targets, "seconds": a.seconds, "cpus": os.cpu_count()}
    try:
        t = urls(ports, max([a.targets] + [int(x) for x in a.scale.split(",")]))
        n = t[:a.targets]
        if "max" in only:
            # every target each second (demand N/s); 5 s to get past the
            # first round
            out["max"] = run_monitor(a.saasguard, profile(d, n, 1), f"{d}/max.db",
                                     a.seconds + 5)
            out["max_brief"] = brief(out["max"])
        if "scale" in only:
            out["scale"] = {}
            for k in [int(x) for x in a.scale.split(",")]:
                iv = k / a.rate
                st = run_monitor(a.saasguard, profile(d, t[:k], iv), f"{d}/s{k}.db",
                                 a.seconds + iv + 5)
                out["scale"][str(k)] = brief(st)
                print(k, json.dumps(out["scale"][str(k)]), flush=True)
        if "at_500" in only:
            iv = a.targets / 500
            prof = profile(d, n, iv)
            q = run_monitor(a.saasguard, prof, f"{d}/q.db", a.seconds + iv + 2)
            out["at_500_quiet"] = brief(q)
            ld = run_monitor(a.saasguard, prof, f"{d}/l.db", a.seconds + iv + 2,
                             loaded_after=iv + 2, d=d)
            out["at_500_report_and_check"] = brief(ld)
        if "memory" in only:
            # RSS with N targets vs 100, same interval (idle except for
            # their probes)
            small = run_monitor(a.saasguard, profile(d, n[:100], 1200), f"{d}/c.db", 5)
            big = run_monitor(a.saasguard, profile(d, n, 1200), f"{d}/e.db", 5)
            out["rss_kib_100"] = small["rss_kib"]
            out["rss_kib_n"] = big["rss_kib"]
            out["bytes_per_target"] = (big["rss_kib"] - small["rss_kib"]) * 1024 / (a.targets - 100)
        if "blackbox" in only:
            out["blackbox"] = blackbox(n, a.seconds, d)
            if "max" in only:
                mine = out["max"].get("steady", out["max"])["cpu_s_per_1000"]
                out["cpu_ratio"] = out["blackbox"]["cpu_s_per_1000"] / mine
                # the same without the kernel's part, most of which is the
                # loopback TCP work both tools pay alike (docs/performance.md)
                ks = out["max_brief"]["steady_sys_ms_per_check"]
                if ks is not None:
                    b = out["blackbox"]
                    out["user_cpu_ratio"] = ((b["cpu_s_per_1000"] - b["sys_s_per_1000"]) /
                                             (mine - ks))
    finally:
        stop_nginx(ng, d)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
