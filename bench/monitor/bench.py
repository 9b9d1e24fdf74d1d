#!/usr/bin/python3
"""Monitor benchmark: N HTTP targets against a loopback nginx.

Measures, for saasguard monitor: sustained checks/s, CPU seconds per 1,000
checks, memory per target (RSS with N targets minus RSS with 100, divided
by the difference) and p99 lateness of the schedule at a given rate; then
runs the same probes through Debian's prometheus-blackbox-exporter, driven
by a loopback scrape loop hitting /probe, and reports the CPU ratio.
127.0.0.1 only. usage: bench.py SAASGUARD [--targets 10000] [--seconds 30]
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


def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    return (int(parts[11]) + int(parts[12])) / tck


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


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


def urls(ports, n):
    return [f"http://127.0.0.1:{ports[i % len(ports)]}/t/{i}" for i in range(n)]


def profile(d, targets, interval):
    path = f"{d}/bench-{len(targets)}-{interval}.yaml"
    with open(path, "w") as f:
        f.write("service: {name: bench, pattern: 3}\nmonitor:\n  checks:\n")
        for i, u in enumerate(targets):
            f.write(f"    - {{name: t{i}, kind: liveness, type: http, url: \"{u}\", "
                    f"interval: {interval}s, timeout: 5s}}\n")
    return path


def run_monitor(sg, prof, db, seconds):
    env = dict(os.environ, LANG="C.UTF-8")
    p = subprocess.Popen([sg, "monitor", prof, "--db", db, "--stats"], stderr=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, text=True, env=env)
    time.sleep(seconds)
    rss = rss_kib(p.pid)
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=120)[1]
    m = re.search(r"stats: (\{.*\})", err)
    if not m:
        raise RuntimeError(err[-2000:])
    st = json.loads(m.group(1))
    st["rss_kib"] = rss
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

    cpu0 = cpu_of(p.pid)
    t0 = time.time()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.time() - t0
    cpu = cpu_of(p.pid) - cpu0
    rss = rss_kib(p.pid)
    p.terminate()
    p.wait()
    n = sum(count)
    return {"probes": n, "failed": sum(fails), "wall_s": wall, "cpu_s": cpu,
            "probes_per_s": n / wall, "cpu_s_per_1000": cpu * 1000 / max(n, 1), "rss_kib": rss}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("saasguard")
    ap.add_argument("--targets", type=int, default=10000)
    ap.add_argument("--seconds", type=int, default=30)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="sg-bench-")
    os.chmod(d, 0o755)
    ng, ports = start_nginx(d)
    out = {}
    try:
        t = urls(ports, a.targets)
        # 1. p99 lateness and CPU at 500 checks/s: N targets every N/500 s.
        iv = a.targets / 500
        out["at_500_per_s"] = run_monitor(a.saasguard, profile(d, t, int(iv)), f"{d}/a.db",
                                          a.seconds + iv)
        # 2. sustained maximum: every target each second (demand N/s).
        out["max"] = run_monitor(a.saasguard, profile(d, t, 1), f"{d}/b.db", a.seconds)
        # 3. memory per target: RSS with N targets vs 100, same interval (idle
        #    except for their probes).
        small = run_monitor(a.saasguard, profile(d, t[:100], 1200), f"{d}/c.db", 5)
        big = run_monitor(a.saasguard, profile(d, t, 1200), f"{d}/e.db", 5)
        out["rss_kib_100"] = small["rss_kib"]
        out["rss_kib_n"] = big["rss_kib"]
        out["bytes_per_target"] = (big["rss_kib"] - small["rss_kib"]) * 1024 / (a.targets - 100)
        # 4. blackbox exporter on the same targets.
        out["blackbox"] = blackbox(t, a.seconds, d)
        out["cpu_ratio"] = out["blackbox"]["cpu_s_per_1000"] / out["max"]["cpu_s_per_1000"]
    finally:
        ng.send_signal(signal.SIGQUIT)
        ng.wait()
        shutil.rmtree(d, True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
