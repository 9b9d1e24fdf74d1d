"""`assess --format xlsx` and `sla --format xlsx`: the workbooks auditors get,
read back with openpyxl (Debian's python3-openpyxl): sheets, Japanese and
English headers, frozen header rows, filters, widths, wrapped text and the A4
landscape print setup with repeated title rows."""
import os
import unittest

import openpyxl

import sg

PAYROLL = os.path.join(sg.EXAMPLES, "payroll-cloud.yaml")
A2_JA = ["項番", "対策項目", "区分", "実施チェック", "状況", "担当", "証跡", "理由・備考"]
A3_JA = ["項番", "評価項目番号", "対策項目", "区分", "評価項目", "対策参照値", "目標", "値",
         "値の出所", "評価項目の判定", "実施チェック", "状況", "担当", "証跡", "理由・備考"]


def rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


class Workbook(unittest.TestCase):
    def setUp(self):
        self.d = sg.scratch(self)

    def export(self, *args, lang="ja", cmd="assess", code=1):
        out = os.path.join(self.d, f"{cmd}-{lang}.xlsx")
        r = sg.run(cmd, PAYROLL, "--format", "xlsx", "--output", out, *args, lang=lang)
        self.assertEqual(r.code, code, repr(r))
        self.assertEqual(sorted(os.listdir(self.d)), [os.path.basename(out)])  # no temp left
        return openpyxl.load_workbook(out)

    def assert_print_setup(self, ws, ncols):
        self.assertEqual(ws.freeze_panes, "A4")
        self.assertEqual(ws.auto_filter.ref.split(":")[0], "A3")
        self.assertEqual(ws.auto_filter.ref.split(":")[1][0], chr(ord("A") + ncols - 1))
        self.assertEqual(ws.page_setup.orientation, "landscape")
        self.assertEqual(int(ws.page_setup.paperSize), 9)  # A4
        self.assertEqual(ws.print_title_rows, "$1:$3")
        self.assertIn(ws.page_setup.fitToWidth, (None, 1, "1"))  # 1 is the default
        self.assertEqual(int(ws.page_setup.fitToHeight), 0)  # as many pages tall as needed
        self.assertTrue(ws.sheet_properties.pageSetUpPr.fitToPage)
        self.assertIn("&P", ws.oddFooter.center.text)

    def test_assess_workbook_in_japanese(self):
        wb = self.export()
        self.assertEqual(wb.sheetnames, ["概要", "Annex2 組織・運用編", "Annex3 物理的・技術的対策編"])
        summary = {r[0]: r[1] for r in rows(wb["概要"])[3:]}
        self.assertEqual(summary["サービス名"], "給与計算クラウド")
        self.assertEqual(summary["パターン"], "1")
        # the guideline's terms (I.8.1), never pass/fail
        self.assertTrue(summary["概況"].startswith("基本の対策項目か * の評価項目に要対応"))
        self.assertIn("I.8.1", summary["注記"])
        self.assertIn("2008年", summary["ガイドライン"])
        a2, a3 = wb["Annex2 組織・運用編"], wb["Annex3 物理的・技術的対策編"]
        self.assertEqual(rows(a2)[0][0], "Annex 2 組織・運用編 対策項目一覧表")
        self.assertIn("給与計算クラウド", rows(a2)[1][0])
        self.assertEqual(rows(a2)[2], A2_JA)
        self.assertEqual(rows(a3)[2], A3_JA)
        ids2 = [r[0] for r in rows(a2)[3:]]
        self.assertEqual(len(ids2), 22)  # the 22 organisational countermeasures
        self.assertTrue(all(i.startswith("II.") for i in ids2))
        body3 = rows(a3)[3:]
        self.assertEqual(len({r[0] for r in body3}), 46)
        first = body3[0]
        self.assertEqual(first[:2], ["III.1.1.1", "a"])
        self.assertEqual(first[4], "死活監視インターバル（応答確認）")
        self.assertEqual(first[5], "1回以上／5分*")
        self.assertEqual((first[7], first[8], first[9], first[10]),
                         ("1分", "申告", "参照値を満たす", "○"))
        # II.3.1.1 is not applicable, with its reason in the notes column.
        na = next(r for r in rows(a2) if r[0] == "II.3.1.1")
        self.assertEqual((na[3], na[4]), ("－", "対象外"))
        self.assertIn("連携ASP・SaaS事業者", na[7])
        for ws, n in ((wb["概要"], 2), (a2, 8), (a3, 15)):
            self.assert_print_setup(ws, n)
        # Long text wraps and the control column is wide but capped.
        self.assertTrue(a2["B4"].alignment.wrap_text)
        self.assertEqual(a2["B4"].alignment.vertical, "top")
        self.assertGreaterEqual(a2.column_dimensions["B"].width, 50)
        self.assertLessEqual(a2.column_dimensions["B"].width, 61)
        self.assertTrue(a2["A3"].font.b)
        self.assertTrue(a2["A1"].font.b)

    def test_assess_workbook_in_english(self):
        wb = self.export(lang="en")
        self.assertEqual(wb.sheetnames, ["Summary", "Annex 2 organisational", "Annex 3 technical"])
        hdr = rows(wb["Annex 3 technical"])[2]
        self.assertEqual(hdr[:3], ["id", "item", "control"])
        self.assertEqual(rows(wb["Summary"])[3], ["service", "給与計算クラウド"])

    def test_sla_workbook(self):
        wb = self.export(cmd="sla", code=0)
        self.assertEqual(wb.sheetnames, ["概要", "SLA 約定値"])
        t = rows(wb["SLA 約定値"])
        self.assertEqual(t[2], ["項番", "評価項目", "区分", "対策参照値", "約定値", "約定値の根拠",
                                "条項"])
        self.assertEqual(len(t) - 3, 37)  # every evaluation item
        first = t[3]
        self.assertEqual(first[0], "III.1.1.1.a")
        self.assertEqual(first[3], "1回以上／5分*")
        self.assertTrue(first[6])
        self.assert_print_setup(wb["SLA 約定値"], 7)

    def test_bad_format_and_bad_profile(self):
        r = sg.run("assess", PAYROLL, "--format", "xls", lang="en")
        self.assertEqual(r.code, 2)
        self.assertIn("xlsx", r.err)
        bad = os.path.join(self.d, "bad.yaml")
        with open(bad, "w") as f:
            f.write("service: [\n")
        out = os.path.join(self.d, "x.xlsx")
        r = sg.run("assess", bad, "--format", "xlsx", "--output", out)
        self.assertEqual(r.code, 2)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
