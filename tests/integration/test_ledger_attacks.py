"""The ledger against someone who can edit its database but not read the key
(issue 16): hostile rows must not crash the verifier or stop sealing, and
deleting or rewriting heads, or bringing a new key pair, must be refused by
the signer and caught by verify (with the signer's record beside the key, or
a checkpoint an auditor saved). Also: the key follows --db, and stores with
heads written before the chain still verify and go on."""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import time
import unittest

import sg
from test_ledger import LedgerBase, at, leaf, unlocked


def sign(key, text, d):
    p = os.path.join(d, "to-sign.txt")
    with open(p, "w") as f:
        f.write(text)
    return subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", p],
                          capture_output=True, check=True).stdout


class Attacks(LedgerBase):
    def setUp(self):
        super().setUp()
        self.build()  # heads #1 (size 1), #2 (6), #3 (10)

    def checkpoint(self):
        r = self.ok(self.sg("ledger", "head", "--format", "json", "--db", self.db))
        p = os.path.join(self.d, "auditor-checkpoint.json")
        with open(p, "w") as f:
            f.write(r.out)
        return p, json.loads(r.out)

    def rewrite_after(self, c, first):
        """Changes every entry from seq first on, with recomputed hashes."""
        for seq, entry in c.execute("SELECT seq, entry FROM ledger_entries WHERE seq >= ?",
                                    (first,)).fetchall():
            new = entry.replace("review", "REVIEW")
            c.execute("UPDATE ledger_entries SET entry = ?, leaf_hash = ? WHERE seq = ?",
                      (new, leaf(new), seq))

    def test_head_checkpoint_verifies(self):
        # The text form of `ledger head` is a checkpoint as well.
        t = os.path.join(self.d, "head.txt")
        with open(t, "w") as f:
            f.write(self.ok(self.sg("ledger", "head", "--db", self.db)).out)
        self.verify("--checkpoint", t, code=0)
        with open(t) as f:
            forged = f.read().replace("size 10", "size 11")
        with open(t, "w") as f:
            f.write(forged)
        r = self.verify("--checkpoint", t)
        self.assertIn("the signature does not verify: the checkpoint was edited", r.err)
        p, cp = self.checkpoint()
        self.assertEqual((cp["number"], cp["tree_size"]), (3, 10))
        self.assertIn("prev-size 6\n", cp["head"])
        r = self.verify("--checkpoint", p, code=0)
        self.assertIn("checkpoints: 2 agree (the signer's record included)", r.out)
        self.assertIn("unbroken from the first head", r.out)

    def test_long_type_does_not_crash_verify(self):
        c = unlocked(self.db)
        c.execute("UPDATE ledger_entries SET type = ? WHERE seq = 3", ("x" * 5000,))
        c.commit()
        r = self.verify()
        self.assertIn("entry 3: its stored time or type differ", r.err)

    def test_huge_entry_text_is_reported(self):
        # Larger than one verification batch (64 MiB): read on its own, checked.
        c = unlocked(self.db)
        c.execute("UPDATE ledger_entries SET entry = ? WHERE seq = 4", ("x" * (70 << 20),))
        c.commit()
        r = self.verify()
        self.assertIn("entry 4: its text does not match its recorded hash", r.err)

    def test_bogus_unsigned_heads_do_not_stop_proof_export_or_sealing(self):
        for size in (1 << 40, -5):
            with self.subTest(size=size):
                c = unlocked(self.db)
                c.execute("INSERT INTO ledger_heads(tree_size, root_hash, at_ms, key_id, head, "
                          "signature) VALUES (?, ?, 0, 'k', 'bogus', ?)", (size, b"\0", b"\0"))
                c.commit()
                p = self.ok(self.sg("ledger", "proof", "2", "--db", self.db)).json()
                self.assertEqual(p["tree_size"], 10)
                out = os.path.join(self.d, f"export{size}")
                self.ok(self.sg("ledger", "export", "--db", self.db, out))
                r = self.verify()
                self.assertIn("its signed text is damaged", r.err)
                c.execute("DELETE FROM ledger_heads WHERE head = 'bogus'")
                c.commit()
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db))
        self.assertIn("#4", r.out)

    def test_delete_newest_head_and_rewrite_is_refused_and_caught(self):
        saved, _ = self.checkpoint()
        self.export_dir = os.path.join(self.d, "last-month")
        self.ok(self.sg("ledger", "export", "--db", self.db, self.export_dir))
        self.verify("--checkpoint", self.export_dir, code=0)
        c = unlocked(self.db)
        c.execute("DELETE FROM ledger_heads WHERE id = 3")
        self.rewrite_after(c, 6)
        c.commit()
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db), 1)
        self.assertIn("rewritten after the last tree head this key signed (10 entries)", r.err)
        r = self.verify()
        self.assertIn("no longer holds tree head #3 (size 10)", r.err)
        # An auditor's copy of the database comes without the signer's record:
        # the checkpoint they saved catches it.
        shutil.move(self.key + ".heads", self.key + ".heads.away")
        r = self.verify("--checkpoint", saved)
        self.assertIn("no longer holds tree head #3 (size 10)", r.err)
        # So does an earlier export (its head.txt and head.sig).
        r = self.verify("--checkpoint", self.export_dir)
        self.assertIn("no longer holds tree head #3 (size 10)", r.err)

    def test_delete_a_middle_head_breaks_the_chain(self):
        shutil.move(self.key + ".heads", self.key + ".heads.away")
        c = unlocked(self.db)
        c.execute("DELETE FROM ledger_heads WHERE id = 2")
        c.commit()
        r = self.verify()
        self.assertIn("tree head #3 follows tree head #2 (size 6), but the ledger holds #1",
                      r.err)
        c.execute("DELETE FROM ledger_heads WHERE id = 1")
        c.commit()
        r = self.verify()
        self.assertIn("the first tree head is #3", r.err)

    def test_delete_every_head_and_rewrite_fails(self):
        c = unlocked(self.db)
        c.execute("DELETE FROM ledger_heads")
        self.rewrite_after(c, 0)
        c.commit()
        r = self.ok(self.sg("ledger", "seal", "--db", self.db), 1)
        self.assertIn("not sealing", r.err)
        r = self.verify()
        self.assertIn("no longer holds tree head #3", r.err)
        shutil.move(self.key + ".heads", self.key + ".heads.away")
        r = self.verify()
        self.assertIn("no signed tree head", r.err)

    def test_new_key_pair_and_replaced_pub_fail(self):
        saved, _ = self.checkpoint()
        c = unlocked(self.db)
        c.execute("DELETE FROM ledger_heads")
        self.rewrite_after(c, 0)
        c.commit()
        mine = os.path.join(self.d, "attacker", "ledger.key")
        self.ok(self.sg("ledger", "keygen", "--key", mine))
        self.ok(self.sg("ledger", "seal", "--db", self.db, "--key", mine))
        shutil.copy(mine + ".pub", self.key + ".pub")
        # The signer's record beside the real key was signed by the real key.
        r = self.verify()
        self.assertIn("the checkpoint (tree head #3, size 10) is signed by key", r.err)
        self.assertIn("the key was replaced", r.err)
        shutil.move(self.key + ".heads", self.key + ".heads.away")
        r = self.verify("--checkpoint", saved)
        self.assertIn("the key was replaced", r.err)
        # The real signer does not sign the rewritten ledger either.
        shutil.move(self.key + ".heads.away", self.key + ".heads")
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db), 1)
        self.assertIn("not sealing", r.err)


class KeyBesideTheDatabase(unittest.TestCase):
    @sg.sqlite_only("the key's default place is the SQLite file's directory")
    def test_default_key_follows_db(self):
        d = sg.scratch(self)
        db = os.path.join(d, "elsewhere", "sg.db")
        os.makedirs(os.path.dirname(db))
        env = {"SAASGUARD_STATE_DIR": os.path.join(d, "state")}
        r = sg.run("ledger", "keygen", "--db", db, env=env, lang="en")
        self.assertEqual(r.code, 0, repr(r))
        self.assertTrue(os.path.exists(os.path.join(d, "elsewhere", "ledger.key")))
        self.assertFalse(os.path.exists(os.path.join(d, "state", "ledger.key")))
        r = sg.run("attest", "III.1.1.1", "--note", "x", "--db", db, env=env, lang="en")
        self.assertEqual(r.code, 0, repr(r))
        r = sg.run("ledger", "verify", "--db", db, env=env, lang="en")
        self.assertEqual(r.code, 0, repr(r))
        self.assertIn("1 tree heads", r.out)
        self.assertEqual(os.stat(os.path.join(d, "elsewhere", "ledger.key.heads")).st_mode & 0o777,
                         0o600)


class Record(LedgerBase):
    """The signer's record survives a crash at any point of a seal."""

    def setUp(self):
        super().setUp()
        self.build()

    def record_lines(self):
        with open(self.key + ".heads") as f:
            return f.read().splitlines(True)

    def test_torn_last_line_is_ignored(self):
        with open(self.key + ".heads", "a") as f:
            f.write('{"head": "saasguard-ledger-he')
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db))
        self.assertIn("#4", r.out)
        self.verify(code=0)

    def test_head_stored_but_not_recorded_is_caught_up(self):
        lines = self.record_lines()
        self.assertEqual(len(lines), 3)
        with open(self.key + ".heads", "w") as f:
            f.writelines(lines[:2])  # the crash came before head #3 was recorded
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db))
        self.assertIn("#4", r.out)
        self.assertEqual(len(self.record_lines()), 4)
        self.verify(code=0)

    def test_edited_record_is_refused(self):
        lines = self.record_lines()
        cp = json.loads(lines[-1])
        cp["head"] = cp["head"].replace("size 10", "size 9")
        with open(self.key + ".heads", "w") as f:
            f.writelines(lines[:-1] + [json.dumps(cp) + "\n"])
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db), 1)
        self.assertIn("not signed by this key", r.err)
        self.assertEqual(os.stat(self.key + ".heads").st_mode & 0o777, 0o600)

    def test_record_writable_by_others_is_refused(self):
        os.chmod(self.key + ".heads", 0o666)
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db), 2)
        self.assertIn("writable by others", r.err)
        self.assertIn("chmod 600", r.err)

    def test_only_a_torn_line_is_no_record(self):
        with open(self.key + ".heads", "w") as f:
            f.write('{"head": "saasguard-ledger-he')
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db))
        self.assertIn("#4", r.out)


class Show(LedgerBase):
    def test_show_is_an_index_and_refuses_unknown_types(self):
        self.ok(self.sg("ledger", "keygen"))
        self.attest(1)
        r = self.ok(self.sg("ledger", "show", "--db", self.db))
        self.assertIn("attestation", r.out)
        self.assertIn("III.1.1.1: review 1 (by ", r.out)
        self.assertNotIn('"payload"', r.out)
        r = self.ok(self.sg("ledger", "show", "--db", self.db, lang="ja"))
        self.assertIn("実施記録", r.out)
        self.assertIn("時刻は", r.out)
        r = self.ok(self.sg("ledger", "show", "--type", "foo", "--db", self.db), 2)
        self.assertIn("--type 'foo' is not a ledger entry type", r.err)
        self.assertIn("attestation (attestation)", r.err)
        self.assertIn("incident_opened", r.err)
        r = self.ok(self.sg("ledger", "show", "--type", "attestation", "--format", "json",
                            "--db", self.db))
        self.assertEqual(r.json()[0]["payload"]["note"], "review 1")


@unittest.skipUnless(os.geteuid() == 0, "needs root to switch users")
class MonitorUser(unittest.TestCase):
    def test_monitor_user_still_seals_with_a_key_only_root_reads(self):
        import pwd
        import socket
        nobody = pwd.getpwnam("nobody")
        d = sg.scratch(self)
        os.chmod(d, 0o755)
        keys = os.path.join(d, "keys")
        os.mkdir(keys, 0o700)
        key = os.path.join(keys, "ledger.key")
        self.assertEqual(sg.run("ledger", "keygen", "--key", key).code, 0)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self.addCleanup(listener.close)
        prof = os.path.join(d, "p.yaml")
        with open(prof, "w", encoding="utf-8") as f:
            f.write("service: {name: user-test, pattern: 1}\n"
                    "monitor:\n  checks:\n"
                    "    - {name: db, kind: liveness, type: tcp, host: 127.0.0.1, "
                    f"port: {listener.getsockname()[1]}, interval: 1s}}\n"
                    f"ledger: {{key: '{key}'}}\n")
        os.chmod(prof, 0o644)
        data = os.path.join(d, "data")
        os.mkdir(data, 0o700)
        os.chown(data, nobody.pw_uid, nobody.pw_gid)
        db = sg.new_db(data)
        p = subprocess.run([sg.binary(), "monitor", prof, "--db", db, "--once", "--user",
                            "nobody"], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, LANG="C.UTF-8"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("cannot seal", p.stderr)
        r = sg.run("ledger", "verify", "--db", db, "--key", key, lang="en")
        self.assertEqual(r.code, 0, repr(r))
        self.assertRegex(r.out, r"[1-9]\d* tree heads")


class OldHeads(LedgerBase):
    @sg.sqlite_only("stores from before the head chain exist only on SQLite (the PostgreSQL "
                    "engine came after it); the test relies on SQLite reusing rowids")
    def test_heads_from_before_the_chain_still_verify_and_chain_on(self):
        self.build()
        # Make it a store as the previous version left it: v1 heads, no
        # number column, schema version 1, no signer's record.
        c = unlocked(self.db)
        rows = c.execute("SELECT tree_size, root_hash, at_ms, key_id FROM ledger_heads "
                         "ORDER BY id").fetchall()
        c.execute("DELETE FROM ledger_heads")
        c.execute("DROP INDEX ledger_heads_by_number")
        c.execute("ALTER TABLE ledger_heads DROP COLUMN number")
        c.execute("UPDATE schema_versions SET version = 1 WHERE module = 'ledger'")
        for size, root, at_ms, key_id in rows:
            t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at_ms // 1000))
            head = (f"saasguard-ledger-head v1\nsize {size}\nroot {root.hex()}\n"
                    f"time {t}.{at_ms % 1000:03d}Z\nkey {key_id}\n")
            c.execute("INSERT INTO ledger_heads(tree_size, root_hash, at_ms, key_id, head, "
                      "signature) VALUES (?, ?, ?, ?, ?, ?)",
                      (size, root, at_ms, key_id, head, sign(self.key, head, self.d)))
        c.commit()
        c.close()
        os.unlink(self.key + ".heads")
        r = self.verify(code=0)
        self.assertIn("3 old-form heads", r.out)
        self.attest(20, sec=700)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db))
        self.assertIn("#4", r.out)
        r = self.verify(code=0)
        self.assertIn("4 tree heads", r.out)
        c = sg.db_connect(self.db)
        head = c.execute("SELECT head FROM ledger_heads WHERE number = 4").fetchone()[0]
        prev = c.execute("SELECT head FROM ledger_heads WHERE id = 3").fetchone()[0]
        self.assertIn(f"prev-head {hashlib.sha256(prev.encode()).hexdigest()}\n", head)


if __name__ == "__main__":
    unittest.main()
