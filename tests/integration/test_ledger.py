"""The evidence ledger end to end: keys OpenSSL reads, attestations, signed
and RFC 3161 time-stamped tree heads (a throwaway TSA on 127.0.0.1), tamper
tests against the real SQLite file, a crash in the middle of appends, and
exports whose VERIFY.md commands are run exactly as documented."""
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

import sg
import tsa_server

DAY = 86400


def at(day, sec=0):
    """SAASGUARD_NOW for 2026-11-DAY 09:00 UTC + sec (in the past: tokens are later)."""
    return str(1793523600 + (day - 1) * DAY + sec)  # 2026-11-01T09:00:00Z


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def leaf(text):
    return hashlib.sha256(b"\x00" + text.encode()).digest()


def unlocked(db):
    """A connection to the ledger's database with the append-only triggers dropped,
    as someone editing the file behind saasguard's back would do."""
    c = sg.db_connect(db)
    sg.drop_triggers(c, {"ledger_entries": ["ledger_entries_no_update", "ledger_entries_no_delete"],
                         "ledger_heads": ["ledger_heads_no_update", "ledger_heads_no_delete"]})
    return c


def verify_md_commands(path):
    with open(path, encoding="utf-8") as f:
        return "\n".join(re.findall(r"^```sh\n(.*?)^```", f.read(), re.S | re.M))


def run_verify_md(export_dir):
    script = verify_md_commands(os.path.join(export_dir, "VERIFY.md"))
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=export_dir,
                          capture_output=True, text=True, timeout=300)


class LedgerBase(unittest.TestCase):
    def setUp(self):
        self.d = sg.scratch(self)
        self.db = sg.new_db(self.d)
        self.key = os.path.join(self.d, "keys", "ledger.key")

    def sg(self, *args, now=None, lang="en", profile=None):
        env = {"SAASGUARD_STATE_DIR": self.d, "SAASGUARD_LEDGER_KEY": self.key}
        if now:
            env["SAASGUARD_NOW"] = now
        return sg.run(*args, env=env, lang=lang)

    def ok(self, r, code=0):
        self.assertEqual(r.code, code, repr(r))
        return r

    def attest(self, n, sec=0, **kw):
        """An attestation on 2026-11-01, sec seconds after 09:00 (within one sealing
        interval, so only the first attest of a ledger seals)."""
        return self.ok(self.sg("attest", "III.1.1.1", "--note", f"review {n}", "--db", self.db,
                               now=at(1, sec), **kw))

    def build(self):
        """Ten entries; heads #1 (size 1, sealed by the first attest), #2 (6), #3 (10)."""
        self.ok(self.sg("ledger", "keygen"))
        for i in range(10):
            self.attest(i, sec=i)
            if i == 5:
                self.ok(self.sg("ledger", "seal", "--db", self.db))
        self.ok(self.sg("ledger", "seal", "--db", self.db))

    def verify(self, *extra, code=1):
        return self.ok(self.sg("ledger", "verify", "--db", self.db, *extra), code)


class Keys(LedgerBase):
    def test_keygen_openssl_reads_the_keys(self):
        r = self.ok(self.sg("ledger", "keygen"))
        self.assertEqual(os.stat(self.key).st_mode & 0o777, 0o600)
        der = subprocess.run(["openssl", "pkey", "-pubin", "-in", self.key + ".pub", "-outform",
                              "DER"], capture_output=True, check=True).stdout
        self.assertIn(hashlib.sha256(der).hexdigest(), r.out)
        priv = subprocess.run(["openssl", "pkey", "-in", self.key, "-pubout"],
                              capture_output=True, text=True, check=True).stdout
        with open(self.key + ".pub") as f:
            self.assertEqual(priv, f.read())
        r = self.ok(self.sg("ledger", "keygen"), 2)
        self.assertIn("already exists", r.err)
        r = self.ok(self.sg("ledger", "keygen", lang="ja"), 2)
        self.assertIn("上書きしません", r.err)

    def test_private_key_readable_by_others_is_refused(self):
        self.ok(self.sg("ledger", "keygen"))
        self.attest(0)
        self.attest(1, sec=1)
        os.chmod(self.key, 0o644)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db), 2)
        self.assertIn("readable by others", r.err)
        self.assertIn("chmod 600", r.err)

    def test_head_signature_verifies_with_openssl(self):
        self.ok(self.sg("ledger", "keygen"))
        for i in range(3):
            self.attest(i)
        self.ok(self.sg("ledger", "seal", "--db", self.db))
        p = self.ok(self.sg("ledger", "proof", "1", "--db", self.db)).json()
        self.assertEqual(p["tree_size"], 3)
        head, sig = os.path.join(self.d, "head.txt"), os.path.join(self.d, "head.sig")
        with open(head, "w") as f:
            f.write(p["head"])
        with open(sig, "wb") as f:
            f.write(base64.b64decode(p["signature"]))
        v = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                            self.key + ".pub", "-rawin", "-in", head, "-sigfile", sig],
                           capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn("Signature Verified Successfully", v.stdout)
        # The inclusion path recomputes the signed root (RFC 9162 2.1.3.2).
        h = hashlib.sha256(b"\x00" + p["entry"].encode()).digest()
        fn, sn = p["seq"], p["tree_size"] - 1
        for sib in map(bytes.fromhex, p["path"]):
            if fn & 1 or fn == sn:
                h = hashlib.sha256(b"\x01" + sib + h).digest()
                while not fn & 1 and fn:
                    fn, sn = fn >> 1, sn >> 1
            else:
                h = hashlib.sha256(b"\x01" + h + sib).digest()
            fn, sn = fn >> 1, sn >> 1
        self.assertEqual(h.hex(), p["root"])


class Attest(LedgerBase):
    def test_attestation_records_evidence_hashes(self):
        ev = os.path.join(self.d, "drill-report.pdf")
        with open(ev, "wb") as f:
            f.write(b"%PDF-1.4 drill minutes\n")
        r = self.ok(self.sg("attest", "Ⅲ. 1. 1. 1", "--note", "BCP 訓練を実施", "--evidence",
                            ev, "--db", self.db, lang="ja"))
        self.assertIn("証跡台帳に記録しました: エントリ 0", r.out)
        self.assertIn("封印していません", r.err)  # no key yet
        j = self.ok(self.sg("ledger", "show", "--type", "attestation", "--format", "json",
                            "--db", self.db)).json()
        self.assertEqual(len(j), 1)
        p = j[0]["payload"]
        self.assertEqual(p["control"], "III.1.1.1")
        self.assertEqual(p["note"], "BCP 訓練を実施")
        self.assertEqual(p["evidence"][0]["sha256"],
                         hashlib.sha256(b"%PDF-1.4 drill minutes\n").hexdigest())
        t = self.ok(self.sg("ledger", "show", "--db", self.db, lang="ja")).out
        self.assertIn("実施記録", t)  # the type, for people
        self.assertIn("III.1.1.1", t)

    def test_unknown_control_suggests(self):
        r = self.ok(self.sg("attest", "III.1.1.99", "--note", "x", "--db", self.db), 2)
        self.assertIn("not a countermeasure", r.err)
        self.assertIn("III.1.1.", r.err)
        self.assertTrue(sg.db_untouched(self.db), self.db)
        r = self.ok(self.sg("attest", "III.1.1.1", "--db", self.db), 2)
        self.assertIn("--note", r.err)
        r = self.ok(self.sg("attest", "III.1.1.1", "--note", "x", "--evidence",
                            os.path.join(self.d, "missing.pdf"), "--db", self.db), 2)
        self.assertIn("missing.pdf", r.err)


class Tamper(LedgerBase):
    """Each test edits the SQLite file the way an insider could, and verify must say what."""

    @classmethod
    def setUpClass(cls):
        cls.golden = sg.tempfile.mkdtemp(prefix="sg-ledger-golden-")
        t = cls("test_good_ledger_verifies")
        t.d, t.db, t.key = cls.golden, sg.new_db(cls.golden), \
            os.path.join(cls.golden, "keys", "ledger.key")
        t.build()
        cls.golden_db = t.db

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.golden, True)

    def setUp(self):
        super().setUp()
        shutil.rmtree(self.d)
        shutil.copytree(self.golden, self.d)
        if sg.is_pg(self.golden_db):  # the files came with the copy; the database did not
            self.db = sg.clone_db(self.golden_db, self.d)

    def test_good_ledger_verifies(self):
        r = self.verify(code=0)
        self.assertIn("10 entries (10 recomputed from their text), 3 tree heads", r.out)
        self.assertIn("time-stamps: none", r.out)
        r = self.verify(code=0, lang="ja") if False else self.ok(
            self.sg("ledger", "verify", "--db", self.db, lang="ja"))
        self.assertIn("台帳を検証しました: エントリ 10 件", r.out)
        # A period: only those entries are recomputed, every head still checked.
        r = self.verify("--from", "2026-11-01T09:00:03Z", "--to", "2026-11-01T09:00:05Z",
                        code=0)
        self.assertIn("(2 recomputed", r.out)

    def test_changed_byte(self):
        c = unlocked(self.db)
        c.execute("UPDATE ledger_entries SET entry = replace(entry, 'review 3', 'review 8') "
                  "WHERE seq = 3")
        c.commit()
        r = self.verify()
        self.assertIn("entry 3: its text does not match its recorded hash", r.err)
        self.assertIn("VERIFICATION FAILED", r.out)

    def test_changed_byte_and_its_hash(self):
        c = unlocked(self.db)
        text = c.execute("SELECT entry FROM ledger_entries WHERE seq = 3").fetchone()[0]
        text = text.replace("review 3", "review 8")
        c.execute("UPDATE ledger_entries SET entry = ?, leaf_hash = ? WHERE seq = 3",
                  (text, leaf(text)))
        c.commit()
        r = self.verify()
        self.assertIn("tree head #2 (size 6): the entries do not hash to its signed root", r.err)
        self.assertIn("seq 1-5", r.err)

    def test_deleted_entry(self):
        c = unlocked(self.db)
        c.execute("DELETE FROM ledger_entries WHERE seq = 4")
        c.commit()
        r = self.verify()
        self.assertIn("entry 4 is missing (deleted); the next entry present is 5", r.err)
        r = self.ok(self.sg("ledger", "verify", "--db", self.db, lang="ja"), 1)
        self.assertIn("エントリ 4 がありません", r.err)

    def test_swapped_entries(self):
        c = unlocked(self.db)
        rows = {s: c.execute("SELECT at_ms, type, entry, leaf_hash FROM ledger_entries "
                             "WHERE seq = ?", (s,)).fetchone() for s in (2, 7)}
        for s, o in ((2, 7), (7, 2)):
            c.execute("UPDATE ledger_entries SET at_ms = ?, type = ?, entry = ?, leaf_hash = ? "
                      "WHERE seq = ?", (*rows[o], s))
        c.commit()
        r = self.verify()
        self.assertIn("entry 2 holds the text of entry 7", r.err)

    def test_inserted_entry(self):
        c = unlocked(self.db)
        rows = c.execute("SELECT seq, at_ms, type, entry, leaf_hash FROM ledger_entries "
                         "ORDER BY seq").fetchall()
        forged = canonical({"at": rows[4][1], "payload": {"control": "III.1.1.1",
                                                          "note": "forged"},
                            "seq": 4, "type": "attestation"})
        c.execute("DELETE FROM ledger_entries WHERE seq >= 4")
        c.execute("INSERT INTO ledger_entries VALUES (4, ?, 'attestation', ?, ?)",
                  (rows[4][1], forged, leaf(forged)))
        for seq, at_ms, typ, entry, lh in rows[4:]:
            c.execute("INSERT INTO ledger_entries VALUES (?, ?, ?, ?, ?)",
                      (seq + 1, at_ms, typ, entry, lh))
        c.commit()
        r = self.verify()
        self.assertIn("entry 5 holds the text of entry 4", r.err)

    def test_truncated_tail(self):
        c = unlocked(self.db)
        c.execute("DELETE FROM ledger_entries WHERE seq >= 8")
        c.commit()
        r = self.verify()
        self.assertIn("the ledger ends at entry 7, but tree head #3 covers 10 entries: "
                      "entries 8-9 were removed", r.err)

    def test_replaced_key(self):
        old_pub = os.path.join(self.d, "old.pub")
        shutil.copy(self.key + ".pub", old_pub)
        os.unlink(self.key)
        os.unlink(self.key + ".pub")
        self.ok(self.sg("ledger", "keygen"))
        r = self.verify()
        self.assertIn("tree head #1 (size 1) is signed by key", r.err)
        self.assertIn("the key was replaced", r.err)
        # The signer's record (beside the key) belongs to the old key: the new
        # key does not sign (someone with a new key pair and a replaced .pub).
        self.attest(11, sec=11)
        r = self.ok(self.sg("ledger", "seal", "--db", self.db), 1)
        self.assertIn("not signed by this key", r.err)
        # A planned rotation moves the old record aside; the chain goes on.
        os.rename(self.key + ".heads", self.key + ".heads.old")
        self.ok(self.sg("ledger", "seal", "--db", self.db))
        # New heads signed with the new key fail against the auditor's pinned key.
        r = self.verify("--public-key", old_pub)
        self.assertIn("tree head #4 (size 11) is signed by key", r.err)
        # Both keys given (a planned rotation): it verifies.
        self.verify("--public-key", old_pub, "--public-key", self.key + ".pub", code=0)

    def test_two_heads_for_one_size(self):
        c = unlocked(self.db)
        size, at_ms, key_id = c.execute("SELECT tree_size, at_ms, key_id FROM ledger_heads "
                                        "WHERE id = 3").fetchone()
        root = hashlib.sha256(b"another history").digest()
        t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at_ms // 1000 + 1))
        prev = c.execute("SELECT head FROM ledger_heads WHERE id = 3").fetchone()[0]
        head = (f"saasguard-ledger-head v2\nnumber 4\nsize {size}\nroot {root.hex()}\n"
                f"time {t}.{(at_ms + 1000) % 1000:03d}Z\nkey {key_id}\nprev-size {size}\n"
                f"prev-head {hashlib.sha256(prev.encode()).hexdigest()}\n")
        hp = os.path.join(self.d, "forged.txt")
        with open(hp, "w") as f:
            f.write(head)
        sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", self.key, "-rawin",
                              "-in", hp], capture_output=True, check=True).stdout
        c.execute("INSERT INTO ledger_heads(tree_size, root_hash, at_ms, key_id, head, "
                  "signature, number) VALUES (?, ?, ?, ?, ?, ?, 4)",
                  (size, root, at_ms + 1000, key_id, head, sig))
        c.commit()
        r = self.verify()
        self.assertIn("two different tree heads for size 10 (#3 and #4)", r.err)

    def test_head_columns_changed(self):
        c = unlocked(self.db)
        c.execute("UPDATE ledger_heads SET tree_size = 5 WHERE id = 2")
        c.commit()
        r = self.verify()
        self.assertIn("tree head #2: its stored number, size, root, time or key differ", r.err)

    def test_forged_signature(self):
        c = unlocked(self.db)
        c.execute("UPDATE ledger_heads SET head = replace(head, 'size 6', 'size 7'), "
                  "tree_size = 7 WHERE id = 2")
        c.commit()
        r = self.verify()
        self.assertIn("tree head #2 (size 7): the signature does not verify", r.err)

    def test_unsealed_entry_is_reported(self):
        self.attest(10, sec=10)
        r = self.verify(code=0)
        self.assertIn("unsealed entries: 1", r.out)


class Crash(LedgerBase):
    def test_kill_during_appends_loses_nothing_committed(self):
        self.ok(self.sg("ledger", "keygen"))
        bench = os.path.join(os.path.dirname(sg.binary()), "bench_ledger")
        p = subprocess.Popen([bench, "forever", self.db], stdout=subprocess.PIPE, text=True)
        last = -1
        deadline = time.time() + 30
        while last < 2000 and time.time() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            last = int(line)
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        self.assertGreaterEqual(last, 2000, "the writer did not get going")
        r = self.ok(self.sg("ledger", "seal", "--db", self.db))
        m = re.search(r"\((\d+) entries\)", r.out)
        self.assertGreater(int(m.group(1)), last, "a committed entry was lost")
        r = self.verify(code=0)
        self.assertIn(f"{m.group(1)} entries", r.out)


class Timestamped(LedgerBase):
    @classmethod
    def setUpClass(cls):
        cls.ca_dir = sg.tempfile.mkdtemp(prefix="sg-tsa-")
        cls.ca = tsa_server.make_ca(os.path.join(cls.ca_dir, "good"))
        cls.other_ca = tsa_server.make_ca(os.path.join(cls.ca_dir, "other"), "Other TSA")
        cls.tsa = tsa_server.TsaServer(os.path.join(cls.ca_dir, "good"))

    @classmethod
    def tearDownClass(cls):
        cls.tsa.stop()
        shutil.rmtree(cls.ca_dir, True)

    def setUp(self):
        super().setUp()
        self.tsa.fail = False
        self.profile = os.path.join(self.d, "profile.yaml")
        with open(self.profile, "w") as f:
            f.write(f"service:\n  name: 給与計算クラウド\n  pattern: 1\n"
                    f"ledger:\n  key: keys/ledger.key\n  tsa_url: {self.tsa.url}\n"
                    f"  tsa_ca_file: {self.ca}\n  seal_every_entries: 3\n  seal_every: 1h\n")

    def sgp(self, *args, **kw):
        return self.sg(*args, "--profile", self.profile, **kw)

    def test_tokens_on_seal_and_at_verification(self):
        self.ok(self.sgp("ledger", "keygen"))
        for i in range(4):
            r = self.ok(self.sgp("attest", "III.1.1.1", "--note", f"n{i}", "--db", self.db,
                                 now=at(1, i)))
        self.assertIn("time-stamped", r.out)  # the 4th entry reached seal_every_entries
        r = self.ok(self.sgp("ledger", "verify", "--db", self.db))
        self.assertIn("2 of 2 tree heads carry an RFC 3161 time-stamp", r.out)
        self.assertIn("the TSA's certificate chain was checked", r.out)
        r = self.ok(self.sg("ledger", "verify", "--db", self.db))
        self.assertIn("was NOT checked", r.out)
        # Another CA does not vouch for this TSA.
        r = self.ok(self.sg("ledger", "verify", "--db", self.db, "--tsa-ca", self.other_ca), 1)
        self.assertIn("tree head #1 (size 1): time-stamp", r.err)
        self.assertIn("certificate", r.err)
        # A token altered in the file.
        c = unlocked(self.db)
        head, tok = c.execute("SELECT head, tsa_token FROM ledger_heads WHERE id = 2").fetchone()
        tok = bytearray(tok)
        i = tok.find(hashlib.sha256(head.encode()).digest())  # the signed imprint
        self.assertGreater(i, 0)
        tok[i + 3] ^= 0x01
        c.execute("UPDATE ledger_heads SET tsa_token = ? WHERE id = 2", (bytes(tok),))
        c.commit()
        r = self.ok(self.sgp("ledger", "verify", "--db", self.db), 1)
        self.assertIn("tree head #2 (size 4): time-stamp", r.err)

    def test_tsa_down_keeps_an_untimestamped_head(self):
        self.ok(self.sgp("ledger", "keygen"))
        self.tsa.fail = True
        r = self.ok(self.sgp("attest", "III.1.1.1", "--note", "x", "--db", self.db))
        self.assertIn("no time-stamp", r.err)
        self.tsa.fail = False
        self.ok(self.sgp("attest", "III.1.1.1", "--note", "y", "--db", self.db))
        r = self.ok(self.sgp("ledger", "seal", "--db", self.db))
        self.assertIn("time-stamped", r.out)
        r = self.ok(self.sgp("ledger", "verify", "--db", self.db))
        self.assertIn("1 of 2 tree heads carry", r.out)
        self.assertIn("tree heads without a time-stamp: 1", r.out)

    def test_export_checks_with_openssl_alone(self):
        self.ok(self.sgp("ledger", "keygen"))
        for i in range(7):
            self.ok(self.sgp("attest", "III.1.1.1", "--note", f"review {i}", "--db", self.db,
                             now=at(i + 1)))
        out = os.path.join(self.d, "export")
        r = self.ok(self.sgp("ledger", "export", "--from", "2026-11-03", "--to", "2026-11-05",
                             "--db", self.db, out))
        self.assertIn("entries 2-4 (3)", r.out)
        self.assertIn("time-stamped", r.out)
        with open(os.path.join(out, "VERIFY.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("検証手順", md)
        self.assertIn("How to verify", md)
        self.assertIn("openssl ts -verify", md)
        v = run_verify_md(out)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn("Verification: OK", v.stdout)
        self.assertIn("Signature Verified Successfully", v.stdout)
        self.assertIn("OK: 5 entries", v.stdout)  # 3 and the two around them
        self.assertIn("OK: the period is complete (seq 1-5 of 7)", v.stdout)
        # The newest head before the period (#2, size 2) goes along, and the
        # same nodes prove its tree a prefix of the exported head's.
        with open(os.path.join(out, "start-head.txt")) as f:
            self.assertIn("number 2\nsize 2\n", f.read())
        self.assertIn("OK: the start head's tree is a prefix of head.txt's", v.stdout)
        self.assertEqual(os.listdir(out).count("nodes.txt"), 1)
        with open(os.path.join(out, "nodes.txt")) as f:
            self.assertTrue(f.read().strip(), "a partial export needs subtree hashes")
        # The same directory is not overwritten.
        self.ok(self.sgp("ledger", "export", "--db", self.db, out), 2)
        self.tampered_exports_fail(out)

    def tampered_exports_fail(self, good):
        def variant(name, edit, expect):
            d = os.path.join(self.d, name)
            shutil.copytree(good, d)
            edit(d)
            # Re-made checksums, so the Merkle and signature steps are what must catch it.
            sums = []
            for f in sorted(os.listdir(d)):
                if f != "SHA256SUMS":
                    with open(os.path.join(d, f), "rb") as fh:
                        sums.append(f"{hashlib.sha256(fh.read()).hexdigest()}  {f}\n")
            with open(os.path.join(d, "SHA256SUMS"), "w") as fh:
                fh.writelines(sums)
            v = run_verify_md(d)
            self.assertNotEqual(v.returncode, 0, f"{name}: tampering not detected\n{v.stdout}")
            self.assertIn(expect, v.stdout + v.stderr, name)

        def lines(d, fn):
            p = os.path.join(d, "entries.jsonl")
            with open(p, encoding="utf-8") as f:
                ls = f.read().splitlines(True)
            with open(p, "w", encoding="utf-8") as f:
                f.writelines(fn(ls))

        variant("byte", lambda d: lines(d, lambda ls: ls[:1] + [ls[1].replace("review 2", "review 9")]
                                        + ls[2:]), "computed root")
        variant("deleted", lambda d: lines(d, lambda ls: ls[:1] + ls[2:]), "computed root")
        variant("swapped", lambda d: lines(d, lambda ls: [ls[1], ls[0]] + ls[2:]),
                "computed root")
        variant("appended", lambda d: lines(d, lambda ls: ls + [ls[-1]]), "computed root")

        # An exporter hiding entries at either end of the period behind subtree
        # hashes: the root still verifies, the neighbours' times do not.
        def trim(d, drop):
            p = os.path.join(d, "entries.jsonl")
            with open(p, encoding="utf-8") as f:
                ls = f.read().splitlines(True)
            with open(os.path.join(d, "nodes.txt"), "a") as f:
                for line in (ls[i] for i in drop):
                    seq = json.loads(line)["seq"]
                    f.write(f"{seq} {seq + 1} {leaf(line.rstrip(chr(10))).hex()}\n")
            with open(p, "w", encoding="utf-8") as f:
                f.writelines(x for i, x in enumerate(ls) if i not in drop)
        variant("trimmed-prefix", lambda d: trim(d, [0, 1]), "INCOMPLETE: entries before")
        variant("trimmed-suffix", lambda d: trim(d, [3, 4]), "INCOMPLETE: entries after")

        def head(d):
            p = os.path.join(d, "head.txt")
            with open(p) as f:
                t = f.read()
            with open(p, "w") as f:
                f.write(re.sub(r"size \d+", "size 99", t))
        variant("head", head, "Signature Verification Failure")

        def start_head(d):
            p = os.path.join(d, "start-head.txt")
            with open(p) as f:
                t = f.read()
            with open(p, "w") as f:
                f.write(re.sub(r"root [0-9a-f]{4}", "root 0000", t))
        variant("start-head", start_head, "Signature Verification Failure")

        def token(d):
            other = os.path.join(self.d, "other-token")
            subprocess.run(["openssl", "ts", "-query", "-data", os.path.join(d, "nodes.txt"),
                            "-sha256", "-cert", "-out", other + ".tsq"], check=True,
                           capture_output=True)
            subprocess.run(["openssl", "ts", "-reply", "-config",
                            os.path.join(self.ca_dir, "good", "tsa.cnf"), "-queryfile",
                            other + ".tsq", "-token_out", "-out", os.path.join(d, "head.tst")],
                           check=True, capture_output=True)
        variant("token", token, "Verification: FAILED")

    def test_export_without_tsa(self):
        with open(self.profile, "w") as f:
            f.write("service:\n  name: x\n  pattern: 6\nledger:\n  key: keys/ledger.key\n")
        self.ok(self.sgp("ledger", "keygen"))
        for i in range(5):
            self.ok(self.sgp("attest", "III.1.1.1", "--note", f"n{i}", "--db", self.db))
        out = os.path.join(self.d, "export")
        r = self.ok(self.sgp("ledger", "export", "--db", self.db, out, lang="ja"))
        self.assertIn("タイムスタンプなし", r.out)
        with open(os.path.join(out, "VERIFY.md"), encoding="utf-8") as f:
            self.assertIn("タイムスタンプ（RFC 3161）がありません", f.read())
        v = run_verify_md(out)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn("OK: 5 entries", v.stdout)
        self.assertFalse(os.path.exists(os.path.join(out, "head.tst")))


if __name__ == "__main__":
    unittest.main()
