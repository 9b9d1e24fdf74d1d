"""The daemon against a DNS server that never answers (issue 16, "Slow DNS
kills the daemon"). The daemon runs in a mount namespace of its own whose
/etc/resolv.conf names a silent UDP/TCP server on 127.0.0.x:53, so every
lookup of a name that is not in /etc/hosts hangs until the resolver gives
up — far longer than the checks' 1 s timeout. Before the fix the probe that
held the pending lookup was freed at its timeout and the lookup's callback
used it later (heap-use-after-free, SIGSEGV within ~10 s)."""
import os
import random
import signal
import socket
import subprocess
import threading
import time
import unittest

import sg



class SilentDns:
    """Reads DNS queries on NAMESERVER:53 (UDP and TCP) and never answers."""

    def __init__(self, test):
        # A loopback address of its own for each server, so neither parallel
        # runs nor the next run in this process (build, then ASan) collide.
        self.address = "127.53.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
        self.queries = 0
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((self.address, 53))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((self.address, 53))
        self.tcp.listen(16)
        # Short timeouts let the threads see `stop` and let go of the
        # sockets: close() alone does not wake a thread blocked in recv.
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self.stop = False
        self.held = []
        for fn in (self._udp, self._tcp):
            threading.Thread(target=fn, daemon=True).start()
        test.addCleanup(self.close)

    def _udp(self):
        while not self.stop:
            try:
                self.udp.recvfrom(4096)
                self.queries += 1
            except socket.timeout:
                continue
            except OSError:
                return

    def _tcp(self):
        while not self.stop:
            try:
                c, _ = self.tcp.accept()
                self.held.append(c)  # keep it open, say nothing
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop = True
        time.sleep(0.3)  # the threads leave within one timeout
        for s in [self.udp, self.tcp] + self.held:
            s.close()


@unittest.skipUnless(os.geteuid() == 0, "needs root for a mount namespace (unshare -m)")
class SlowDns(unittest.TestCase):
    def test_daemon_survives_a_resolver_that_never_answers(self):
        d = sg.scratch(self)
        dns = SilentDns(self)
        resolv = os.path.join(d, "resolv.conf")
        with open(resolv, "w") as f:
            f.write(f"nameserver {dns.address}\noptions timeout:3 attempts:2\n")
        prof = os.path.join(d, "p.yaml")
        db = sg.new_db(d)
        with open(prof, "w", encoding="utf-8") as f:
            f.write("""service: {name: 給与計算クラウド, pattern: 1}
monitor:
  confirm: 2
  retry_interval: 200ms
  checks:
    - {name: db, kind: liveness, type: tcp, host: db.slow-dns.example, port: 5432, interval: 1s, timeout: 500ms}
    - {name: db2, kind: fault, type: tcp, host: db2.slow-dns.example, port: 5432, interval: 1s, timeout: 300ms}
    - {name: web, kind: fault, type: http, url: "http://web.slow-dns.example/", interval: 1s, timeout: 500ms}
service_hours: {days: mon-sun, from: "00:00", to: "24:00", timezone: Asia/Tokyo}
""")
        env = dict(os.environ, LANG="C.UTF-8")
        # The namespace's own resolv.conf; the rest of the system is untouched.
        script = 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"'
        mon = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                                "sh", resolv, sg.binary(), "monitor", prof, "--db", db],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            t0 = time.time()
            while time.time() - t0 < 18:
                if mon.poll() is not None:
                    self.fail(f"the daemon died ({mon.returncode}): {mon.stderr.read()[-3000:]}")
                time.sleep(0.5)
        finally:
            if mon.poll() is None:
                mon.send_signal(signal.SIGTERM)
            try:
                out, err = mon.communicate(timeout=40)
            except subprocess.TimeoutExpired:
                mon.kill()
                out, err = mon.communicate()
        self.assertEqual(mon.returncode, 0, err[-3000:])
        self.assertNotIn("ERROR: AddressSanitizer", err)
        self.assertGreater(dns.queries, 0, "the resolver was never asked: the test proves nothing")
        c = sg.db_connect(db)
        try:
            rows = c.execute("SELECT c.name, COUNT(*), SUM(r.ok) FROM check_results r "
                             "JOIN checks c ON c.id = r.check_id GROUP BY c.name").fetchall()
            errors = [e for (e,) in c.execute(
                "SELECT DISTINCT error FROM check_results WHERE error IS NOT NULL")]
            incidents = c.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
        finally:
            c.close()
        by = {n: (cnt, ok) for n, cnt, ok in rows}
        # Every check kept being probed (one per second at least, retries more)
        # and every probe failed: a lookup that never ends is a timeout.
        for name in ("db", "db2", "web"):
            self.assertIn(name, by, rows)
            self.assertGreaterEqual(by[name][0], 10, rows)
            self.assertEqual(by[name][1], 0, rows)
        self.assertTrue(any("timeout" in e.lower() or "timed out" in e.lower() for e in errors),
                        errors)
        self.assertGreaterEqual(incidents, 3)


if __name__ == "__main__":
    unittest.main()
