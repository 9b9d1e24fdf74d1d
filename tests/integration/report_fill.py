"""Scripted fill of a saasguard store for report tests and the benchmark.

The store is created by saasguard itself (build/tests/sg-store-init calls
store_open(), which runs every module's migrations); this module then writes
what the monitor and the collectors would have written over a month: checks,
daily roll-ups (check_daily with 64-bucket latency histograms), state
intervals, a monitor run, incidents, notifications, follow-ups and
measurements. It never writes check_results: reports must not read them.

`scripted_month()` is the month the report tests assert on; the numbers it
yields (availability, incident count, deadlines met and missed) are
documented next to it. `bench_month()` is the benchmark's 1,000 checks.
"""
import math
import os
import struct
import subprocess

import sg

JST = 9 * 3600
# 2026-11-01T00:00+09:00 and 2026-12-01T00:00+09:00
NOV_START = 1793458800
NOV_END = NOV_START + 30 * 86400
# What the tests set SAASGUARD_NOW to: 2026-12-01T09:00+09:00.
NOW = NOV_END + 9 * 3600


def jst(day, hh, mm, ss=0):
    """Epoch seconds of 2026-11-DAY HH:MM:SS in Japan."""
    return NOV_START + (day - 1) * 86400 + hh * 3600 + mm * 60 + ss


def store_init(path):
    tool = os.path.join(os.path.dirname(sg.binary()), "tests", "sg-store-init")
    subprocess.run([tool, path], check=True, capture_output=True, timeout=60)


def bucket(ms):
    """The histogram bucket of a latency: bucket i counts latencies below
    2^(i/4) ms (and at least 2^((i-1)/4) ms)."""
    if ms < 1:
        return 0
    return min(63, int(math.floor(4 * math.log2(ms))) + 1)


def hist_blob(counts):
    """counts: {latency_ms: n} -> 64 little-endian uint32 counters."""
    h = [0] * 64
    for ms, n in counts.items():
        h[bucket(ms)] += n
    return struct.pack("<64I", *h)


def day_str(i):
    return "2026-11-%02d" % (i + 1)


def add_check(db, service, name, kind, ctype, interval, item):
    return sg.insert_id(
        db, "INSERT INTO checks(service, name, kind, type, target, interval_s, item_id, created_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (service, name, kind, ctype, "https://app.example.jp/" + name, interval, item,
         NOV_START - 30 * 86400))


def add_incident(db, service, check, kind, item, started, detected, resolved, summary=None):
    return sg.insert_id(
        db, "INSERT INTO incidents(service, check_id, kind, item_id, started_at, detected_at,"
        " resolved_at, notify_deadline_s, followup_deadline_s, summary)"
        " VALUES (?,?,?,?,?,?,?,NULL,NULL,?)",
        (service, check, kind, item, started, detected, resolved, summary))


def add_notification(db, incident, purpose, audience, channel, recipient, created,
                     deadline, delivered, attempts=1, last_error=None):
    db.execute(
        "INSERT INTO notifications(incident_id, purpose, audience, channel, recipient, lang,"
        " subject, body, created_at, deadline_at, attempts, next_attempt_at, last_error,"
        " delivered_at) VALUES (?,?,?,?,?,'ja','件名','本文',?,?,?,?,?,?)",
        (incident, purpose, audience, channel, recipient, created, deadline, attempts,
         created, last_error, delivered))


def add_measurement(db, service, collector, item, subject, status, text, num, unit, at,
                    detail=None):
    db.execute(
        "INSERT INTO measurements(service, collector, item_id, subject, status, value_text,"
        " value_num, unit, evidence, detail, measured_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (service, collector, item, subject, status, text, num, unit, "test", detail, at))


SERVICE = "給与計算クラウド"

# The scripted month, November 2026 in Japan, pattern 1 (deadlines: first
# notice 20 min, follow-up 1 h; availability committed 99.5%):
#   #1 outage   web   11-05 10:00, detected 10:02, notice 10:12 (met), follow-up 10:55 (met),
#                     resolved 10:47                       -> 2,820 s down
#   #2 outage   web   11-18 03:00, detected 03:02, notice 03:40 (missed), follow-up 05:30
#                     (missed), resolved 04:30                -> 5,400 s down
#   #3 degradation api 11-15 14:00, detected 14:05, notice 14:20 (met), no follow-up (missed),
#                     resolved 15:00                          (degraded: not down)
#   #4 fault    login 11-26 20:00, detected 20:05, webhook notice 20:15 (met), e-mail
#                     undelivered after 3 tries (at risk), follow-up 20:50 (met), resolved 20:25
#   an unconfirmed 60 s failure of web on 11-22 (not counted)
# Availability over the service hours (24x7) less the maintenance announced in advance
# (11-10 02:00-04:00, 7,200 s): 1 - 8,220 / 2,584,800 = 99.682% (met); 11-18: 93.750%.
# Incidents 4; first notices met 3, missed 1; follow-ups met 2, missed 2.
EXPECT = {
    "availability": 99.682,
    "day18": 93.75,
    "incidents": 4,
    "notices_met": 3, "notices_missed": 1,
    "followups_met": 2, "followups_missed": 2,
}


def scripted_month(path):
    store_init(path)
    db = sg.db_connect(path)
    with db:
        web = add_check(db, SERVICE, "web", "liveness", "http", 60, "III.1.1.1.a")
        login = add_check(db, SERVICE, "login", "fault", "http", 300, "III.1.1.2.a")
        api = add_check(db, SERVICE, "api-latency", "performance", "http", 60, "III.1.1.3.a")
        isp = add_check(db, SERVICE, "isp-uplink", "external_network", "icmp", 60,
                        "III.3.2.5.a")
        other = add_check(db, "別サービス", "web", "liveness", "http", 60, "III.1.1.1.a")
        rows = []
        for i in range(30):
            for cid, interval in ((web, 60), (login, 300), (api, 60), (isp, 60)):
                n = 86400 // interval
                fail = 0
                gap = interval
                lat = {40: n * 80 // 100, 120: n * 15 // 100, 300: n * 4 // 100}
                lat[900] = n - sum(lat.values())
                if cid == api and i == 14:  # 11-15: the degraded afternoon
                    lat = {60: n // 2, 400: n * 45 // 100, 2500: n - n // 2 - n * 45 // 100}
                if cid == web and i == 4:
                    fail = 47
                if cid == web and i == 17:
                    fail = 90
                if cid == web and i == 11:  # 11-12: a 7-minute gap in liveness checks
                    gap = 420
                rows.append((cid, day_str(i), n, fail, gap, hist_blob(lat)))
            rows.append((other, day_str(i), 1440, 1440, 60, hist_blob({5000: 1440})))
        db.executemany("INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, lat_hist)"
                       " VALUES (?,?,?,?,?,?)", rows)

        def interval(cid, state, start, end, confirmed=1):
            db.execute("INSERT INTO state_intervals(check_id, state, confirmed, start_at, end_at)"
                       " VALUES (?,?,?,?,?)", (cid, state, confirmed, start, end))

        t0 = NOV_START - 86400
        interval(web, "up", t0, jst(5, 10, 0))
        interval(web, "down", jst(5, 10, 0), jst(5, 10, 47))
        interval(web, "up", jst(5, 10, 47), jst(18, 3, 0))
        interval(web, "down", jst(18, 3, 0), jst(18, 4, 30))
        interval(web, "up", jst(18, 4, 30), jst(22, 9, 0))
        interval(web, "down", jst(22, 9, 0), jst(22, 9, 1), confirmed=0)
        interval(web, "up", jst(22, 9, 1), None)
        interval(api, "up", t0, jst(15, 14, 0))
        interval(api, "degraded", jst(15, 14, 0), jst(15, 15, 0))
        interval(api, "up", jst(15, 15, 0), None)
        interval(login, "up", t0, jst(26, 20, 0))
        interval(login, "down", jst(26, 20, 0), jst(26, 20, 25))
        interval(login, "up", jst(26, 20, 25), None)
        interval(isp, "up", t0, None)
        # another service's outage must not count
        interval(other, "down", NOV_START, NOV_END)
        db.execute("INSERT INTO monitor_runs(started_at, last_seen_at, stopped_at, pid)"
                   " VALUES (?,?,NULL,1)", (t0, NOW))

        i1 = add_incident(db, SERVICE, web, "outage", "III.1.1.1", jst(5, 10, 0),
                          jst(5, 10, 2), jst(5, 10, 47), "ロードバランサの設定誤りによる停止")
        add_notification(db, i1, "incident_open", "all_users", "email", "users@customer.example.jp",
                         jst(5, 10, 2), jst(5, 10, 22), jst(5, 10, 12))
        db.execute("INSERT INTO followups(incident_id, sent_at, message) VALUES (?,?,?)",
                   (i1, jst(5, 10, 55), "原因と復旧の報告"))
        # the monitor records the probe's raw (libcurl) error as the summary
        i2 = add_incident(db, SERVICE, web, "outage", "III.1.1.1", jst(18, 3, 0),
                          jst(18, 3, 2), jst(18, 4, 30), "Couldn't connect to server")
        add_notification(db, i2, "incident_open", "all_users", "email", "users@customer.example.jp",
                         jst(18, 3, 2), jst(18, 3, 22), jst(18, 3, 40), attempts=4,
                         last_error="SMTP 421")
        db.execute("INSERT INTO followups(incident_id, sent_at, message) VALUES (?,?,?)",
                   (i2, jst(18, 5, 30), "追加報告"))
        i3 = add_incident(db, SERVICE, api, "degradation", "III.1.1.3", jst(15, 14, 0),
                          jst(15, 14, 5), jst(15, 15, 0))
        add_notification(db, i3, "incident_open", "admin_contacts", "email",
                         "it@customer.example.jp", jst(15, 14, 5), jst(15, 14, 25),
                         jst(15, 14, 20))
        i4 = add_incident(db, SERVICE, login, "fault", "III.1.1.2", jst(26, 20, 0),
                          jst(26, 20, 5), jst(26, 20, 25))
        add_notification(db, i4, "incident_open", "admin_contacts", "webhook",
                         "https://hooks.example.jp/x", jst(26, 20, 5), jst(26, 20, 25),
                         jst(26, 20, 15))
        add_notification(db, i4, "incident_open", "admin_contacts", "email",
                         "it@customer.example.jp", jst(26, 20, 5), jst(26, 20, 25), None,
                         attempts=3, last_error="421 4.7.0 try again later")
        db.execute("INSERT INTO followups(incident_id, sent_at, message) VALUES (?,?,?)",
                   (i4, jst(26, 20, 50), "追加報告"))
        # an incident of October, resolved in October: not in the report
        add_incident(db, SERVICE, web, "outage", "III.1.1.1", NOV_START - 5 * 86400,
                     NOV_START - 5 * 86400 + 60, NOV_START - 5 * 86400 + 600)

        add_measurement(db, SERVICE, "backup", "III.2.3.1.a", "/srv/backup", "ok", "20h",
                        72000, "s", jst(10, 3, 0))
        add_measurement(db, SERVICE, "backup", "III.2.3.1.a", "/srv/backup", "finding", "26h",
                        93600, "s", jst(20, 3, 0), "前回のバックアップから 26 時間")
        add_measurement(db, SERVICE, "backup", "III.2.3.1.b", "/srv/backup", "ok", "5", 5,
                        "count", jst(20, 3, 0))
        add_measurement(db, SERVICE, "patch", "III.1.1.6.a", "apt", "finding", "30h", 108000,
                        "s", jst(21, 9, 0), "openssl の更新が 30 時間未適用")
        add_measurement(db, SERVICE, "tls", "III.3.2.2.a", "https://app.example.jp/", "ok",
                        "[tls]", None, None, jst(21, 9, 0))
        # The monitor's rolling-window rows (the last N days when it ran, with
        # English evidence): a report computes these items for its period and
        # never shows these figures or words.
        add_measurement(db, SERVICE, "monitor", "III.2.1.1.a", "availability", "finding",
                        "50.57%", 50.57, "%", jst(30, 9, 0),
                        "time-weighted over service hours, last 30 days")
        add_measurement(db, SERVICE, "monitor", "III.1.1.8.a", "followup", "unavailable",
                        None, None, None, jst(30, 9, 0),
                        "no incidents with a follow-up due (0)")
        # a measurement after November: never in November's report
        add_measurement(db, SERVICE, "patch", "III.1.1.6.a", "apt", "finding", "40h", 144000,
                        "s", NOV_END + 3 * 86400, "after the period")
    db.close()
    return EXPECT


def sparse_month(path):
    """November with monitoring records for its last hour only (the monitor
    was installed 11-30 23:00): availability 50 of 60 minutes = 83.333%,
    resting on far less than 90% of the month, so provisional. One cause
    (11-30 23:30-23:40) failed two checks: two incidents, one event."""
    store_init(path)
    db = sg.db_connect(path)
    t0 = jst(30, 23, 0)
    with db:
        web = add_check(db, SERVICE, "web", "liveness", "http", 60, "III.1.1.1.a")
        login = add_check(db, SERVICE, "login", "fault", "http", 60, "III.1.1.2.a")
        for cid in (web, login):
            db.execute("INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, lat_hist)"
                       " VALUES (?,?,?,?,?,?)", (cid, day_str(29), 60, 10, 60,
                                                  hist_blob({40: 50, 900: 10})))
        for cid, state, a, b in ((web, "up", t0, jst(30, 23, 30)),
                                 (web, "down", jst(30, 23, 30), jst(30, 23, 40)),
                                 (web, "up", jst(30, 23, 40), None),
                                 (login, "up", t0, jst(30, 23, 31)),
                                 (login, "down", jst(30, 23, 31), jst(30, 23, 45)),
                                 (login, "up", jst(30, 23, 45), None)):
            db.execute("INSERT INTO state_intervals(check_id, state, confirmed, start_at, end_at)"
                       " VALUES (?,?,1,?,?)", (cid, state, a, b))
        db.execute("INSERT INTO monitor_runs(started_at, last_seen_at, stopped_at, pid)"
                   " VALUES (?,?,NULL,1)", (t0, NOW))
        add_incident(db, SERVICE, web, "outage", "III.1.1.1", jst(30, 23, 30),
                     jst(30, 23, 31), jst(30, 23, 40), "Couldn't connect to server")
        add_incident(db, SERVICE, login, "fault", "III.1.1.2", jst(30, 23, 31),
                     jst(30, 23, 32), jst(30, 23, 45), "HTTP 502")
    db.close()


PROFILE = """service:
  name: 給与計算クラウド
  pattern: 1
service_hours: {days: mon-sun, from: "00:00", to: "24:00", timezone: Asia/Tokyo}
maintenance:
  - {start: 2026-11-10T02:00+09:00, end: 2026-11-10T04:00+09:00, announced: 2026-11-01T10:00+09:00, note: データベースの定期保守}
  - {start: 2026-12-08T02:00+09:00, end: 2026-12-08T03:00+09:00}
"""


def write_profile(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write(PROFILE)


def bench_month(path, checks=1000, flaps=12, incidents=200):
    """1,000 checks at 1-minute intervals over November 2026: 30 days of
    roll-ups per check (what 43.2 million results roll up to), `flaps` down
    intervals per check, and `incidents` incidents with notifications and
    follow-ups."""
    store_init(path)
    db = sg.db_connect(path)
    if not sg.is_pg(path):
        db.execute("PRAGMA synchronous=OFF")
    kinds = ["liveness", "fault", "performance", "external_network"]
    with db:
        ids = [add_check(db, SERVICE, "c%04d" % i, kinds[i % 4], "http", 60, None)
               for i in range(checks)]
        blob = hist_blob({40: 1150, 120: 216, 300: 58, 900: 16})
        db.executemany(
            "INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, lat_hist)"
            " VALUES (?,?,?,?,?,?)",
            ((cid, day_str(d), 1440, 3, 61.5, blob) for cid in ids for d in range(30)))
        rows = []
        for k, cid in enumerate(ids):
            t = NOV_START - 86400
            step = 30 * 86400 // flaps
            for f in range(flaps):
                down = NOV_START + f * step + (k * 37 % step)
                rows.append((cid, "up", 1, t, down))
                rows.append((cid, "down", 1, down, down + 120 + k % 300))
                t = down + 120 + k % 300
            rows.append((cid, "up", 1, t, None))
        db.executemany("INSERT INTO state_intervals(check_id, state, confirmed, start_at, end_at)"
                       " VALUES (?,?,?,?,?)", rows)
        for n in range(incidents):
            det = NOV_START + n * (30 * 86400 // incidents) + 120
            iid = add_incident(db, SERVICE, ids[n % checks], "outage", "III.1.1.1", det - 120,
                               det, det + 600)
            add_notification(db, iid, "incident_open", "all_users", "email", "u@example.jp",
                             det, det + 1200, det + 300 + (n % 7) * 200)
            db.execute("INSERT INTO followups(incident_id, sent_at, message) VALUES (?,?,?)",
                       (iid, det + 1800 + (n % 5) * 600, "追加報告"))
    db.close()
