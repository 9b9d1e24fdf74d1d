"""Store and profile for bench/web/run.sh: the report benchmark's 1,000
checks (report_fill.bench_month: a month of roll-ups and state intervals,
200 incidents with notifications and follow-ups) and the 60 days before
it (roll-ups, each check up), so the 90 daily bars all have records; and a
profile naming every check, so the status page shows 1,000 check groups.
usage: setup.py DIR"""
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
import report_fill  # noqa: E402

d = sys.argv[1]
db_path = os.path.join(d, "bench.db")
report_fill.bench_month(db_path)
# 60 more days of roll-ups before November: 90 days in all.
db = report_fill.sg.db_connect(db_path)
with db:
    ids = [r[0] for r in db.execute("SELECT id FROM checks ORDER BY id")]
    blob = report_fill.hist_blob({40: 1150, 120: 216, 300: 58, 900: 16})
    nov = datetime.date(2026, 11, 1)
    days = [(nov - datetime.timedelta(days=k)).isoformat() for k in range(1, 61)]
    db.executemany("INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, lat_hist)"
                   " VALUES (?,?,?,?,?,?)",
                   ((cid, day, 1440, 3, 61.5, blob) for cid in ids for day in days))
    db.execute("UPDATE checks SET created_at = ?", (report_fill.NOV_START - 61 * 86400,))
    db.execute("UPDATE state_intervals SET start_at = ? WHERE start_at = ?",
               (report_fill.NOV_START - 61 * 86400, report_fill.NOV_START - 86400))
db.close()
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
