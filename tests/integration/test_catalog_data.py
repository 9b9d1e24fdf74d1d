"""The catalog data files validate against data/catalog.schema.json, and the
schema is strict enough to catch a broken value."""
import copy
import json
import os
import subprocess
import unittest

import sg

SCHEMA = os.path.join(sg.ROOT, "data", "catalog.schema.json")


def ajv_validate(path):
    return subprocess.run([sg.ajv(), "validate", "--spec=draft7", "--strict=false",
                           "--all-errors", "-s", SCHEMA, "-d", path],
                          capture_output=True, text=True, timeout=120)


class CatalogData(unittest.TestCase):
    def test_parts_validate(self):
        for part in ("part2.json", "part3.json"):
            p = ajv_validate(os.path.join(sg.ROOT, "data", "catalog", part))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_schema_rejects_broken_values(self):
        with open(os.path.join(sg.ROOT, "data", "catalog", "part3.json"), encoding="utf-8") as f:
            good = json.load(f)
        breakages = [
            ("unit in Japanese", lambda d: d["controls"][0]["evaluation_items"][0]
             ["reference_values"][0]["value"].__setitem__("quantity", "5分")),
            ("unknown kind", lambda d: d["controls"][0]["evaluation_items"][0]
             ["reference_values"][0]["value"].__setitem__("kind", "sometimes")),
            ("star left in text", lambda d: d["controls"][0]["evaluation_items"][0]
             ["reference_values"][0].__setitem__("text_ja", "1回以上／5分*")),
            ("five values", lambda d: d["controls"][0]["evaluation_items"][0]
             ["reference_values"].pop()),
            ("bad level", lambda d: d["controls"][0].__setitem__("level", "基本")),
        ]
        d = sg.scratch(self)
        for name, breaker in breakages:
            with self.subTest(name):
                bad = copy.deepcopy(good)
                breaker(bad)
                path = os.path.join(d, "bad.json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(bad, f, ensure_ascii=False)
                self.assertNotEqual(ajv_validate(path).returncode, 0, name)
