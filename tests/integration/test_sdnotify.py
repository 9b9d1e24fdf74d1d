"""The monitor under systemd, without systemd: a datagram socket stands in
for $NOTIFY_SOCKET and must receive READY=1 once the checks are scheduled and
WATCHDOG=1 every second; with $JOURNAL_STREAM naming the daemon's stderr, its
log lines carry journald priority prefixes instead of timestamps."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import sg


class Notify(unittest.TestCase):
    def test_ready_watchdog_and_journal_priorities(self):
        d = sg.scratch(self)
        p = os.path.join(d, "p.yaml")
        with open(p, "w", encoding="utf-8") as f:
            f.write("service: {name: s, pattern: 1}\nmonitor:\n  checks:\n"
                    "    - {name: w, kind: liveness, type: tcp, host: 127.0.0.1, port: %d, "
                    "interval: 1m, below_reference_reason: 'test'}\n" % sg.free_port())
        sock_path = os.path.join(tempfile.mkdtemp(prefix="sg-notify-"), "notify")
        self.addCleanup(os.unlink, sock_path)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(srv.close)
        srv.bind(sock_path)
        srv.settimeout(10)
        err = open(os.path.join(d, "stderr"), "w+b")
        self.addCleanup(err.close)
        st = os.fstat(err.fileno())
        env = dict(os.environ, NOTIFY_SOCKET=sock_path, LANG="en_US.UTF-8",
                   JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        mon = subprocess.Popen([sg.binary(), "monitor", p, "--db", sg.new_db(d)],
                               env=env, stdout=subprocess.DEVNULL, stderr=err)
        msgs = []
        try:
            end = time.time() + 15
            while time.time() < end and sum(m == "WATCHDOG=1" for m in msgs) < 2:
                msgs.append(srv.recv(4096).decode())
        finally:
            mon.send_signal(signal.SIGTERM)
            mon.wait(30)
        self.assertTrue(msgs and msgs[0].startswith("READY=1"), msgs)
        self.assertIn("STATUS=monitoring", msgs[0])
        self.assertGreaterEqual(sum(m == "WATCHDOG=1" for m in msgs), 2, msgs)
        err.seek(0)
        lines = err.read().decode().splitlines()
        self.assertTrue(lines, "no log lines")
        for line in lines:
            self.assertRegex(line, r"^<[346]>[^<]", line)  # a priority, no timestamp
        self.assertTrue(any(l.startswith("<6>monitoring ") for l in lines), lines)
        self.assertIn("<6>SIGTERM: finishing in-flight work", lines)


if __name__ == "__main__":
    unittest.main()
