"""`saasguard report`: the customer report and the manager summary, generated
from a store filled with a scripted month (report_fill.scripted_month), in
JSON, PDF (checked with poppler's pdftotext, pdffonts, pdfinfo, pdftoppm) and
HTML (rendered by headless Chromium)."""
import hashlib
import json
import os
import re
import subprocess
import tempfile
import unittest

import report_fill
import sg


def tool(*args, timeout=120):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"{args[0]} failed: {p.stderr}")
    return p.stdout


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sg-report-")
        cls.db = sg.new_db(cls.dir)
        cls.profile = os.path.join(cls.dir, "payroll.yaml")
        cls.expect = report_fill.scripted_month(cls.db)
        report_fill.write_profile(cls.profile)
        cls.env = {"SAASGUARD_NOW": str(report_fill.NOW)}

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["rm", "-rf", cls.dir])

    def report(self, fmt, audience="users", lang="ja", period="2026-11", name=None, extra=()):
        out = os.path.join(self.dir, name or f"{audience}-{lang}.{fmt}")
        args = ["report", self.profile, "--format", fmt, "--audience", audience,
                "--output", out, "--db", self.db, *extra]
        if period:
            args += ["--period", period]
        if lang == "en":
            args = ["--lang", "en", *args]
        r = sg.run(*args, env=self.env, lang=lang)
        self.assertEqual(r.code, 0, r)
        return out

    def test_declared_values_in_words(self):
        """A value the profile declares reaches the SLA table in words, as
        the committed value does: 「6ヶ月」, not "6mo"."""
        prof = os.path.join(self.dir, "declared.yaml")
        with open(prof, "w", encoding="utf-8") as f:
            f.write(report_fill.PROFILE + "controls:\n  III.2.1.3:\n    status: implemented\n"
                    "    values: {a: 6mo, c: hot}\n")
        out = os.path.join(self.dir, "declared.json")
        r = sg.run("report", prof, "--format", "json", "--output", out, "--db", self.db,
                   "--period", "2026-11", env=self.env)
        self.assertEqual(r.code, 0, r)
        sla = {s["id"]: s for s in json.load(open(out))["sla"]}
        got = [(sla[i]["source"], sla[i]["achieved"], sla[i]["committed"])
               for i in ("III.2.1.3.a", "III.2.1.3.c")]
        self.assertEqual(got, [("declared", "6ヶ月", "3ヶ月"),
                               ("declared", "ホットスタンバイ", "可能 (ホットスタンバイ)")])

    def test_json_numbers(self):
        j = json.load(open(self.report("json")))
        e = self.expect
        self.assertEqual(j["report"]["guideline_control"], "III.1.1.7")
        self.assertEqual(j["service"], {"name": "給与計算クラウド", "pattern": 1, "provider": None})
        self.assertEqual(j["period"]["start"], "2026-11-01T00:00:00+09:00")
        self.assertEqual(j["period"]["end"], "2026-12-01T00:00:00+09:00")
        self.assertEqual(j["availability"]["achieved"], e["availability"])
        self.assertEqual(j["availability"]["committed"], 99.5)
        self.assertIs(j["availability"]["met"], True)
        self.assertEqual(j["availability"]["down_s"], 8220)
        days = {d["day"]: d for d in j["availability"]["days"]}
        self.assertEqual(len(days), 30)
        self.assertEqual(days["2026-11-18"]["achieved"], e["day18"])
        self.assertEqual(days["2026-11-05"]["achieved"], 96.736)
        self.assertEqual(days["2026-11-22"]["achieved"], 100.0)  # unconfirmed: not down
        inc = j["incidents"]
        self.assertEqual(inc["count"], e["incidents"])
        self.assertEqual(inc["notices_met"], e["notices_met"])
        self.assertEqual(inc["notices_missed"], e["notices_missed"])
        self.assertEqual(inc["followups_met"], e["followups_met"])
        self.assertEqual(inc["followups_missed"], e["followups_missed"])
        by_id = {i["detected"]: i for i in inc["items"]}
        first = by_id["2026-11-05T10:02:00+09:00"]
        self.assertEqual(first["detected"], "2026-11-05T10:02:00+09:00")
        self.assertEqual(first["first_notice"], "2026-11-05T10:12:00+09:00")
        self.assertEqual(first["notify_deadline_s"], 1200)
        self.assertEqual(first["followup_deadline_s"], 3600)
        self.assertEqual((first["notice"], first["followup"]), ("met", "met"))
        self.assertEqual(first["followups"], ["2026-11-05T10:55:00+09:00"])
        kinds = sorted((i["kind"], i["notice"], i["followup"]) for i in inc["items"])
        self.assertEqual(kinds, [("degradation", "met", "missed"), ("fault", "met", "met"),
                                 ("outage", "met", "met"), ("outage", "missed", "missed")])
        sla = {s["id"]: s for s in j["sla"]}
        self.assertEqual(len(sla), 37)
        # committed values in words (judge_value_words), never the grammar's tokens
        for s in sla.values():
            for k in ("committed", "achieved"):
                self.assertNotRegex(s[k] or "", r"^\d+(mo|[ywdhms])$|service\+|^(hot|cold|24x7)$",
                                    s["id"])
        self.assertEqual(sla["III.1.1.6.a"]["committed"], "ベンダリリースから 24 時間以内")
        self.assertEqual(sla["III.2.1.1.a"]["achieved"], "99.682%")
        self.assertEqual(sla["III.2.1.1.a"]["verdict"], "met")
        self.assertEqual(sla["III.1.1.1.a"]["verdict"], "missed")  # a 7-minute gap
        self.assertEqual(sla["III.1.1.1.b"]["achieved"], "38分")
        self.assertEqual(sla["III.1.1.1.b"]["verdict"], "missed")
        self.assertEqual(sla["III.1.1.2.b"]["verdict"], "met")
        self.assertEqual(sla["III.2.3.1.a"]["verdict"], "missed")  # the worst backup gap: 26h
        self.assertEqual(sla["III.2.3.1.b"]["verdict"], "met")
        self.assertEqual(sla["III.4.4.1.a"]["verdict"], "no_data")
        perf = j["performance"]
        self.assertEqual(len(perf["days"]), 30)
        d15 = perf["days"][14]
        self.assertEqual(d15["day"], "2026-11-15")
        self.assertGreater(d15["p99_ms"], 1000)
        self.assertLess(perf["days"][0]["p50_ms"], 48)
        self.assertGreater(perf["days"][0]["p50_ms"], 30)
        self.assertEqual(len(j["availability"]["maintenance"]), 1)
        self.assertNotIn("assessment", j)
        self.assertNotIn("deliveries_at_risk", j)

    def test_json_managers(self):
        j = json.load(open(self.report("json", "managers")))
        self.assertEqual(j["report"]["guideline_control"], "III.1.1.4")
        # The assessment judges the profile with the store's latest measurements:
        # the patch collector measured a 30 h wait against pattern 1's 24 h (*).
        a = j["assessment"]
        self.assertEqual(a["controls"], 68)
        short = {i["id"]: i for i in a["required_items_short"]}
        self.assertIn("III.1.1.6.a", short)
        self.assertEqual(short["III.1.1.6.a"]["value"], "30h")
        self.assertEqual(short["III.1.1.6.a"]["severity"], "critical")
        overdue = j["overdue_followups"]
        self.assertEqual(len(overdue), 2)
        self.assertEqual(sorted(o["kind"] for o in overdue), ["degradation", "outage"])
        self.assertEqual([o["sent"] for o in overdue if o["kind"] == "degradation"], [None])
        states = sorted((d["recipient"], d["state"]) for d in j["deliveries_at_risk"])
        self.assertEqual(states, [("it@customer.example.jp", "overdue"),
                                  ("users@customer.example.jp", "late")])
        findings = sorted((f["collector"], f["item_id"]) for f in j["collector_findings"])
        self.assertEqual(findings, [("backup", "III.2.3.1.a"), ("patch", "III.1.1.6.a")])
        self.assertEqual(j["ledger"]["status"], "not_checked")

    def test_pdf_text_size_fonts(self):
        pdf = self.report("pdf")
        info = tool("pdfinfo", pdf)
        self.assertIn("(A4)", info)
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        self.assertGreaterEqual(pages, 3)
        fonts = tool("pdffonts", pdf)
        cjk = [l for l in fonts.splitlines() if "NotoSansCJK" in l]
        self.assertTrue(cjk, fonts)
        for line in cjk:
            self.assertRegex(line, r"\syes\s+yes\s+yes\s", "the CJK font must be embedded")
        text = tool("pdftotext", "-layout", pdf, "-")
        self.assertIn("サービス稼働状況報告書", text)
        self.assertIn("2026年11月", text)
        self.assertIn("99.682%", text)
        self.assertRegex(text, r"4\s*件")
        self.assertRegex(text, r"3\s*/\s*4")  # first notices on time
        self.assertRegex(text, r"2\s*/\s*4")  # follow-ups on time
        self.assertIn("期限超過", text)
        self.assertIn("期限内", text)
        self.assertRegex(tool("pdftotext", pdf, "-"), r"2026年11月18日\s+03:02")
        self.assertRegex(text, rf"\b1\s*/\s*{pages}\n")  # page numbers
        self.assertRegex(text, rf"\b{pages}\s*/\s*{pages}\n")
        # the SLA table breaks across pages: its header is repeated
        self.assertGreaterEqual(text.count("評価項目"), 3)
        # the first page renders
        png = os.path.join(self.dir, "page")
        tool("pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", pdf, png)
        self.assertTrue(any(f.startswith("page") and f.endswith(".png")
                            for f in os.listdir(self.dir)))

    def test_pdf_english_managers(self):
        pdf = self.report("pdf", "managers", "en")
        text = tool("pdftotext", "-layout", pdf, "-")
        self.assertIn("Monitoring summary for management", text)
        self.assertIn("November 2026", text)
        self.assertIn("99.682%", text)
        self.assertIn("Overdue follow-ups", text)
        self.assertIn("Notification deliveries at risk", text)
        self.assertIn("it@customer.example.jp", text)
        self.assertIn("Evidence ledger verification", text)
        self.assertNotIn("稼働率", text)

    def test_html_self_contained(self):
        html = open(self.report("html"), encoding="utf-8").read()
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertIn("<html lang='ja'>", html)
        self.assertEqual(html.count("<svg"), 2)
        self.assertIn("99.682%", html)
        self.assertIn("@page{size:A4", html)
        self.assertIn("thead{display:table-header-group}", html)
        self.assertNotRegex(html, r"(src|href)=['\"]?(https?:)?//")
        self.assertNotIn("<script", html)
        # a day below the commitment is drawn red
        self.assertRegex(html, r"fill='#c0392b'><title>2026-11-18 93\.750%")

    def test_html_chromium_screenshot(self):
        html = self.report("html", name="shot.html")
        shot = os.path.join(self.dir, "shot.png")
        profile = tempfile.mkdtemp(prefix="sg-chromium-")
        self.addCleanup(subprocess.run, ["rm", "-rf", profile])
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--window-size=900,1400",
                        f"--screenshot={shot}", "file://" + html],
                       capture_output=True, timeout=120)
        with open(shot, "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        width = int.from_bytes(head[16:20], "big")
        self.assertEqual(width, 900)

    def test_ledger_records_sha256(self):
        out = self.report("json", name="ledger.json")
        digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
        rows = [json.loads(e) for (e,) in sg.db_query(
            self.db, "SELECT entry FROM ledger_entries WHERE type = 'report'")]
        mine = [r for r in rows if r["payload"]["path"] == out]
        self.assertEqual(len(mine), 1)
        p = mine[0]["payload"]
        self.assertEqual(p["sha256"], digest)
        self.assertEqual((p["period"], p["format"], p["audience"]), ("2026-11", "json", "users"))

    def test_quarter_and_default_period(self):
        j = json.load(open(self.report("json", period="2026-Q4", name="q4.json")))
        self.assertEqual(j["period"]["label"], "2026-Q4")
        self.assertEqual(len(j["availability"]["days"]), 92)
        self.assertEqual(j["incidents"]["count"], 5)  # with October's
        # October's outage left no state intervals; December has no data yet
        self.assertEqual(j["availability"]["down_s"], 8220)
        # without --period: the last complete month (pattern 1 reports monthly)
        j = json.load(open(self.report("json", period=None, name="default.json")))
        self.assertEqual(j["period"]["label"], "2026-11")
        self.assertEqual(j["period"]["interval_months"], 1)
        self.assertEqual(j["period"]["chosen"], "last_complete_with_data")

    def test_default_period_skips_months_without_data(self):
        # Mid-January 2027: December has no monitoring records, so the default is
        # still November (the last complete month with data), and it says so.
        out = os.path.join(self.dir, "jan.json")
        r = sg.run("report", self.profile, "--format", "json", "--output", out,
                   "--db", self.db, env={"SAASGUARD_NOW": str(report_fill.NOW + 45 * 86400)})
        self.assertEqual(r.code, 0, r)
        self.assertIn("2026-11", r.err)
        self.assertIn("監視の記録がある直近の完了した期間", r.err)
        j = json.load(open(out))
        self.assertEqual(j["period"]["label"], "2026-11")
        self.assertEqual(j["period"]["chosen"], "last_complete_with_data")
        self.assertIs(j["period"]["has_data"], True)
        self.assertEqual(j["availability"]["achieved"], self.expect["availability"])

    def test_default_period_without_any_data_is_current(self):
        d = sg.scratch(self)
        db = sg.new_db(d, "empty")
        report_fill.store_init(db)
        out = os.path.join(d, "cur.pdf")
        r = sg.run("report", self.profile, "--format", "pdf", "--output", out, "--db", db,
                   env=self.env)
        self.assertEqual(r.code, 0, r)
        self.assertIn("現在の期間 2026-12", r.err)
        text = tool("pdftotext", out, "-")
        self.assertIn("現在の期間", text)
        self.assertIn("対象期間には監視の記録がありません", text)
        out = os.path.join(d, "cur.json")
        r = sg.run("--lang", "en", "report", self.profile, "--format", "json", "--output", out,
                   "--db", db, env=self.env)
        self.assertEqual(r.code, 0, r)
        self.assertIn("the current period", r.err)
        j = json.load(open(out))
        self.assertEqual((j["period"]["label"], j["period"]["chosen"]), ("2026-12", "current"))
        self.assertIs(j["period"]["has_data"], False)

    def test_empty_period(self):
        # September: nothing was monitored. Achieved figures are absent, not borrowed.
        j = json.load(open(self.report("json", period="2026-09", name="sep.json")))
        self.assertIs(j["period"]["has_data"], False)
        self.assertEqual(j["period"]["chosen"], "requested")
        self.assertIsNone(j["availability"]["achieved"])
        self.assertIs(j["availability"]["provisional"], False)
        self.assertEqual(j["incidents"]["count"], 0)
        sla = {s["id"]: s for s in j["sla"]}
        for item in ("III.2.1.1.a", "III.2.3.1.a", "III.1.1.6.a", "III.1.1.1.a"):
            self.assertIsNone(sla[item]["achieved"], item)
            self.assertEqual(sla[item]["verdict"], "no_data", item)
        self.assertFalse([s for s in j["sla"] if s["source"] == "declared"])
        text = tool("pdftotext", self.report("pdf", period="2026-09", name="sep.pdf"), "-")
        self.assertIn("対象期間には監視の記録がありません", text)
        self.assertIn("記録なし", text)
        self.assertNotIn("申告", text.split("3. SLA")[1].split("4.")[0].replace(
            "当社の申告値", ""))
        # October: one incident but no rollups; November's measurements (and the
        # one taken after November) never show up.
        j = json.load(open(self.report("json", "managers", period="2026-10", name="oct.json")))
        self.assertIs(j["period"]["has_data"], False)
        self.assertEqual(j["collector_findings"], [])
        self.assertNotIn("III.1.1.6.a",
                         [i["id"] for i in j["assessment"]["required_items_short"]])
        self.assertNotIn("40h", json.dumps(j, ensure_ascii=False))

    def test_one_availability_figure_everywhere(self):
        # The monitor's rolling-window row says 50.57%: never in a report of November.
        for audience, lang in (("users", "ja"), ("managers", "ja"), ("managers", "en")):
            pdf = self.report("pdf", audience, lang, name=f"fig-{audience}-{lang}.pdf")
            text = tool("pdftotext", pdf, "-")
            figures = set(re.findall(r"\d+\.\d{3}%", text))
            self.assertEqual(figures, {"99.682%"}, (audience, lang))
            self.assertNotIn("50.57", text)
        j = json.load(open(self.report("json", "managers", name="fig.json")))
        self.assertEqual(j["availability"]["achieved"], 99.682)
        self.assertIs(j["availability"]["provisional"], False)
        self.assertGreaterEqual(j["availability"]["coverage"], 0.9)
        self.assertNotIn("50.57", json.dumps(j))

    def test_customer_texts_have_no_internals(self):
        checks = ("web", "login", "api-latency", "isp-uplink")
        pdf = self.report("pdf", name="cust.pdf")
        text = tool("pdftotext", pdf, "-")
        html = open(self.report("html", name="cust.html"), encoding="utf-8").read()
        j = json.load(open(self.report("json", name="cust.json")))
        strings = []

        def walk(v):
            if isinstance(v, dict):
                for k, x in v.items():
                    strings.append(k)
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
            elif isinstance(v, str):
                strings.append(v)
        walk(j)
        for where, body in (("pdf", text), ("html", re.sub(r"<[^>]*>", " ", html)),
                            ("json", "\n".join(strings))):
            for name in checks:
                self.assertNotRegex(body, rf"(?<![A-Za-z-]){re.escape(name)}(?![A-Za-z-])",
                                    (where, name))
            self.assertNotIn("://", body, where)
            self.assertNotIn("app.example.jp", body, where)
            self.assertNotIn("Couldn't", body, where)
            self.assertNotIn("[tls]", body, where)  # values in words, not tokens
            if where != "json":  # JSON's period.timezone is a machine field
                self.assertNotIn("Asia/Tokyo", body, where)
        # no English sentence (three ASCII words in a row) in the Japanese PDF
        self.assertEqual(re.findall(r"[A-Za-z']+(?: [A-Za-z']+){2,}", text), [])
        # what users experienced, in Japanese
        self.assertIn("サービスをご利用いただけない状態", re.sub(r"\s+", "", text))
        self.assertNotIn("check", j["incidents"]["items"][0])
        self.assertNotIn("error", j["incidents"]["items"][0])

    def test_manager_pdf_is_all_japanese(self):
        pdf = self.report("pdf", "managers", name="mgr-ja.pdf")
        text = tool("pdftotext", "-layout", pdf, "-")
        deny = ("critical", "high", "medium", "finding", "unavailable", "incident",
                "incidents", "follow-up", "followup", "declared", "monitor", "collector",
                "none", "pending", "overdue", "late", "failing", "retrying", "verified",
                "email", "Couldn't", "such", "error", "met", "missed", "committed",
                "achieved", "time-weighted", "try", "again")
        words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)}
        self.assertEqual(sorted(words & {w.lower() for w in deny}), [])
        self.assertNotIn("約束値", text)
        self.assertIn("約定値", text)
        # the technical detail is there, translated
        flat = re.sub(r"\s+", "", tool("pdftotext", pdf, "-"))
        self.assertIn("接続が拒否されました", flat)
        self.assertIn("メールサーバが一時的に受け付けませんでした", flat)
        self.assertIn("重大", text)
        self.assertIn("指摘", text)
        # check names are for managers
        self.assertRegex(text, r"\bweb\b")
        # the English summary is all English: no Japanese label slipped through
        text = tool("pdftotext", self.report("pdf", "managers", "en", name="mgr-en.pdf"), "-")
        for ja in ("約束値", "約定値", "稼働率", "達成", "未達", "重大", "指摘", "メール",
                   "障害の第一報", "期限内", "監視"):
            self.assertNotIn(ja, text)
        self.assertIn("the connection was refused", re.sub(r"\s+", " ", text))
        for token in ("any_of", "all_of", "1 mo\n", "month(s)", "[tls]"):
            self.assertNotIn(token, text)  # values in words

    def test_bad_input(self):
        r = sg.run("report", self.profile, "--period", "2026-13", "--format", "json",
                   "--db", self.db, env=self.env)
        self.assertEqual(r.code, 2, r)
        self.assertIn("2026-Q4", r.err)
        r = sg.run("report", self.profile, "--format", "docx", "--db", self.db)
        self.assertEqual(r.code, 2, r)
        self.assertIn("html, pdf, json", r.err)
        missing = sg.missing_db(self.dir, "nope")
        r = sg.run("report", self.profile, "--format", "json", "--db", missing)
        self.assertEqual(r.code, 2, r)
        self.assertIn("--db", r.err)
        self.assertFalse(sg.db_exists(missing))
        out = os.path.join(self.dir, "nodir", "x.json")
        r = sg.run("report", self.profile, "--format", "json", "--db", self.db,
                   "--output", out, "--period", "2026-11", env=self.env)
        self.assertNotEqual(r.code, 0, r)
        self.assertFalse(os.path.exists(out))


class ReportProvisional(unittest.TestCase):
    """Records for one hour of November: the figure is provisional everywhere,
    and two incidents of one cause are one event."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sg-report-sparse-")
        cls.db = sg.new_db(cls.dir)
        cls.profile = os.path.join(cls.dir, "payroll.yaml")
        report_fill.sparse_month(cls.db)
        report_fill.write_profile(cls.profile)
        cls.env = {"SAASGUARD_NOW": str(report_fill.NOW)}

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["rm", "-rf", cls.dir])

    def report(self, fmt, audience="users", lang="ja"):
        out = os.path.join(self.dir, f"{audience}-{lang}.{fmt}")
        args = ["report", self.profile, "--period", "2026-11", "--format", fmt,
                "--audience", audience, "--output", out, "--db", self.db]
        if lang == "en":
            args = ["--lang", "en", *args]
        r = sg.run(*args, env=self.env)
        self.assertEqual(r.code, 0, r)
        return out

    def test_provisional_mark_in_every_output(self):
        for audience in ("users", "managers"):
            j = json.load(open(self.report("json", audience)))
            a = j["availability"]
            self.assertEqual(a["achieved"], 83.333)
            self.assertIs(a["provisional"], True)
            self.assertLess(a["coverage"], 0.9)
            sla = {s["id"]: s for s in j["sla"]}
            self.assertEqual(sla["III.2.1.1.a"]["achieved"], "83.333%（暫定値）")
            text = tool("pdftotext", self.report("pdf", audience), "-")
            self.assertRegex(text, r"83\.333%\s*（暫定値）")
            self.assertIn("暫定値: 監視の記録があるのは対象時間の", text)
            self.assertEqual(set(re.findall(r"\d+\.\d{3}%", text)), {"83.333%"})
            html = open(self.report("html", audience), encoding="utf-8").read()
            self.assertIn("83.333%（暫定値）", html)
        text = tool("pdftotext", self.report("pdf", "managers", "en"), "-")
        self.assertRegex(text, r"83\.333%\s*\(provisional\)")

    def test_customer_report_names_what_users_know(self):
        # With `label:` on the checks, the customer report says which part of the
        # service was affected, in the provider's words; never the check's name.
        prof = os.path.join(self.dir, "labelled.yaml")
        with open(prof, "w", encoding="utf-8") as f:
            f.write(report_fill.PROFILE + """provider: {name: 株式会社サンプル給与}
monitor:
  checks:
    - {name: web, label: 給与計算画面, kind: liveness, type: http, url: "http://127.0.0.1:9/healthz"}
    - {name: login, label: ログイン画面, kind: fault, type: http, url: "http://127.0.0.1:9/login"}
""")
        out = os.path.join(self.dir, "labelled.pdf")
        r = sg.run("report", prof, "--period", "2026-11", "--format", "pdf", "--output", out,
                   "--db", self.db, env=self.env)
        self.assertEqual(r.code, 0, r)
        flat = re.sub(r"\s+", "", tool("pdftotext", out, "-"))
        self.assertIn("（給与計算画面・ログイン画面）", flat)
        self.assertIn("発行：株式会社サンプル給与", flat)  # the provider's voice
        self.assertNotRegex(flat, r"web|login|127\.0\.0\.1")
        out = os.path.join(self.dir, "labelled.json")
        r = sg.run("report", prof, "--period", "2026-11", "--format", "json", "--output", out,
                   "--db", self.db, env=self.env)
        self.assertEqual(r.code, 0, r)
        j = json.load(open(out))
        self.assertEqual(j["incidents"]["items"][0]["label"], "給与計算画面・ログイン画面")
        self.assertEqual(j["service"]["provider"], "株式会社サンプル給与")

    def test_overlapping_incidents_are_one_event(self):
        j = json.load(open(self.report("json", "managers")))
        inc = j["incidents"]
        self.assertEqual((inc["count"], inc["incident_records"]), (1, 2))
        ev = inc["items"][0]
        self.assertEqual(ev["kind"], "outage")  # the more severe of outage and fault
        self.assertEqual(len(ev["incident_ids"]), 2)
        self.assertEqual(ev["detected"], "2026-11-30T23:31:00+09:00")
        self.assertEqual(ev["resolved"], "2026-11-30T23:45:00+09:00")
        self.assertEqual(ev["checks"], "web, login")
        self.assertEqual(ev["error_text"],
                         "接続が拒否されました（サーバーが接続を受け付けていません）")
        users = json.load(open(self.report("json")))
        self.assertEqual(users["incidents"]["count"], 1)
        text = tool("pdftotext", self.report("pdf"), "-")
        self.assertRegex(text, r"1\s*件")
        self.assertNotRegex(text, r"\bweb\b|\blogin\b|HTTP 502")


class ReportLedgerStatus(unittest.TestCase):
    """The manager summary states whether the evidence ledger verifies."""

    def test_verified_then_failed(self):
        d = sg.scratch(self)
        db = sg.new_db(d)
        profile = os.path.join(d, "payroll.yaml")
        report_fill.scripted_month(db)
        report_fill.write_profile(profile)
        key = os.path.join(d, "ledger.key")
        env = {"SAASGUARD_NOW": str(report_fill.NOW), "SAASGUARD_LEDGER_KEY": key}
        r = sg.run("ledger", "keygen", "--key", key)
        self.assertEqual(r.code, 0, repr(r))
        r = sg.run("attest", "III.1.1.4", "--note", "月次レビュー実施", "--db", db, "--key", key)
        self.assertEqual(r.code, 0, repr(r))
        r = sg.run("ledger", "seal", "--db", db, "--key", key)
        self.assertEqual(r.code, 0, repr(r))
        out = os.path.join(d, "m.json")
        args = ["report", profile, "--period", "2026-11", "--audience", "managers",
                "--format", "json", "--output", out, "--db", db]
        r = sg.run(*args, env=env)
        self.assertEqual(r.code, 0, repr(r))
        with open(out, encoding="utf-8") as f:
            ledger = json.load(f)["ledger"]
        self.assertEqual(ledger["status"], "verified", ledger)
        self.assertIn("検証", ledger["detail"])
        # Rewrite an entry's text behind saasguard's back: the next summary says so.
        con = sg.db_connect(db)
        sg.drop_triggers(con, {"ledger_entries": ["ledger_entries_no_update"]})
        con.execute("UPDATE ledger_entries SET entry = replace(entry, '月次', '週次') "
                    "WHERE type = 'attestation'")
        con.commit()
        con.close()
        r = sg.run(*args, env=env)
        self.assertEqual(r.code, 0, repr(r))
        with open(out, encoding="utf-8") as f:
            ledger = json.load(f)["ledger"]
        self.assertEqual(ledger["status"], "failed", ledger)


if __name__ == "__main__":
    unittest.main()
