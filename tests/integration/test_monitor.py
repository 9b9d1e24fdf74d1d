"""The monitoring daemon against real loopback servers: nginx stopped and
started for a real outage, an SMTP receiver (aiosmtpd) and a webhook
receiver; the outbox surviving an SMTP outage and kill -9; follow-ups;
availability; measured values for the assessment; configuration errors."""
import os
import signal
import time
import unittest

import sg
from profiles import (SERVICE_HOURS, monitor_profile, query, smtp_notify, start_monitor,
                      stop_monitor)
from servers import Nginx, Receiver


def profile(path, nginx_url, smtp_port=None, hook_port=None, extra_checks="", monitor_extra="",
            notify_extra=""):
    notify = ""
    if smtp_port:
        admins = '  admin_contacts:\n    - {email: "it@customer.example.jp", lang: en}\n'
        if hook_port:
            admins += "    - {webhook: 'http://127.0.0.1:%d/hook'}\n" % hook_port
        notify = smtp_notify(smtp_port, admins, notify_extra)
    monitor_profile(path, f"""\
    - {{name: web, kind: liveness, type: http, url: "{nginx_url}", expect_status: 200, interval: 1s, timeout: 1s}}
    - {{name: login, kind: fault, type: http, url: "{nginx_url}", expect_body: "ログイン", interval: 1s, timeout: 1s}}
""", extra_checks + notify + SERVICE_HOURS, monitor_extra=monitor_extra)


class MonitorOutage(unittest.TestCase):
    def test_outage_notified_recovered_and_measured(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        smtp = Receiver(self, "smtp")
        smtp.start()
        hook = Receiver(self, "webhook")
        hook.start()
        prof = os.path.join(d, "p.yaml")
        db = sg.new_db(d)
        profile(prof, ng.url(), smtp.port, hook.port)
        mon = start_monitor(prof, db)
        try:
            time.sleep(2.5)
            t_stop = time.time()
            ng.stop()
            got = smtp.wait(lambda m: "users@customer.example.jp" in m["to"], 15)
            self.assertTrue(got, "no outage notice to all_users")
            m = got[0]
            self.assertIn("【障害発生】", m["subject"])
            self.assertIn("給与計算クラウド", m["subject"])
            self.assertIn("ご利用いただけない", m["body"])
            self.assertIn("お詫び申し上げます", m["body"])
            # customers never read the check's URL, name or libcurl's words
            self.assertNotIn("127.0.0.1", m["body"])
            self.assertNotIn("connect", m["body"])
            self.assertLess(m["received_at"] - t_stop, 20 * 60)
            # The fault (login) goes to admin contacts only: English mail + webhook.
            fault = smtp.wait(lambda m: "it@customer.example.jp" in m["to"], 10)
            self.assertTrue(fault)
            self.assertTrue(any("[Incident]" in x["subject"] for x in fault), fault)
            hooks = hook.wait(lambda m: m["purpose"] == "incident_open", 10)
            self.assertTrue(hooks)
            self.assertEqual(hooks[0]["audience"], "admin_contacts")
            self.assertIn("一部の機能", hooks[0]["subject"])
            # all_users never gets the fault notice; managers get a copy of both.
            for x in smtp.messages():
                if "users@customer.example.jp" in x["to"]:
                    self.assertNotIn("一部の機能", x["subject"])
            mgr = smtp.wait(lambda m: "ops@provider.example.jp" in m["to"]
                            and "一部の機能" in m["subject"], 10)
            self.assertTrue(mgr, "managers hear of the fault")
            self.assertIn("接続が拒否されました", mgr[0]["body"])
            ng.start()
            rec = smtp.wait(lambda m: "users@customer.example.jp" in m["to"]
                            and "復旧" in m["subject"], 15)
            self.assertTrue(rec, "no recovery notice")
        finally:
            err = stop_monitor(self, mon)
        self.assertIn("incident", err)
        r = sg.run("incident", "list", "--db", db, "--format", "json")
        self.assertEqual(r.code, 0, r)
        inc = r.json()
        kinds = sorted(i["kind"] for i in inc)
        self.assertEqual(kinds, ["fault", "outage"])
        out = [i for i in inc if i["kind"] == "outage"][0]
        self.assertIsNotNone(out["resolved_at"])
        self.assertIsNotNone(out["first_notice_delivered_at"])
        self.assertEqual(out["notify_deadline_s"], 1200)
        self.assertEqual(out["followup_deadline_s"], 3600)
        r = sg.run("incident", "show", str(out["id"]), "--db", db, "--format", "json")
        self.assertEqual(r.code, 0, r)
        ns = r.json()["notifications"]
        self.assertTrue(all(n["delivered_at"] for n in ns), ns)
        self.assertEqual({n["audience"] for n in ns}, {"all_users", "managers"})
        # Availability is time-weighted from the state intervals.
        month = time.strftime("%Y-%m", time.localtime())
        r = sg.run("availability", prof, "--month", month, "--db", db, "--format", "json",
                   env={"TZ": "Asia/Tokyo"})
        a = r.json()
        self.assertGreater(a["seconds"]["down"], 0.5)
        self.assertGreater(a["seconds"]["up"], 1)
        self.assertLess(a["availability_num"], 100)
        # Seconds of downtime in a run of seconds is far below any reference:
        # the verdict says so and the exit status follows it.
        self.assertLess(a["availability_num"], 99, a)
        self.assertFalse(a["meets_reference"], a)
        self.assertEqual(r.code, 1, r)
        self.assertIn("unknown", " ".join(a["rules"]))
        # Measured values for the assessment.
        rows = dict(query(db, "SELECT item_id, value_text FROM measurements WHERE collector = "
                          "'monitor' AND status IN ('ok','finding') ORDER BY id"))
        self.assertIn("III.1.1.1.a", rows)
        self.assertIn("III.1.1.1.b", rows)
        self.assertIn("III.2.1.1.a", rows)
        self.assertTrue(rows["III.2.1.1.a"].endswith("%"))
        self.assertTrue(rows["III.1.1.1.b"].endswith("s"), rows)
        # Ledger: events recorded.
        types = {t for (t,) in query(db, "SELECT DISTINCT type FROM ledger_entries")}
        for t in ("monitor_started", "check_state", "incident_opened", "incident_resolved",
                  "notification_queued", "notification_attempt", "notification_delivered",
                  "monitor_measurements", "monitor_stopped", "check_results_digest"):
            self.assertIn(t, types)
        if not sg.is_pg(db):  # the SQLite file's mode (PostgreSQL keeps no file of ours)
            self.assertEqual(os.stat(db).st_mode & 0o777, 0o600)


class Outbox(unittest.TestCase):
    def test_smtp_down_then_kill9_nothing_lost(self):
        d = sg.scratch(self)
        ng = Nginx(self)  # never started: the service is down
        smtp = Receiver(self, "smtp")  # not started yet: the mail server is down
        prof = os.path.join(d, "p.yaml")
        db = sg.new_db(d)
        profile(prof, ng.url(), smtp.port)
        mon = start_monitor(prof, db)
        deadline = time.time() + 15
        attempts = 0
        while time.time() < deadline:
            time.sleep(0.3)
            if sg.db_exists(db):
                try:
                    rows = query(db, "SELECT MAX(attempts) FROM notifications")
                except sg.DB_OPERATIONAL_ERRORS:
                    continue
                attempts = rows[0][0] or 0
                if attempts >= 2:
                    break
        mon.kill()  # kill -9
        mon.communicate()
        self.assertGreaterEqual(attempts, 2, "the outbox did not retry")
        pending = query(db, "SELECT COUNT(*) FROM notifications WHERE delivered_at IS NULL")[0][0]
        self.assertGreater(pending, 0)
        smtp.start()
        time.sleep(2.2)  # the backoff (at most 2 s) has passed
        r = sg.run("monitor", prof, "--db", db, "--once")
        self.assertEqual(r.code, 0, r)
        left = query(db, "SELECT COUNT(*) FROM notifications WHERE delivered_at IS NULL "
                     "AND purpose = 'incident_open'")[0][0]
        self.assertEqual(left, 0, r.err)
        got = smtp.messages()
        to = {t for m in got for t in m["to"]}
        self.assertIn("users@customer.example.jp", to)
        self.assertIn("it@customer.example.jp", to)
        errs = query(db, "SELECT COUNT(*) FROM ledger_entries WHERE type = 'notification_attempt' "
                     "AND entry LIKE '%\"ok\":false%'")[0][0]
        self.assertGreaterEqual(errs, 2)
        # The delay detection -> delivery is measured and exceeds nothing yet.
        v = query(db, "SELECT value_text FROM measurements WHERE item_id = 'III.1.1.1.b' "
                  "AND status IN ('ok','finding') ORDER BY id DESC LIMIT 1")
        self.assertTrue(v)
        # Follow-up: recorded and sent to the admin contacts.
        inc = sg.run("incident", "list", "--db", db, "--format", "json").json()
        oid = [i for i in inc if i["kind"] == "outage"][0]["id"]
        msg = os.path.join(d, "followup.txt")
        with open(msg, "w", encoding="utf-8") as f:
            f.write("原因はロードバランサーの設定誤りでした。再発防止策を実施済みです。\n")
        r = sg.run("incident", "followup", str(oid), "--message-file", msg, "--profile", prof,
                   "--db", db)
        self.assertEqual(r.code, 0, r)
        r = sg.run("monitor", prof, "--db", db, "--once")
        self.assertEqual(r.code, 0, r)
        fu = smtp.wait(lambda m: "[Update]" in m["subject"] or "【続報】" in m["subject"], 5)
        self.assertTrue(fu)
        # the admin contacts (English) and the managers' copy; never all users
        self.assertEqual({m["to"][0] for m in fu},
                         {"it@customer.example.jp", "ops@provider.example.jp"}, fu)
        self.assertTrue(all("第二報" in m["subject"] or "update 1" in m["subject"] for m in fu), fu)
        self.assertIn("ロードバランサー", fu[0]["body"])
        v = query(db, "SELECT value_text FROM measurements WHERE item_id = 'III.1.1.8.a' "
                  "AND status IN ('ok','finding') ORDER BY id DESC LIMIT 1")
        self.assertTrue(v)


class LoneLocation(unittest.TestCase):
    def test_iii_3_2_5_counts_a_failure_one_location_saw_alone(self):
        """A failure of an external network check that only one location saw
        told the managers (the cluster's internal alert) and no users: the
        failure -> managers delay of III.3.2.5.a counts it."""
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        profile(prof, ng.url(), extra_checks=(
            f'    - {{name: uplink, kind: external_network, type: http, url: "{ng.url()}", '
            f'interval: 1s, timeout: 1s}}\n'))
        r = sg.run("monitor", prof, "--db", db, "--once")
        self.assertEqual(r.code, 0, r)

        def measured():
            return query(db, "SELECT value_num, evidence FROM measurements WHERE item_id = "
                         "'III.3.2.5.a' ORDER BY id DESC LIMIT 1")

        before = measured()
        self.assertTrue(before)
        self.assertIn("no external network incidents", before[0][1])
        now = time.time()
        cid = query(db, "SELECT id FROM checks WHERE name = 'uplink'")[0][0]
        c = sg.db_connect(db)
        with c:
            c.execute("INSERT INTO cluster_location_alerts(check_id, location, kind, since, "
                      "alerted_at, resolved_at, detail) VALUES (?, 'osaka-1', "
                      "'external_network', ?, ?, ?, 'connect: timed out')",
                      (cid, now - 600, now - 360, now - 120))
        c.close()
        r = sg.run("monitor", prof, "--db", db, "--once")
        self.assertEqual(r.code, 0, r)
        after = measured()
        self.assertEqual(after[0][0], 240.0, after)  # since -> alerted
        self.assertIn("1 failure(s) one location saw alone", after[0][1])


class Reload(unittest.TestCase):
    def test_sighup_bad_file_keeps_running(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof = os.path.join(d, "p.yaml")
        db = sg.new_db(d)
        profile(prof, ng.url())
        mon = start_monitor(prof, db)
        time.sleep(1.5)
        with open(prof, "a", encoding="utf-8") as f:
            f.write("monitor: {}\n")  # duplicate key: invalid
        mon.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        n1 = query(db, "SELECT COUNT(*) FROM check_results")[0][0]
        time.sleep(1.5)
        n2 = query(db, "SELECT COUNT(*) FROM check_results")[0][0]
        err = stop_monitor(self, mon)
        self.assertIn("keeping the running configuration", err)
        self.assertIn("p.yaml:", err)
        self.assertGreater(n2, n1)


class ConfigErrors(unittest.TestCase):
    def write(self, text):
        d = sg.scratch(self)
        p = os.path.join(d, "p.yaml")
        with open(p, "w", encoding="utf-8") as f:
            f.write("service: {name: s, pattern: 1}\n" + text)
        return d, p

    def test_interval_looser_than_required_reference(self):
        d, p = self.write("monitor:\n  checks:\n    - {name: w, kind: liveness, type: tcp, "
                          "host: 127.0.0.1, port: 9, interval: 10m}\n")
        r = sg.run("monitor", p, "--db", sg.new_db(d), "--once", lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("p.yaml:4:", r.err)
        self.assertIn("III.1.1.1.a", r.err)
        self.assertIn("below_reference_reason", r.err)

    def test_interval_with_reason_runs(self):
        d, p = self.write("monitor:\n  checks:\n    - {name: w, kind: liveness, type: tcp, "
                          "host: 127.0.0.1, port: %d, interval: 10m, "
                          "below_reference_reason: 'batch service'}\n" % sg.free_port())
        db = sg.new_db(d)
        r = sg.run("monitor", p, "--db", db, "--once", lang="en")
        self.assertEqual(r.code, 0, r)
        n = query(db, "SELECT COUNT(*) FROM check_results WHERE ok = 0")[0][0]
        self.assertEqual(n, 2)  # confirm: 2 consecutive failures

    def test_password_file_mode(self):
        d, p = self.write("")
        pw = os.path.join(d, "pw")
        with open(pw, "w") as f:
            f.write("secret\n")
        os.chmod(pw, 0o644)
        with open(p, "a") as f:
            f.write(f"notify:\n  smtp: {{url: 'smtp://127.0.0.1:1', from: 'a@b.jp', "
                    f"password_file: '{pw}'}}\n")
        r = sg.run("monitor", p, "--db", sg.new_db(d), "--once", lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("chmod 600", r.err)

    def test_unknown_kind(self):
        d, p = self.write("monitor:\n  checks:\n    - {name: w, kind: uptime, type: tcp, "
                          "host: 127.0.0.1, port: 9}\n")
        r = sg.run("monitor", p, "--db", sg.new_db(d), "--once")
        self.assertEqual(r.code, 2, r)
        self.assertIn("liveness, fault, performance, external_network", r.err)


if __name__ == "__main__":
    unittest.main()
