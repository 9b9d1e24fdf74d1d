"""Results written outside the store-wide writer lock on PostgreSQL (issue 14,
docs/scaling.md): a monitor keeps storing results while another session holds
the writer lock (its heartbeat, which takes the lock, waits), and concurrent
writers folding into the same daily rollups lose no count and never
deadlock. Real PostgreSQL 15 on a Unix socket (pgserver.py)."""
import json
import os
import signal
import socket
import subprocess
import time
import unittest

import pgserver
import sg

WRITER_LOCK = 8314033535385555540  # src/store_pg.h STORE_PG_LOCK_WRITER


def bench_pg_write():
    """bench_pg_write beside the binary under test (meson builds it with saasguard)."""
    return os.path.join(os.path.dirname(sg.binary()), "bench_pg_write")


class PgWrite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = pgserver.PgServer.shared()

    def newdb(self):
        name = self.pg.unique_name("sgpw")
        uri = self.pg.new_database(name)
        self.addCleanup(self.pg.drop_database, name)
        return name, uri

    def q(self, name, sql):
        return self.pg.psql(sql, name).strip()

    def profile(self, nchecks):
        d = sg.scratch(self)
        key = os.path.join(d, "ledger.key")
        r = sg.run("ledger", "keygen", "--key", key)
        self.assertEqual(r.code, 0, r)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(256)
        self.addCleanup(listener.close)
        port = listener.getsockname()[1]
        prof = os.path.join(d, "p.yaml")
        with open(prof, "w", encoding="utf-8") as f:
            f.write("service: {name: 給与計算クラウド, pattern: 1}\nmonitor:\n  checks:\n")
            for i in range(nchecks):
                f.write(f"    - {{name: db{i}, kind: liveness, type: tcp, host: 127.0.0.1,"
                        f" port: {port}, interval: 1s}}\n")
            f.write(f"ledger: {{key: '{key}'}}\n")
        return prof, key

    def wait_for(self, fn, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = fn()
            if v:
                return v
            time.sleep(0.2)
        return fn()

    def test_results_are_stored_while_the_writer_lock_is_held(self):
        name, uri = self.newdb()
        prof, key = self.profile(4)
        env = dict(os.environ, LANG="en_US.UTF-8")
        mon = subprocess.Popen([sg.binary(), "monitor", prof, "--db", uri], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: mon.poll() is None and mon.kill())
        def count():  # 0 until the monitor has created the table
            return int(self.pg.psql("SELECT count(*) FROM check_results", name,
                                    check=False).strip() or 0)

        def beat():
            return float(self.q(name, "SELECT max(last_seen_at) FROM monitor_runs"))
        self.assertTrue(self.wait_for(lambda: count() >= 8), "the monitor stores results")
        # Another session takes the store-wide writer lock and keeps it.
        con = self.pg.connect(name)
        self.addCleanup(con.close)
        cur = con.cursor()
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        held_at = time.time()
        c0, b0 = count(), beat()
        time.sleep(8)
        c1, b1 = count(), beat()
        con.rollback()  # the lock goes with the transaction
        # 4 checks a second for 8 s: results went on being stored (the
        # writer flushes every second) ...
        self.assertGreaterEqual(c1 - c0, 12, f"results stored while the lock was held: {c0} -> {c1}")
        # ... while the heartbeat, which takes the lock, could not be written.
        self.assertLess(b1, held_at + 1, "the heartbeat waits for the writer lock")
        self.assertEqual(b0, b1)
        # Released: the heartbeat is written again.
        self.assertTrue(self.wait_for(lambda: beat() > held_at + 8, timeout=20),
                        "heartbeat after the lock was released")
        mon.send_signal(signal.SIGTERM)
        out, err = mon.communicate(timeout=60)
        self.assertEqual(mon.returncode, 0, err[-3000:])
        # Every result is in its rollup, once.
        self.assertEqual(self.q(name, "SELECT sum(n) FROM check_daily"),
                         self.q(name, "SELECT count(*) FROM check_results"))
        r = sg.run("ledger", "verify", "--db", uri, "--public-key", key + ".pub", lang="en")
        self.assertEqual(r.code, 0, r)

    def test_which_transactions_take_the_writer_lock(self):
        name, uri = self.newdb()
        helper = os.path.join(os.path.dirname(sg.binary()), "tests", "sg-store-tx")
        con = self.pg.connect(name)
        self.addCleanup(con.close)
        # mode -> (store_tx_shared() inside, whether the writer lock is held)
        for mode, shared, held in (("locked", "0", True), ("shared", "1", False),
                                   ("nested", "0", True)):
            p = subprocess.Popen([helper, uri, mode, "3"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            self.addCleanup(lambda p=p: p.poll() is None and p.kill())
            line = p.stdout.readline().strip()
            self.assertEqual(line, f"begun shared={shared}", (mode, p.stderr.read()
                                                              if not line else ""))
            cur = con.cursor()
            cur.execute("SELECT pg_try_advisory_xact_lock(%s)", (WRITER_LOCK,))
            got = cur.fetchone()[0]
            con.rollback()
            self.assertEqual(got, not held, mode)
            p.communicate(timeout=30)
            self.assertEqual(p.returncode, 0, mode)

    def run_writers(self, uri, writers, mode, phase, checks=1500, rate=6000, seconds=4):
        p = subprocess.run([bench_pg_write(), uri, str(writers), str(rate), str(seconds),
                            str(checks), mode, phase],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_concurrent_writers_lose_no_rollup_count(self):
        name, uri = self.newdb()
        # Four writers (four locations) write the same checks in the same
        # second: every batch of each folds into the rows the others fold into.
        out = self.run_writers(uri, 4, "shared", "same")
        self.assertEqual(out["failed_transactions"], 0, out)  # no deadlock, no lock timeout
        self.assertGreater(out["stored_rows"], 10000, out)
        results = int(self.q(name, "SELECT count(*) FROM check_results"))
        self.assertEqual(results, out["stored_rows"])
        self.assertEqual(int(self.q(name, "SELECT sum(n) FROM check_daily")), results)
        self.assertEqual(self.q(name, "SELECT sum(n_fail) FROM check_daily"),
                         self.q(name, "SELECT count(*) FROM check_results WHERE ok = 0"))
        # The latency histograms, summed in the writers, count every latency.
        hist = self.q(name, "SELECT sum(get_byte(lat_hist, i * 4) + get_byte(lat_hist, i * 4 + 1)"
                            " * 256 + get_byte(lat_hist, i * 4 + 2) * 65536::bigint)"
                            " FROM check_daily, generate_series(0, 63) i"
                            " WHERE lat_hist IS NOT NULL")
        self.assertEqual(hist, self.q(name, "SELECT count(*) FROM check_results "
                                            "WHERE latency_ms IS NOT NULL"))
        # One row per check and day, every location's results in it.
        self.assertEqual(self.q(name, "SELECT count(*) FROM check_daily"), "1500")


if __name__ == "__main__":
    unittest.main()
