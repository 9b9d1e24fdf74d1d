"""Data-driven command-line tests: one file per case in tests/cases/*.case.

A case file is a list of `key: value` lines (curl's tests/data in spirit):

    # what this case shows
    args: catalog show III.1.1.1 --format json
    lang: en                  (ja by default)
    stdin: text given on standard input
    exit: 0
    stdout-has: 死活監視        (any number; each must appear)
    stdout-lacks: ...
    stderr-has: ...
    stderr-lacks: ...
    json: j["pattern"] == 1   (a Python expression over the parsed stdout)
    stdout-starts: ...        (the output's first characters; \\ufeff for a BOM)
    lines: 69                 (number of output lines)
"""
import glob
import json
import os
import shlex
import unittest

import sg

CASES = sorted(glob.glob(os.path.join(sg.ROOT, "tests", "cases", "*.case")))


def unescape(s):
    """The two escapes a case file may use: \\n and \\ufeff (a BOM)."""
    return s.replace("\\ufeff", "\ufeff").replace("\\n", "\n")


def parse(path):
    case = {"exit": "0", "lang": "ja"}
    multi = {"stdout-has": [], "stdout-lacks": [], "stderr-has": [], "stderr-lacks": [],
             "json": []}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            key, sep, value = line.partition(": ")
            if not sep:
                raise ValueError(f"{path}:{n}: want 'key: value'")
            if key in multi:
                multi[key].append(value)
            else:
                case[key] = value
    case.update(multi)
    return case


class CliCases(unittest.TestCase):
    pass


def make(path):
    def test(self):
        c = parse(path)
        stdin = c.get("stdin")
        if stdin is not None:
            stdin = unescape(stdin)
        r = sg.run(*shlex.split(c["args"]), stdin=stdin, lang=c["lang"], cwd=sg.ROOT)
        self.assertEqual(r.code, int(c["exit"]), repr(r))
        for s in c["stdout-has"]:
            self.assertIn(s, r.out, repr(r))
        for s in c["stdout-lacks"]:
            self.assertNotIn(s, r.out, repr(r))
        for s in c["stderr-has"]:
            self.assertIn(s, r.err, repr(r))
        for s in c["stderr-lacks"]:
            self.assertNotIn(s, r.err, repr(r))
        if "stdout-starts" in c:
            want = unescape(c["stdout-starts"])
            self.assertTrue(r.out.startswith(want), repr(r))
        if "lines" in c:
            self.assertEqual(len(r.out.splitlines()), int(c["lines"]), repr(r))
        if c["json"]:
            j = json.loads(r.out)
            for expr in c["json"]:
                self.assertTrue(eval(expr, {"j": j, "len": len, "any": any, "all": all,
                                            "sum": sum, "set": set, "sorted": sorted}),
                                f"{expr} is false for {os.path.basename(path)}")
    return test


for _p in CASES:
    setattr(CliCases, "test_" + os.path.basename(_p)[:-5].replace("-", "_"), make(_p))
