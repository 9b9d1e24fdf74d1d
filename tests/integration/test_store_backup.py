"""`saasguard store backup` / `store restore` and `--version`: a backup taken
while entries are being appended is one committed state whose ledger verifies;
a restore brings the ledger back so `ledger verify` passes; damaged, foreign
and newer-schema backups are refused with exit 2 and nothing changed."""
import os
import sqlite3
import subprocess
import unittest

import sg
from test_ledger import LedgerBase, at


class Version(unittest.TestCase):
    def test_version_names_the_catalog_edition(self):
        r = sg.run("--version", lang="en")
        self.assertEqual(r.code, 0, repr(r))
        self.assertRegex(r.out, r"^saasguard \d+\.\d+\.\d+\n")
        self.assertIn("2008 (final draft)", r.out)
        self.assertIn("68 countermeasures, 37 evaluation items", r.out)
        r = sg.run("--version", lang="ja")
        self.assertIn("ASP・SaaS における情報セキュリティ対策ガイドライン 2008年", r.out)
        self.assertIn("対策項目 68、評価項目 37", r.out)


@sg.sqlite_only("store backup/restore copy one SQLite file (PostgreSQL: the server's own "
                "pg_dump/pg_basebackup)")
class Backup(LedgerBase):
    def setUp(self):
        super().setUp()
        self.build()  # ten entries, three signed heads
        self.bak = os.path.join(self.d, "backup", "sg-backup.db")
        os.makedirs(os.path.dirname(self.bak))

    def test_backup_is_private_and_verifies(self):
        r = self.ok(self.sg("store", "backup", self.bak, "--db", self.db))
        self.assertIn("10 ledger entries", r.out)
        self.assertEqual(os.stat(self.bak).st_mode & 0o777, 0o600)
        self.assertFalse(os.path.exists(self.bak + "-wal"))
        self.assertEqual([f for f in os.listdir(os.path.dirname(self.bak))], ["sg-backup.db"])
        r = self.ok(self.sg("ledger", "verify", "--db", self.bak), 0)
        self.assertIn("10", r.out)
        # Again without --force: refused, the first copy kept.
        before = os.stat(self.bak).st_mtime_ns
        r = self.ok(self.sg("store", "backup", self.bak, "--db", self.db), 2)
        self.assertIn("--force", r.err)
        self.assertEqual(os.stat(self.bak).st_mtime_ns, before)
        self.ok(self.sg("store", "backup", self.bak, "--db", self.db, "--force"))

    def test_backup_while_appending_is_consistent(self):
        # A writer appends attestations while the backup runs; the copy must
        # hold whole transactions only, so its ledger verifies.
        env = dict(os.environ, SAASGUARD_STATE_DIR=self.d, SAASGUARD_LEDGER_KEY=self.key,
                   LANG="en_US.UTF-8")
        procs = [subprocess.Popen([sg.binary(), "attest", "III.1.1.1", "--note", f"bg {i}",
                                   "--db", self.db], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for i in range(5)]
        for i in range(3):
            self.ok(self.sg("store", "backup", self.bak, "--db", self.db, "--force"))
            self.ok(self.sg("ledger", "verify", "--db", self.bak), 0)
        for p in procs:
            p.wait(timeout=60)
        self.ok(self.sg("ledger", "verify", "--db", self.db), 0)

    def test_restore_brings_the_ledger_back(self):
        self.ok(self.sg("store", "backup", self.bak, "--db", self.db))
        # The live database is lost; a new one is restored from the backup.
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                os.unlink(self.db + suffix)
        r = self.ok(self.sg("store", "restore", self.bak, "--db", self.db))
        self.assertIn("10 ledger entries", r.out)
        self.assertIn("ledger verify", r.out)
        self.assertEqual(os.stat(self.db).st_mode & 0o777, 0o600)
        self.ok(self.sg("ledger", "verify", "--db", self.db), 0)
        # And the restored store keeps working: append, seal, verify.
        self.attest(20, sec=3600)
        self.ok(self.sg("ledger", "seal", "--db", self.db))
        self.ok(self.sg("ledger", "verify", "--db", self.db), 0)

    def test_restore_over_a_ledger_needs_force(self):
        self.ok(self.sg("store", "backup", self.bak, "--db", self.db))
        self.attest(30, sec=7200)  # the live ledger moves on: 11 entries
        r = self.ok(self.sg("store", "restore", self.bak, "--db", self.db), 2)
        self.assertIn("--force", r.err)
        r = self.ok(self.sg("store", "restore", self.bak, "--db", self.db, lang="ja"), 2)
        self.assertIn("証跡台帳があります", r.err)
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute("SELECT count(*) FROM ledger_entries").fetchone()[0], 11)
        self.ok(self.sg("store", "restore", self.bak, "--db", self.db, "--force"))
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute("SELECT count(*) FROM ledger_entries").fetchone()[0], 10)
        self.ok(self.sg("ledger", "verify", "--db", self.db), 0)

    def test_bad_backups_are_refused(self):
        junk = os.path.join(self.d, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"this is not a database" * 100)
        r = self.ok(self.sg("store", "restore", junk, "--db", self.db, "--force"), 2)
        self.assertIn("damaged or not an SQLite file", r.err)
        foreign = os.path.join(self.d, "foreign.db")
        with sqlite3.connect(foreign) as c:
            c.execute("CREATE TABLE t(x)")
        r = self.ok(self.sg("store", "restore", foreign, "--db", self.db, "--force"), 2)
        self.assertIn("not a saasguard database", r.err)
        self.ok(self.sg("store", "backup", self.bak, "--db", self.db))
        with sqlite3.connect(self.bak) as c:
            c.execute("UPDATE schema_versions SET version = version + 100 WHERE module='ledger'")
        r = self.ok(self.sg("store", "restore", self.bak, "--db", self.db, "--force"), 2)
        self.assertIn("newer saasguard", r.err)
        r = self.ok(self.sg("store", "restore", os.path.join(self.d, "nope.db"), "--db",
                            self.db, "--force"), 2)
        # Nothing of it reached the live ledger.
        self.ok(self.sg("ledger", "verify", "--db", self.db), 0)
        r = self.ok(self.sg("store", "backup", "--db", self.db), 2)
        self.assertIn("PATH", r.err)


if __name__ == "__main__":
    unittest.main()
