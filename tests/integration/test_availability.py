"""`saasguard availability`: the figure over a scripted month agrees with the
report's, and a verdict resting on little monitoring is marked provisional."""
import datetime
import json
import os
import socket
import unittest

import report_fill
import sg


class Availability(unittest.TestCase):
    def test_full_month_is_not_provisional(self):
        d = sg.scratch(self)
        db, prof = sg.new_db(d), os.path.join(d, "p.yaml")
        report_fill.scripted_month(db)
        report_fill.write_profile(prof)
        env = {"SAASGUARD_NOW": str(report_fill.NOW)}
        r = sg.run("availability", prof, "--month", "2026-11", "--db", db, "--format", "json",
                   env=env)
        self.assertEqual(r.code, 0, repr(r))
        j = r.json()
        rep = sg.run("report", prof, "--format", "json", "--period", "2026-11", "--db", db,
                     "--output", os.path.join(d, "r.json"), env=env)
        self.assertEqual(rep.code, 0, repr(rep))
        with open(os.path.join(d, "r.json"), encoding="utf-8") as f:
            achieved = json.load(f)["availability"]["achieved"]
        # The same figure: the report's (three decimals, rounded) and this
        # command's (exact, and shown truncated to two decimals).
        self.assertAlmostEqual(j["availability_num"], achieved, delta=0.0005)
        self.assertEqual(j["availability"], "%.2f%%" % (int(achieved * 100) / 100))
        self.assertEqual(j["seconds"]["down"], 8220.0)
        self.assertFalse(j["provisional"])
        self.assertGreater(j["coverage"], 0.99)

    def test_one_run_is_provisional(self):
        d = sg.scratch(self)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        self.addCleanup(listener.close)
        prof = os.path.join(d, "p.yaml")
        with open(prof, "w", encoding="utf-8") as f:
            f.write("service: {name: once, pattern: 1}\nmonitor:\n  checks:\n"
                    "    - {name: db, kind: liveness, type: tcp, host: 127.0.0.1, port: %d}\n"
                    % listener.getsockname()[1])
        db = sg.new_db(d)
        r = sg.run("monitor", prof, "--db", db, "--once", lang="en")
        self.assertEqual(r.code, 0, repr(r))
        month = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9)))
        month = month.strftime("%Y-%m")
        r = sg.run("availability", prof, "--month", month, "--db", db, "--format", "json")
        self.assertEqual(r.code, 0, repr(r))
        j = r.json()
        self.assertTrue(j["provisional"], j)
        self.assertLess(j["coverage"], 0.9)
        r = sg.run("availability", prof, "--month", month, "--db", db)
        self.assertIn("参考値", r.out, repr(r))

    def test_without_month_means_the_current_month(self):
        d = sg.scratch(self)
        db, prof = sg.new_db(d), os.path.join(d, "p.yaml")
        report_fill.scripted_month(db)
        report_fill.write_profile(prof)
        # NOW lies in December (Asia/Tokyo): the default is that month, not November.
        env = {"SAASGUARD_NOW": str(report_fill.NOW)}
        month = datetime.datetime.fromtimestamp(
            report_fill.NOW, datetime.timezone(datetime.timedelta(hours=9))).strftime("%Y-%m")
        plain = sg.run("availability", prof, "--db", db, "--format", "json", env=env)
        named = sg.run("availability", prof, "--month", month, "--db", db, "--format", "json",
                       env=env)
        self.assertEqual(plain.code, 0, repr(plain))
        self.assertEqual(plain.json(), named.json())
        other = sg.run("availability", prof, "--month", "2026-11", "--db", db, "--format", "json",
                       env=env)
        self.assertEqual(month, "2026-12")
        self.assertNotEqual(plain.json()["seconds"], other.json()["seconds"])
