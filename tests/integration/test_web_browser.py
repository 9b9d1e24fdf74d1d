"""A real browser (Debian's chromium driven by playwright-core) against
`saasguard serve`: log in, read the dashboard, send a follow-up and see it
arrive at the SMTP receiver, announce maintenance and see it mailed and on
the status page, a forged CSRF token refused, names written as
<script>alert(1)</script> shown as text with no dialog, the status page
without JavaScript. Screenshots go to $SG_SHOTS (docs/ keeps a set)."""
import datetime
import json
import os
import subprocess
import unittest

import servers
import sg
import webserve

XSS = "<script>alert(1)</script>"


@unittest.skipUnless(os.path.exists("/usr/bin/chromium"), "Debian chromium is not installed")
class Browser(unittest.TestCase):
    def test_browser(self):
        node_modules = os.path.join(sg.ROOT, "tests", "node_modules", "playwright-core")
        self.assertTrue(os.path.isdir(node_modules), "run tools/node-deps.sh")
        smtp = servers.Receiver(self, "smtp")
        smtp.start()
        d, db, prof = webserve.fixture(self, followups=())
        port = sg.free_port()
        with open(prof, encoding="utf-8") as f:
            text = f.read()
        # loopback checks only: the monitor below delivers the mail and probes these
        text = text.replace('url: "https://app.example.jp/web"', f'url: "http://127.0.0.1:{port}/healthz"')
        text = text.replace('url: "https://app.example.jp/login"', f'url: "http://127.0.0.1:{port}/healthz"')
        text = text.replace('url: "https://app.example.jp/api"', f'url: "http://127.0.0.1:{port}/healthz"')
        text = text.replace("    - {name: isp-uplink, kind: external_network, type: icmp, host: 192.0.2.1}\n", "")
        text += (f'notify:\n  smtp: {{url: "smtp://127.0.0.1:{smtp.port}", from: "noreply@provider.example.jp", starttls: "off"}}\n'
                 '  all_users: [{email: "users@customer.example.jp"}]\n'
                 '  admin_contacts: [{email: "it@customer.example.jp"}]\n'
                 '  managers: [{email: "ops@provider.example.jp"}]\n')
        with open(prof, "w", encoding="utf-8") as f:
            f.write(text)
        xss = os.path.join(d, "xss.yaml")
        with open(xss, "w", encoding="utf-8") as f:
            f.write(f'service:\n  name: "{XSS}"\n  pattern: 2\n  slug: xss\nmonitor:\n  checks:\n'
                    f'    - {{name: "{XSS}", kind: liveness, type: tcp, host: 127.0.0.1, port: {port}}}\n')
        pw = os.path.join(d, "pw")
        with open(pw, "w") as f:
            f.write("browser operator pw\n")
        os.chmod(pw, 0o600)
        r = sg.run("user", "add", "olga", "--role", "operator", "--password-file", pw, "--db", db)
        self.assertEqual(r.code, 0, repr(r))
        # real time from here on: maintenance must be announced before it starts
        env = {"SAASGUARD_NOW": ""}
        srv = webserve.Server(self, prof, xss, "--db", db, env=env, port=port)
        shots = os.environ.get("SG_SHOTS") or sg.scratch(self)
        jst = datetime.timezone(datetime.timedelta(hours=9))
        start = datetime.datetime.now(jst) + datetime.timedelta(days=3)
        e = dict(os.environ, SG_BASE=srv.base(), SG_USER="olga", SG_PASSWORD="browser operator pw",
                 SG_SHOTS=shots, SG_INCIDENT="1",
                 SG_MAINT_START=start.strftime("%Y-%m-%dT02:00"),
                 SG_MAINT_END=start.strftime("%Y-%m-%dT04:00"))
        e.pop("SAASGUARD_NOW", None)
        p = subprocess.run(["node", os.path.join(sg.ROOT, "tests", "e2e", "web.mjs")],
                           capture_output=True, text=True, timeout=300, env=e,
                           cwd=os.path.join(sg.ROOT, "tests"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        s = out["steps"]
        self.assertEqual(out["dialogs"], [], "a dialog opened: the name ran as script")
        self.assertEqual(s["xss_h1"], f"{XSS} 稼働状況")
        self.assertIn(XSS, s["xss_cells"])
        self.assertIn(XSS, s["index_links"])
        self.assertEqual(s["bars"], 90)
        self.assertEqual(s["after_login"], "/dashboard/")
        self.assertEqual(s["dashboard_h1"], "概要")
        self.assertIn("続報を記録し", s["followup_banner"])
        self.assertEqual(s["forged_status"], 403)
        self.assertIn("告知しました", s["maintenance_banner"])
        self.assertEqual(s["ledger_h1"], "証跡台帳")
        self.assertRegex(s["export_name"], r"^ledger-export-\d+-\d+\.zip$")
        self.assertGreater(s["export_bytes"], 1000)
        self.assertEqual(s["after_logout"], "/login")
        self.assertEqual(s["dashboard_after_logout"], "/login")
        self.assertTrue(s["maintenance_on_status"])
        self.assertEqual(s["foreign_requests"], [])
        # no CSP violations, nothing missing; the one 403 is the forged CSRF post
        self.assertEqual([m for m in out["console_errors"] if "403" not in m], [])
        self.assertIn("給与計算クラウド", s["nojs_h1"])
        self.assertGreater(s["nojs_rows"], 3)
        self.assertTrue(s["nojs_bars_visible"])
        for n in ("status-page.png", "dashboard.png", "status-page-nojs.png"):
            self.assertGreater(os.path.getsize(os.path.join(shots, n)), 10000)
        # the monitor delivers what the web queued: the follow-up and the announcement
        r = sg.run("monitor", prof, "--db", db, "--once", timeout=120)
        self.assertIn(r.code, (0, 1), repr(r))
        fu = smtp.wait(lambda m: "ブラウザから送信した続報です" in m["body"], 20)
        self.assertTrue(fu, smtp.messages())
        self.assertIn(["it@customer.example.jp"], [m["to"] for m in fu])
        self.assertNotIn("CSRF を偽った続報", json.dumps(smtp.messages(), ensure_ascii=False))
        mt = smtp.wait(lambda m: "メンテナンスのお知らせ" in m["subject"], 20)
        self.assertTrue(mt, smtp.messages())
        self.assertEqual(mt[0]["to"], ["users@customer.example.jp"])
        self.assertIn("ネットワーク機器の交換作業", mt[0]["body"])


if __name__ == "__main__":
    unittest.main()
