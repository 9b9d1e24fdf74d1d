"""OSCAL exports validate against the NIST OSCAL 1.1.3 schemas vendored in tests/data/oscal."""
import json
import os
import unittest

import sg


class OscalExports(unittest.TestCase):
    def test_catalog_validates(self):
        d = sg.scratch(self)
        out = os.path.join(d, "catalog.json")
        r = sg.run("catalog", "export", "--format", "oscal", "--output", out)
        self.assertEqual(r.code, 0, repr(r))
        sg.validate_oscal(self, out, "oscal_catalog_schema.json")
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
        controls, params = [], []

        def walk(groups):
            for g in groups:
                for c in g.get("controls", []):
                    controls.append(c)
                    params.extend(c.get("params", []))
                walk(g.get("groups", []))
        walk(doc["catalog"]["groups"])
        self.assertEqual(len(controls), 68)
        self.assertEqual(len(params), 37)
        c = next(c for c in controls if c["id"] == "III.1.1.1")
        self.assertIn({"name": "level", "ns": "urn:saasguard:oscal", "value": "basic"},
                      c["props"])
        self.assertEqual([p["name"] for p in c["parts"]][:2], ["statement", "guidance"])

    def test_guideline_numbering_footnotes_and_glossary(self):
        r = sg.run("catalog", "export", "--format", "oscal")
        self.assertEqual(r.code, 0, repr(r))
        groups = r.json()["catalog"]["groups"]
        glossary = groups[0]
        self.assertEqual((glossary["id"], glossary["class"]), ("I.9", "glossary"))
        terms = {p["title"]: p for p in glossary["parts"]}
        self.assertEqual(len(terms), 26)
        self.assertEqual(terms["管理責任者"]["id"], "I.9.2_vi")
        self.assertIn({"name": "term-en", "ns": "urn:saasguard:oscal",
                       "value": "responsible manager"}, terms["管理責任者"]["props"])
        controls = {}

        def walk(gs):
            for g in gs:
                for c in g.get("controls", []):
                    controls[c["id"]] = c
                walk(g.get("groups", []))
        walk(groups)
        gdn = next(p for p in controls["III.3.1.1"]["parts"] if p["name"] == "guidance")
        self.assertEqual([p["id"] for p in gdn["parts"]],
                         ["III.3.1.1_gdn.i", "III.3.1.1_gdn.ii", "III.3.1.1_gdn.iii"])
        self.assertTrue(gdn["parts"][1]["prose"].startswith("i.で示した要求に基づいて"))
        fns = {p["id"]: p for p in controls["III.2.1.3"]["parts"] if p["name"] == "footnote"}
        self.assertEqual(fns["III.2.1.3_fn15"]["title"], "ホットスタンバイ")
        self.assertIn("同じ動作を行いながら待機状態", fns["III.2.1.3_fn15"]["prose"])
        fn25 = next(p for p in controls["III.5.1.1"]["parts"] if p["name"] == "footnote")
        self.assertEqual(fn25["title"], "時刻認証")
        param = next(p for p in controls["III.1.1.6"]["params"] if p["id"] == "III.1.1.6.a")
        self.assertIn({"name": "measured-from", "ns": "urn:saasguard:oscal",
                       "value": "ベンダリリースから"}, param["props"])

    def test_profiles_validate_for_every_pattern(self):
        d = sg.scratch(self)
        for n in range(1, 7):
            out = os.path.join(d, f"p{n}.json")
            r = sg.run("catalog", "export", "--format", "oscal", "--pattern", str(n),
                       "--output", out)
            self.assertEqual(r.code, 0, repr(r))
            sg.validate_oscal(self, out, "oscal_profile_schema.json")
            with open(out, encoding="utf-8") as f:
                sets = json.load(f)["profile"]["modify"]["set-parameters"]
            self.assertEqual(len(sets), 37)
            by_id = {s["param-id"]: s for s in sets}
            want = {1: "5m", 2: "10m", 3: "20m", 4: "5m", 5: "10m", 6: "20m"}[n]
            self.assertEqual(by_id["III.1.1.1.a"]["values"], [want])

    def test_output_is_atomic_and_reproducible(self):
        d = sg.scratch(self)
        out = os.path.join(d, "c.json")
        env = {"SOURCE_DATE_EPOCH": "1790812800"}
        r1 = sg.run("catalog", "export", "--format", "oscal", "--output", out, env=env)
        with open(out, "rb") as f:
            first = f.read()
        r2 = sg.run("catalog", "export", "--format", "oscal", "--output", out, env=env)
        with open(out, "rb") as f:
            second = f.read()
        self.assertEqual((r1.code, r2.code), (0, 0))
        self.assertEqual(first, second)
        self.assertEqual(sorted(os.listdir(d)), ["c.json"])  # no temp files left
