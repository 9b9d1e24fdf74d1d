"""Files named by someone else (issue 16, "Hangs" and "Secrets and files"):
a FIFO as the profile, a device as evidence, --output onto a symlink, a FIFO
or a device, and the umask. Each runs the built binary against real special
files; a hang shows up as the subprocess timeout.
"""
import json
import os
import stat
import unittest

import sg

NEWS = os.path.join(sg.EXAMPLES, "news-portal.yaml")


class Inputs(unittest.TestCase):
    def test_fifo_profile_is_refused_not_waited_on(self):
        d = sg.scratch(self)
        fifo = os.path.join(d, "profile.yaml")
        os.mkfifo(fifo)
        for cmd in (["assess", fifo], ["check", fifo], ["sla", fifo]):
            r = sg.run(*cmd, timeout=20)
            self.assertEqual(r.code, 2, r)
            self.assertIn("通常のファイルではありません", r.err, r)
        r = sg.run("assess", fifo, lang="en", timeout=20)
        self.assertIn("not a regular file", r.err, r)

    def test_device_as_profile_is_refused(self):
        r = sg.run("assess", "/dev/zero", timeout=20)
        self.assertEqual(r.code, 2, r)
        self.assertIn("通常のファイルではありません", r.err, r)

    def test_device_evidence_is_not_hashed_forever(self):
        d = sg.scratch(self)
        with open(NEWS, encoding="utf-8") as f:
            text = f.read()
        text = text.replace(
            "  II.1.1.1: {status: implemented, owner: 管理部}",
            "  II.1.1.1:\n    status: implemented\n    owner: 管理部\n    evidence:\n"
            "      - {title: zero, path: /dev/zero, sha256: "
            + "0" * 64 + "}", 1)
        self.assertIn("/dev/zero", text)
        path = os.path.join(d, "p.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        r = sg.run("assess", path, "--format", "json", timeout=30)
        self.assertEqual(r.code, 0, r)
        found = []

        def walk(o):
            if isinstance(o, dict):
                if o.get("path") == "/dev/zero":
                    found.append(o)
                for v in o.values():
                    walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)
        walk(json.loads(r.out))
        # Not hashed (it never ends): reported as a file that is not there.
        self.assertEqual([e["file"] for e in found], ["missing"])


class Output(unittest.TestCase):
    def assess_to(self, out, **kw):
        return sg.run("assess", NEWS, "--format", "json", "--output", out, **kw)

    def test_symlink_fifo_device_refused(self):
        d = sg.scratch(self)
        target = os.path.join(d, "precious")
        with open(target, "w") as f:
            f.write("keep")
        link = os.path.join(d, "link.json")
        os.symlink(target, link)
        r = self.assess_to(link)
        self.assertEqual(r.code, 2, r)
        self.assertTrue(os.path.islink(link))
        with open(target) as f:
            self.assertEqual(f.read(), "keep")
        fifo = os.path.join(d, "fifo.json")
        os.mkfifo(fifo)
        r = self.assess_to(fifo, timeout=20)
        self.assertEqual(r.code, 2, r)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        # A device node of our own (as root), so a regression replaces a
        # scratch node and never the machine's /dev/null.
        dev = "/dev/null"
        if os.geteuid() == 0:
            dev = os.path.join(d, "null")
            os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        r = self.assess_to(dev, lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("not a regular file", r.err)
        self.assertTrue(stat.S_ISCHR(os.lstat(dev).st_mode))

    def test_regular_and_new_paths_honour_umask(self):
        d = sg.scratch(self)
        out = os.path.join(d, "a.json")
        old = os.umask(0o077)
        try:
            r = self.assess_to(out)
        finally:
            os.umask(old)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        json.loads(open(out, encoding="utf-8").read())
        old = os.umask(0o022)
        try:
            r = self.assess_to(out)  # an existing regular file is replaced
        finally:
            os.umask(old)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o644)
        old = os.umask(0o002)  # the umask decides, not a fixed 0644
        try:
            r = self.assess_to(out)
        finally:
            os.umask(old)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o664)


class OutputModes(unittest.TestCase):
    """Every file a person asks for gets 0666 less the umask, as any new file
    would, not a fixed 0644: init, import and ledger export (its directory
    too). Keys and databases stay 0600."""

    def under(self, mask, *args, **kw):
        old = os.umask(mask)
        try:
            return sg.run(*args, **kw)
        finally:
            os.umask(old)

    def mode(self, path):
        return stat.S_IMODE(os.stat(path).st_mode)

    def test_init_and_import(self):
        d = sg.scratch(self)
        csv = os.path.join(d, "c.csv")
        self.assertEqual(sg.run("assess", NEWS, "--format", "csv", "--output", csv).code, 0)
        for mask, want in ((0o027, 0o640), (0o002, 0o664)):
            init = os.path.join(d, "init-%o.yaml" % mask)
            r = self.under(mask, "init", "--pattern", "1", "--output", init)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(self.mode(init), want)
            imp = os.path.join(d, "import-%o.yaml" % mask)
            r = self.under(mask, "import", csv, "--output", imp)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(self.mode(imp), want)

    def test_ledger_export(self):
        d = sg.scratch(self)
        env = {"SAASGUARD_STATE_DIR": d, "SAASGUARD_LEDGER_KEY": os.path.join(d, "k", "l.key")}
        db = sg.new_db(d)
        self.assertEqual(sg.run("ledger", "keygen", env=env).code, 0)
        r = sg.run("attest", "III.1.1.1", "--note", "x", "--db", db, env=env)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.mode(env["SAASGUARD_LEDGER_KEY"]), 0o600)
        if not sg.is_pg(db):  # the SQLite file (PostgreSQL keeps no file of ours)
            self.assertEqual(self.mode(db), 0o600)
        for mask, want in ((0o027, 0o640), (0o002, 0o664)):
            out = os.path.join(d, "export-%o" % mask, "sub")
            r = self.under(mask, "ledger", "export", "--db", db, out, env=env)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(self.mode(out), 0o777 & ~mask)
            names = os.listdir(out)
            self.assertIn("SHA256SUMS", names)
            self.assertIn("head.sig", names)
            for n in names:
                self.assertEqual(self.mode(os.path.join(out, n)), want, n)

    def test_ledger_export_refuses_symlink_fifo_device(self):
        d = sg.scratch(self)
        env = {"SAASGUARD_STATE_DIR": d, "SAASGUARD_LEDGER_KEY": os.path.join(d, "k", "l.key")}
        db = sg.new_db(d)
        self.assertEqual(sg.run("ledger", "keygen", env=env).code, 0)
        self.assertEqual(sg.run("attest", "III.1.1.1", "--note", "x", "--db", db,
                                env=env).code, 0)
        real = os.path.join(d, "real")
        os.mkdir(real)
        link = os.path.join(d, "link")
        os.symlink(real, link)
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        dev = "/dev/null"
        if os.geteuid() == 0:
            dev = os.path.join(d, "null")
            os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        for target in (link, fifo, dev):
            r = sg.run("ledger", "export", "--db", db, target, env=env, lang="en", timeout=20)
            self.assertEqual(r.code, 2, r)
            self.assertIn("not a directory", r.err)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(os.listdir(real), [])
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertTrue(stat.S_ISCHR(os.lstat(dev).st_mode))


class LogLines(unittest.TestCase):
    """CR/LF in names never reach a log line unescaped (issue 16): a key in
    an error message, a check name in the daemon's log."""

    FORGED = "2026-01-01T00:00:00Z saasguard monitor: forged"

    def assert_one_line_each(self, err):
        for line in err.splitlines():
            self.assertFalse(line.startswith(self.FORGED[:20]) and "forged" in line, err)
            self.assertNotIn("\r", line)

    def test_error_message_escapes_control_characters(self):
        d = sg.scratch(self)
        path = os.path.join(d, "p.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write('service: {name: x, pattern: 1}\ncontrols:\n'
                    f'  "II.1.1.1\\r\\n{self.FORGED}\\u001b[2J": {{status: implemented}}\n')
        r = sg.run("assess", path, lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("II.1.1.1\\r\\n" + self.FORGED + "\\x1b[2J", r.err)
        self.assertNotIn("\x1b", r.err)
        self.assert_one_line_each(r.err)

    def test_daemon_log_escapes_check_names(self):
        d = sg.scratch(self)
        path = os.path.join(d, "p.yaml")
        port = sg.free_port()  # nothing listens: the check fails, an incident opens
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"""service: {{name: x, pattern: 1}}
monitor:
  confirm: 1
  checks:
    - {{name: "web\\r\\n{self.FORGED}", kind: liveness, type: http, url: "http://127.0.0.1:{port}/", interval: 1s, timeout: 1s}}
service_hours: {{days: mon-sun, from: "00:00", to: "24:00", timezone: Asia/Tokyo}}
""")
        r = sg.run("monitor", path, "--db", sg.new_db(d), "--once", timeout=60)
        self.assertEqual(r.code, 0, r)
        self.assertIn("web\\r\\n" + self.FORGED, r.err)
        self.assert_one_line_each(r.err)


if __name__ == "__main__":
    unittest.main()
