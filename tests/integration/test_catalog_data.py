"""The catalog data files validate against data/catalog.schema.json, and the
schema is strict enough to catch a broken value."""
import copy
import json
import os
import subprocess
import unittest

import sg

SCHEMA = os.path.join(sg.ROOT, "data", "catalog.schema.json")


def ajv_validate(paths):
    """Validates each of paths against the schema, in one ajv run (node and the schema's
    compilation once): (the run, {path: True if valid, False if not}); a path ajv did
    not report on is missing from the dict."""
    argv = [sg.ajv(), "validate", "--spec=draft7", "--strict=false", "--all-errors",
            "-s", SCHEMA]
    for path in paths:
        argv += ["-d", path]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    verdict = {}
    for line in (p.stdout + "\n" + p.stderr).splitlines():
        for path in paths:
            if line == path + " valid":
                verdict[path] = True
            elif line == path + " invalid":
                verdict[path] = False
    return p, verdict


class CatalogData(unittest.TestCase):
    def test_parts_validate(self):
        parts = [os.path.join(sg.ROOT, "data", "catalog", part)
                 for part in ("part2.json", "part3.json")]
        p, verdict = ajv_validate(parts)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(verdict, {path: True for path in parts}, p.stdout + p.stderr)

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
            ("starting point without English", lambda d: next(
                it for c in d["controls"] for it in c["evaluation_items"]
                if it["id"] == "III.1.1.8.a").pop("starts_en")),
            ("footnote without number", lambda d: next(
                c for c in d["controls"] if c["id"] == "III.1.1.1")["footnotes"][0].pop("number")),
            ("unknown partners rule", lambda d: d["controls"][0].__setitem__("partners", "some")),
        ]
        d = sg.scratch(self)
        # Every broken copy, and the unbroken one beside them, in one ajv run: each
        # file is validated on its own; the unbroken copy shows a rejection comes
        # from the breakage, not from the copying.
        paths = []
        for i, (name, breaker) in enumerate(breakages):
            bad = copy.deepcopy(good)
            breaker(bad)
            paths.append(os.path.join(d, f"bad{i}.json"))
            with open(paths[-1], "w", encoding="utf-8") as f:
                json.dump(bad, f, ensure_ascii=False)
        control = os.path.join(d, "good.json")
        with open(control, "w", encoding="utf-8") as f:
            json.dump(good, f, ensure_ascii=False)
        p, verdict = ajv_validate(paths + [control])
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIs(verdict.get(control), True, p.stdout + p.stderr)
        for (name, _), path in zip(breakages, paths):
            with self.subTest(name):
                self.assertIs(verdict.get(path), False, name)


class CatalogDataAgainstTheBody(unittest.TestCase):
    """The data that reaches contracts says what the body says (issue 11)."""

    def test_starting_points_and_footnotes(self):
        with open(os.path.join(sg.ROOT, "data", "catalog", "part3.json"), encoding="utf-8") as f:
            d = json.load(f)
        items = {it["id"]: it for c in d["controls"] for it in c["evaluation_items"]}
        starts = {i: it["starts_ja"] for i, it in items.items() if "starts_ja" in it}
        self.assertEqual(starts, {"III.1.1.6.a": "ベンダリリースから", "III.2.2.1.a": "ベンダリリースから",
                                  "III.5.2.1.a": "ベンダリリースから", "III.5.2.1.b": "ベンダリリースから",
                                  "III.1.1.8.a": "発見後", "III.3.2.5.a": "検知後"})
        for i, s in starts.items():  # every reference value that is not "-" names it
            for rv in items[i]["reference_values"]:
                if rv["text_ja"] != "-":
                    self.assertTrue(rv["text_ja"].startswith(s), (i, rv["text_ja"]))
        fns = {f["number"] for c in d["controls"] for f in c.get("footnotes", [])}
        fns |= {f["number"] for it in items.values() for f in it.get("footnotes", [])}
        self.assertEqual(fns, {13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 25})
