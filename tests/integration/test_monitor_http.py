"""What an HTTP check does on the wire and what it leaves behind (issue 16):
a fresh connection per probe unless reuse_connection: true (nginx logs its
$connection serial number), the phases of each probe stored, and
credentials — in the URL, from a 0600 password_file or headers_file — never
in the log, the store or the ledger."""
import os
import signal
import subprocess
import time
import unittest

import sg
from servers import Nginx


class HttpChecks(unittest.TestCase):
    def test_fresh_connections_phases_and_no_leaked_secrets(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        with open(ng.conf) as f:
            conf = f.read()
        conf = conf.replace(
            f"access_log {ng.dir}/access.log;",
            "log_format c '$connection $remote_user \"$http_x_api_key\" $request_uri';\n"
            f"  access_log {ng.dir}/access.log c;")
        with open(ng.conf, "w") as f:
            f.write(conf)
        ng.start()
        pw = os.path.join(d, "pw")
        with open(pw, "w") as f:
            f.write("PWSECRET\n")
        os.chmod(pw, 0o600)
        hf = os.path.join(d, "headers")
        with open(hf, "w") as f:
            f.write("X-Api-Key: HDRSECRET\n")
        os.chmod(hf, 0o600)
        prof = os.path.join(d, "p.yaml")
        db = sg.new_db(d)
        base = f"http://127.0.0.1:{ng.port}/healthz"
        with open(prof, "w", encoding="utf-8") as f:
            f.write(f"""service: {{name: 給与計算クラウド, pattern: 1}}
monitor:
  secret_params: [sessionid]
  checks:
    - {{name: fresh, kind: liveness, type: http, url: "{base}?c=fresh&api_key=QSECRET&sessionid=SSECRET",
       username: alice, password_file: {pw}, headers_file: {hf}, interval: 1s, timeout: 1s}}
    - {{name: reused, kind: fault, type: http, url: "http://bob:URLSECRET@127.0.0.1:{ng.port}/healthz?c=reused",
       reuse_connection: true, interval: 1s, timeout: 1s}}
service_hours: {{days: mon-sun, from: "00:00", to: "24:00", timezone: Asia/Tokyo}}
""")
        env = dict(os.environ, LANG="C.UTF-8")
        mon = subprocess.Popen([sg.binary(), "monitor", prof, "--db", db],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(5.5)
        mon.send_signal(signal.SIGTERM)
        out, err = mon.communicate(timeout=30)
        self.assertEqual(mon.returncode, 0, err)
        with open(os.path.join(ng.dir, "access.log")) as f:
            lines = [l.split() for l in f if l.strip()]
        fresh = [l for l in lines if "c=fresh" in l[3]]
        reused = [l for l in lines if "c=reused" in l[3]]
        self.assertGreaterEqual(len(fresh), 4, lines)
        self.assertGreaterEqual(len(reused), 4, lines)
        # A new connection for every probe of the default check ...
        self.assertEqual(len({l[0] for l in fresh}), len(fresh), fresh)
        # ... and the same one again for the check that asks for reuse.
        self.assertLess(len({l[0] for l in reused}), len(reused), reused)
        # The credentials reached the server.
        self.assertTrue(all(l[1] == "alice" and l[2] == '"HDRSECRET"' for l in fresh), fresh)
        self.assertTrue(all(l[1] == "bob" for l in reused), reused)
        c = sg.db_connect(db)
        try:
            ph = c.execute("SELECT COUNT(*), MIN(connect_ms), MAX(ttfb_ms), MIN(ttfb_ms - connect_ms)"
                           " FROM check_results WHERE ok = 1").fetchone()
            targets = [t for (t,) in c.execute("SELECT target FROM checks ORDER BY name")]
        finally:
            c.close()
        self.assertGreaterEqual(ph[0], 8, ph)
        self.assertGreater(ph[1], 0, ph)           # connect phase recorded
        self.assertGreaterEqual(ph[3], 0, ph)      # first byte after connect
        self.assertIn("api_key=***", targets[0])
        self.assertIn("sessionid=***", targets[0])
        self.assertTrue(targets[1].startswith("http://***@127.0.0.1"), targets)
        # No secret anywhere it could leave the process.
        blob = sg.db_raw_bytes(db)
        for name in os.listdir(d):
            if name.startswith("sg.db"):  # with SQLite: the file, its WAL and -shm
                with open(os.path.join(d, name), "rb") as f:
                    blob += f.read()
        for secret in ("QSECRET", "SSECRET", "URLSECRET", "PWSECRET", "HDRSECRET"):
            self.assertNotIn(secret.encode(), blob, secret)
            self.assertNotIn(secret, err, secret)


if __name__ == "__main__":
    unittest.main()
