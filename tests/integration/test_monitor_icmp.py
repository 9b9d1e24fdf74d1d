"""ICMP checks through the kernel's unprivileged ping socket.

The socket is allowed only to groups in net.ipv4.ping_group_range; these tests
set the range (they run as root, as CI does) and put the old value back."""
import os
import unittest

import sg

RANGE = "/proc/sys/net/ipv4/ping_group_range"
# run.py: nothing else runs while this module changes the sysctl for the whole machine.
RUN_ALONE = "sets net.ipv4.ping_group_range"


def set_range(value):
    with open(RANGE, "w") as f:
        f.write(value)


class IcmpChecks(unittest.TestCase):
    def setUp(self):
        with open(RANGE) as f:
            self.saved = f.read().strip()
        self.addCleanup(set_range, self.saved)
        self.dir = sg.scratch(self)
        self.profile = os.path.join(self.dir, "p.yaml")
        with open(self.profile, "w", encoding="utf-8") as f:
            f.write("service: {name: icmp-test, pattern: 4}\n"
                    "monitor:\n  checks:\n    - {name: isp, kind: external_network, "
                    "type: icmp, host: 127.0.0.1, interval: 1s}\n")
        self.db = sg.new_db(self.dir)

    def test_refused_with_clear_message_when_the_kernel_forbids(self):
        set_range("1 0")
        r = sg.run("monitor", self.profile, "--db", self.db, "--once", lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("ping_group_range", r.err)

    def test_echo_to_loopback_is_recorded(self):
        set_range("0 2147483647")
        r = sg.run("monitor", self.profile, "--db", self.db, "--once", lang="en")
        self.assertEqual(r.code, 0, r)
        con = sg.db_connect(self.db)
        rows = con.execute("SELECT ok, latency_ms, error FROM check_results r JOIN checks c "
                           "ON c.id = r.check_id WHERE c.type = 'icmp'").fetchall()
        con.close()
        self.assertTrue(rows, "no icmp result stored")
        ok, latency, error = rows[0]
        self.assertEqual(ok, 1, error)
        self.assertGreaterEqual(latency, 0)
        self.assertLess(latency, 1000)
