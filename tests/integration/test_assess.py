"""saasguard assess / sla / init: the bundled examples, every output format,
OSCAL validation, exit codes, bad input, measurements from the store (SQL
through the sqlite3 CLI, or psql on the PostgreSQL pass) with the ledger entry, the starter profile, and a
10 MB profile."""
import csv
import hashlib
import io
import json
import os
import pty
import resource
import select
import subprocess
import time
import unittest

import sg

PAYROLL = os.path.join(sg.EXAMPLES, "payroll-cloud.yaml")
NEWS = os.path.join(sg.EXAMPLES, "news-portal.yaml")
NOW = {"SAASGUARD_NOW": "1795600000"}  # 2026-11-25


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class Examples(unittest.TestCase):
    def test_payroll_has_gaps_and_exits_1(self):
        r = sg.run("assess", PAYROLL, env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        self.assertIn("給与計算クラウド", r.out)
        self.assertIn("III.2.3.1", r.out)
        # the guideline's own terms (I.8.1, I.8.5), never pass/fail
        self.assertIn("要対応のもの（参照値に達しない・値なしを含む）があります", r.out)
        self.assertIn("I.8.1", r.out)
        self.assertIn("saasguard の方針", r.out)
        for word in ("不合格", "不適合", "合格", "適合"):
            self.assertNotIn(word, r.out)
        self.assertNotIn("\033[", r.out)  # no colour into a pipe
        # expired evidence is reported
        self.assertIn("有効期限切れ", r.out)

    def test_news_passes_but_not_strict(self):
        r = sg.run("assess", NEWS, env=NOW)
        self.assertEqual(r.code, 0, repr(r))
        r = sg.run("assess", NEWS, "--strict", env=NOW)
        self.assertEqual(r.code, 1, repr(r))

    def test_json_shape(self):
        r = sg.run("assess", PAYROLL, "--format", "json", env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        j = r.json()
        self.assertEqual(j["service"]["name"], "給与計算クラウド")
        self.assertEqual(j["service"]["pattern"], 1)
        self.assertEqual(len(j["controls"]), 68)
        self.assertEqual(sum(len(c["evaluation_items"]) for c in j["controls"]), 37)
        s = j["summary"]
        self.assertEqual(sum(s["control_verdicts"].values()), 68)
        self.assertFalse(s["passed"])
        c = next(c for c in j["controls"] if c["id"] == "III.2.3.1")
        self.assertEqual((c["level"], c["status"], c["verdict"]), ("basic", "implemented", "gap"))
        b = c["evaluation_items"][1]
        for k in ("id", "reference_ja", "required", "value", "target", "verdict", "severity"):
            self.assertIn(k, b)
        self.assertEqual((b["id"], b["value"], b["verdict"], b["severity"]),
                         ("III.2.3.1.b", "3", "falls_short", "high"))
        self.assertEqual(b["reference_ja"], "5世代")
        na = next(c for c in j["controls"] if c["id"] == "II.3.1.1")
        self.assertEqual(na["verdict"], "not_applicable")
        ar = next(c for c in j["controls"] if c["id"] == "III.5.1.1")
        self.assertEqual(ar["verdict"], "accepted_risk")
        t = next(c for c in j["controls"] if c["id"] == "III.3.2.5")["evaluation_items"][0]
        self.assertEqual((t["target"], t["verdict"]), ("30m", "meets"))

    def test_english(self):
        r = sg.run("--lang", "en", "assess", PAYROLL, env=NOW)
        self.assertEqual(r.code, 1)
        self.assertIn("Some basic countermeasures or * items are to be addressed", r.out)
        self.assertIn("To be addressed (most severe first)", r.out)
        self.assertNotIn("fail", r.out.lower())
        self.assertNotIn("【", r.out)


class GuidelineTerms(unittest.TestCase):
    """I.8.1: countermeasures are indicators, not certification criteria."""

    def test_no_pass_fail_words_in_any_output(self):
        for fmt in ("table", "json", "markdown", "html", "csv", "oscal"):
            for lang in ("ja", "en"):
                r = sg.run("assess", PAYROLL, "--format", fmt, lang=lang)
                self.assertEqual(r.code, 1, repr(r))
                for word in ("不合格", "不適合", "適合", "合格"):
                    self.assertNotIn(word, r.out, f"{fmt}/{lang}")
                if fmt in ("markdown", "html"):
                    self.assertIn("I.8.1", r.out, f"{fmt}/{lang}")
        for fmt in ("markdown", "html", "json"):
            r = sg.run("sla", PAYROLL, "--format", fmt)
            for word in ("不合格", "不適合", "約束値"):
                self.assertNotIn(word, r.out, fmt)

    def test_html_defines_the_guideline_terms_it_uses(self):
        r = sg.run("assess", PAYROLL, "--format", "html")
        self.assertIn('<dl class="glossary">', r.out)
        self.assertIn('<dt id="glossary-I.9.2-iv">利用者 (user)</dt>', r.out)
        self.assertIn("ASP・SaaS サービスを利用する法人又は個人。", r.out)

    def test_summary_separates_star_items_basic_and_the_rest(self):
        r = sg.run("assess", PAYROLL)
        self.assertIn("* の評価項目（特に達成が必要な値）8 件: 参照値を満たす 8", r.out)
        self.assertIn("基本の対策項目 50 件", r.out)
        self.assertIn("推奨の対策項目 18 件", r.out)
        # all * items meet, yet exit 1: two basic countermeasures fall short (policy)
        self.assertEqual(r.code, 1)


class Formats(unittest.TestCase):
    def test_markdown_gap_report_ordered_by_severity(self):
        d = sg.scratch(self)
        p = write(os.path.join(d, "p.yaml"),
                  "service: {name: 順序, pattern: 1}\ncontrols:\n"
                  "  III.1.1.3: {status: partial}\n"                           # medium
                  "  II.1.1.1: {status: planned}\n"                            # high
                  "  III.2.1.1: {status: implemented, values: {a: 98%}}\n")    # critical
        r = sg.run("assess", p, "--format", "markdown", env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        self.assertTrue(r.out.startswith("# ギャップレポート: 順序"), r.out[:200])
        summary = r.out.index("## 概要")
        gaps = r.out.index("## 要対応の対策項目")
        self.assertIn("I.8.1", r.out[:summary])  # the caveat and the scope come first
        self.assertIn("I.8.6", r.out[:summary])
        self.assertLess(summary, gaps)
        crit = r.out.index("| 重大 | III.2.1.1")
        high = r.out.index("| 高 | II.1.1.1")
        med = r.out.index("| 中 | III.1.1.3")
        self.assertLess(crit, high)
        self.assertLess(high, med)

    def test_html_self_contained_and_printable(self):
        d = sg.scratch(self)
        out = os.path.join(d, "gap.html")
        r = sg.run("assess", PAYROLL, "--format", "html", "--output", out, env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        self.assertEqual(r.out, "")
        with open(out, encoding="utf-8") as f:
            h = f.read()
        self.assertTrue(h.startswith("<!DOCTYPE html>"))
        self.assertIn("@media print", h)
        self.assertIn("<style>", h)
        for ext in ("<link", "<script", "src=", "@import"):
            self.assertNotIn(ext, h)
        self.assertIn("III.3.1.3", h)
        self.assertEqual(sorted(os.listdir(d)), ["gap.html"])  # no temp files left

    def test_profile_hash_in_every_format(self):
        """The profile's SHA-256 is the same hex digits in the JSON, the OSCAL
        results and the gap report (the first 16 of them)."""
        with open(PAYROLL, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        r = sg.run("assess", PAYROLL, "--format", "json", env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        self.assertEqual(json.loads(r.out)["service"]["profile_sha256"], sha)
        r = sg.run("assess", PAYROLL, "--format", "oscal", env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        props = json.loads(r.out)["assessment-results"]["results"][0]["props"]
        self.assertIn({"name": "profile-sha256", "value": sha},
                      [{"name": p["name"], "value": p["value"]} for p in props])
        for fmt in ("markdown", "html"):
            r = sg.run("assess", PAYROLL, "--format", fmt, env=NOW)
            self.assertEqual(r.code, 1, repr(r))
            self.assertIn("SHA-256 %s…" % sha[:16], r.out)

    def test_csv_checklists(self):
        r = sg.run("assess", PAYROLL, "--format", "csv", env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        self.assertTrue(r.out.startswith("\ufeff"))
        rows = list(csv.reader(io.StringIO(r.out[1:])))
        head = rows[0]
        for col in ("項番", "対策項目", "区分", "評価項目", "対策参照値", "値", "実施チェック"):
            self.assertIn(col, head)
        body = rows[1:]
        annex2 = [x for x in body if x[0] == "Annex 2"]
        annex3 = [x for x in body if x[0] == "Annex 3"]
        self.assertEqual(len(annex2), 22)
        self.assertEqual(len({x[1] for x in annex3}), 46)
        self.assertEqual(sum(1 for x in annex3 if x[2] not in ("", "-")), 37)
        row = next(x for x in annex3 if x[1] == "III.1.1.1" and x[2] == "a")
        self.assertEqual(row[head.index("対策参照値")], "1回以上／5分*")
        self.assertEqual(row[head.index("値")], "1分")  # in words, never the token 1m
        self.assertEqual(row[head.index("実施チェック")], "○")
        gap = next(x for x in annex3 if x[1] == "III.2.3.1" and x[2] == "b")
        self.assertEqual(gap[head.index("実施チェック")], "×")

    def test_oscal_validates(self):
        d = sg.scratch(self)
        # payroll has basic countermeasures to address (exit 1), news has none (exit 0)
        for name, path, code in (("p", PAYROLL, 1), ("n", NEWS, 0)):
            out = os.path.join(d, name + ".json")
            r = sg.run("assess", path, "--format", "oscal", "--output", out, env=NOW)
            self.assertEqual(r.code, code, repr(r))
            sg.validate_oscal(self, out, "oscal_assessment-results_schema.json")
        with open(os.path.join(d, "p.json"), encoding="utf-8") as f:
            doc = json.load(f)["assessment-results"]
        res = doc["results"][0]
        self.assertEqual(len(res["reviewed-controls"]["control-selections"][0]
                             ["include-controls"]), 68)
        self.assertEqual(len(res["findings"]), 68)
        f = next(x for x in res["findings"] if x["target"]["target-id"] == "III.2.3.1")
        self.assertEqual(f["target"]["status"]["state"], "not-satisfied")
        ok = next(x for x in res["findings"] if x["target"]["target-id"] == "III.1.1.1")
        self.assertEqual(ok["target"]["status"]["state"], "satisfied")
        self.assertTrue(any(x["status"] == "deviation-approved" for x in res["risks"]))

    def test_colour_only_on_a_tty(self):
        pid, fd = pty.fork()
        if pid == 0:
            env = dict(os.environ, LANG="C.UTF-8", **NOW)
            env.pop("NO_COLOR", None)
            os.execve(sg.binary(), [sg.binary(), "assess", PAYROLL], env)
        out = b""
        deadline = time.time() + 60
        while time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 1)
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 1)
        self.assertIn(b"\033[31m", out)


class BadInput(unittest.TestCase):
    def test_invalid_profile_exits_2_with_position_and_hint(self):
        d = sg.scratch(self)
        p = write(os.path.join(d, "bad.yaml"),
                  "service: {name: x, pattern: 1}\ncontrols:\n  III.1.1.1:\n"
                  "    status: implemented\n    values: {a: 5 minutes}\n")
        r = sg.run("assess", p)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("bad.yaml:5:17:", r.err)
        self.assertIn("5m", r.err)
        r = sg.run("--lang", "en", "assess", p)
        self.assertIn("use 5m", r.err)

    def test_unknown_control_suggests(self):
        d = sg.scratch(self)
        p = write(os.path.join(d, "bad.yaml"),
                  "service: {name: x, pattern: 1}\ncontrols:\n  III.1.1.10: {status: planned}\n")
        r = sg.run("--lang", "en", "assess", p)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("bad.yaml:3:3:", r.err)
        self.assertIn("III.1.1.1", r.err)

    def test_missing_file_and_bad_args(self):
        self.assertEqual(sg.run("assess", "/nonexistent/p.yaml").code, 2)
        self.assertEqual(sg.run("assess").code, 2)
        r = sg.run("assess", PAYROLL, "--format", "pdf")
        self.assertEqual(r.code, 2)
        self.assertIn("oscal", r.err)
        r = sg.run("assess", PAYROLL, "--db", "/nonexistent/x.db")
        self.assertEqual(r.code, 2)

    def test_not_utf8_and_binary(self):
        d = sg.scratch(self)
        p = os.path.join(d, "bin.yaml")
        with open(p, "wb") as f:
            f.write(b"service: {name: \xff\xfe, pattern: 1}\n\x00\x01")
        r = sg.run("assess", p)
        self.assertEqual(r.code, 2, repr(r))


class Store(unittest.TestCase):
    def sql(self, db, q):
        """q through the database's own command-line client: sqlite3, or psql."""
        if sg.is_pg(db):
            import pgserver
            return pgserver.PgServer.shared().psql(q, sg.pg_dbname(db))
        p = subprocess.run(["sqlite3", db, q], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_measured_values_and_ledger(self):
        d = sg.scratch(self)
        db = sg.new_db(d)
        if not sg.is_pg(db):  # an empty file saasguard makes its store in
            fd = os.open(db, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        r = sg.run("assess", PAYROLL, "--db", db, "--format", "json", env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        # what the monitor and the collectors write
        self.sql(db, "INSERT INTO measurements(service, collector, item_id, subject, status, "
                     "value_text, measured_at) VALUES "
                     "('給与計算クラウド', 'monitor', 'III.2.1.1.a', 'web', 'finding', "
                     "'99.2%', 1795500000),"
                     "('給与計算クラウド', 'monitor', 'III.2.1.1.a', 'web', 'ok', "
                     "'99.95%', 1795400000),"  # older: superseded
                     "('給与計算クラウド', 'backup', 'III.2.3.1.b', '/srv/backup', 'ok', "
                     "'7', 1795500000),"
                     "('別サービス', 'monitor', 'III.1.1.1.a', 'web', 'ok', '30m', 1795500000)")
        r = sg.run("assess", PAYROLL, "--db", db, "--format", "json", env=NOW)
        self.assertEqual(r.code, 1, repr(r))
        j = r.json()
        items = {i["id"]: i for c in j["controls"] for i in c["evaluation_items"]}
        a = items["III.2.1.1.a"]
        self.assertEqual((a["provenance"], a["value"], a["declared"], a["verdict"]),
                         ("measured", "99.2%", "99.9%", "falls_short"))
        self.assertTrue(a["disagreement"])
        self.assertEqual(a["measured"]["source"], "monitor:web")
        b = items["III.2.3.1.b"]
        self.assertEqual((b["provenance"], b["verdict"]), ("measured", "meets"))
        self.assertEqual(items["III.1.1.1.a"]["provenance"], "declared")
        self.assertEqual(j["summary"]["disagreements"], 1)
        r = sg.run("assess", PAYROLL, "--db", db, env=NOW)
        self.assertIn("計測値と申告値の相違", r.out)
        # every run with --db is in the ledger, with the profile's hash
        with open(PAYROLL, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        rows = self.sql(db, "SELECT entry FROM ledger_entries WHERE type = 'assessment' "
                            "ORDER BY seq").splitlines()
        self.assertEqual(len(rows), 3)
        e = json.loads(rows[-1])["payload"]
        self.assertEqual((e["profile_sha256"], e["pattern"]), (sha, 1))
        self.assertEqual(e["summary"]["controls"], 68)
        self.assertFalse(e["summary"]["passed"])


    def test_findings_without_a_value_are_measured_shortfalls(self):
        """A collector's finding (clock not synchronised, antivirus missing,
        firewall unreadable) is never "meets" (issue 12 §6)."""
        d = sg.scratch(self)
        db = sg.new_db(d)
        if not sg.is_pg(db):
            os.close(os.open(db, os.O_CREAT | os.O_WRONLY, 0o600))
        self.assertEqual(sg.run("assess", PAYROLL, "--db", db, env=NOW).code, 1)
        self.sql(db, "INSERT INTO measurements(service, collector, item_id, subject, status, "
                     "value_text, detail, measured_at) VALUES "
                     "('給与計算クラウド', 'time', 'III.1.1.5', 'chrony', 'finding', 'false', "
                     "'時刻が同期していません', 1795500000),"
                     "('給与計算クラウド', 'antivirus', 'III.2.2.1.a', 'clamav', 'finding', NULL, "
                     "'ウイルス対策ソフトが見つかりません', 1795500000),"
                     "('給与計算クラウド', 'firewall', 'III.3.1.4', 'input-policy', 'finding', "
                     "'false', 'パケットフィルタを読めません', 1795500000)")
        r = sg.run("assess", PAYROLL, "--db", db, "--format", "json", env=NOW)
        j = r.json()
        c = {x["id"]: x for x in j["controls"]}
        items = {i["id"]: i for x in j["controls"] for i in x["evaluation_items"]}
        av = items["III.2.2.1.a"]
        self.assertEqual((av["provenance"], av["verdict"]), ("measured", "falls_short"))
        self.assertTrue(av["measured_finding"])
        self.assertEqual(av["measured"]["detail"], "ウイルス対策ソフトが見つかりません")
        for cid in ("III.1.1.5", "III.3.1.4", "III.2.2.1"):
            self.assertEqual(c[cid]["verdict"], "gap", cid)
        self.assertIn("measured_finding", c["III.1.1.5"]["reasons"])
        self.assertEqual(c["III.3.1.4"]["finding"]["source"], "firewall:input-policy")
        for fmt in ("table", "markdown", "html", "csv"):
            out = sg.run("assess", PAYROLL, "--db", db, "--format", fmt, env=NOW).out
            self.assertIn("時刻が同期していません", out, fmt)
            self.assertIn("計測で指摘あり", out, fmt)

    def test_attestations_show_in_every_format(self):
        d = sg.scratch(self)
        db = sg.new_db(d)
        if not sg.is_pg(db):
            os.close(os.open(db, os.O_CREAT | os.O_WRONLY, 0o600))
        ev = write(os.path.join(d, "drill.txt"), "BCP 訓練記録\n")
        with open(ev, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        r = sg.run("attest", "II.6.1.1", "--note", "2026年度 BCP 訓練を実施", "--evidence", ev,
                   "--db", db, env=NOW)
        self.assertEqual(r.code, 0, repr(r))
        r = sg.run("assess", PAYROLL, "--db", db, "--format", "json", env=NOW)
        c = {x["id"]: x for x in r.json()["controls"]}
        a = c["II.6.1.1"]["attestations"]
        self.assertEqual(len(a), 1)
        self.assertEqual((a[0]["note"], a[0]["files"][0]["sha256"]),
                         ("2026年度 BCP 訓練を実施", sha))
        self.assertTrue(a[0]["by"])
        self.assertGreater(a[0]["at"], 0)
        for fmt in ("table", "markdown", "html", "csv", "oscal"):
            out = sg.run("assess", PAYROLL, "--db", db, "--format", fmt, env=NOW).out
            self.assertIn("2026年度 BCP 訓練を実施", out, fmt)
            self.assertIn(sha, out, fmt)


class Init(unittest.TestCase):
    def test_starter_profile_loads_assesses_and_is_not_overwritten(self):
        d = sg.scratch(self)
        out = os.path.join(d, "p.yaml")
        r = sg.run("init", "--pattern", "3", "--output", out)
        self.assertEqual(r.code, 0, repr(r))
        with open(out, encoding="utf-8") as f:
            text = f.read()
        for cid in ("II.1.1.1", "II.8.1.1", "III.1.1.1", "III.5.3.2"):
            self.assertIn(f"\n  {cid}:\n", text)
        self.assertEqual(text.count("    status: not_implemented\n"), 68)
        self.assertIn("1回以上／20分*", text)  # pattern 3's reference value
        r = sg.run("assess", out, "--format", "json")
        self.assertEqual(r.code, 1, repr(r))
        self.assertEqual(r.json()["service"]["pattern"], 3)
        # refuses to overwrite
        with open(out, "a", encoding="utf-8") as f:
            f.write("# mine\n")
        r = sg.run("init", "--pattern", "1", "--output", out)
        self.assertEqual(r.code, 2, repr(r))
        with open(out, encoding="utf-8") as f:
            self.assertTrue(f.read().endswith("# mine\n"))

    def test_every_section_with_guidance_in_i86_order(self):
        d = sg.scratch(self)
        out = os.path.join(d, "p.yaml")
        r = sg.run("init", "--pattern", "1", "--output", out)
        self.assertEqual(r.code, 0, repr(r))
        with open(out, encoding="utf-8") as f:
            text = f.read()
        for section in ("partners:", "monitor:", "notify:", "service_hours:", "collectors:",
                        "ledger:", "reports:", "controls:"):
            self.assertIn("\n" + section, text)
        self.assertIn("# provider:", text)  # commented out: filled in by the provider
        self.assertIn("事業者（provider:）", text)
        # I.8.6: II first, then III basic, then III recommended
        ii, basic, rec = (text.index("\n  II.1.1.1:"), text.index("\n  III.1.1.1:"),
                          text.index("\n  III.1.1.3:"))
        self.assertLess(ii, basic)
        self.assertLess(basic, text.index("\n  III.5.3.2:"))  # a basic one of the last section
        self.assertLess(text.index("\n  III.5.3.2:"), rec)     # before the first recommended
        # it loads for every command that reads a section
        self.assertEqual(sg.run("assess", out).code, 1)
        self.assertEqual(sg.run("sla", out).code, 0)
        # its own store, never the machine's default one
        r = sg.run("check", out, "--only", "time", "--db", sg.new_db(d, "s"))
        self.assertNotEqual(r.code, 2, repr(r))

    def test_status_accepts_the_japanese_labels_the_tool_prints(self):
        d = sg.scratch(self)
        p = write(os.path.join(d, "p.yaml"),
                  "service: {name: ラベル, pattern: 6}\ncontrols:\n"
                  "  II.1.1.1: {status: 実施済み}\n  II.1.1.2: {status: 一部実施}\n"
                  "  II.2.1.1: {status: 計画中}\n  II.2.1.2: {status: 未実施}\n"
                  "  II.2.1.3: {status: 対象外, reason: 該当なし}\n"
                  "  II.4.1.1: {status: リスク受容, reason: 検討中, expires: 2099-01-01}\n")
        r = sg.run("assess", p, "--format", "json")
        self.assertNotEqual(r.code, 2, repr(r))
        st = {c["id"]: c["status"] for c in r.json()["controls"]}
        self.assertEqual([st[i] for i in ("II.1.1.1", "II.1.1.2", "II.2.1.1", "II.2.1.2",
                                          "II.2.1.3", "II.4.1.1")],
                         ["implemented", "partial", "planned", "not_implemented",
                          "not_applicable", "accepted_risk"])
        bad = write(os.path.join(d, "bad.yaml"),
                    "service: {name: ラベル, pattern: 6}\ncontrols:\n  II.1.1.1: {status: 済}\n")
        r = sg.run("assess", bad)
        self.assertEqual(r.code, 2)
        self.assertIn("実施済み", r.err)


    def test_classification_and_english(self):
        d = sg.scratch(self)
        out = os.path.join(d, "p.yaml")
        r = sg.run("--lang", "en", "init", "--personal-information", "no", "--trade-secrets",
                   "no", "--availability", "medium", "--name", 'A "quoted" name',
                   "--output", out)
        self.assertEqual(r.code, 0, repr(r))
        with open(out, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("availability: medium", text)
        self.assertIn("Liveness monitoring", text)
        r = sg.run("assess", out, "--format", "json")
        self.assertEqual(r.code, 1, repr(r))
        self.assertEqual(r.json()["service"]["pattern"], 5)
        self.assertEqual(r.json()["service"]["name"], 'A "quoted" name')

    def test_usage_errors(self):
        self.assertEqual(sg.run("init", "--output", "-").code, 2)
        self.assertEqual(sg.run("init", "--pattern", "7", "--output", "-").code, 2)
        self.assertEqual(sg.run("init", "--pattern", "1", "--availability", "high").code, 2)
        r = sg.run("init", "--pattern", "2", "--output", "-")
        self.assertEqual(r.code, 0)
        self.assertIn("pattern: 2", r.out)


class Sla(unittest.TestCase):
    def test_markdown_json_html(self):
        r = sg.run("sla", PAYROLL)
        self.assertEqual(r.code, 0, repr(r))
        # 約定値 is what the provider declared (1m, 99.9 %, 3 generations) ...
        self.assertIn("死活監視インターバル（応答確認）は、1分に1回以上とする。", r.out)
        self.assertIn("ASP・SaaS サービスの稼働率は、99.9%以上とする。", r.out)
        self.assertIn("世代バックアップは、3世代以上とする。", r.out)
        self.assertIn("利用者のアクセス認証方法は、ID・パスワードによる。", r.out)
        self.assertNotIn("ICカード又は生体認証による", r.out)
        # ... and what falls short is told to the provider, not put in the contract
        self.assertIn("III.2.3.1.b", r.err)
        self.assertIn("III.3.1.3.a", r.err)
        self.assertNotIn("III.2.1.1.a", r.err)
        self.assertNotIn("達しません", r.out)
        r = sg.run("sla", PAYROLL, "--format", "json")
        self.assertEqual(r.code, 0, repr(r))
        c = {x["id"]: x for x in r.json()["commitments"]}
        self.assertEqual(len(c), 37)
        self.assertEqual((c["III.3.2.5.a"]["committed"], c["III.3.2.5.a"]["committed_from"]),
                         ("30m", "target"))
        self.assertEqual(c["III.1.1.6.a"]["committed"], "24h")
        self.assertIn("ベンダリリースから24時間以内", c["III.1.1.6.a"]["clause_ja"])
        r = sg.run("sla", NEWS, "--format", "json")
        c = {x["id"]: x for x in r.json()["commitments"]}
        self.assertIsNone(c["III.3.2.5.a"]["committed"])  # "-" and no target
        self.assertEqual(c["III.2.1.3.c"]["committed"], "cold")  # "-" with a target
        r = sg.run("sla", PAYROLL, "--format", "html")
        self.assertTrue(r.out.startswith("<!DOCTYPE html>"))
        self.assertIn("@media print", r.out)


class Partners(unittest.TestCase):
    """連携 ASP・SaaS and 外部委託 (issue 11 §5)."""

    def test_partners_make_their_controls_apply(self):
        d = sg.scratch(self)
        base = ("service: {name: 連携, pattern: 6}\ncontrols:\n"
                "  II.3.1.1: {status: not_applicable, reason: 連携なし}\n"
                "  II.2.2.1: {status: not_applicable, reason: 委託なし}\n"
                "  II.8.1.1: {status: not_applicable, reason: 連携なし}\n")
        p = write(os.path.join(d, "none.yaml"), base)
        c = {x["id"]: x for x in sg.run("assess", p, "--format", "json").json()["controls"]}
        self.assertEqual(c["II.3.1.1"]["verdict"], "not_applicable")
        self.assertEqual(c["II.2.2.1"]["verdict"], "not_applicable")
        # II.8.1.1: unified user support is required in any case
        self.assertEqual(c["II.8.1.1"]["verdict"], "gap")
        self.assertIn("applies_with_partners", c["II.8.1.1"]["reasons"])
        p = write(os.path.join(d, "with.yaml"), base +
                  "partners:\n  - {name: 決済代行, role: partner, provides: カード決済, "
                  "contract: SLA 99.9%}\n")
        r = sg.run("assess", p, "--format", "json")
        j = r.json()
        c = {x["id"]: x for x in j["controls"]}
        self.assertEqual(c["II.3.1.1"]["verdict"], "gap")
        self.assertEqual(c["II.2.2.1"]["verdict"], "gap")
        self.assertEqual(j["service"]["partners"][0]["name"], "決済代行")
        md = sg.run("assess", p, "--format", "markdown").out
        self.assertIn("決済代行（連携 ASP・SaaS） 提供: カード決済 契約: SLA 99.9%", md)
        bad = write(os.path.join(d, "bad.yaml"), base + "partners:\n  - {name: x, role: vendor}\n")
        r = sg.run("assess", bad)
        self.assertEqual(r.code, 2)
        self.assertIn("bad.yaml:7:21:", r.err)

class SlaGolden(unittest.TestCase):
    """All 37 clauses for each pattern in both languages, reviewed against the body."""

    def test_clauses_of_every_pattern(self):
        d = sg.scratch(self)
        golden = os.path.join(sg.ROOT, "tests", "data", "sla-golden")
        for pattern in range(1, 7):
            p = write(os.path.join(d, f"p{pattern}.yaml"),
                      f"service: {{name: 参照値のみ, pattern: {pattern}}}\ncontrols: {{}}\n")
            r = sg.run("sla", p, "--format", "json")
            self.assertEqual(r.code, 0, repr(r))
            got = {c["id"]: c for c in r.json()["commitments"]}
            self.assertEqual(len(got), 37)
            for lang in ("ja", "en"):
                with open(os.path.join(golden, f"pattern-{pattern}.{lang}.tsv"),
                          encoding="utf-8") as f:
                    want = dict(line.rstrip("\n").split("\t", 1) for line in f
                                if not line.startswith("#"))
                self.assertEqual(len(want), 37)
                for item, clause in want.items():
                    self.assertEqual(got[item]["clause_" + lang], clause,
                                     f"pattern {pattern} {lang} {item}")
                for c in got.values():  # no value tokens in a contract
                    for token in ("1mo", "service+", "24x7", "every_backup", "12h"):
                        self.assertNotIn(token, c["clause_" + lang])

    def test_starting_points_are_kept(self):
        with open(os.path.join(sg.ROOT, "tests", "data", "sla-golden", "pattern-1.ja.tsv"),
                  encoding="utf-8") as f:
            text = f.read()
        self.assertIn("III.1.1.6.a\tOS、その他ソフトウェアに対するパッチ更新作業の着手までの時間は、"
                      "ベンダリリースから24時間以内とする。", text)
        self.assertIn("III.2.2.1.a\tパターンファイルの更新間隔は、ベンダリリースから24時間以内とする。",
                      text)
        self.assertIn("発見後1時間以内とする。", text)
        self.assertIn("検知後60分以内とする。", text)


class SlaFromProfile(unittest.TestCase):
    """約定値 is what the provider declared or targets (issue 12 §5)."""

    def test_values_above_and_below_the_reference(self):
        d = sg.scratch(self)
        p = write(os.path.join(d, "p.yaml"),
                  "service: {name: 上下, pattern: 1}\ncontrols:\n"
                  "  III.2.1.1: {status: implemented, values: {a: 99.9%}}\n"        # above
                  "  III.3.1.3: {status: implemented, values: {a: [password], b: [fido2]}}\n"
                  "  III.2.1.3: {status: implemented, values: {a: 1mo, b: 5y, c: cold}}\n"
                  "  III.4.4.2: {status: implemented, values: {a: 24x7, b: 1w}}\n"
                  "  III.1.1.6: {status: implemented, values: {a: 51h}}\n")
        r = sg.run("sla", p)
        self.assertEqual(r.code, 0, repr(r))
        self.assertIn("ASP・SaaS サービスの稼働率は、99.9%以上とする。", r.out)
        self.assertIn("利用者のアクセス認証方法は、ID・パスワードによる。", r.out)
        self.assertIn("利用者の利用状況の記録（ログ等）の保存期間は、1ヶ月以上とする。", r.out)
        self.assertIn("スタンバイ機による運転再開は、コールドスタンバイ", r.out)
        self.assertIn("ベンダリリースから51時間以内とする。", r.out)  # the unit as written
        self.assertIn("| 365日24時間 |", r.out)
        for token in ("1mo", "24x7", "51h", "cold", "password", "fido2"):
            self.assertNotIn(token, r.out)
        # below the reference: told to the provider on stderr, never in the contract
        for below in ("III.3.1.3.a", "III.2.1.3.a", "III.2.1.3.c", "III.4.4.2.b",
                      "III.1.1.6.a"):
            self.assertIn(below, r.err)
        for met in ("III.2.1.1.a", "III.3.1.3.b", "III.2.1.3.b", "III.4.4.2.a"):
            self.assertNotIn(met, r.err)
        self.assertNotIn("達しません", r.out)
        j = {c["id"]: c for c in sg.run("sla", p, "--format", "json").json()["commitments"]}
        self.assertEqual((j["III.2.1.1.a"]["committed"], j["III.2.1.1.a"]["short_of_reference"]),
                         ("99.9%", False))
        self.assertEqual(j["III.3.1.3.a"]["committed_ja"], "ID・パスワード")
        self.assertTrue(j["III.3.1.3.a"]["short_of_reference"])
        self.assertEqual(j["III.3.1.3.b"]["committed_ja"], "FIDO2（WebAuthn）認証器")
        self.assertFalse(j["III.3.1.3.b"]["short_of_reference"])  # as strong as an IC card
        self.assertEqual(j["III.1.1.6.a"]["committed_ja"], "51時間")


class Large(unittest.TestCase):
    def test_ten_megabyte_profile(self):
        d = sg.scratch(self)
        p = os.path.join(d, "big.yaml")
        with open(PAYROLL, encoding="utf-8") as f:
            base = f.read()
        lines = ["service: {name: 大きな台帳, pattern: 1}", "controls:", "  II.1.1.1:",
                 "    status: implemented", "    evidence:"]
        size = sum(len(x) + 1 for x in lines)
        n = 0
        while size < 10 * 1024 * 1024:
            line = (f"      - {{title: 証跡 {n} 監視記録, path: evidence/{n:07d}.pdf, "
                    f"collected: 2026-01-01, expires: 2030-01-01}}")
            lines.append(line)
            size += len(line.encode()) + 1
            n += 1
        with open(p, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        self.assertGreater(os.path.getsize(p), 10 * 1024 * 1024)
        self.assertIn("controls", base)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.monotonic()
        r = sg.run("assess", p, "--format", "json", timeout=300)
        elapsed = time.monotonic() - t0
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self.assertEqual(r.code, 1, repr(r)[:2000])
        j = r.json()
        self.assertEqual(j["summary"]["evidence"]["total"], n)
        self.assertEqual(j["summary"]["evidence"]["missing"], n)
        self.assertLess(elapsed, 120, f"{elapsed:.1f}s for {n} evidence entries")
        self.assertLess(rss_mb, 1536, f"max RSS {rss_mb:.0f} MB (before: {before / 1024:.0f})")


if __name__ == "__main__":
    unittest.main()
