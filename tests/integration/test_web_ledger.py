"""The dashboard's ledger items (issue 13 §2): the last ledger verification
(recorded as `ledger_verified` entries by `ledger verify --record`, the
monitor's daily run and the dashboard's "verify now"), shown on the overview
and the ledger page, red when it failed, with the managers alerted; and the
ledger export downloaded as a zip that VERIFY.md checks with openssl alone."""
import io
import json
import os
import re
import signal
import subprocess
import time
import unittest
import urllib.parse
import zipfile

import sg
import webserve
from test_ledger import run_verify_md, unlocked
from test_web_api import PASSWORDS, ROLES, OpenAPI, add_token, add_user, form_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# managers to alert (nothing listens: the messages stay in the outbox, where the tests read them)
NOTIFY = ('notify:\n  smtp: {url: "smtp://127.0.0.1:9", from: "noreply@provider.example.jp", '
          'starttls: "off"}\n  managers: [{email: "ops@provider.example.jp"}]\n')


def entries_of(db, type_):
    c = sg.db_connect(db)
    try:
        rows = c.execute("SELECT seq, entry FROM ledger_entries WHERE type = ? ORDER BY seq",
                         (type_,)).fetchall()
    finally:
        c.close()
    return [(seq, json.loads(text)["payload"]) for seq, text in rows]


def count_entries(db):
    c = sg.db_connect(db)
    try:
        return c.execute("SELECT COUNT(*) FROM ledger_entries").fetchone()[0]
    finally:
        c.close()


def internal_alerts(db):
    c = sg.db_connect(db)
    try:
        return [tuple(r) for r in c.execute("SELECT audience, recipient FROM notifications "
                                            "WHERE purpose = 'internal'").fetchall()]
    finally:
        c.close()


def tamper(db):
    """Entry 1's text changed behind saasguard's back (its stored hash kept)."""
    c = unlocked(db)
    text = c.execute("SELECT entry FROM ledger_entries WHERE seq = 1").fetchone()[0]
    c.execute("UPDATE ledger_entries SET entry = ? WHERE seq = 1",
              (text.replace('"payload":{', '"payload":{"x":1,', 1),))
    c.commit()
    c.close()


class Cli(unittest.TestCase):
    """`ledger verify --record`: without it nothing is written."""

    def setUp(self):
        self.dir, self.db, self.prof = webserve.fixture(self, followups=())
        self.key = os.path.join(self.dir, "ledger.key")

    def verify(self, *extra, code=0):
        r = sg.run("ledger", "verify", "--db", self.db, "--key", self.key, *extra, lang="en")
        self.assertEqual(r.code, code, repr(r))
        return r

    def test_without_record_nothing_is_written(self):
        n = count_entries(self.db)
        self.verify()
        self.assertEqual(count_entries(self.db), n)
        self.assertEqual(entries_of(self.db, "ledger_verified"), [])

    def test_record_appends_the_result(self):
        n = count_entries(self.db)
        r = self.verify("--record")
        self.assertIn(f"recorded the result as ledger entry {n}", r.out)
        [(seq, p)] = entries_of(self.db, "ledger_verified")
        self.assertEqual(seq, n)
        self.assertEqual(p["by"], "cli")
        self.assertEqual(p["result"], "ok")
        self.assertEqual(p["entries"], n)
        self.assertEqual(p["head_size"], n)
        self.assertRegex(p["head_root"], "^[0-9a-f]{64}$")
        self.assertNotIn("error", p)
        # the entry itself is an entry like any other: the ledger still verifies
        r = sg.run("ledger", "seal", "--db", self.db, "--key", self.key)
        self.assertEqual(r.code, 0, repr(r))
        self.verify()
        r = sg.run("ledger", "show", "--type", "ledger_verified", "--db", self.db, lang="en")
        self.assertIn("ledger verified by cli", r.out)

    def test_failed_record_alerts_the_managers(self):
        with open(self.prof, "a", encoding="utf-8") as f:
            f.write(NOTIFY)
        tamper(self.db)
        r = self.verify("--record", "--profile", self.prof, code=1)
        self.assertIn("VERIFICATION FAILED", r.out)
        self.assertIn("managers alerted", r.out)
        [(_, p)] = entries_of(self.db, "ledger_verified")
        self.assertEqual(p["result"], "failed")
        self.assertEqual((p["first_bad"], p["last_bad"]), (1, 1))
        self.assertIn("entry 1", p["error"])
        c = sg.db_connect(self.db)
        rows = c.execute("SELECT purpose, audience, recipient, body FROM notifications "
                         "WHERE purpose = 'internal'").fetchall()
        c.close()
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][1:3], ("managers", "ops@provider.example.jp"))
        self.assertIn("証跡台帳の検証（実行: cli）に失敗しました", rows[0][3])


class Daemon(unittest.TestCase):
    """The monitor verifies the whole ledger a few seconds after it starts (no
    verification recorded within the day), off its loop, and records it."""

    def test_monitor_verifies_after_start_and_not_again_on_restart(self):
        d = sg.scratch(self)
        db = sg.new_db(d)
        key = os.path.join(d, "ledger.key")
        prof = os.path.join(d, "p.yaml")
        port = sg.free_port()  # nothing listens: the check fails, the loop runs
        with open(prof, "w", encoding="utf-8") as f:
            f.write(f"service: {{name: s, pattern: 1}}\nmonitor:\n  checks:\n"
                    f"    - {{name: w, kind: liveness, type: tcp, host: 127.0.0.1, "
                    f"port: {port}, interval: 1s, timeout: 1s}}\n"
                    f"ledger: {{key: {key}}}\n")
        self.assertEqual(sg.run("ledger", "keygen", "--key", key).code, 0)

        def run_monitor(seconds):
            p = subprocess.Popen([sg.binary(), "monitor", prof, "--db", db],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, LANG="en_US.UTF-8"))
            def verified():
                try:
                    return entries_of(db, "ledger_verified")
                except Exception:  # the daemon has not made its tables yet
                    return []
            if seconds:
                webserve.wait_for(verified, timeout=seconds)
            else:
                time.sleep(8)  # past when a first run would have started
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
            return err

        log = run_monitor(30)
        [(seq, p)] = entries_of(db, "ledger_verified")
        self.assertEqual(p["by"], "monitor")
        self.assertEqual(p["result"], "ok", p)
        self.assertGreater(p["entries"], 0)
        self.assertIn(f"ledger: verified {p['entries']} entries", log)
        self.assertIn(f"(entry {seq})", log)
        # within the day: a restart does not verify again
        log = run_monitor(0)
        self.assertEqual(len(entries_of(db, "ledger_verified")), 1, log)
        r = sg.run("ledger", "verify", "--db", db, "--key", key)
        self.assertEqual(r.code, 0, repr(r))


class Dashboard(unittest.TestCase):
    def setUp(self):
        self.dir, self.db, self.prof = webserve.fixture(self, followups=())
        with open(self.prof, "a", encoding="utf-8") as f:
            f.write(NOTIFY)
        for n, pw in PASSWORDS.items():
            add_user(self, self.dir, self.db, n, ROLES[n], pw)
        self.tmp = sg.scratch(self)
        self.srv = webserve.Server(self, self.prof, "--db", self.db, env={"TMPDIR": self.tmp})

    def tearDown(self):
        # a clean stop: under ASan, a leak would make it 88
        self.assertEqual(self.srv.stop(), 0)

    def session(self, user):
        status, h, page = self.srv.get("/login")
        csrf = form_of(page)["csrf"]
        body = urllib.parse.urlencode({"user": user, "password": PASSWORDS[user], "csrf": csrf})
        status, h, _ = self.srv.request(
            "/login", method="POST", body=body.encode(),
            headers=dict(FORM, Cookie="sg_login=" + re.search(r"sg_login=([^;]+)",
                                                              h["set-cookie"]).group(1)))
        self.assertEqual(status, 303)
        return "sg_session=" + re.search(r"sg_session=([^;]+)", h["set-cookie"]).group(1)

    def page(self, cookie, path="/dashboard/ledger"):
        status, _, page = self.srv.get(path + "?lang=en", headers={"Cookie": cookie})
        self.assertEqual(status, 200, page)
        return page

    def post(self, cookie, path, form):
        return self.srv.request(path + "?lang=en", method="POST",
                                body=urllib.parse.urlencode(form).encode(),
                                headers=dict(FORM, Cookie=cookie))

    def test_verify_now_is_recorded_and_shown(self):
        alice = self.session("alice")
        page = self.page(alice, "/dashboard/")
        self.assertIn("Last ledger verification: none recorded yet", page)
        page = self.page(alice)
        self.assertIn('action="/dashboard/ledger/verify"', page)
        csrf = form_of(page)["csrf"]
        # a forged token, then the operator: refused, nothing recorded
        self.assertEqual(self.post(alice, "/dashboard/ledger/verify", {"csrf": "x"})[0], 403)
        olga = self.session("olga")
        self.assertNotIn('action="/dashboard/ledger/verify"', self.page(olga))
        self.assertEqual(self.post(olga, "/dashboard/ledger/verify",
                                   {"csrf": form_of(self.page(olga))["csrf"]})[0], 403)
        self.assertEqual(entries_of(self.db, "ledger_verified"), [])
        n = count_entries(self.db)
        status, _, body = self.post(alice, "/dashboard/ledger/verify", {"csrf": csrf})
        self.assertEqual(status, 200, body)
        [(seq, p)] = entries_of(self.db, "ledger_verified")
        self.assertEqual(internal_alerts(self.db), [])  # a good result alerts nobody
        self.assertIn(f"recorded as entry {seq}.", body.decode())
        self.assertEqual((p["by"], p["result"]), ("alice", "ok"))
        # every entry before it, under the head the export-free web could not sign past
        self.assertEqual(p["entries"], seq)
        self.assertGreaterEqual(seq, n)
        for path in ("/dashboard/", "/dashboard/ledger"):
            page = self.page(olga, path)
            self.assertIn("Last ledger verification: OK", page)
            self.assertIn(f"by alice: {p['entries']} entries recomputed", page)
            self.assertIn(f"(ledger entry {seq})", page)
            self.assertNotIn("FAILED", page)
        page = self.page(olga)
        self.assertIn("<h3>Recent verifications</h3>", page)
        self.assertIn(f"<tr><td>{seq}</td><td>2026-12-01T00:00:00Z</td><td>ledger verified by "
                      f"alice: {p['entries']} entries", page)
        status, _, page = self.srv.get("/dashboard/", headers={"Cookie": olga})
        self.assertIn(f"最後の台帳検証: 正常 — 2026-12-01T00:00:00Z、実行 alice。エントリ "
                      f"{p['entries']} 件を再計算", page)
        self.assertIn(f"（台帳エントリ {seq}）", page)

    def test_tampered_ledger_shows_failed(self):
        alice = self.session("alice")
        tamper(self.db)
        page = self.page(alice)
        status, _, body = self.post(alice, "/dashboard/ledger/verify",
                                    {"csrf": form_of(page)["csrf"]})
        self.assertEqual(status, 200)
        self.assertIn("The verification FAILED: entry 1: its text does not match its recorded "
                      "hash", body.decode())
        [(seq, p)] = entries_of(self.db, "ledger_verified")
        self.assertEqual((p["by"], p["result"], p["first_bad"]), ("alice", "failed", 1))
        self.assertEqual(internal_alerts(self.db), [("managers", "ops@provider.example.jp")])
        vic = self.session("vic")
        page = self.page(vic, "/dashboard/")
        # first thing on the overview, in red, as an alert
        first = page.index('<div class="banner down" role="alert">')
        self.assertLess(first, page.index("<section>"))
        self.assertIn("Ledger verification FAILED", page)
        self.assertIn("entry 1: its text does not match its recorded hash", page)
        self.assertIn("Entries concerned: 1–1", page)
        self.assertIn(f"(ledger entry {seq})", page)
        status, _, page = self.srv.get("/dashboard/", headers={"Cookie": vic})
        self.assertIn("台帳の検証に失敗しました", page)
        self.assertIn("該当するエントリ: 1〜1", page)
        page = self.page(vic)
        self.assertIn("Ledger verification FAILED", page)
        self.assertNotIn('action="/dashboard/ledger/verify"', page)  # viewer: no form
        self.assertNotIn('action="/dashboard/ledger/export"', page)

    def test_export_download(self):
        olga = self.session("olga")
        page = self.page(olga)
        form = {"from": "2026-11-01", "to": "2026-12-31", "csrf": form_of(page)["csrf"]}
        status, _, _ = self.post(olga, "/dashboard/ledger/export", dict(form, csrf="forged"))
        self.assertEqual(status, 403)
        status, h, body = self.post(olga, "/dashboard/ledger/export", form)
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(h["content-type"], "application/zip")
        m = re.fullmatch(r'attachment; filename="(ledger-export-(\d+)-(\d+))\.zip"',
                         h["content-disposition"])
        self.assertTrue(m, h["content-disposition"])
        out = sg.scratch(self)
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            names = z.namelist()
            self.assertTrue(all(n.startswith(m.group(1) + "/") for n in names), names)
            z.extractall(out)
        exp = os.path.join(out, m.group(1))
        files = sorted(os.listdir(exp))
        for f in ("entries.jsonl", "nodes.txt", "head.txt", "head.sig", "ledger.pub",
                  "SHA256SUMS", "VERIFY.md", "period.txt"):
            self.assertIn(f, files)
        # VERIFY.md's commands pass, with openssl and sha256sum alone
        r = run_verify_md(exp)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # the same files `saasguard ledger export` writes for that period
        cli = os.path.join(sg.scratch(self), "x")
        r = sg.run("ledger", "export", "--from", "2026-11-01", "--to", "2026-12-31",
                   "--db", self.db, "--key", os.path.join(self.dir, "ledger.key"), cli)
        self.assertEqual(r.code, 0, repr(r))
        self.assertEqual(sorted(os.listdir(cli)), files)
        with open(os.path.join(exp, "period.txt")) as a, \
                open(os.path.join(cli, "period.txt")) as b:
            self.assertEqual(a.read(), b.read())
        # a changed byte fails VERIFY.md
        with open(os.path.join(exp, "entries.jsonl"), "r+b") as f:
            f.seek(20)
            c = f.read(1)
            f.seek(20)
            f.write(b"Z" if c != b"Z" else b"Y")
        self.assertNotEqual(run_verify_md(exp).returncode, 0)
        # recorded with the user's name; no temporary file left behind
        [(_, p)] = entries_of(self.db, "ledger_exported")
        self.assertEqual((p["by"], p["via"], p["bytes"]), ("olga", "web", len(body)))
        self.assertEqual(p["first_seq"], int(m.group(2)))
        self.assertEqual(os.listdir(self.tmp), [])
        self.assertIn(f"exported by olga ({len(body)} bytes)", self.page(olga))
        # a viewer may not
        vic = self.session("vic")
        status, _, _ = self.post(vic, "/dashboard/ledger/export",
                                 dict(form, csrf=form_of(self.page(vic, "/dashboard/"))["csrf"]))
        self.assertEqual(status, 403)
        # a bad period: the page says what to write, nothing recorded
        status, _, body = self.post(olga, "/dashboard/ledger/export",
                                    dict(form, **{"from": "yesterday"}))
        self.assertEqual(status, 400)
        self.assertIn("give the period as 2026-11-01", body.decode())
        self.assertEqual(len(entries_of(self.db, "ledger_exported")), 1)


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = unittest.TestCase()
        cls.dir, cls.db, cls.prof = webserve.fixture(cls.h, followups=())
        cls.tok = {role: add_token(cls.h, cls.db, f"t-{role}", role)
                   for role in ("admin", "operator", "viewer")}
        cls.srv = webserve.Server(cls.h, cls.prof, "--db", cls.db)
        status, _, body = cls.srv.get("/api/v1/openapi.json")
        assert status == 200
        cls.api = OpenAPI(json.loads(body), sg.scratch(cls.h))

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        cls.h.doCleanups()
        assert rc == 0, f"serve exited {rc}"

    def call(self, path, role=None, method="GET", validate=True):
        headers = {"Authorization": "Bearer " + self.tok[role]} if role else {}
        status, h, raw = self.srv.request(path, method=method, headers=headers)
        if validate:
            self.api.validate(self, path, method, status, json.loads(raw))
        return status, h, raw

    def test_verification(self):
        status, _, raw = self.call("/api/v1/ledger/verification", "viewer")
        self.assertEqual((status, json.loads(raw)), (200, {"verification": None}))
        self.assertNotIn("saasguard_ledger_verified", self.srv.get("/metrics")[2])
        self.assertEqual(self.call("/api/v1/ledger/verification")[0], 401)
        for role in ("viewer", "operator"):
            self.assertEqual(self.call("/api/v1/ledger/verification", role, "POST")[0], 403)
        status, _, raw = self.call("/api/v1/ledger/verification", "admin", "POST")
        self.assertEqual(status, 200, raw)
        v = json.loads(raw)["verification"]
        self.assertEqual((v["by"], v["result"]), ("token:t-admin", "ok"))
        status, _, raw = self.call("/api/v1/ledger/verification", "viewer")
        self.assertEqual(json.loads(raw)["verification"], v)
        [(seq, p)] = entries_of(self.db, "ledger_verified")
        self.assertEqual(v["seq"], seq)
        self.assertEqual(v["head_root"], p["head_root"])
        metrics = self.srv.get("/metrics")[2]
        self.assertIn("\nsaasguard_ledger_verified_ok 1\n", metrics)
        self.assertIn(f"\nsaasguard_ledger_verified_timestamp_seconds {webserve.ENV['SAASGUARD_NOW']}"
                      ".000\n", metrics)

    def test_export(self):
        status, _, raw = self.call("/api/v1/ledger/export?from=2026-11-01", "viewer")
        self.assertEqual(status, 403)
        status, _, raw = self.call("/api/v1/ledger/export?to=someday", "operator")
        self.assertEqual(status, 400)
        status, h, raw = self.call("/api/v1/ledger/export?from=2026-11-01&to=2026-12-31",
                                   "operator", validate=False)
        self.assertEqual(status, 200, raw[:300])
        self.assertEqual(h["content-type"], "application/zip")
        self.assertIn("attachment", h["content-disposition"])
        out = sg.scratch(self)
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            z.extractall(out)
        [exp] = os.listdir(out)
        r = run_verify_md(os.path.join(out, exp))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("token:t-operator",
                      [p["by"] for _, p in entries_of(self.db, "ledger_exported")])


if __name__ == "__main__":
    unittest.main()
