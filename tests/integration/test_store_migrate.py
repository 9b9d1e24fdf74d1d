"""`saasguard store migrate` and the ledger on PostgreSQL (issue 14, "Store
backend"): an installation with monitor results, incidents, notifications,
ledger entries and a sealed tree head moved from SQLite into another SQLite
file and into a real PostgreSQL 15 (pgserver.py); every table's row count
equal, the ledger verifying and exporting there, a later monitor run appending
after the copied ids, a non-empty destination refused. A monitor on
PostgreSQL whose writer waited out its lock timeout writes again once the lock
is free (the benchmark found it stuck in an aborted transaction). Then the ledger's
append-only promise on PostgreSQL: the daemon's role (the grants
docs/internals/store.md gives it) is refused UPDATE/DELETE/TRUNCATE by grants,
the owner by the triggers."""
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import unittest

import pgserver
import sg
from profiles import wait_for
from servers import Receiver
from test_ledger import run_verify_md

CUSTOMER = "users@customer.example.jp"


def profile(path, port, smtp_port, key):
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"""service: {{name: 給与計算クラウド, pattern: 1}}
provider: {{name: 株式会社サンプル, desk: サポートデスク, email: support@provider.example.jp,
  phone: 03-1234-5678}}
monitor:
  confirm: 1
  retry_interval: 300ms
  checks:
    - {{name: db, label: データベース, kind: liveness, type: tcp, host: 127.0.0.1, port: {port}, interval: 1s}}
    - {{name: web, label: 給与計算画面, kind: liveness, type: http, url: "http://127.0.0.1:1/", interval: 1s, timeout: 1s}}
notify:
  retry: {{initial: 1s, max: 2s}}
  smtp: {{url: "smtp://127.0.0.1:{smtp_port}", from: "noreply@provider.example.jp", starttls: "off"}}
  all_users: [{{email: "{CUSTOMER}"}}]
ledger: {{key: '{key}', seal_every: 1s, seal_every_entries: 1}}
""")


def sqlite_counts(path):
    c = sqlite3.connect(path)
    try:
        names = [r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'schema_versions' ORDER BY name")]
        return {n: c.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        c.close()


def sqlite_max_id(path, table):
    c = sqlite3.connect(path)
    try:
        return c.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0]
    finally:
        c.close()


class Installation(unittest.TestCase):
    """A SQLite installation: a monitor that saw one check up and one down
    (an incident, an outage mail delivered), attestations, sealed heads."""

    def setUp(self):
        self.d = sg.scratch(self)
        self.key = os.path.join(self.d, "keys", "ledger.key")
        self.env = {"SAASGUARD_STATE_DIR": self.d, "SAASGUARD_LEDGER_KEY": self.key}
        self.src = os.path.join(self.d, "src", "sg.db")
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.addCleanup(self.listener.close)
        self.smtp = Receiver(self, "smtp")
        self.smtp.start()
        self.prof = os.path.join(self.d, "p.yaml")
        profile(self.prof, self.listener.getsockname()[1], self.smtp.port, self.key)
        self.ok(self.sg("ledger", "keygen", "--key", self.key))
        env = dict(os.environ, LANG="C.UTF-8", **self.env)
        mon = subprocess.Popen([sg.binary(), "monitor", self.prof, "--db", self.src],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
        try:
            got = self.smtp.wait(lambda m: CUSTOMER in m["to"], 30)
        finally:
            mon.send_signal(signal.SIGTERM)
            _, err = mon.communicate(timeout=60)
        self.assertTrue(got, err[-3000:])
        self.assertEqual(mon.returncode, 0, err[-3000:])
        self.ok(self.sg("attest", "III.1.1.1", "--note", "review", "--db", self.src))
        self.ok(self.sg("ledger", "seal", "--db", self.src))
        self.counts = sqlite_counts(self.src)
        for t in ("checks", "check_results", "incidents", "notifications", "ledger_entries",
                  "ledger_heads", "check_daily"):
            self.assertGreater(self.counts.get(t, 0), 0, (t, self.counts))

    def sg(self, *args, lang="en", **kw):
        return sg.run(*args, env=self.env, lang=lang, **kw)

    def ok(self, r, code=0):
        self.assertEqual(r.code, code, repr(r))
        return r

    def migrate(self, to, code=0, lang="en"):
        return self.ok(self.sg("store", "migrate", "--from", "sqlite:" + self.src, "--to", to,
                               lang=lang, timeout=300), code)


ONE_PASS = ("chooses its stores itself (a SQLite source, SQLite and PostgreSQL "
            "destinations): the SQLite pass runs it whole")


@sg.sqlite_only(ONE_PASS)
class ToSQLite(Installation):
    def test_sqlite_to_sqlite(self):
        dst = os.path.join(self.d, "dst", "sg.db")
        r = self.migrate(dst)
        self.assertIn("the ledger verifies on the destination", r.out)
        self.assertRegex(r.err, r"check_results: \d+ rows copied")
        self.assertEqual(sqlite_counts(dst), self.counts)
        self.assertEqual(os.stat(dst).st_mode & 0o777, 0o600)
        self.ok(self.sg("ledger", "verify", "--db", dst))
        # A second migration into it: refused, naming the table and what to do.
        r = self.migrate(dst, 2)
        self.assertIn("not empty", r.err)
        self.assertRegex(r.err, r"table \w+ has rows")
        self.assertIn("empty database", r.err)
        r = self.migrate(dst, 2, lang="ja")
        self.assertIn("空ではありません", r.err)
        self.assertEqual(sqlite_counts(dst), self.counts)

    def test_bad_arguments(self):
        r = self.ok(self.sg("store", "migrate", "--from", "sqlite:" + self.src), 2)
        self.assertIn("--to", r.err)
        r = self.ok(self.sg("store", "migrate", "--from",
                            "sqlite:" + os.path.join(self.d, "none.db"), "--to",
                            os.path.join(self.d, "x.db")), 2)
        self.assertIn("no such source database", r.err)
        self.assertFalse(os.path.exists(os.path.join(self.d, "none.db")))
        r = self.ok(self.sg("store", "migrate", "--from", "postgresql:///x", "--to",
                            os.path.join(self.d, "x.db")), 2)
        self.assertIn("SQLite", r.err)


@sg.sqlite_only(ONE_PASS)
class ToPostgreSQL(Installation):
    @classmethod
    def setUpClass(cls):
        cls.pg = pgserver.PgServer.shared()

    def newdb(self):
        name = self.pg.unique_name("sgmig")
        uri = self.pg.new_database(name)
        self.addCleanup(self.pg.drop_database, name)
        return name, uri

    def q(self, name, sql, user=None):
        return self.pg.psql(sql, name, user=user).strip()

    def pg_counts(self, name):
        out = {}
        for t in self.counts:
            out[t] = int(self.q(name, f'SELECT count(*) FROM "{t}"'))
        return out

    def test_migrate_verify_export_and_continue(self):
        name, uri = self.newdb()
        r = self.migrate(uri)
        self.assertIn("the ledger verifies on the destination", r.out)
        self.assertIn("id sequences moved past the copied ids", r.out)
        for t in ("checks", "check_results", "ledger_entries", "incidents"):
            self.assertRegex(r.err, rf"{t}: {self.counts[t]} rows copied")
        self.assertEqual(self.pg_counts(name), self.counts)
        # The ledger's bytes came over intact: the same leaf hashes.
        c = sqlite3.connect(self.src)
        want = [bytes(h).hex() for (h,) in c.execute(
            "SELECT leaf_hash FROM ledger_entries ORDER BY seq")]
        c.close()
        got = self.q(name, "SELECT encode(leaf_hash, 'hex') FROM ledger_entries ORDER BY seq")
        self.assertEqual(got.split(), want)
        # ledger verify and ledger export work on PostgreSQL; the export
        # verifies with openssl alone, as for SQLite.
        self.ok(self.sg("ledger", "verify", "--db", uri))
        out = os.path.join(self.d, "export")
        self.ok(self.sg("ledger", "export", "--db", uri, out))
        v = run_verify_md(out)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn(f"OK: {self.counts['ledger_entries']} entries", v.stdout)
        # A later monitor run on the destination appends after the copied ids.
        before = {t: sqlite_max_id(self.src, t) for t in ("check_results", "monitor_runs")}
        self.ok(self.sg("monitor", self.prof, "--db", uri, "--once", timeout=120))
        for t, old in before.items():
            new = int(self.q(name, f"SELECT min(id) FROM {t} WHERE id > {old}") or 0)
            self.assertGreater(new, old, t)
            self.assertEqual(int(self.q(name, f"SELECT count(*) FROM {t}")),
                             self.counts[t] + int(self.q(name, f"SELECT count(*) FROM {t} "
                                                                f"WHERE id > {old}")))
        self.assertGreater(int(self.q(name, "SELECT count(*) FROM check_results")),
                           self.counts["check_results"])
        self.ok(self.sg("attest", "III.1.1.1", "--note", "after", "--db", uri))
        self.ok(self.sg("ledger", "seal", "--db", uri))
        r = self.ok(self.sg("ledger", "verify", "--db", uri))
        n = int(self.q(name, "SELECT count(*) FROM ledger_entries"))
        self.assertGreater(n, self.counts["ledger_entries"])
        self.assertIn(f"ledger verified: {n} entries", r.out)
        # A non-empty destination is refused with exit 2; nothing is added.
        n = self.pg_counts(name)
        r = self.migrate(uri, 2)
        self.assertIn("not empty", r.err)
        self.assertIn("createdb", r.err)
        self.assertEqual(self.pg_counts(name), n)

    def test_ledger_grants_and_triggers(self):
        """The roles docs/internals/store.md prescribes: an owner that migrates,
        a daemon role with SELECT and INSERT on the ledger only."""
        name, uri = self.newdb()
        tag = name[len("sgmig_"):]  # roles are the whole server's: unique like the database
        owner, daemon = f"sgown_{tag}", f"sgmon_{tag}"
        self.addCleanup(self.pg.psql, f'DROP ROLE IF EXISTS "{daemon}"; '
                        f'DROP ROLE IF EXISTS "{owner}"', "postgres", None, False)
        owner_uri = self.pg.role(owner, f'ALTER DATABASE "{name}" OWNER TO "{owner}"; '
                                 f'ALTER SCHEMA public OWNER TO "{owner}"', name)
        self.migrate(owner_uri)  # the owner creates the schema and copies
        # The grants of docs/internals/store.md, "Roles".
        with open(os.path.join(sg.ROOT, "docs", "internals", "store.md"), encoding="utf-8") as f:
            doc = f.read()
        block = re.search(r"```sql\n(-- daemon role\n.*?)```", doc, re.S).group(1)
        grants = block.replace("saasguard_owner", owner).replace("saasguard_daemon", daemon)
        self.pg.psql(f'CREATE ROLE "{daemon}" LOGIN', "postgres")
        self.pg.psql(grants, name)  # as the administrator (the superuser)
        daemon_uri = self.pg.uri(name, user=daemon)
        # The daemon role: appends and reads, never rewrites the ledger (grants).
        for sql in ("UPDATE ledger_entries SET type = 'x'", "DELETE FROM ledger_entries",
                    "TRUNCATE ledger_entries", "UPDATE ledger_heads SET tree_size = 0",
                    "DELETE FROM ledger_heads"):
            with self.assertRaises(RuntimeError) as cm:
                self.pg.psql(sql, name, user=daemon)
            self.assertIn("permission denied", str(cm.exception), sql)
        self.assertEqual(self.q(name, "SELECT count(*) FROM ledger_entries", user=daemon),
                         str(self.counts["ledger_entries"]))
        # ... yet it runs the monitor: results (new day partitions included),
        # incidents, the ledger's new entries and heads.
        r = self.sg("monitor", self.prof, "--db", daemon_uri, "--once", timeout=120)
        self.assertEqual(r.code, 0, repr(r))
        # The day partitions are the daemon's to make and to drop (retention).
        self.pg.psql("CREATE TABLE check_results_20300101 PARTITION OF check_results "
                     "FOR VALUES FROM (1893456000) TO (1893542400); "
                     "DROP TABLE check_results_20300101", name, user=daemon)
        self.assertGreater(int(self.q(name, "SELECT count(*) FROM ledger_entries")),
                           self.counts["ledger_entries"])
        self.ok(self.sg("ledger", "verify", "--db", daemon_uri))
        # The owner holds every privilege; the triggers still refuse.
        for sql in ("UPDATE ledger_entries SET type = 'x'", "DELETE FROM ledger_entries",
                    "TRUNCATE ledger_entries", "UPDATE ledger_heads SET tree_size = 0",
                    "DELETE FROM ledger_heads", "TRUNCATE ledger_heads"):
            with self.assertRaises(RuntimeError) as cm:
                self.pg.psql(sql, name, user=owner)
            self.assertIn("append-only", str(cm.exception), sql)
        self.ok(self.sg("ledger", "verify", "--db", uri))


@sg.sqlite_only(ONE_PASS)
class WriterLockTimeout(unittest.TestCase):
    def test_monitor_writes_again_after_a_lock_timeout(self):
        pg = pgserver.PgServer.shared()
        name = pg.unique_name("sglock")
        uri = pg.new_database(name)
        self.addCleanup(pg.drop_database, name)
        d = sg.scratch(self)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self.addCleanup(listener.close)
        prof = os.path.join(d, "p.yaml")
        with open(prof, "w", encoding="utf-8") as f:
            f.write("service: {name: x, pattern: 1}\nmonitor:\n  checks:\n"
                    "    - {name: db, kind: liveness, type: tcp, host: 127.0.0.1, "
                    f"port: {listener.getsockname()[1]}, interval: 1s}}\n")

        def results_after(t):
            out = pg.psql(f"SELECT count(*) FROM check_results WHERE at > {t}", name,
                          check=False)  # before the monitor made the table: none
            return int(out.strip() or 0)

        mon = subprocess.Popen([sg.binary(), "monitor", prof, "--db", uri],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, LANG="en_US.UTF-8"))
        try:
            self.assertTrue(wait_for(lambda: results_after(0) > 0, 30))
            # Another process holds the store's writer lock (store_pg.h,
            # STORE_PG_LOCK_WRITER) longer than the 10 s a writer waits.
            held = subprocess.Popen(
                ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.socket_dir, "-U",
                 pg.superuser, "-d", name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True)
            held.stdin.write("SELECT pg_advisory_lock(8314033535385555540);\n")
            held.stdin.flush()
            time.sleep(13)
            out, perr = held.communicate("SELECT pg_advisory_unlock(8314033535385555540);\n",
                                         timeout=30)
            self.assertEqual(held.returncode, 0, perr)
            freed = time.time()
            # The results kept in memory meanwhile and new ones reach the store.
            self.assertTrue(wait_for(lambda: results_after(freed) >= 2, 20),
                            pg.psql("SELECT max(at) FROM check_results", name))
        finally:
            mon.send_signal(signal.SIGTERM)
            _, err = mon.communicate(timeout=60)
        self.assertEqual(mon.returncode, 0, err[-3000:])
        self.assertIn("lock timeout", err)  # it did wait the lock out
        self.assertNotIn("current transaction is aborted", err)


if __name__ == "__main__":
    unittest.main()
