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
