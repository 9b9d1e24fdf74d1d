"""One event, one incident, one notice (issue 12 §3), against real servers:
three checks (http and tcp liveness, an http fault check) of one component on one nginx — stopping it opens one incident and
sends one outage mail per recipient (aiosmtpd); a check whose dependency is
down is recorded as suppressed and tells nobody; a performance check that
gets a 404 or a refused connection is a fault, not a degradation; and the
configuration errors of depends_on name file:line:col."""
import collections
import os
import time
import unittest

import sg
from profiles import (monitor_profile, query, query_early, start_monitor, stop_monitor,
                      wait_for)
from servers import Nginx, Receiver

USERS = "users@customer.example.jp"
ADMIN = "it@customer.example.jp"
OPS = "ops@provider.example.jp"


def profile(path, checks, notify="", window="5s"):
    monitor_profile(path, checks, notify, window=window, provider=(
        "provider: {name: 株式会社サンプル, desk: サポートデスク, email: support@provider.example.jp}\n"))


class Components(unittest.TestCase):
    def test_one_nginx_stop_one_incident_one_mail(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        smtp = Receiver(self, "smtp")
        smtp.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        profile(prof, f"""    - {{name: web, kind: liveness, type: http, url: "{ng.url()}", interval: 1s, timeout: 1s,
       component: 給与計算画面}}
    - {{name: web-port, kind: liveness, type: tcp, host: 127.0.0.1, port: {ng.port}, interval: 1s,
       timeout: 1s, component: 給与計算画面}}
    - {{name: api, kind: fault, type: http, url: "{ng.url()}", expect_body: "OK", interval: 1s,
       timeout: 1s, component: 給与計算画面}}
""", f"""notify:
  smtp: {{url: "smtp://127.0.0.1:{smtp.port}", from: "noreply@provider.example.jp", starttls: "off"}}
  retry: {{initial: 1s, max: 2s}}
  all_users: [{{email: "{USERS}"}}]
  admin_contacts: [{{email: "{ADMIN}"}}]
  managers: [{{email: "{OPS}"}}]
""")
        mon = start_monitor(prof, db)
        try:
            time.sleep(2.5)
            ng.stop()
            # Both checks confirm their failure: one incident, both involved.
            self.assertTrue(wait_for(lambda: len(query_early(
                db, "SELECT 1 FROM incident_checks WHERE role = 'member'")) >= 3, 15))
            self.assertTrue(smtp.wait(lambda m: USERS in m["to"], 15))
            time.sleep(3)  # a second notice, if any, would be here now
            ng.start()
            # Recovered once both checks are up and the window passed.
            self.assertTrue(wait_for(lambda: query_early(
                db, "SELECT 1 FROM incidents WHERE resolved_at IS NOT NULL"), 25))
            self.assertTrue(smtp.wait(lambda m: USERS in m["to"] and "【復旧】" in m["subject"], 15))
            time.sleep(2)
        finally:
            err = stop_monitor(self, mon)
        inc = query(db, "SELECT id, kind FROM incidents")
        self.assertEqual(len(inc), 1, inc)
        # The outage, even when the fault check happens to fail first.
        self.assertEqual(inc[0][1], "outage")
        members = query(db, "SELECT check_name, component, recovered_at FROM incident_checks "
                        "WHERE incident_id = ? AND role = 'member'", inc[0][0])
        self.assertEqual(sorted(m[0] for m in members), ["api", "web", "web-port"])
        self.assertTrue(all(m[1] == "給与計算画面" and m[2] for m in members), members)
        self.assertIn("joined incident", err)
        # Exactly one outage mail per recipient at the SMTP receiver, one recovery.
        opened = collections.Counter()
        recovered = collections.Counter()
        for m in smtp.messages():
            for to in (USERS, ADMIN, OPS):
                if to in m["to"]:
                    if "【障害発生】" in m["subject"]:
                        opened[to] += 1
                    if "【復旧】" in m["subject"]:
                        recovered[to] += 1
        self.assertEqual(opened[USERS], 1, smtp.messages())
        self.assertEqual(recovered[USERS], 1, smtp.messages())
        self.assertLessEqual(opened[OPS], 1)
        self.assertEqual(query(db, "SELECT recipient, COUNT(*) FROM notifications WHERE "
                               "purpose = 'incident_open' GROUP BY recipient HAVING COUNT(*) > 1"), [])
        # The customers read the component, not the checks.
        first = [m for m in smtp.messages() if USERS in m["to"] and "【障害発生】" in m["subject"]][0]
        self.assertIn("給与計算画面", first["body"])
        self.assertNotIn("web-port", first["body"])
        r = sg.run("incident", "show", str(inc[0][0]), "--db", db)
        self.assertEqual(r.code, 0, r)
        self.assertIn("web-port [給与計算画面]", r.out)

    def test_dependency_down_suppresses(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        hook = Receiver(self, "webhook")
        hook.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        # The dependency is probed every second and confirms at its second
        # failure; the dependent needs five (300 ms apart), so the database
        # is known to be failing when the login page's failure confirms.
        profile(prof, f"""    - {{name: db, kind: liveness, type: tcp, host: 127.0.0.1, port: {ng.port}, interval: 1s,
       timeout: 1s, component: データベース}}
    - {{name: login, kind: fault, type: http, url: "{ng.url()}", interval: 1s, timeout: 1s,
       confirm: 5, component: ログイン画面, depends_on: [データベース]}}
""", f"""notify:
  all_users: [{{webhook: "http://127.0.0.1:{hook.port}/"}}]
  admin_contacts: [{{webhook: "http://127.0.0.1:{hook.port}/admin"}}]
""")
        mon = start_monitor(prof, db)
        try:
            time.sleep(2.5)
            ng.stop()
            self.assertTrue(wait_for(lambda: query_early(
                db, "SELECT 1 FROM incident_checks WHERE role = 'suppressed'"), 15))
            time.sleep(2)
        finally:
            err = stop_monitor(self, mon)
        inc = query(db, "SELECT id, kind, check_name FROM incidents")
        self.assertEqual([(i[1], i[2]) for i in inc], [("outage", "db")])
        sup = query(db, "SELECT incident_id, check_name FROM incident_checks WHERE role = 'suppressed'")
        self.assertEqual(sup, [(inc[0][0], "login")])
        self.assertIn("suppressed", err)
        # Nobody heard of the login page: only the database's outage.
        opened = [m for m in hook.messages() if m["purpose"] == "incident_open"]
        self.assertEqual([m["audience"] for m in opened], ["all_users"])
        r = sg.run("incident", "list", "--db", db, "--format", "json")
        self.assertEqual(r.code, 0, r)
        checks = r.json()[0]["checks"]
        self.assertIn({"check": "login", "role": "suppressed"},
                      [{"check": c["check"], "role": c["role"]} for c in checks])
        r = sg.run("incident", "list", "--db", db)
        self.assertEqual(r.code, 0, r)
        self.assertIn("login", r.out)

    def test_performance_error_is_a_fault(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        profile(prof, f"""    - {{name: lat-404, kind: performance, type: http, url: "{ng.url('/missing')}",
       max_response_time: 5s, interval: 1s, timeout: 1s}}
    - {{name: lat-refused, kind: performance, type: http, url: "http://127.0.0.1:1/", max_response_time: 5s,
       interval: 1s, timeout: 1s}}
    - {{name: lat-ok, kind: performance, type: http, url: "{ng.url()}", max_response_time: 5s,
       interval: 1s, timeout: 1s}}
""")
        r = sg.run("monitor", prof, "--db", db, "--once")
        self.assertEqual(r.code, 0, r)
        kinds = dict(query(db, "SELECT check_name, kind FROM incidents"))
        self.assertEqual(kinds, {"lat-404": "fault", "lat-refused": "fault"})
        states = {n: s for n, s in query(
            db, "SELECT k.name, i.state FROM state_intervals i JOIN checks k ON k.id = i.check_id "
                "WHERE i.confirmed = 1 AND i.state != 'up'")}
        self.assertEqual(states, {"lat-404": "down", "lat-refused": "down"})
        items = {i for (i,) in query(db, "SELECT item_id FROM incidents")}
        self.assertEqual(items, {"III.1.1.2.b"})
        # A store from before incident_checks (read-only commands do not
        # migrate) still lists its incidents.
        c = sg.db_connect(db)
        c.execute("DROP TABLE incident_checks")
        c.execute("DELETE FROM schema_versions WHERE module = 'monitor_components'")
        c.commit()
        c.close()
        r = sg.run("incident", "list", "--db", db, "--format", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(sorted(i["check"] for i in r.json()), ["lat-404", "lat-refused"])
        self.assertEqual([i["checks"] for i in r.json()], [[], []])


class Config(unittest.TestCase):
    def run_bad(self, checks):
        d = sg.scratch(self)
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        profile(prof, checks)
        return prof, sg.run("monitor", prof, "--db", db, "--once")

    def test_unknown_dependency(self):
        prof, r = self.run_bad("    - {name: a, kind: liveness, type: tcp, host: 127.0.0.1, port: 1,"
                               " depends_on: [nosuch]}\n")
        self.assertEqual(r.code, 2, r)
        self.assertIn(f"{prof}:8:", r.err)
        self.assertIn("nosuch", r.err)

    def test_cycle_named(self):
        prof, r = self.run_bad(
            "    - {name: a, kind: liveness, type: tcp, host: 127.0.0.1, port: 1, depends_on: [b]}\n"
            "    - {name: b, kind: liveness, type: tcp, host: 127.0.0.1, port: 1, depends_on: [a]}\n")
        self.assertEqual(r.code, 2, r)
        self.assertIn(f"{prof}:8:", r.err)
        self.assertIn("a -> b -> a", r.err)

    def test_duplicate_name_at_its_second_use(self):
        # names are checked through a hash set (a profile of 100,000 checks
        # took minutes with the pairwise check): the error still names the
        # second use, after other checks with colliding-length names
        checks = "".join(f"    - {{name: c{i}, kind: liveness, type: tcp, host: 127.0.0.1,"
                         f" port: 1}}\n" for i in range(40))
        checks += "    - {name: c17, kind: liveness, type: tcp, host: 127.0.0.1, port: 1}\n"
        prof, r = self.run_bad(checks)
        self.assertEqual(r.code, 2, r)
        self.assertIn(f"{prof}:{7 + 41}:", r.err)
        self.assertIn("c17", r.err)


if __name__ == "__main__":
    unittest.main()
