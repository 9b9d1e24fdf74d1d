"""`saasguard doctor`: each finding with its fix, against real loopback peers
(an aiosmtpd SMTP server that must receive the test mail, an `openssl ts` TSA),
in both languages; exit 0 only when nothing is wrong."""
import json
import os
import shutil
import tempfile
import unittest

import servers
import sg
import tsa_server


class Doctor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca_dir = tempfile.mkdtemp(prefix="sg-tsa-")
        cls.ca = tsa_server.make_ca(os.path.join(cls.ca_dir, "ca"))
        cls.tsa = tsa_server.TsaServer(os.path.join(cls.ca_dir, "ca"))

    @classmethod
    def tearDownClass(cls):
        cls.tsa.stop()
        shutil.rmtree(cls.ca_dir, True)

    def setUp(self):
        self.d = sg.scratch(self)
        self.state = os.path.join(self.d, "state")
        os.mkdir(self.state, 0o700)
        self.db = sg.new_db(self.state)
        self.key = os.path.join(self.state, "ledger.key")
        self.range = os.path.join(self.d, "ping_group_range")
        with open(self.range, "w") as f:
            f.write(f"{os.getegid()}\t{os.getegid()}\n")
        self.smtp = servers.Receiver(self, "smtp")
        self.smtp.start()

    def profile(self, smtp_port=None, tsa=True, icmp=False, starttls="off"):
        p = os.path.join(self.d, "profile.yaml")
        with open(p, "w") as f:
            f.write("service:\n  name: 給与計算クラウド\n  pattern: 1\n")
            if icmp:
                f.write("monitor:\n  checks:\n    - {name: gw, kind: liveness, type: icmp, "
                        "host: 127.0.0.1}\n")
            f.write("notify:\n  smtp: {url: \"smtp://127.0.0.1:%d\", from: noreply@example.jp%s}\n"
                    "  all_users: [{email: users@example.jp}]\n"
                    % (smtp_port or self.smtp.port,
                       ", starttls: \"%s\"" % starttls if starttls else ""))
            f.write(f"ledger:\n  key: {self.key}\n")
            if tsa:
                f.write(f"  tsa_url: {self.tsa.url}\n  tsa_ca_file: {self.ca}\n")
        return p

    def doctor(self, *args, lang="en", code=None):
        env = {"SAASGUARD_PING_GROUP_RANGE_FILE": self.range, "SAASGUARD_STATE_DIR": self.state}
        r = sg.run("doctor", "--db", self.db, "--timeout", "5", *args, env=env, lang=lang)
        if code is not None:
            self.assertEqual(r.code, code, repr(r))
        return r

    def findings(self, *args):
        r = self.doctor(*args, "--format", "json")
        self.assertIn(r.code, (0, 1), repr(r))
        return {f["check"]: f for f in json.loads(r.out)}, r.code

    def healthy(self):
        sg.run("ledger", "keygen", "--key", self.key)
        sg.run("attest", "II.1.1.1", "--note", "x", "--db", self.db, "--key", self.key)
        if not sg.is_pg(self.db):
            os.chmod(self.db, 0o600)

    def test_a_healthy_host(self):
        self.healthy()
        f, code = self.findings(self.profile(icmp=True))
        for check in ("store", "key", "smtp", "icmp", "tsa", "disk"):
            self.assertEqual(f[check]["status"], "ok", f[check])
            self.assertNotIn("fix", f[check])
        self.assertIn("issued a time-stamp", f["tsa"]["message"])
        self.assertIn(f["time"]["status"], ("ok", "problem"))  # the host's clock, not ours
        self.assertEqual(code, 0 if f["time"]["status"] == "ok" else 1)
        self.assertEqual(self.smtp.messages(), [])  # no mail unless asked

    @sg.sqlite_only("the store findings fixed here are the SQLite file's and directory's modes")
    def test_findings_say_how_to_fix_them(self):
        # No key, a world-readable database in a group-readable directory,
        # SMTP and TSA down, ICMP not allowed, too little disk (on paper).
        sg.run("attest", "II.1.1.1", "--note", "x", "--db", self.db, "--key", self.key)
        os.chmod(self.db, 0o644)
        with open(self.range, "w") as f:
            f.write("1\t0\n")
        self.tsa.fail = True
        try:
            f, code = self.findings(self.profile(smtp_port=sg.free_port(), icmp=True))
        finally:
            self.tsa.fail = False
        self.assertEqual(code, 1)
        self.assertEqual(f["store"]["status"], "problem")
        self.assertEqual(f["store"]["fix"], f"chmod 600 {self.db}")
        self.assertEqual(f["key"]["status"], "problem")
        self.assertEqual(f["key"]["fix"], f"saasguard ledger keygen --key {self.key}")
        self.assertEqual(f["smtp"]["status"], "problem")
        self.assertIn("notify.smtp.url", f["smtp"]["fix"])
        self.assertEqual(f["tsa"]["status"], "problem")
        self.assertIn("ledger.tsa_url", f["tsa"]["fix"])
        self.assertEqual(f["icmp"]["status"], "problem")
        self.assertIn("ping_group_range", f["icmp"]["fix"])
        self.assertIn("sysctl --system", f["icmp"]["fix"])
        # A key readable by others.
        sg.run("ledger", "keygen", "--key", self.key)
        os.chmod(self.key, 0o644)
        os.chmod(self.db, 0o600)
        os.chmod(self.state, 0o755)
        f, _ = self.findings(self.profile())
        self.assertEqual(f["key"]["fix"], f"chmod 600 {self.key}")
        self.assertEqual(f["store"]["fix"], f"chmod 700 {self.state}")

    def test_starttls_required_as_the_daemon_requires_it(self):
        """A server without STARTTLS passes with starttls: off but not by
        default: doctor judges SMTP the way the daemon will send."""
        self.healthy()
        f, _ = self.findings(self.profile(starttls=None))
        self.assertEqual(f["smtp"]["status"], "problem", f["smtp"])
        self.assertIn("notify.smtp.starttls: off", f["smtp"]["fix"])
        f, _ = self.findings(self.profile())
        self.assertEqual(f["smtp"]["status"], "ok", f["smtp"])

    def test_test_mail_on_request(self):
        self.healthy()
        r = self.doctor(self.profile(), "--test-mail", "ops@example.jp")
        self.assertIn("accepted a test mail to ops@example.jp", r.out)
        m = self.smtp.wait(lambda m: "ops@example.jp" in m["to"])
        self.assertEqual(len(m), 1)
        self.assertEqual(m[0]["from"], "noreply@example.jp")
        self.assertEqual(m[0]["subject"], "saasguard doctor: test")
        self.assertIn("テストメール", m[0]["body"])
        r = self.doctor("--test-mail", "ops@example.jp", code=2)
        self.assertIn("notify.smtp", r.err)

    def test_japanese_output_and_bad_profile(self):
        r = self.doctor(self.profile(smtp_port=sg.free_port()), lang="ja", code=1)
        self.assertIn("直し方: saasguard ledger keygen --key", r.out)
        self.assertIn("SMTP サーバ smtp://127.0.0.1:", r.out)
        bad = os.path.join(self.d, "bad.yaml")
        with open(bad, "w") as f:
            f.write("service: [\n")
        r = self.doctor(bad, code=2)
        self.assertIn("bad.yaml", r.err)


if __name__ == "__main__":
    unittest.main()
