"""saasguard check: the host collectors against fixtures (tests/data/collect)
and against the real tools Debian ships (restic, nginx with TLS and a
throwaway CA made by openssl, a journal file written by
systemd-journal-remote). Time is fixed with SAASGUARD_NOW where the fixtures
need it. Servers listen on 127.0.0.1 only and are stopped after.
"""
import gzip
import json
import os
import shutil
import stat
import subprocess
import time
import unittest

import sg

DATA = os.path.join(sg.ROOT, "tests", "data", "collect")
NOW = 1800000000  # 2027-01-15T08:00:00Z


def profile(test, collectors, pattern=1, name="fixture-service"):
    d = sg.scratch(test)
    path = os.path.join(d, "profile.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"service:\n  name: {name}\n  pattern: {pattern}\n")
        f.write("collectors:\n" + collectors)
    return path, sg.new_db(d)


def check(test, collectors, only, pattern=1, env=None, now=NOW, extra=()):
    path, db = profile(test, collectors, pattern)
    e = {"SAASGUARD_NOW": str(now)} if now else {}
    e.update(env or {})
    r = sg.run(*["check", path, "--only", only, "--db", db, "--format", "json", *extra],
               env=e, lang="en")
    return r, db


def results(test, r, item=None, subject=None):
    """The results of a check run, after asserting its exit status: 1 exactly
    when some result is a finding, 0 otherwise (never "0 or 1")."""
    test.assertIn(r.code, (0, 1), r)
    out = r.json()["results"]
    findings = [x for x in out if x["status"] == "finding"]
    test.assertEqual(r.code, 1 if findings else 0, r)
    if item:
        out = [x for x in out if x["item"] == item]
    if subject is not None:
        out = [x for x in out if x["subject"] == subject]
    return out


def one(test, r, item, subject=None):
    rs = results(test, r, item, subject)
    test.assertEqual(len(rs), 1, f"want one result for {item} {subject}: {r}")
    return rs[0]


class Fixtures(unittest.TestCase):
    def test_antivirus_fresh_and_stale(self):
        cfg = f"  antivirus: {{database_dir: {DATA}/clamav-fresh}}\n"
        r, _ = check(self, cfg, "antivirus")
        self.assertEqual(r.code, 0, r)
        x = one(self, r, "III.2.2.1.a")
        self.assertEqual((x["status"], x["value"]), ("ok", "6h"))
        self.assertIn("daily.cvd: version 27500", x["evidence"])
        self.assertEqual(one(self, r, "III.5.2.1.a")["value"], "6h")
        # 4 days old: beyond 24h (pattern 1), and beyond 3d (pattern 3)
        cfg = f"  antivirus: {{database_dir: {DATA}/clamav-stale}}\n"
        for pattern in (1, 3):
            r, _ = check(self, cfg, "antivirus", pattern=pattern)
            self.assertEqual(r.code, 1, r)
            x = one(self, r, "III.2.2.1.a")
            self.assertEqual((x["status"], x["value"]), ("finding", "4d"))

    def test_antivirus_not_installed_is_a_finding(self):
        d = sg.scratch(self)
        r, _ = check(self, f"  antivirus: {{database_dir: {d}}}\n", "antivirus")
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.2.2.1.a")
        self.assertEqual(x["status"], "finding")
        self.assertIsNone(x["value"])
        self.assertIn("not installed", x["detail"])

    def test_ids_rules_age(self):
        d = sg.scratch(self)
        rules = os.path.join(d, "suricata.rules")
        with open(rules, "w") as f:
            f.write('alert tcp any any -> any any (msg:"x"; sid:1;)\n')
        os.utime(rules, (NOW - 10 * 3600, NOW - 10 * 3600))
        r, _ = check(self, f"  ids: {{paths: [{rules}]}}\n", "ids")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(one(self, r, "III.3.1.5.a")["value"], "10h")
        os.utime(rules, (NOW - 2 * 86400, NOW - 2 * 86400))
        r, _ = check(self, f"  ids: {{paths: [{rules}]}}\n", "ids")  # 1d for pattern 1
        self.assertEqual(r.code, 1, r)
        self.assertEqual(one(self, r, "III.3.1.5.a")["status"], "finding")
        r, _ = check(self, f"  ids: {{paths: [{rules}]}}\n", "ids", pattern=2)  # 3w
        self.assertEqual(r.code, 0, r)
        r, _ = check(self, f"  ids: {{paths: [{d}/none.rules]}}\n", "ids")
        self.assertEqual(one(self, r, "III.3.1.5.a")["status"], "unavailable")

    def test_patches_pending_security_update(self):
        cfg = (f"  patches: {{dpkg_status: {DATA}/apt/status, lists: {DATA}/apt/lists-fresh}}\n")
        r, db = check(self, cfg, "patches")
        self.assertEqual(r.code, 0, r)
        x = one(self, r, "III.1.1.6.a")
        # openssl waits since the suite's Release date (12h before now); libc6
        # is pending only in the main suite, tzdata's candidate is older.
        self.assertEqual(x["value"], "12h")
        self.assertIn("1 pending: openssl 3.0.15-1~deb12u1 -> 3.0.15-1~deb12u2", x["evidence"])
        self.assertNotIn("libc6 2", x["evidence"])
        self.assertNotIn("tzdata 2", x["evidence"])
        self.assertEqual(one(self, r, "III.5.2.1.b")["value"], "12h")
        # first_seen was recorded
        con = sg.db_connect(db)
        keys = [k for (k,) in con.execute("SELECT key FROM first_seen")]
        con.close()
        self.assertEqual(keys, ["patch:openssl:amd64:3.0.15-1~deb12u2"])

    def test_patches_stale_suite_both_sides(self):
        cfg = (f"  patches: {{dpkg_status: {DATA}/apt/status, lists: {DATA}/apt/lists-stale}}\n")
        r, _ = check(self, cfg, "patches", pattern=1)  # 48h > 24h
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.1.1.6.a")
        self.assertEqual((x["status"], x["value"]), ("finding", "2d"))
        r, _ = check(self, cfg, "patches", pattern=4)  # 48h <= 3d
        self.assertEqual(r.code, 0, r)

    def test_patches_gzip_and_lz4_indexes(self):
        for comp in ("gz", "lz4"):
            d = sg.scratch(self)
            src = os.path.join(DATA, "apt", "lists-stale")
            for name in os.listdir(src):
                if name.endswith("_Packages"):
                    data = open(os.path.join(src, name), "rb").read()
                    out = os.path.join(d, name + "." + comp)
                    if comp == "gz":
                        with gzip.open(out, "wb") as f:
                            f.write(data)
                    else:
                        subprocess.run(["lz4", "-q", "-", out], input=data, check=True)
                else:
                    shutil.copy(os.path.join(src, name), d)
            r, _ = check(self, f"  patches: {{dpkg_status: {DATA}/apt/status, lists: {d}}}\n",
                         "patches")
            x = one(self, r, "III.1.1.6.a")
            self.assertEqual(x["value"], "2d", comp)
            self.assertIn("openssl", x["evidence"], comp)

    def test_patches_nothing_pending_and_no_security_suite(self):
        d = sg.scratch(self)
        status = os.path.join(d, "status")
        with open(status, "w") as f:
            f.write("Package: openssl\nStatus: install ok installed\nArchitecture: amd64\n"
                    "Version: 3.0.15-1~deb12u2\n")
        r, _ = check(self, f"  patches: {{dpkg_status: {status}, lists: {DATA}/apt/lists-fresh}}\n",
                     "patches")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(one(self, r, "III.1.1.6.a")["value"], "0s")
        empty = sg.scratch(self)
        r, _ = check(self, f"  patches: {{dpkg_status: {status}, lists: {empty}}}\n", "patches")
        self.assertEqual(r.code, 1, r)
        self.assertIn("no security suite", one(self, r, "III.1.1.6.a")["detail"])

    def test_firewall_fixtures(self):
        net = os.path.join(DATA, "proc", "net")
        r, _ = check(self, f"  firewall: {{nft_json: {DATA}/nft-drop.json, proc_net: {net}}}\n",
                     "firewall")
        self.assertEqual(r.code, 0, r)
        x = one(self, r, "III.3.1.4", "nftables")
        self.assertEqual((x["status"], x["value"]), ("ok", "true"))
        self.assertIn("nft inet input input policy drop", x["evidence"])
        lst = one(self, r, "III.3.1.4", "listening")
        self.assertEqual(lst["value"], "3")
        for s in ("tcp 0.0.0.0:22", "tcp6 [::]:80", "udp 0.0.0.0:68"):
            self.assertIn(s, lst["evidence"])
        self.assertNotIn("127.0.0.1", lst["evidence"])
        self.assertNotIn("::1", lst["evidence"])
        r, _ = check(self, f"  firewall: {{nft_json: {DATA}/nft-accept.json, proc_net: {net}}}\n",
                     "firewall")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(one(self, r, "III.3.1.4", "nftables")["value"], "false")
        # iptables: IPv4 drops, IPv6 accepts -> a finding naming IPv6
        r, _ = check(self, f"  firewall: {{iptables_save: {DATA}/iptables-drop.save, "
                           f"ip6tables_save: {DATA}/ip6tables-accept.save, proc_net: {net}}}\n",
                     "firewall")
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.3.1.4", "iptables")
        self.assertEqual(x["status"], "finding")
        self.assertIn("IPv6", x["detail"])
        r, _ = check(self, f"  firewall: {{iptables_save: {DATA}/iptables-drop.save, "
                           f"proc_net: {net}}}\n", "firewall")
        self.assertEqual(r.code, 0, r)

    def test_passwords_schemes_never_print_hashes(self):
        r, _ = check(self, f"  passwords: {{shadow: {DATA}/shadow-good}}\n", "passwords")
        self.assertEqual(r.code, 0, r)
        x = one(self, r, "III.3.1.3")
        self.assertEqual(x["value"], "true")
        self.assertIn("yescrypt 1", x["evidence"])
        self.assertIn("sha512 1", x["evidence"])
        self.assertIn("locked 3", x["evidence"])
        r, db = check(self, f"  passwords: {{shadow: {DATA}/shadow-weak}}\n", "passwords")
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.3.1.3")
        self.assertEqual(x["value"], "false")
        for s in ("carol (md5)", "dave (des)", "eve (empty)"):
            self.assertIn(s, x["detail"])
        dump = r.out + r.err + sg.db_raw_bytes(db).decode("latin-1")
        for secret in ("oldsalt", "DDDDDDDD", "abJnggxhB", "AAAAAAAA", "Zq1cX0Lx"):
            self.assertNotIn(secret, dump)

    def test_passwords_unreadable_is_unavailable(self):
        d = sg.scratch(self)
        shadow = os.path.join(d, "shadow")
        shutil.copy(os.path.join(DATA, "shadow-good"), shadow)
        os.chmod(shadow, 0)
        os.chmod(d, 0o755)
        path, db = profile(self, f"  passwords: {{shadow: {shadow}}}\n")
        os.chmod(os.path.dirname(path), 0o777)
        args = [sg.binary(), "--lang", "en", "check", path, "--only", "passwords", "--db", db,
                "--format", "json"]
        if os.geteuid() == 0:
            # drop to nobody so the file cannot be read
            if not sg.is_pg(db):  # nobody writes the SQLite file's directory
                os.chmod(os.path.dirname(db), 0o777)
            args = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *args]
        p = subprocess.run(args, capture_output=True, text=True,
                           env={**os.environ, "LANG": "C.UTF-8"})
        self.assertEqual(p.returncode, 0, p.stderr)
        x = [r for r in json.loads(p.stdout)["results"] if r["item"] == "III.3.1.3"][0]
        self.assertEqual(x["status"], "unavailable")
        self.assertIn("needs root", x["detail"])

    def test_logs_rotations_and_formats(self):
        d = sg.scratch(self)
        for name in os.listdir(os.path.join(DATA, "logs")):
            shutil.copy(os.path.join(DATA, "logs", name), d)
        with gzip.open(os.path.join(d, "access.log.2.gz"), "wt") as f:
            f.write('127.0.0.1 - - [01/Sep/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\n')
        os.utime(os.path.join(d, "auth.log"), (NOW, NOW))
        cfg = (f"  logs:\n"
               f"    - {{path: '{d}/access.log*', item: III.2.1.3.a}}\n"
               f"    - {{path: '{d}/auth.log', item: III.2.1.3.b}}\n"
               f"    - {{path: '{d}/app.log', item: III.2.1.3.b}}\n")
        r, _ = check(self, cfg, "logs")
        a = one(self, r, "III.2.1.3.a")
        # 2026-09-01T00:00Z to 2027-01-15T08:00Z = 136 days 8 hours
        self.assertEqual((a["status"], a["value"]), ("ok", "136d"))
        self.assertIn("access.log.2.gz", a["evidence"])
        auth = one(self, r, "III.2.1.3.b", f"{d}/auth.log")
        self.assertEqual(auth["status"], "finding")  # 5 days < 5y
        app = one(self, r, "III.2.1.3.b", f"{d}/app.log")
        # 2026-12-15T01:00:00.123456Z -> 31 days 6:59:59.88, whole days down
        self.assertEqual(app["value"], "31d")
        self.assertEqual(r.code, 1, r)
        # pattern 3 asks 1w for usage records and 6mo for security records
        r, _ = check(self, cfg, "logs", pattern=3)
        self.assertEqual(one(self, r, "III.2.1.3.a")["status"], "ok")
        # only the access logs without the oldest rotation: 45 days < 3mo
        os.remove(os.path.join(d, "access.log.2.gz"))
        r, _ = check(self, f"  logs: [{{path: '{d}/access.log*', item: III.2.1.3.a}}]\n", "logs")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(one(self, r, "III.2.1.3.a")["status"], "finding")

    def test_time_with_chronyc(self):
        d = sg.scratch(self)

        def fake(offset, leap="Normal"):
            prog = os.path.join(d, "chronyc")
            with open(prog, "w") as f:
                f.write("#!/usr/bin/python3\nimport sys\n"
                        "assert sys.argv[1:] == ['-c', 'tracking'], sys.argv\n"
                        f"print('C0A80001,192.168.0.1,3,1800000000.0,{offset},0.0001,0.0002,"
                        f"-12.5,0.001,0.02,0.004,0.001,64.5,{leap}')\n")
            os.chmod(prog, 0o755)
            return prog
        cfg = lambda prog: f"  time: {{chronyc: {prog}, kernel: false}}\n"
        r, _ = check(self, cfg(fake("0.000120")), "time")
        self.assertEqual(r.code, 0, r)
        x = one(self, r, "III.1.1.5", "chrony")
        self.assertEqual((x["status"], x["value"]), ("ok", "true"))
        self.assertIn("stratum 3", x["evidence"])
        r, _ = check(self, cfg(fake("-0.250000")), "time")
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.1.1.5", "chrony")
        self.assertEqual((x["status"], x["value"]), ("finding", "false"))
        self.assertIn("0.250", x["detail"])
        r, _ = check(self, f"  time: {{chronyc: {fake('-0.250000')}, kernel: false, "
                           "max_offset: 500ms}\n", "time")
        self.assertEqual(r.code, 0, r)
        r, _ = check(self, cfg(fake("0.0", "Not synchronised")), "time")
        self.assertEqual(one(self, r, "III.1.1.5", "chrony")["status"], "finding")

    def test_fifos_never_block_check(self):
        # issue 16: a FIFO where a collector reads a file (a signature
        # database, the shadow file, an apt index, a dpkg status) blocked
        # `check` forever. Each is now refused or skipped as not a regular
        # file; the subprocess timeout would catch a hang.
        d = sg.scratch(self)
        av = os.path.join(d, "clamav")
        lists = os.path.join(d, "lists")
        os.mkdir(av)
        os.mkdir(lists)
        os.mkfifo(os.path.join(av, "daily.cvd"))
        os.mkfifo(os.path.join(lists, "x_dists_bookworm_main_binary-amd64_Packages.gz"))
        os.mkfifo(os.path.join(d, "shadow"))
        os.mkfifo(os.path.join(d, "status"))
        cfg = (f"  antivirus: {{database_dir: {av}}}\n"
               f"  passwords: {{shadow: {d}/shadow}}\n"
               f"  patches: {{dpkg_status: {d}/status, lists: {lists}}}\n")
        path, db = profile(self, cfg)
        r = sg.run("check", path, "--only", "antivirus,passwords,patches", "--db", db,
                   "--format", "json", lang="en", timeout=60)
        out = results(self, r)
        self.assertEqual({x["collector"] for x in out}, {"antivirus", "passwords", "patches"})
        pw = [x for x in out if x["collector"] == "passwords"]
        self.assertEqual(pw[0]["status"], "error", pw)
        self.assertIn("not a regular file", pw[0]["detail"])
        avr = [x for x in out if x["collector"] == "antivirus"]
        self.assertIn("no ClamAV header", avr[0]["evidence"])

    def test_root_never_runs_a_tool_planted_on_path(self):
        # issue 16: `check` ran the first chronyc on the caller's $PATH. As
        # root only /usr/sbin, /usr/bin, /sbin and /bin (or a configured
        # absolute path) are used, so the planted one never runs.
        self.assertFalse(os.path.exists("/usr/sbin/chronyc") or
                         os.path.exists("/usr/bin/chronyc") or os.path.exists("/sbin/chronyc") or
                         os.path.exists("/bin/chronyc"), "a real chronyc is installed")
        d = sg.scratch(self)
        marker = os.path.join(d, "ran")
        prog = os.path.join(d, "chronyc")
        with open(prog, "w") as f:
            f.write(f"#!/bin/sh\ntouch {marker}\n"
                    "echo C0A80001,192.168.0.1,3,1800000000.0,0.0001,0.0001,0.0002,"
                    "-12.5,0.001,0.02,0.004,0.001,64.5,Normal\n")
        os.chmod(prog, 0o755)
        r, _ = check(self, "  time: {kernel: false}\n", "time",
                     env={"PATH": d + ":" + os.environ.get("PATH", "")})
        if os.geteuid() == 0:
            self.assertFalse(os.path.exists(marker), r)
            self.assertNotIn("stratum 3", r.out)
        else:  # an ordinary user's PATH is theirs to choose
            self.assertTrue(os.path.exists(marker), r)
            os.unlink(marker)
        # The same program configured by its absolute path is run.
        r, _ = check(self, f"  time: {{chronyc: {prog}, kernel: false}}\n", "time")
        self.assertTrue(os.path.exists(marker), r)

    def test_time_kernel_state_is_reported(self):
        r, _ = check(self, "  time: {chronyc: /nonexistent/chronyc}\n", "time")
        x = one(self, r, "III.1.1.5", "kernel")
        self.assertIn("ntp_adjtime: state", x["evidence"])
        self.assertIn(x["value"], ("true", "false"))
        self.assertEqual(one(self, r, "III.1.1.5", "chrony")["status"], "unavailable")

    def test_directory_backups(self):
        d = sg.scratch(self)
        for i in range(6):  # daily, newest 12h ago
            p = os.path.join(d, f"db-{i}.sql.gz")
            with gzip.open(p, "wb") as f:
                f.write(os.urandom(2000))
            t = NOW - 12 * 3600 - (5 - i) * 86400
            os.utime(p, (t, t))
        cfg = f"  backup: {{directory: {d}, pattern: 'db-*.sql.gz', max_verify: 4}}\n"
        r, db = check(self, cfg, "backup")
        # 4 verified per run: the sixth is not yet verified
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.2.3.2.a", d)
        self.assertEqual((x["status"], x["value"]), ("finding", "false"))
        self.assertIn("4 verified, 0 failed, 2 not yet verified", x["evidence"])
        path, _ = profile(self, cfg)
        r = sg.run(*["check", path, "--only", "backup", "--db", db, "--format", "json"],
                   env={"SAASGUARD_NOW": str(NOW)}, lang="en")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(one(self, r, "III.2.3.1.a", d)["value"], "1d")
        self.assertEqual(one(self, r, "III.2.3.1.b", d)["value"], "6")
        self.assertEqual(one(self, r, "III.2.3.2.a", d)["value"], "every_backup")
        per = [x for x in results(self, r, "III.2.3.2.a") if "#" in x["subject"]]
        self.assertEqual(len(per), 2)  # the rest were verified by the first run
        # a new backup that is corrupt: its verification fails
        p = os.path.join(d, "db-6.sql.gz")
        with gzip.open(p, "wb") as f:
            f.write(os.urandom(2000))
        data = bytearray(open(p, "rb").read())
        data[len(data) // 2] ^= 0xFF
        open(p, "wb").write(bytes(data))
        os.utime(p, (NOW - 3600, NOW - 3600))
        r = sg.run(*["check", path, "--only", "backup", "--db", db, "--format", "json"],
                   env={"SAASGUARD_NOW": str(NOW)}, lang="en")
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.2.3.2.a", d)
        self.assertEqual((x["status"], x["value"]), ("finding", "false"))
        self.assertIn("db-6.sql.gz", x["detail"])
        self.assertIn("6 verified, 1 failed", x["evidence"])
        bad = one(self, r, "III.2.3.2.a", f"{d}#db-6.sql.gz")
        self.assertIn("gzip stream is corrupt", bad["evidence"])
        # two generations a week apart: gap and generations fall short
        d2 = sg.scratch(self)
        for i, age in enumerate((8 * 86400, 86400)):
            p = os.path.join(d2, f"b{i}.tar")
            open(p, "wb").write(b"x" * 10)
            open(p + ".sha256", "w").write(
                subprocess.run(["sha256sum", p], capture_output=True, text=True).stdout)
            os.utime(p, (NOW - age, NOW - age))
        r, _ = check(self, f"  backup: {{directory: {d2}}}\n", "backup")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(one(self, r, "III.2.3.1.a", d2)["value"], "1w")
        self.assertEqual(one(self, r, "III.2.3.1.b", d2)["status"], "finding")
        self.assertEqual(one(self, r, "III.2.3.2.a", d2)["value"], "every_backup")
        r, _ = check(self, f"  backup: {{directory: {d2}}}\n", "backup", pattern=3)  # 1mo, 1
        self.assertEqual(r.code, 0, r)


class Cli(unittest.TestCase):
    def test_store_and_ledger(self):
        cfg = f"  antivirus: {{database_dir: {DATA}/clamav-fresh}}\n"
        r, db = check(self, cfg, "antivirus")
        self.assertEqual(r.code, 0, r)
        seq = r.json()["ledger_seq"]
        con = sg.db_connect(db)
        rows = con.execute("SELECT collector, item_id, status, value_text FROM measurements "
                           "ORDER BY id").fetchall()
        entry = con.execute("SELECT type, entry FROM ledger_entries WHERE seq = ?",
                            (seq,)).fetchone()
        con.close()
        self.assertEqual(rows, [("antivirus", "III.2.2.1.a", "ok", "6h"),
                                ("antivirus", "III.5.2.1.a", "ok", "6h")])
        self.assertEqual(entry[0], "measurements")
        payload = json.loads(entry[1])["payload"]
        self.assertEqual(payload["service"], "fixture-service")
        self.assertEqual([x["value"] for x in payload["results"]], ["6h", "6h"])

    def test_table_output_japanese(self):
        path, db = profile(self, f"  antivirus: {{database_dir: {DATA}/clamav-stale}}\n")
        r = sg.run(*["check", path, "--only", "antivirus", "--db", db],
                   env={"SAASGUARD_NOW": str(NOW)})
        self.assertEqual(r.code, 1, r)
        self.assertIn("指摘", r.out)
        self.assertIn("基準値", r.out)

    def test_bad_config_names_position(self):
        path, db = profile(self, "  backup: {restic_repo: /x}\n  tls: [ftp://x]\n")
        r = sg.run(*["check", path, "--db", db], lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("profile.yaml:5:", r.err)
        self.assertIn("password_file", r.err)
        path, db = profile(self, "  tls: [ftp://x]\n")
        r = sg.run(*["check", path, "--db", db], lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("profile.yaml:5:9", r.err)
        path, db = profile(self, "  firewal: {}\n")
        r = sg.run(*["check", path, "--db", db], lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("firewall", r.err)
        path, db = profile(self, "  logs: [{path: /var/log/x, item: III.1.1.1.a}]\n")
        r = sg.run(*["check", path, "--db", db], lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("III.2.1.3.a", r.err)

    def test_only_unknown_collector(self):
        path, db = profile(self, "  time: {kernel: false}\n")
        r = sg.run(*["check", path, "--only", "tim", "--db", db], lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("time", r.err)
        self.assertTrue(sg.db_untouched(db), db)


def utc(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


class Restic(unittest.TestCase):
    def setUp(self):
        self.d = sg.scratch(self)
        self.src = os.path.join(self.d, "src")
        os.makedirs(self.src)
        for i in range(4):
            with open(os.path.join(self.src, f"file{i}.bin"), "wb") as f:
                f.write(os.urandom(3000 + i * 1000))
        self.pw = os.path.join(self.d, "restic.pass")
        with open(self.pw, "w") as f:
            f.write("correct horse battery staple\n")
        os.chmod(self.pw, 0o600)

    def restic(self, repo, *args):
        env = {**os.environ, "RESTIC_REPOSITORY": repo, "RESTIC_PASSWORD_FILE": self.pw,
               "TZ": "UTC", "RESTIC_CACHE_DIR": os.path.join(self.d, "cache")}
        p = subprocess.run(["restic", "-q", *args], env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def repo(self, name, ages):
        repo = os.path.join(self.d, name)
        self.restic(repo, "init")
        for age in ages:
            self.restic(repo, "backup", "--time", utc(NOW - age), self.src)
        return repo

    def cfg(self, repo, verify="true", max_verify=10):
        return (f"  backup: {{restic_repo: {repo}, password_file: {self.pw}, verify: {verify}, "
                f"read_data_subset: 100%, max_verify: {max_verify}, sample_files: 2}}\n")

    def test_daily_snapshots_verified_then_a_broken_pack(self):
        # restic derives its key anew for every command (about half a second),
        # so this test keeps the number of snapshots and runs small.
        repo = self.repo("daily", [12 * 3600 + k * 86400 for k in range(2, -1, -1)])
        r, db = check(self, self.cfg(repo), "backup", pattern=2)  # 1w, 2 generations
        self.assertEqual(r.code, 0, r)
        self.assertEqual(one(self, r, "III.2.3.1.a", repo)["value"], "1d")
        self.assertEqual(one(self, r, "III.2.3.1.b", repo)["value"], "3")
        x = one(self, r, "III.2.3.2.a", repo)
        self.assertEqual(x["value"], "every_backup")
        self.assertIn("restic check --read-data-subset=100%: no errors", x["evidence"])
        per = [y for y in results(self, r, "III.2.3.2.a") if "#" in y["subject"]]
        self.assertEqual(len(per), 3)
        self.assertTrue(all(y["status"] == "ok" for y in per))
        self.assertIn("(= live file)", per[0]["evidence"])
        self.assertIn("sha256", per[0]["evidence"])
        self.assertNotIn("correct horse", r.out)
        # break a pack file: check and restore now fail
        packs = []
        for root, _, files in os.walk(os.path.join(repo, "data")):
            packs += [os.path.join(root, f) for f in files]
        self.assertTrue(packs)
        for p in packs:
            os.chmod(p, 0o644)
            data = bytearray(open(p, "rb").read())
            for i in range(len(data) // 4, len(data) // 2):
                data[i] ^= 0x5A
            open(p, "wb").write(bytes(data))
        path, _ = profile(self, self.cfg(repo, max_verify=1), pattern=2)
        r = sg.run(*["check", path, "--only", "backup", "--db", db, "--format", "json"],
                   env={"SAASGUARD_NOW": str(NOW)}, lang="en")
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.2.3.2.a", repo)
        self.assertEqual((x["status"], x["value"]), ("finding", "false"))
        self.assertIn("restic check --read-data-subset=100% failed", x["evidence"])
        per = [y for y in results(self, r, "III.2.3.2.a") if "#" in y["subject"]]
        self.assertEqual(len(per), 1)
        self.assertEqual(per[0]["status"], "finding")
        self.assertIn("ciphertext verification failed", per[0]["evidence"])

    def test_sparse_snapshots_fall_short(self):
        repo = self.repo("sparse", [4 * 86400, 86400])
        r, _ = check(self, self.cfg(repo, verify="false"), "backup")
        self.assertEqual(r.code, 1, r)
        gap = one(self, r, "III.2.3.1.a", repo)
        self.assertEqual((gap["status"], gap["value"]), ("finding", "3d"))
        gen = one(self, r, "III.2.3.1.b", repo)
        self.assertEqual((gen["status"], gen["value"]), ("finding", "2"))
        # pattern 2 asks weekly backups and 2 generations
        r, _ = check(self, self.cfg(repo, verify="false"), "backup", pattern=2)
        self.assertEqual(r.code, 0, r)

    def test_password_file_must_be_private(self):
        repo = os.path.join(self.d, "never-opened")  # refused before restic runs
        os.chmod(self.pw, 0o644)
        r, _ = check(self, self.cfg(repo), "backup")
        x = one(self, r, "III.2.3.1.a", repo)
        self.assertEqual(x["status"], "error")
        self.assertIn("0600", x["detail"])


class Journal(unittest.TestCase):
    def test_oldest_journal_entry(self):
        d = sg.scratch(self)
        jdir = os.path.join(d, "journal")
        os.makedirs(jdir)
        entries = ""
        for age in (40 * 86400, 86400):
            entries += (f"__REALTIME_TIMESTAMP={(NOW - age) * 1000000}\n"
                        f"__MONOTONIC_TIMESTAMP={age}\n"
                        "_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                        "_HOSTNAME=web1\nMESSAGE=login ok\n\n")
        p = subprocess.run(["/lib/systemd/systemd-journal-remote", "-o",
                            os.path.join(jdir, "remote.journal"), "-"], input=entries,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        cfg = f"  logs: [{{journal: {jdir}, item: III.2.1.3.a}}]\n"
        r, _ = check(self, cfg, "logs", pattern=2)  # 1mo
        self.assertEqual(r.code, 0, r)
        x = one(self, r, "III.2.1.3.a", jdir)
        self.assertEqual((x["status"], x["value"]), ("ok", "40d"))
        self.assertIn("sd-journal: first entry 2026-12-06T08:00:00Z", x["evidence"])
        r, _ = check(self, cfg, "logs", pattern=1)  # 3mo
        self.assertEqual(r.code, 1, r)
        self.assertEqual(one(self, r, "III.2.1.3.a", jdir)["status"], "finding")


NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp;
  proxy_temp_path {d}/tmp;
  fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp;
  scgi_temp_path {d}/tmp;
  {servers}
}}
"""

SERVER = """
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {d}/{cert}.pem;
    ssl_certificate_key {d}/{cert}.key;
    ssl_protocols {protocols};
    ssl_ciphers "{ciphers}";
    location / {{ {hsts} return 200 "ok\\n"; }}
  }}
"""


class Tls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.d = d = tempfile.mkdtemp(prefix="sg-tls-")
        os.makedirs(os.path.join(d, "tmp"))

        def ossl(*args):
            p = subprocess.run(["openssl", *args], cwd=d, capture_output=True, text=True,
                               timeout=60)
            assert p.returncode == 0, p.stderr

        ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "365", "-subj",
             "/CN=saasguard test CA")

        def leaf(name, san, days):
            ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                 f"{name}.csr", "-subj", "/CN=" + san.split(":")[1].split(",")[0])
            with open(os.path.join(d, f"{name}.ext"), "w") as f:
                f.write(f"subjectAltName={san}\n")
            ossl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-days", str(days), "-extfile", f"{name}.ext", "-out", f"{name}.pem")
        leaf("good", "DNS:localhost,IP:127.0.0.1", 90)
        leaf("short", "DNS:localhost,IP:127.0.0.1", 10)
        leaf("wrong", "DNS:other.example", 90)
        leaf("expired", "DNS:localhost,IP:127.0.0.1", -1)
        hsts = 'add_header Strict-Transport-Security "max-age=31536000" always;'
        modern = "ECDHE+AESGCM:ECDHE+CHACHA20"
        cls.ports = {}
        servers = ""
        for name, cert, protocols, ciphers, h in [
                ("good", "good", "TLSv1.2 TLSv1.3", modern, hsts),
                ("short", "short", "TLSv1.2 TLSv1.3", modern, hsts),
                ("wrong", "wrong", "TLSv1.2 TLSv1.3", modern, hsts),
                ("expired", "expired", "TLSv1.2 TLSv1.3", modern, hsts),
                ("tls10", "good", "TLSv1", "DEFAULT:@SECLEVEL=0", ""),
                ("weak", "good", "TLSv1.2", "ECDHE+AESGCM:AES128-GCM-SHA256", "")]:
            port = sg.free_port()
            cls.ports[name] = port
            servers += SERVER.format(port=port, d=d, cert=cert, protocols=protocols,
                                     ciphers=ciphers, hsts=h)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(d=d, servers=servers))
        cls.nginx = subprocess.Popen(["nginx", "-p", d, "-c", os.path.join(d, "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        import socket
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", cls.ports["weak"]), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.wait(10)
        shutil.rmtree(cls.d, True)

    def run_tls(self, name, host="127.0.0.1", pattern=1):
        url = f"https://{host}:{self.ports[name]}/"
        cfg = f"  tls: [{{url: '{url}', ca_file: {self.d}/ca.pem}}]\n"
        r, _ = check(self, cfg, "tls", pattern=pattern, now=None)
        return r, url

    def test_good_server(self):
        r, url = self.run_tls("good")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(one(self, r, "III.3.2.2.a", url)["value"], "[tls]")
        p = one(self, r, "III.3.2.2", url + "#protocols")
        self.assertEqual((p["status"], p["evidence"]), ("ok", "TLSv1.2, TLSv1.3"))
        c = one(self, r, "III.3.2.2", url + "#ciphers")
        self.assertEqual(c["status"], "ok")
        self.assertIn("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", c["evidence"])
        self.assertIn("TLS_AES_256_GCM_SHA384", c["evidence"])
        self.assertEqual(one(self, r, "III.3.2.3", url + "#certificate")["value"], "true")
        e = one(self, r, "III.3.2.3", url + "#expiry")
        self.assertEqual(e["status"], "ok")
        self.assertIn(e["value"], ("89d", "90d"))  # issued within the last second
        self.assertIn("max-age=31536000", one(self, r, "III.3.2.2", url + "#hsts")["evidence"])
        # localhost by name matches too
        r, url = self.run_tls("good", host="localhost")
        self.assertEqual(one(self, r, "III.3.2.3", url + "#certificate")["value"], "true")

    def test_credentials_in_the_url_never_leave(self):
        """A service URL with userinfo and a token: the probe still reaches the
        server, and results, the store and the ledger name it only redacted."""
        port = self.ports["good"]
        url = f"https://user:s3cretpw@127.0.0.1:{port}/?token=tok3nval"
        shown = f"https://***@127.0.0.1:{port}/?token=***"
        cfg = f"  tls: [{{url: '{url}', ca_file: {self.d}/ca.pem}}]\n"
        r, db = check(self, cfg, "tls", now=None)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(one(self, r, "III.3.2.2.a", shown)["value"], "[tls]")
        p = one(self, r, "III.3.2.2", shown + "#protocols")
        self.assertEqual((p["status"], p["evidence"]), ("ok", "TLSv1.2, TLSv1.3"))
        self.assertEqual(one(self, r, "III.3.2.3", shown + "#certificate")["value"], "true")
        for secret in ("s3cretpw", "tok3nval"):
            self.assertNotIn(secret, r.out + r.err)
            self.assertNotIn(secret.encode(), sg.db_raw_bytes(db), db)
        con = sg.db_connect(db)
        try:
            entries = [e for (e,) in con.execute("SELECT entry FROM ledger_entries")]
            stored = [x for (x,) in con.execute("SELECT subject FROM measurements")]
        finally:
            con.close()
        self.assertTrue(any(shown in e for e in entries), entries)
        self.assertIn(shown + "#hsts", stored)

    def test_untrusted_without_the_ca(self):
        url = f"https://127.0.0.1:{self.ports['good']}/"
        r, _ = check(self, f"  tls: ['{url}']\n", "tls", now=None)
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.3.2.3", url + "#certificate")
        self.assertEqual(x["status"], "finding")
        self.assertIn("does not verify", x["detail"])

    def test_wrong_host(self):
        r, url = self.run_tls("wrong")
        self.assertEqual(r.code, 1, r)
        x = one(self, r, "III.3.2.3", url + "#certificate")
        self.assertEqual(x["status"], "finding")
        self.assertIn("does not match the host name 127.0.0.1", x["detail"])

    def test_expired_and_expiring(self):
        r, url = self.run_tls("expired")
        self.assertEqual(r.code, 1, r)
        self.assertIn("expired", one(self, r, "III.3.2.3", url + "#certificate")["detail"])
        e = one(self, r, "III.3.2.3", url + "#expiry")
        self.assertEqual((e["status"], e["value"]), ("finding", "0s"))
        r, url = self.run_tls("short")
        self.assertEqual(r.code, 1, r)
        e = one(self, r, "III.3.2.3", url + "#expiry")
        self.assertEqual(e["status"], "finding")
        self.assertIn(e["value"], ("9d", "10d"))
        self.assertRegex(e["detail"], "expires in (9|10) days")

    def test_tls10_only_server(self):
        r, url = self.run_tls("tls10")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(one(self, r, "III.3.2.2.a", url)["value"], "[tls]")
        p = one(self, r, "III.3.2.2", url + "#protocols")
        self.assertEqual((p["status"], p["evidence"]), ("finding", "TLSv1.0"))
        self.assertIn("TLSv1.0", p["detail"])
        self.assertEqual(one(self, r, "III.3.2.2", url + "#hsts")["status"], "finding")

    def test_cipher_outside_cryptrec(self):
        r, url = self.run_tls("weak")
        self.assertEqual(r.code, 1, r)
        c = one(self, r, "III.3.2.2", url + "#ciphers")
        self.assertEqual((c["status"], c["value"]), ("finding", "false"))
        self.assertIn("TLS_RSA_WITH_AES_128_GCM_SHA256", c["detail"])
        self.assertIn("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", c["evidence"].split(";")[0])
        self.assertEqual(one(self, r, "III.3.2.2", url + "#protocols")["status"], "ok")

    def test_http_url_is_a_finding_and_refused_port_an_error(self):
        port = sg.free_port()
        r, _ = check(self, f"  tls: ['http://127.0.0.1:{port}/', 'https://127.0.0.1:{port}/']\n",
                     "tls", now=None)
        self.assertEqual(r.code, 1, r)
        self.assertEqual(one(self, r, "III.3.2.2.a", f"http://127.0.0.1:{port}/")["status"],
                         "finding")
        x = one(self, r, "III.3.2.2.a", f"https://127.0.0.1:{port}/")
        self.assertEqual(x["status"], "error")
        self.assertIn("refused", x["detail"])
