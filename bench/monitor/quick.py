"""A quick run of bench.py's helpers: N targets every 2 s (N/2 checks/s) for 10 s, with a
fresh connection per check (fresh) or reuse_connection: true (reuse). Usage:
    python3 bench/monitor/quick.py fresh|reuse N build/saasguard"""
import json, os, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench
reuse = sys.argv[1] == "reuse"
n = int(sys.argv[2])
d = tempfile.mkdtemp(prefix="sg-q-"); os.chmod(d, 0o755)
ng, ports = bench.start_nginx(d)
try:
    t = bench.urls(ports, n)
    prof = bench.profile(d, t, 2)
    if reuse:
        s = open(prof).read().replace("timeout: 5s}", "timeout: 5s, reuse_connection: true}")
        open(prof, "w").write(s)
    r = bench.run_monitor(sys.argv[3], prof, f"{d}/a.db", 10)
    print(json.dumps({k: r[k] for k in ("probes", "probes_per_s", "cpu_s_per_1000", "lateness_ms")}))
finally:
    bench.stop_nginx(ng, d)
