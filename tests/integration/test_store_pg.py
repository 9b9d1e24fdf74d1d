"""saasguard on the PostgreSQL store backend (issue 14, "Store backend"),
against a real PostgreSQL 15 on a Unix socket (pgserver.py): migrations on an
empty database with several processes opening it at once, a monitor run that
stores its results, a ledger that verifies, a password in the connection
string refused, a database that does not exist named clearly, and a monitor
that carries on when PostgreSQL restarts under it."""
import os
import signal
import subprocess
import time
import unittest

import pgserver
import sg
from profiles import tcp_ledger_profile


def store_init():
    """tests/sg-store-init beside the binary under test: store_open() and nothing else."""
    return os.path.join(os.path.dirname(sg.binary()), "tests", "sg-store-init")


class PgStore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = pgserver.PgServer.shared()

    def newdb(self):
        name = self.pg.unique_name("sgpg")
        uri = self.pg.new_database(name)
        self.addCleanup(self.pg.drop_database, name)
        return name, uri

    def q(self, name, sql):
        return self.pg.psql(sql, name).strip()

    def test_migrations_apply_with_processes_racing(self):
        name, uri = self.newdb()
        # Four processes open (and so migrate) the empty database at once.
        procs = [subprocess.Popen([store_init(), uri], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
        got = self.q(name, "SELECT module || ' ' || version FROM schema_versions ORDER BY module")
        # The same modules at the same versions as a SQLite store.
        d = sg.scratch(self)
        lite = os.path.join(d, "sg.db")
        subprocess.run([store_init(), lite], check=True, timeout=60)
        import sqlite3
        con = sqlite3.connect(lite)
        want = "\n".join(f"{m} {v}" for m, v in con.execute(
            "SELECT module, version FROM schema_versions ORDER BY module"))
        con.close()
        self.assertEqual(got, want)
        self.assertGreaterEqual(len(got.splitlines()), 5)
        # Opened again: nothing to migrate, nothing changes.
        r = subprocess.run([store_init(), uri], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.q(name, "SELECT count(*) FROM schema_versions"),
                         str(len(got.splitlines())))
        # Every integer is 64-bit and every real a double, as on SQLite:
        # no migration left a 32-bit INTEGER or a 4-byte REAL behind.
        self.assertEqual(self.q(name, "SELECT string_agg(table_name || '.' || column_name, ' ') "
                                "FROM information_schema.columns WHERE table_schema = 'public' "
                                "AND data_type IN ('integer', 'smallint', 'real')"), "")
        # Times in ms need 64 bits; ids are identity columns.
        self.assertEqual(self.q(name, "SELECT data_type FROM information_schema.columns WHERE "
                                "table_name = 'ledger_entries' AND column_name = 'at_ms'"),
                         "bigint")
        self.assertEqual(self.q(name, "SELECT is_identity FROM information_schema.columns WHERE "
                                "table_name = 'checks' AND column_name = 'id'"), "YES")
        # unixepoch() is the server's clock in seconds.
        skew = int(self.q(name, "SELECT abs(unixepoch() - extract(epoch FROM now()))::int"))
        self.assertLessEqual(skew, 1)

    def test_monitor_once_stores_results_and_ledger_verifies(self):
        name, uri = self.newdb()
        prof, key = tcp_ledger_profile(self)
        for _ in range(2):  # the second run finds its checks and its ledger in place
            r = sg.run("monitor", prof, "--db", uri, "--once", timeout=120)
            self.assertEqual(r.code, 0, r)
        self.assertEqual(self.q(name, "SELECT count(*) FROM checks"), "1")
        self.assertGreaterEqual(int(self.q(name, "SELECT count(*) FROM check_results "
                                                 "WHERE ok = 1")), 2)
        self.assertGreaterEqual(int(self.q(name, "SELECT count(*) FROM ledger_heads")), 1)
        r = sg.run("attest", "III.1.1.1", "--note", "review", "--db", uri,
                   env={"SAASGUARD_LEDGER_KEY": key})
        self.assertEqual(r.code, 0, r)
        r = sg.run("ledger", "seal", "--db", uri, env={"SAASGUARD_LEDGER_KEY": key})
        self.assertEqual(r.code, 0, r)
        r = sg.run("ledger", "verify", "--db", uri, "--public-key", key + ".pub", lang="en")
        self.assertEqual(r.code, 0, r)
        # The append-only rule holds on PostgreSQL too.
        with self.assertRaises(RuntimeError) as cm:
            self.pg.psql("UPDATE ledger_entries SET type = 'x'", name)
        self.assertIn("append-only", str(cm.exception))

    def pubkey(self):
        d = sg.scratch(self)
        key = os.path.join(d, "ledger.key")
        r = sg.run("ledger", "keygen", "--key", key)
        self.assertEqual(r.code, 0, r)
        return key + ".pub"

    def test_password_in_connection_string_is_refused(self):
        pub = self.pubkey()
        for db in ("postgresql://saasguard:s3cret@127.0.0.1/sg",
                   f"host={self.pg.socket_dir} dbname=postgres password=s3cret"):
            r = sg.run("ledger", "verify", "--db", db, "--public-key", pub, lang="en")
            self.assertEqual(r.code, 2, r)
            self.assertIn("passwords are read from ~/.pgpass or the 0600 file given by "
                          "passfile= or PGPASSFILE, never from the command line", r.err)
            self.assertNotIn("s3cret", r.err + r.out)
            r = sg.run("ledger", "verify", "--db", db, "--public-key", pub)
            self.assertEqual(r.code, 2, r)
            self.assertIn("パスワード", r.err)
            self.assertIn("~/.pgpass", r.err)
            self.assertNotIn("s3cret", r.err + r.out)

    def test_missing_database_is_named(self):
        name = self.pg.unique_name("sgnone")
        uri = self.pg.uri(name)
        pub = self.pubkey()
        r = sg.run("ledger", "verify", "--db", uri, "--public-key", pub, lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn(f'database "{name}" does not exist', r.err)
        self.assertIn("cannot connect to PostgreSQL", r.err)
        r = sg.run("ledger", "verify", "--db", uri, "--public-key", pub)
        self.assertIn("PostgreSQL に接続できません", r.err)
        self.assertEqual(self.q("postgres", f"SELECT count(*) FROM pg_database "
                                            f"WHERE datname = '{name}'"), "0")


class PgRestart(unittest.TestCase):
    """PostgreSQL restarted under a running monitor: the store connects again
    before its next command, the writer's buffered results are written after,
    and the ledger still verifies."""

    def count(self, pg, db):
        try:
            return int(pg.psql("SELECT count(*) FROM check_results", db, check=False) or 0)
        except ValueError:
            return 0

    def wait_count(self, pg, db, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            c = self.count(pg, db)
            if c >= n:
                return c
            time.sleep(0.3)
        return self.count(pg, db)

    def test_monitor_survives_a_restart(self):
        pg = pgserver.PgServer().start()
        self.addCleanup(pg.stop)
        uri = pg.new_database("sgrestart")
        prof, key = tcp_ledger_profile(self)
        env = dict(os.environ, LANG="en_US.UTF-8")
        mon = subprocess.Popen([sg.binary(), "monitor", prof, "--db", uri], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: mon.poll() is None and mon.kill())
        before = self.wait_count(pg, "sgrestart", 3)
        self.assertGreaterEqual(before, 3, "the monitor stores results")
        pg.restart()
        after = self.count(pg, "sgrestart")
        later = self.wait_count(pg, "sgrestart", after + 4)
        mon.send_signal(signal.SIGTERM)
        out, err = mon.communicate(timeout=60)
        self.assertEqual(mon.returncode, 0, err[-3000:])
        self.assertGreaterEqual(later, after + 4, "results stored after the restart:\n" + err[-3000:])
        r = sg.run("ledger", "verify", "--db", uri, "--public-key", key + ".pub", lang="en")
        self.assertEqual(r.code, 0, r)


if __name__ == "__main__":
    unittest.main()
