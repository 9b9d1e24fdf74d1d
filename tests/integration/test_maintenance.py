"""Maintenance windows end to end: the real daemon queues a window's
announcement, start and end notices once each (not again after a restart)
and the SMTP receiver gets them in order; a window created from the web (the
REST API of a real `saasguard serve`) is excluded from availability exactly
like the same window in the profile."""
import datetime
import json
import os
import re
import socket
import unittest

import report_fill
import sg
import webserve
from profiles import query
from servers import Receiver

CUSTOMER = "users@customer.example.jp"
ENGLISH = "it@customer.example.jp"
T0 = 1800000000
NOTIFY = ("notify:\n  smtp: {url: \"smtp://127.0.0.1:1\", from: noreply@provider.example.jp}\n"
          f"  all_users: [{{email: {CUSTOMER}}}]\n")  # a fixed "now" (SAASGUARD_NOW) for the daemon's runs


def iso(t):
    """t as ISO 8601 in Japan time (what a profile's maintenance: takes)."""
    z = datetime.timezone(datetime.timedelta(hours=9))
    return datetime.datetime.fromtimestamp(t, z).strftime("%Y-%m-%dT%H:%M:%S+09:00")


class Notices(unittest.TestCase):
    def setUp(self):
        self.dir = sg.scratch(self)
        self.db = sg.new_db(self.dir)
        self.prof = os.path.join(self.dir, "p.yaml")
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self.addCleanup(listener.close)
        self.smtp = Receiver(self, "smtp")
        self.smtp.start()
        self.start, self.end = T0 + 3600, T0 + 7200
        with open(self.prof, "w", encoding="utf-8") as f:
            f.write(f"""service: {{name: 給与計算クラウド, pattern: 1, slug: payroll}}
provider: {{name: 株式会社サンプル, desk: サポートデスク, email: support@provider.example.jp}}
monitor:
  checks:
    - {{name: db, kind: liveness, type: tcp, host: 127.0.0.1, port: {listener.getsockname()[1]}, interval: 1s, timeout: 1s}}
maintenance:
  - {{start: "{iso(self.start)}", end: "{iso(self.end)}", note: データベースの定期保守}}
notify:
  smtp: {{url: "smtp://127.0.0.1:{self.smtp.port}", from: "noreply@provider.example.jp", starttls: "off"}}
  retry: {{initial: 1s, max: 2s}}
  maintenance: {{announce_before: 2h}}
  all_users: [{{email: "{CUSTOMER}"}}, {{email: "{ENGLISH}", lang: en}}]
""")

    def once(self, at):
        r = sg.run("monitor", self.prof, "--once", "--db", self.db,
                   env={"SAASGUARD_NOW": str(at)}, timeout=180)
        self.assertEqual(r.code, 0, repr(r))
        return r

    def subjects(self, to):
        return [m["subject"] for m in self.smtp.messages() if to in m["to"]]

    def test_announce_start_end_once_each_in_order(self):
        self.once(T0 - 3 * 3600)  # before announce_before: nothing yet
        self.assertEqual(self.subjects(CUSTOMER), [])
        self.once(T0)
        self.once(T0 + 60)  # a restart: not announced again
        ja = self.subjects(CUSTOMER)
        self.assertEqual(len(ja), 1, ja)
        self.assertIn("【メンテナンスのお知らせ】", ja[0])
        self.assertEqual(len(self.subjects(ENGLISH)), 1)
        self.assertIn("[Maintenance]", self.subjects(ENGLISH)[0])
        self.once(self.start + 10)
        self.once(self.start + 70)
        self.once(self.end + 10)
        self.once(self.end + 70)
        ja = self.subjects(CUSTOMER)
        self.assertEqual(len(ja), 3, ja)
        self.assertIn("【メンテナンス開始】", ja[1])
        self.assertIn("【メンテナンス終了】", ja[2])
        en = self.subjects(ENGLISH)
        self.assertEqual(len(en), 3, en)
        self.assertIn("[Maintenance started]", en[1])
        self.assertIn("[Maintenance completed]", en[2])
        body = [m for m in self.smtp.messages() if CUSTOMER in m["to"]][0]["body"]
        self.assertIn("データベースの定期保守", body)
        # the outbox says what each message is, and the ledger records each notice
        purposes = [p for (p,) in query(self.db, "SELECT purpose FROM notifications ORDER BY id")]
        self.assertEqual(purposes, ["maintenance_announce"] * 2 + ["maintenance_start"] * 2 +
                         ["maintenance_end"] * 2)
        r = sg.run("ledger", "show", "--db", self.db, "--format", "json", lang="en")
        self.assertEqual(r.code, 0, repr(r))
        types = [e["type"] for e in json.loads(r.out)
                 if e["type"].startswith("maintenance_")]
        self.assertEqual(types, ["maintenance_announced", "maintenance_started",
                                 "maintenance_ended"])
        # announced by the daemon before the start: excluded from availability
        (at,) = query(self.db, "SELECT queued_at FROM maintenance_notices WHERE notice = "
                      "'announce'")[0]
        self.assertEqual(at, T0)

    def test_bad_announce_before_is_a_usage_error(self):
        with open(self.prof, encoding="utf-8") as f:
            text = f.read()
        with open(self.prof, "w", encoding="utf-8") as f:
            f.write(text.replace("announce_before: 2h", "announce_before: soon"))
        r = sg.run("monitor", self.prof, "--once", "--db", self.db, lang="en")
        self.assertEqual(r.code, 2, repr(r))
        self.assertRegex(r.err, r"p\.yaml:\d+:\d+: .*announce_before")
        self.assertEqual(self.smtp.messages(), [])

    def test_no_announcement_once_started(self):
        self.once(self.start + 10)
        ja = self.subjects(CUSTOMER)
        self.assertEqual(len(ja), 1, ja)
        self.assertIn("【メンテナンス開始】", ja[0])

    def test_web_window_announced_once_then_started_and_ended(self):
        # the window from the web (a real server's REST API), later than
        # the profile's, so the notices of the two can be told apart
        start, end = self.end + 3600, self.end + 7200
        self.once(self.end + 10)  # the profile window's notices go first
        before = len(self.subjects(CUSTOMER))
        tok = sg.run("token", "add", "ops", "--role", "operator", "--db", self.db)
        self.assertEqual(tok.code, 0, repr(tok))
        srv = webserve.Server(self, self.prof, "--db", self.db,
                              env={"SAASGUARD_NOW": str(self.end + 20)})
        status, _, raw = srv.request(
            "/api/v1/services/payroll/maintenance", method="POST",
            headers={"Authorization": "Bearer " + tok.out.strip(),
                     "Content-Type": "application/json"},
            body=json.dumps({"start": iso(start), "end": iso(end),
                             "note": "ストレージの増設作業"}).encode())
        self.assertEqual(status, 201, raw)
        self.once(self.end + 30)  # delivers the web's announcement, adds none
        self.once(start + 10)
        self.once(end + 10)
        self.once(end + 70)
        web = [m for m in self.smtp.messages() if CUSTOMER in m["to"]][before:]
        self.assertEqual(len(web), 3, [m["subject"] for m in web])
        for m, want in zip(web, ("【メンテナンスのお知らせ】", "【メンテナンス開始】",
                                 "【メンテナンス終了】")):
            self.assertIn(want, m["subject"])
        self.assertIn("ストレージの増設作業", web[0]["body"])
        self.assertEqual(query(self.db, "SELECT notice FROM maintenance_notices WHERE "
                               "window_key = 'web:1' ORDER BY queued_at"),
                         [("announce",), ("start",), ("end",)])

    def test_web_window_mutes_alerts(self):
        dead = socket.socket()
        dead.bind(("127.0.0.1", 0))
        port = dead.getsockname()[1]
        dead.close()  # nothing listens: the check fails
        with open(self.prof, encoding="utf-8") as f:
            text = f.read()
        prof = os.path.join(self.dir, "dead.yaml")
        with open(prof, "w", encoding="utf-8") as f:
            f.write(re.sub(r"port: \d+", f"port: {port}", text)
                    .replace("monitor:\n", "monitor:\n  confirm: 1\n")
                    .replace("maintenance:\n", "maintenance: []\n").replace("  - {start", "# {start"))
        tok = sg.run("token", "add", "ops", "--role", "operator", "--db", self.db)
        self.assertEqual(tok.code, 0, repr(tok))
        srv = webserve.Server(self, prof, "--db", self.db, env={"SAASGUARD_NOW": str(T0)})
        status, _, raw = srv.request(
            "/api/v1/services/payroll/maintenance", method="POST",
            headers={"Authorization": "Bearer " + tok.out.strip(),
                     "Content-Type": "application/json"},
            body=json.dumps({"start": iso(T0 + 600), "end": iso(T0 + 4200),
                             "note": "回線工事"}).encode())
        self.assertEqual(status, 201, raw)
        r = sg.run("monitor", prof, "--once", "--db", self.db,
                   env={"SAASGUARD_NOW": str(T0 + 1200)}, timeout=180)
        self.assertEqual(r.code, 0, repr(r))
        self.assertEqual(query(self.db, "SELECT kind, muted FROM incidents"), [("outage", 1)])
        self.assertEqual([s for s in self.subjects(CUSTOMER) if "メンテナンス" not in s], [])


class OneListOfWindows(unittest.TestCase):
    """The same window from the profile and from the web gives the same
    figure; without it the figure differs."""

    WIN = ("2026-11-20T02:00+09:00", "2026-11-20T04:00+09:00")

    def availability(self, prof, db):
        r = sg.run("availability", prof, "--month", "2026-11", "--db", db, "--format", "json",
                   env={"SAASGUARD_NOW": str(report_fill.NOW)})
        self.assertEqual(r.code, 0, repr(r))
        return r.json()

    def profile(self, d, name, extra=""):
        p = os.path.join(d, name)
        text = report_fill.PROFILE.replace("  pattern: 1\n", "  pattern: 1\n  slug: payroll\n")
        with open(p, "w", encoding="utf-8") as f:
            f.write(text + extra)
        return p

    def test_web_window_counts_like_a_profile_window(self):
        d = sg.scratch(self)
        db_p, db_w = sg.new_db(d, "p"), sg.new_db(d, "w")
        report_fill.scripted_month(db_p)
        report_fill.scripted_month(db_w)
        plain = self.profile(d, "plain.yaml", NOTIFY)
        with_window = self.profile(
            d, "window.yaml", f"  - {{start: {self.WIN[0]}, end: {self.WIN[1]}, "
            "announced: 2026-11-19T12:00+09:00, note: ストレージの増設作業}\n" + NOTIFY)
        # the web window: created through the API of a real server whose
        # clock says 2026-11-19 12:00 (Japan), so it is announced in advance
        tok = sg.run("token", "add", "ops", "--role", "operator", "--db", db_w)
        self.assertEqual(tok.code, 0, repr(tok))
        srv = webserve.Server(self, plain, "--db", db_w,
                              env={"SAASGUARD_NOW": str(report_fill.jst(19, 12, 0))})
        status, _, raw = srv.request(
            "/api/v1/services/payroll/maintenance", method="POST",
            headers={"Authorization": "Bearer " + tok.out.strip(),
                     "Content-Type": "application/json"},
            body=json.dumps({"start": self.WIN[0], "end": self.WIN[1],
                             "note": "ストレージの増設作業"}).encode())
        self.assertEqual(status, 201, raw)
        # its announcement is in the outbox as a maintenance notice, and
        # claimed so the daemon does not send it again
        self.assertEqual(query(db_w, "SELECT purpose, recipient FROM notifications WHERE "
                               "incident_id IS NULL"), [("maintenance_announce", CUSTOMER)])
        self.assertEqual(query(db_w, "SELECT window_key, notice FROM maintenance_notices"),
                         [("web:1", "announce")])

        profile_fig = self.availability(with_window, db_p)
        web_fig = self.availability(plain, db_w)
        none_fig = self.availability(plain, db_p)
        self.assertEqual(web_fig, profile_fig)
        self.assertEqual(web_fig["seconds"]["maintenance_excluded"],
                         none_fig["seconds"]["maintenance_excluded"] + 7200,
                         (web_fig["seconds"], none_fig["seconds"]))
        self.assertNotEqual(web_fig["seconds"], none_fig["seconds"])
        # the report counts it the same way and lists it among the period's maintenance
        out = os.path.join(d, "r.json")
        r = sg.run("report", plain, "--format", "json", "--period", "2026-11", "--db", db_w,
                   "--output", out, env={"SAASGUARD_NOW": str(report_fill.NOW)})
        self.assertEqual(r.code, 0, repr(r))
        with open(out, encoding="utf-8") as f:
            av = json.load(f)["availability"]
        self.assertIn("ストレージの増設作業", [m["note"] for m in av["maintenance"]])
        self.assertAlmostEqual(av["achieved"], web_fig["availability_num"], delta=0.0005)


OLD_NOTIFICATIONS = """CREATE TABLE notifications(
 id INTEGER PRIMARY KEY,
 incident_id INTEGER REFERENCES incidents(id),
 purpose TEXT NOT NULL CHECK (purpose IN ('incident_open','incident_resolved',
  'followup','deadline_risk','followup_overdue','report','internal')),
 audience TEXT NOT NULL CHECK (audience IN ('all_users','admin_contacts','managers')),
 channel TEXT NOT NULL CHECK (channel IN ('email','webhook')),
 recipient TEXT NOT NULL, lang TEXT NOT NULL DEFAULT 'ja', subject TEXT, body TEXT NOT NULL,
 attachment_path TEXT, created_at REAL NOT NULL, deadline_at REAL,
 attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, last_error TEXT,
 delivered_at REAL)"""


# check_daily as monitor v1 made it (v7 added last_at; v8 reordered the key)
V1_DAILY = ("CREATE TABLE check_daily(check_id INTEGER NOT NULL REFERENCES checks(id), "
            "day TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0, n_fail INTEGER NOT NULL DEFAULT 0, "
            "max_gap_s REAL NOT NULL DEFAULT 0, lat_hist BLOB, PRIMARY KEY (check_id, day)) "
            "WITHOUT ROWID")


def v1_daily(c, last_at):
    """Takes check_daily back to v1's key order (with v7's last_at or not)."""
    c.execute("DROP TABLE check_daily")
    c.execute(V1_DAILY)
    if last_at:
        c.execute("ALTER TABLE check_daily ADD COLUMN last_at REAL")


class Migration(unittest.TestCase):
    def latest_store(self):
        """A store at the latest schema, to be taken back to an older one."""
        d = sg.scratch(self)
        db = sg.new_db(d)
        report_fill.store_init(db)
        return d, db, sg.db_connect(db)

    @sg.sqlite_only("SQLite's own v3 -> v4 table rebuild, set up in SQLite DDL (sqlite_master)")
    def test_v4_keeps_rows_and_ids_and_allows_maintenance(self):
        d, db, c = self.latest_store()
        # back to monitor schema v3: the old CHECK, rows with gaps in their ids
        with c:
            c.execute("DROP TABLE maintenance_notices")
            c.execute("DROP TABLE notifications")
            c.execute(OLD_NOTIFICATIONS)
            c.execute("INSERT INTO incidents(id, service, kind, started_at, detected_at) "
                      "VALUES (3, 's', 'outage', 1, 2)")
            c.execute("INSERT INTO notifications(id, incident_id, purpose, audience, channel, "
                      "recipient, body, created_at, next_attempt_at, delivered_at) VALUES "
                      "(5, 3, 'incident_open', 'all_users', 'email', 'a@x.jp', 'b1', 10, 10, 11),"
                      "(9, NULL, 'report', 'managers', 'email', 'm@x.jp', 'b2', 20, 20, NULL)")
            # (and what later versions changed: gap_s came with v6; v7 added
            # check_daily.last_at and dropped the index of results by check;
            # v8 reordered check_daily's key)
            c.execute("ALTER TABLE check_results DROP COLUMN gap_s")
            v1_daily(c, last_at=False)
            c.execute("CREATE INDEX check_results_by_time ON check_results(check_id, at)")
            c.execute("UPDATE schema_versions SET version = 3 WHERE module = 'monitor'")
            c.execute("DROP TABLE web_maintenance")
            c.execute("UPDATE schema_versions SET version = 1 WHERE module = 'web'")
            with self.assertRaises(sg.DB_INTEGRITY_ERRORS):
                c.execute("INSERT INTO notifications(purpose, audience, channel, recipient, "
                          "body, created_at, next_attempt_at) VALUES ('maintenance_start', "
                          "'all_users', 'email', 'a@x.jp', 'b', 1, 1)")
        c.close()
        # a read-only command does not migrate, and still works on the old store
        prof = os.path.join(d, "p.yaml")
        report_fill.write_profile(prof)
        # (December: its profile window has no `announced:`, so the daemon's
        # announcement would be looked up)
        r = sg.run("availability", prof, "--month", "2026-12", "--db", db, "--format", "json",
                   env={"SAASGUARD_NOW": str(report_fill.NOW + 30 * 86400)})
        self.assertIn(r.code, (0, 1), repr(r))
        self.assertEqual(r.json()["seconds"]["late_announced_maintenance"], 3600)
        self.assertIn("seconds", r.json())
        self.assertEqual(query(db, "SELECT version FROM schema_versions WHERE module = "
                               "'monitor'"), [(3,)])
        report_fill.store_init(db)  # store_open() migrates: to v4 and on to the latest
        fresh = sg.new_db(d, "fresh")
        report_fill.store_init(fresh)
        latest = query(fresh, "SELECT version FROM schema_versions WHERE module = 'monitor'")
        self.assertGreaterEqual(latest[0][0], 4)
        self.assertEqual(query(db, "SELECT version FROM schema_versions WHERE module = "
                               "'monitor'"), latest)
        self.assertEqual(query(db, "SELECT id, incident_id, purpose, body, delivered_at FROM "
                               "notifications ORDER BY id"),
                         [(5, 3, "incident_open", "b1", 11.0), (9, None, "report", "b2", None)])
        idx = {n for (n,) in query(db, "SELECT name FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = 'notifications'")}
        self.assertEqual(idx, {"notifications_pending", "notifications_by_incident"})
        c = sg.db_connect(db)
        with c:
            for p in ("maintenance_announce", "maintenance_start", "maintenance_end"):
                c.execute("INSERT INTO notifications(purpose, audience, channel, recipient, "
                          "body, created_at, next_attempt_at) VALUES (?, 'all_users', 'email', "
                          "'a@x.jp', 'b', 1, 1)", (p,))
            with self.assertRaises(sg.DB_INTEGRITY_ERRORS):
                c.execute("INSERT INTO notifications(purpose, audience, channel, recipient, "
                          "body, created_at, next_attempt_at) VALUES ('bogus', 'all_users', "
                          "'email', 'a@x.jp', 'b', 1, 1)")
        c.close()

    @sg.sqlite_only("a v6 store set up in SQLite DDL")
    def test_v7_last_result_moves_to_the_daily_rollups(self):
        _, db, c = self.latest_store()
        with c:
            a = report_fill.add_check(c, "s", "a", "liveness", "http", 60, None)
            b = report_fill.add_check(c, "s", "b", "liveness", "http", 60, None)
            c.executemany("INSERT INTO check_results(check_id, at, ok) VALUES (?, ?, 1)",
                          [(a, 1000.0), (a, 90050.0), (b, 500.0), (a, 90020.0)])
            v1_daily(c, last_at=False)
            c.executemany("INSERT INTO check_daily(check_id, day, n) VALUES (?, ?, 1)",
                          [(a, "2026-01-01"), (a, "2026-01-02"), (b, "2026-01-01")])
            c.execute("CREATE INDEX check_results_by_time ON check_results(check_id, at)")
            c.execute("UPDATE schema_versions SET version = 6 WHERE module = 'monitor'")
        c.close()
        report_fill.store_init(db)  # migrates to v7
        # each check's latest rollup holds its last result; older ones none
        self.assertEqual(query(db, "SELECT check_id, day, last_at FROM check_daily ORDER BY "
                               "check_id, day"),
                         [(a, "2026-01-01", None), (a, "2026-01-02", 90050.0),
                          (b, "2026-01-01", 500.0)])
        self.assertEqual(query(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                               "tbl_name = 'check_results'"), [])

    @sg.sqlite_only("SQLite's own v7 -> v8 table rebuild, set up in SQLite DDL")
    def test_v8_keeps_daily_rollups_in_day_order(self):
        d, db, c = self.latest_store()
        hist = bytes(range(256))
        rows = [(2, "2026-01-01", 10, 1, 61.5, hist, 90.0),
                (1, "2026-01-02", 20, 0, 30.0, None, None),
                (1, "2026-01-01", 30, 2, 45.0, hist[::-1], 80.0),
                (2, "2026-01-02", 40, 3, 300.0, hist, 95.5)]
        with c:
            a = report_fill.add_check(c, "s", "a", "liveness", "http", 60, None)
            b = report_fill.add_check(c, "s", "b", "liveness", "http", 60, None)
            self.assertEqual((a, b), (1, 2))
            v1_daily(c, last_at=True)
            c.executemany("INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, "
                          "lat_hist, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            c.execute("UPDATE schema_versions SET version = 7 WHERE module = 'monitor'")
        # before: the table itself is in (check, day) order (a scan with a
        # column no index covers reads the table in its key order)
        self.assertEqual(query(db, "SELECT check_id, day, n FROM check_daily"),
                         [(1, "2026-01-01", 30), (1, "2026-01-02", 20), (2, "2026-01-01", 10),
                          (2, "2026-01-02", 40)])
        c.close()
        report_fill.store_init(db)  # migrates to v8 and on
        version = "SELECT version FROM schema_versions WHERE module = 'monitor'"
        fresh = sg.new_db(d, "fresh")
        report_fill.store_init(fresh)
        self.assertGreaterEqual(query(fresh, version)[0][0], 8)
        self.assertEqual(query(db, version), query(fresh, version))
        # every row and column kept
        self.assertEqual(query(db, "SELECT check_id, day, n, n_fail, max_gap_s, lat_hist, "
                               "last_at FROM check_daily ORDER BY check_id, day"), sorted(rows))
        # the table is now in (day, check) order: a day's rows share pages
        self.assertEqual(query(db, "SELECT check_id, day, n FROM check_daily"),
                         [(1, "2026-01-01", 30), (2, "2026-01-01", 10), (1, "2026-01-02", 20),
                          (2, "2026-01-02", 40)])
        # reads by check go through the new index
        plan = query(db, "EXPLAIN QUERY PLAN SELECT n FROM check_daily WHERE check_id = 2 "
                     "AND day >= '2026-01-01'")
        self.assertIn("check_daily_by_check", " ".join(str(r[-1]) for r in plan))
        # the fold's upsert still finds a check's day by (check_id, day)
        c = sg.db_connect(db)
        with c:
            c.execute("INSERT INTO check_daily(check_id, day, n) VALUES (2, '2026-01-01', 5) "
                      "ON CONFLICT(check_id, day) DO UPDATE SET n = check_daily.n + excluded.n")
        c.close()
        self.assertEqual(query(db, "SELECT n FROM check_daily WHERE check_id = 2 AND day = "
                               "'2026-01-01'"), [(15,)])


if __name__ == "__main__":
    unittest.main()
