"""The daemon's side of reports and the ledger (issues 5 and 7): `saasguard
monitor --once` in December 2026 over a store holding a scripted November
(report_fill) writes the customer report and the manager summary as PDF into
the reports directory, mails each with the PDF attached to the right
recipients (a real SMTP receiver on 127.0.0.1), records both in the ledger
and never mails them twice; `reports: {enabled: false}` makes none; a bad
`reports:` section is exit 2 with file:line:column. With a signing key the
monitor seals a tree head over every entry and `ledger verify` passes;
`check` seals too."""
import hashlib
import os
import signal
import subprocess
import time
import unittest

import report_fill
import sg
from profiles import query
from servers import Nginx, Receiver

USERS_SUBJECT = "【ご報告】給与計算クラウド サービス稼働状況報告書（2026年11月）"
MANAGERS_SUBJECT = "【社内報告】給与計算クラウド 監視結果総括報告書（2026年11月）"
COLLECT_DATA = os.path.join(sg.ROOT, "tests", "data", "collect")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def nice_of(pid, tid=None):
    """The nice value of thread tid of process pid (default: its main thread), from
    /proc stat field 19; None once it is gone."""
    try:
        with open(f"/proc/{pid}/task/{tid or pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[16])  # field 19 of stat, counted after "pid (comm)"


def threads_at_nice(pid, nice):
    """Thread ids of process pid whose nice value is nice."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return set()
    return {int(tid) for tid in tids if nice_of(pid, int(tid)) == nice}


class DaemonReports(unittest.TestCase):
    def setUp(self):
        self.dir = sg.scratch(self)
        os.makedirs(os.path.join(self.dir, "state"))
        self.db = sg.new_db(os.path.join(self.dir, "state"))
        report_fill.scripted_month(self.db)
        self.prof = os.path.join(self.dir, "payroll.yaml")
        self.env = {"SAASGUARD_NOW": str(report_fill.NOW),
                    "SAASGUARD_LEDGER_KEY": os.path.join(self.dir, "no-such.key")}

    def write_profile(self, url, smtp_port=None, extra=""):
        notify = ""
        if smtp_port:
            notify = f"""notify:
  smtp: {{url: "smtp://127.0.0.1:{smtp_port}", from: "noreply@provider.example.jp", starttls: "off"}}
  retry: {{initial: 1s, max: 2s}}
  all_users: [{{email: "users@customer.example.jp"}}]
  admin_contacts: [{{email: "it@customer.example.jp"}}]
  managers: [{{email: "ops@provider.example.jp"}}]
"""
        with open(self.prof, "w", encoding="utf-8") as f:
            f.write(report_fill.PROFILE + f"""monitor:
  confirm: 2
  checks:
    - {{name: web, kind: liveness, type: http, url: "{url}", expect_status: 200, interval: 1s, timeout: 1s}}
{notify}{extra}""")

    def monitor_once(self):
        r = sg.run("monitor", self.prof, "--once", "--db", self.db, env=self.env, timeout=180)
        self.assertEqual(r.code, 0, r)
        return r

    def report_mails(self, smtp):
        return [m for m in smtp.messages() if m["attachments"]]

    def test_period_close_mails_reports_once_and_seals(self):
        ng = Nginx(self)
        ng.start()
        smtp = Receiver(self, "smtp")
        smtp.start()
        key = os.path.join(self.dir, "keys", "ledger.key")
        r = sg.run("ledger", "keygen", "--key", key)
        self.assertEqual(r.code, 0, r)
        self.write_profile(ng.url(), smtp.port,
                           "ledger: {key: keys/ledger.key, seal_every_entries: 1}\n")
        r = self.monitor_once()
        self.assertNotIn("no signing key", r.err)
        self.assertIn("signed tree head", r.err)

        # The copies kept, beside the database by default.
        rdir = os.path.join(self.dir, "state", "reports")
        users = os.path.join(rdir, "給与計算クラウド-2026-11-users.pdf")
        managers = os.path.join(rdir, "給与計算クラウド-2026-11-managers.pdf")
        for p in (users, managers):
            with open(p, "rb") as f:
                self.assertEqual(f.read(5), b"%PDF-")
        text = report_fill_pdftotext(users)
        self.assertIn("99.682", text)

        # Two mails, each to its audience, with the PDF attached.
        mails = self.report_mails(smtp)
        self.assertEqual(len(mails), 2, mails)
        by_subject = {m["subject"]: m for m in mails}
        self.assertEqual(set(by_subject), {USERS_SUBJECT, MANAGERS_SUBJECT})
        um, mm = by_subject[USERS_SUBJECT], by_subject[MANAGERS_SUBJECT]
        self.assertEqual(um["to"], ["it@customer.example.jp"])
        self.assertEqual(mm["to"], ["ops@provider.example.jp"])
        self.assertEqual(um["attachment_types"], ["application/pdf"])
        self.assertEqual(um["attachments"], [os.path.basename(users)])
        self.assertEqual(um["attachment_sha256"], [sha256(users)])
        self.assertEqual(mm["attachment_sha256"], [sha256(managers)])
        self.assertIn("2026年11月1日〜2026年11月30日", um["body"])
        self.assertNotIn("III.1.1", um["body"])  # no item IDs in what customers read
        self.assertIn("お問い合わせ", um["body"])
        self.assertIn(sha256(users), um["body"])
        self.assertIn("III.1.1.4", mm["body"])
        # nobody else gets a report
        for m in mails:
            self.assertNotIn("users@customer.example.jp", m["to"])

        # The ledger holds each file's SHA-256 and what was mailed.
        r = sg.run("ledger", "show", "--type", "report", "--format", "json", "--db", self.db)
        self.assertEqual(r.code, 0, r)
        rep = {e["payload"]["audience"]: e["payload"] for e in r.json()}
        self.assertEqual(rep["users"]["sha256"], sha256(users))
        self.assertEqual(rep["managers"]["sha256"], sha256(managers))
        self.assertEqual(rep["users"]["period"], "2026-11")
        self.assertEqual(rep["users"]["format"], "pdf")
        r = sg.run("ledger", "show", "--type", "report_mailed", "--format", "json",
                   "--db", self.db)
        mailed = {e["payload"]["audience"]: e["payload"] for e in r.json()}
        self.assertEqual(mailed["users"]["recipients_group"], "admin_contacts")
        self.assertEqual(mailed["managers"]["recipients"], 1)
        self.assertEqual(mailed["users"]["sha256"], sha256(users))
        # The manager summary saw the ledger's verification status.
        self.assertIn("検証", report_fill_pdftotext(managers))

        # Sealed: the last head covers every entry, and verify passes.
        self.assert_sealed_and_verifies(key)

        # A second run (a restart) mails nothing again.
        self.monitor_once()
        self.assertEqual(len(self.report_mails(smtp)), 2)
        self.assertEqual(query(self.db, "SELECT audience FROM report_deliveries ORDER BY 1"),
                         [("managers",), ("users",)])
        r = sg.run("ledger", "show", "--type", "report", "--format", "json", "--db", self.db)
        self.assertEqual(len(r.json()), 2)
        self.assert_sealed_and_verifies(key)

        # `check` seals what it appends.
        with open(self.prof, "a", encoding="utf-8") as f:
            f.write(f"collectors:\n  antivirus: {{database_dir: {COLLECT_DATA}/clamav-fresh}}\n")
        before = query(self.db, "SELECT COUNT(*) FROM ledger_heads")[0][0]
        r = sg.run("check", self.prof, "--only", "antivirus", "--db", self.db, "--format",
                   "json", env={"SAASGUARD_NOW": str(1800000000)}, lang="en")
        self.assertIn(r.code, (0, 1), r)
        self.assertEqual(r.json()["service"], "給与計算クラウド")  # stdout stays JSON
        self.assertIn("signed ledger tree head", r.err)
        self.assertEqual(query(self.db, "SELECT COUNT(*) FROM ledger_heads")[0][0], before + 1)
        self.assert_sealed_and_verifies(key)

    def test_running_daemon_writes_reports_off_its_loop(self):
        """The running daemon (not --once) makes the reports in its hourly
        work, on a thread of its own: the probes go on meanwhile and each
        report is mailed once. The first hourly work comes a minute after
        start; SAASGUARD_TEST_HOURLY_FIRST_MS brings it to 2 s here (the
        same timer and thread, nothing else changes), so the test does not
        wait out the minute in each pass."""
        ng = Nginx(self)
        ng.start()
        smtp = Receiver(self, "smtp")
        smtp.start()
        self.write_profile(ng.url(), smtp.port)
        env = dict(os.environ, LANG="C.UTF-8", SAASGUARD_TEST_HOURLY_FIRST_MS="2000", **self.env)
        p = subprocess.Popen([sg.binary(), "monitor", self.prof, "--db", self.db],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=env)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        deadline = time.time() + 150
        # The hourly work runs 10 nice steps below the daemon (at most 19): the
        # suite itself may run niced (`nice make test`).
        base = nice_of(p.pid)
        self.assertLess(base, 19, "at nice 19 the hourly thread cannot be told apart")
        niced = set()  # threads seen at the hourly work's nice value
        while time.time() < deadline and len(self.report_mails(smtp)) < 2:
            self.assertIsNone(p.poll(), "the monitor exited")
            niced |= threads_at_nice(p.pid, min(base + 10, 19))
            time.sleep(0.02)
        before = ng.requests()
        time.sleep(3)
        probing = ng.requests() - before
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        mails = self.report_mails(smtp)
        self.assertEqual(sorted(m["subject"] for m in mails),
                         sorted([USERS_SUBJECT, MANAGERS_SUBJECT]), err)
        self.assertIn("queued for 1 recipient(s)", err)
        # the reports were made on the lower-priority thread, not the loop
        self.assertTrue(niced, f"no thread of the monitor ran at nice {min(base + 10, 19)}")
        self.assertNotIn(p.pid, niced)
        # the 1-second check kept running (about 3 probes in 3 s)
        self.assertGreaterEqual(probing, 2, err)
        self.assertEqual(query(self.db, "SELECT audience FROM report_deliveries ORDER BY 1"),
                         [("managers",), ("users",)])

    def assert_sealed_and_verifies(self, key):
        entries = query(self.db, "SELECT COUNT(*) FROM ledger_entries")[0][0]
        head = query(self.db, "SELECT MAX(tree_size) FROM ledger_heads")[0][0]
        self.assertGreater(entries, 0)
        self.assertEqual(head, entries)
        r = sg.run("ledger", "verify", "--db", self.db, "--public-key", key + ".pub",
                   lang="en")
        self.assertEqual(r.code, 0, r)

    def test_disabled_makes_none_and_no_key_is_said_once(self):
        ng = Nginx(self)
        ng.start()
        smtp = Receiver(self, "smtp")
        smtp.start()
        self.write_profile(ng.url(), smtp.port, "reports: {enabled: false}\n")
        r = self.monitor_once()
        self.assertEqual(self.report_mails(smtp), [])
        self.assertFalse(os.path.exists(os.path.join(self.dir, "state", "reports")))
        self.assertEqual(query(self.db, "SELECT COUNT(*) FROM report_deliveries")[0][0], 0)
        self.assertEqual(r.err.count("no signing key"), 1, r.err)
        self.assertEqual(query(self.db, "SELECT COUNT(*) FROM ledger_heads")[0][0], 0)

    def test_dir_and_audiences(self):
        ng = Nginx(self)
        ng.start()
        smtp = Receiver(self, "smtp")
        smtp.start()
        self.write_profile(ng.url(), smtp.port,
                           "reports:\n  dir: kept\n  audiences: [managers]\n  format: pdf\n")
        self.monitor_once()
        kept = os.path.join(self.dir, "kept")  # relative to the profile
        self.assertEqual(os.listdir(kept), ["給与計算クラウド-2026-11-managers.pdf"])
        mails = self.report_mails(smtp)
        self.assertEqual([m["subject"] for m in mails], [MANAGERS_SUBJECT])

    def test_bad_reports_section_is_exit_2_with_position(self):
        cases = [
            ("reports:\n  audiences: [users, customers]\n", ":13:22:", "customers"),
            ("reports:\n  format: html\n", ":13:11:", "pdf"),
            ("reports:\n  enabled: maybe\n", ":13:12:", "enabled"),
            ("reports:\n  folder: x\n", ":13:3:", "dir"),
        ]
        for extra, pos, word in cases:
            with self.subTest(extra=extra):
                self.write_profile("http://127.0.0.1:9/", None, extra)
                r = sg.run("monitor", self.prof, "--once", "--db", self.db, env=self.env,
                           lang="en")
                self.assertEqual(r.code, 2, r)
                self.assertIn(self.prof + pos, r.err)
                self.assertIn(word, r.err)
        self.assertEqual(query(self.db, "SELECT COUNT(*) FROM report_deliveries")[0][0], 0)


def report_fill_pdftotext(path):
    import subprocess
    p = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                       timeout=60)
    if p.returncode:
        raise AssertionError(p.stderr)
    return p.stdout


if __name__ == "__main__":
    unittest.main()
