"""Store and profile for bench/web/run.sh: the report benchmark's 1,000
checks (report_fill.bench_month: a month of roll-ups and state intervals,
200 incidents with notifications and follow-ups), and a profile naming
every check, so the status page shows 1,000 check groups.
usage: setup.py DIR"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
import report_fill  # noqa: E402

d = sys.argv[1]
report_fill.bench_month(os.path.join(d, "bench.db"))
kinds = ["liveness", "fault", "performance", "external_network"]
with open(os.path.join(d, "bench.yaml"), "w", encoding="utf-8") as f:
    f.write("service:\n  name: %s\n  pattern: 1\n  slug: bench\nmonitor:\n  checks:\n"
            % report_fill.SERVICE)
    for i in range(1000):
        k = kinds[i % 4]
        extra = ', max_response_time: 800ms' if k == "performance" else ""
        if k == "external_network":
            f.write("    - {name: c%04d, kind: %s, type: tcp, host: 127.0.0.1, port: 9}\n" % (i, k))
        else:
            f.write('    - {name: c%04d, kind: %s, type: http, url: "http://127.0.0.1:9/"%s}\n'
                    % (i, k, extra))
    f.write('service_hours: {days: mon-sun, from: "00:00", to: "24:00", timezone: Asia/Tokyo}\n')
print(report_fill.NOW)
