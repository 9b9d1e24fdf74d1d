"""`saasguard import`: checklists back into profiles. Round trips (assess
--format xlsx|csv -> import -> assess gives the same checklist, in both
languages, for both examples), a provider's own CSV in Excel's Shift_JIS with
cells that cannot be mapped (each reported as file:row:column), an edited
workbook read back through openpyxl, and bad files (exit 2, nothing written)."""
import os
import unittest

import openpyxl

import sg

EXAMPLES = [os.path.join(sg.EXAMPLES, n) for n in ("payroll-cloud.yaml", "news-portal.yaml")]


class Import(unittest.TestCase):
    def setUp(self):
        self.d = sg.scratch(self)

    def path(self, name):
        return os.path.join(self.d, name)

    def ok(self, r, code=0):
        self.assertEqual(r.code, code, repr(r))
        return r

    def read(self, name):
        with open(self.path(name), encoding="utf-8") as f:
            return f.read()

    def test_round_trip_gives_the_same_checklist(self):
        for ex in EXAMPLES:
            for lang in ("ja", "en"):
                for fmt in ("xlsx", "csv"):
                    with self.subTest(example=os.path.basename(ex), lang=lang, fmt=fmt):
                        exported = self.path(f"export.{fmt}")
                        sg.run("assess", ex, "--format", fmt, "--output", exported, lang=lang)
                        r = self.ok(sg.run("import", exported, "--output",
                                           self.path("imported.yaml"), "--force", lang=lang))
                        self.assertEqual(r.out, "")
                        sg.run("assess", ex, "--format", "csv", "--output",
                               self.path("a.csv"), lang=lang)
                        sg.run("assess", self.path("imported.yaml"), "--format", "csv",
                               "--output", self.path("b.csv"), lang=lang)
                        self.assertEqual(self.read("a.csv"), self.read("b.csv"))
                        # The same service and pattern, from the summary sheet or
                        # (CSV) inferred from the reference values.
                        y = self.read("imported.yaml")
                        self.assertIn("pattern: 1\n" if "payroll" in ex else "pattern: ", y)
                        if fmt == "xlsx":
                            self.assertIn('name: "給与計算クラウド"' if "payroll" in ex
                                          else "name: ", y)

    def test_declarations_survive(self):
        xlsx = self.path("p.xlsx")
        sg.run("assess", EXAMPLES[0], "--format", "xlsx", "--output", xlsx)
        self.ok(sg.run("import", xlsx, "--output", self.path("p.yaml")))
        y = self.read("p.yaml")
        self.assertIn('  II.3.1.1:\n    status: not_applicable\n'
                      '    reason: "連携ASP・SaaS事業者のサービスを組み込んでいない"\n', y)
        self.assertIn('url: "https://intra.example.jp/isms/policy-v3"', y)
        self.assertIn('values: {a: "1m", b: "15m"}', y)
        self.assertIn("values: {a: [timestamp, signature]}", y)
        self.assertIn('targets: {a: "30m"}', y)

    def test_own_checklist_in_shift_jis_with_unmapped_cells(self):
        rows = [
            "自社チェックリスト,,,,,",
            "項番,状況,担当,証跡,理由・備考,確認日",
            "II.1.1.1,実施済み,総務部,基本方針 (https://intra.example.jp/p),,2026-04-01",
            "Ⅱ．２．１．１,済み,経営企画部,,,",
            "II.9.9.9,実施済み,,,,",
            "III.1.1.1,対象外,運用部,,自社では監視しない,",
            "III.1.1.2,リスク受容,運用部,,予算確保まで（期限 2027-03-31）,",
        ]
        raw = ("\r\n".join(rows) + "\r\n").encode("cp932")
        with open(self.path("own.csv"), "wb") as f:
            f.write(raw)
        out = self.path("own.yaml")
        r = self.ok(sg.run("import", self.path("own.csv"), "--output", out, "--pattern", "2",
                           "--name", "勤怠クラウド", lang="en"), 1)
        own = self.path("own.csv")
        self.assertIn(f"{own}:2:6: not imported: column '確認日'", r.err)
        self.assertIn(f"{own}:4:2: not imported: status '済み'", r.err)
        self.assertIn(f"{own}:5:1: not imported: there is no countermeasure II.9.9.9", r.err)
        self.assertIn("3 cells not imported", r.err)
        y = self.read("own.yaml")
        self.assertIn('name: "勤怠クラウド"\n  pattern: 2', y)
        self.assertIn('II.1.1.1:\n    status: implemented\n    owner: "総務部"', y)
        self.assertIn('{title: "基本方針", url: "https://intra.example.jp/p"}', y)
        self.assertIn('reason: "自社では監視しない"', y)
        self.assertIn('reason: "予算確保まで"\n    expires: 2027-03-31', y)
        self.assertNotIn("II.2.1.1:", y)  # its status did not map
        # The starter profile loads and assesses.
        r = sg.run("assess", out, "--format", "json", lang="en")
        self.assertIn(r.code, (0, 1), repr(r))
        ctl = {c["id"]: c for c in r.json()["controls"]}
        self.assertEqual(ctl["III.1.1.2"]["status"], "accepted_risk")
        self.assertEqual(ctl["II.1.1.1"]["owner"], "総務部")

    def test_edited_workbook_reports_cells_by_row_and_column(self):
        xlsx = self.path("p.xlsx")
        sg.run("assess", EXAMPLES[0], "--format", "xlsx", "--output", xlsx)
        wb = openpyxl.load_workbook(xlsx)
        a3 = wb["Annex3 物理的・技術的対策編"]
        # Row 4 is III.1.1.1.a: an auditor typed a value that is not one, and a
        # status nobody knows; row 6 gets a measured value.
        a3["H4"] = "5 mins"
        a3["L5"] = "たぶん"
        a3["H6"] = "9m"
        a3["I6"] = "monitor"
        wb.save(xlsx)
        r = self.ok(sg.run("import", xlsx, "--output", self.path("p.yaml"), lang="en"), 1)
        where = f"{xlsx}[Annex3 物理的・技術的対策編]"
        self.assertIn(f"{where}:4:8: not imported: III.1.1.1.a: the value '5 mins' is not "
                      "a value", r.err)
        self.assertIn(f"{where}:6:8: not imported: III.1.1.2.a: the value '9m' was measured "
                      "(monitor)", r.err)
        # L5 is the status of III.1.1.1's second row: the first row's wins.
        self.assertNotIn(":5:12:", r.err)

    def test_bad_files(self):
        cases = {
            "empty.csv": (b"", "no checklist header row"),
            "junk.xlsx": (b"PK\x03\x04 this is not a zip", "cannot read it as xlsx"),
            "latin1.csv": ("項番,状況\n".encode("utf-8") + b"\xff\xfe\xfa\n",
                           "neither UTF-8 nor Shift_JIS"),
            "quote.csv": ("項番,状況\nII.1.1.1,\"実施済み\n".encode("utf-8"),
                          "quoted field is not closed"),
        }
        for name, (data, msg) in cases.items():
            with self.subTest(name=name):
                with open(self.path(name), "wb") as f:
                    f.write(data)
                out = self.path(name + ".yaml")
                r = self.ok(sg.run("import", self.path(name), "--output", out, lang="en"), 2)
                self.assertIn(msg, r.err)
                self.assertIn(self.path(name), r.err)
                self.assertFalse(os.path.exists(out))
        r = self.ok(sg.run("import", self.path("missing.csv"), lang="en"), 2)
        # A CSV without references or --pattern: told how to give it.
        with open(self.path("nopattern.csv"), "w", encoding="utf-8") as f:
            f.write("項番,状況\nII.1.1.1,実施済み\n")
        r = self.ok(sg.run("import", self.path("nopattern.csv"), "--output",
                           self.path("np.yaml"), lang="en"), 2)
        self.assertIn("--pattern", r.err)
        # Never overwrites without --force.
        with open(self.path("keep.yaml"), "w") as f:
            f.write("mine\n")
        r = self.ok(sg.run("import", self.path("nopattern.csv"), "--pattern", "3", "--output",
                           self.path("keep.yaml"), lang="en"), 2)
        self.assertIn("--force", r.err)
        self.assertEqual(self.read("keep.yaml"), "mine\n")


if __name__ == "__main__":
    unittest.main()
