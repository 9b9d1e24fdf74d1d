"""Rules of the source a reader relies on (issue 10 §6), kept by tools that
scan src/: every user-facing message in both languages (tools/checkmsg.py),
no function over 150 lines (tools/funclen.py) and reference values read
through catalog_item_ref() (a scan here). The first test of each
is the guard on the real tree; the others show the tool can fail, on a
small tree made here.
"""
import os
import subprocess
import sys
import unittest

import sg

CHECKMSG = os.path.join(sg.ROOT, "tools", "checkmsg.py")
FUNCLEN = os.path.join(sg.ROOT, "tools", "funclen.py")


def run(tool, *args):
    return subprocess.run([sys.executable, tool, *args], capture_output=True, text=True,
                          timeout=60)


def tree(test, files):
    d = sg.scratch(test)
    os.makedirs(os.path.join(d, "src", "cli"))
    for name, text in files.items():
        with open(os.path.join(d, "src", name), "w", encoding="utf-8") as f:
            f.write(text)
    return d


# Files allowed one-language messages: none.
CHECKMSG_ALLOW = ()


class Messages(unittest.TestCase):
    def test_src_has_no_one_language_message(self):
        args = [x for f in CHECKMSG_ALLOW for x in ("--allow", f)]
        r = run(CHECKMSG, *args, sg.ROOT)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_english_only_messages_are_found(self):
        d = tree(self, {
            "a.c": 'int f(struct sg_error *err)\n{\n'
                   '\treturn sg_error_set(err, SG_ERR_IO, "%s: cannot read", p);\n}\n'
                   'int g(struct sg_error *err)\n{\n'
                   '\tsg_error_hint(err, "write a number such as 5");\n'
                   '\treturn sg_error_set(err, SG_ERR_INPUT, ETR(err, "読めません", "unreadable"));\n}\n'
                   'int h(struct sg_error *err)\n{\n'
                   '\treturn sg_error_set(err, SG_ERR_INTERNAL, "cannot happen: %d", 1);\n}\n'
                   'int k(struct sg_error *err)\n{\n'
                   '\tsg_error_hint(err, "saasguard ledger verify");\n'
                   '\treturn sg_error_at(err, SG_ERR_INPUT, f, 1, 2, ETR(err, "%s", "%s"),\n'
                   '\t                   x ? x : "unknown");\n}\n',
            "cli/cmd_x.c": 'int cmd_x(struct cli *cli)\n{\n'
                           '\tprintf("%s\\n", TR(cli->lang, "完了", "done"));\n'
                           '\tfprintf(stderr, "no such file: %s\\n", name); /* https://x */\n'
                           '\tputs("%s");\n'
                           '\t/* msg: not translated (the version line) */\n'
                           '\tprintf("saasguard version %s\\n", V);\n}\n'})
        r = run(CHECKMSG, d)
        self.assertEqual(r.returncode, 1)
        found = [line.split(": ", 1)[0] for line in r.stdout.splitlines()]
        self.assertEqual(found, ["src/a.c:3", "src/a.c:7", "src/a.c:17", "src/cli/cmd_x.c:4"],
                         r.stdout)
        self.assertIn("4 message(s) in one language only", r.stderr)
        r = run(CHECKMSG, "--allow", "src/a.c", "--allow", "src/cli/cmd_x.c", d)
        self.assertEqual((r.returncode, r.stdout), (0, ""))


# Files allowed functions over the limit: none.
FUNCLEN_ALLOW = ()


def function(name, body_lines, sig_lines=1):
    sig = "static int %s(int a" % name + ",\n\t\tint b" * (sig_lines - 1) + ")\n"
    return sig + "{\n" + "\tx++;\n" * body_lines + "}\n"


class FunctionLength(unittest.TestCase):
    def test_src_has_no_function_over_150_lines(self):
        args = [x for f in FUNCLEN_ALLOW for x in ("--allow", f)]
        r = run(FUNCLEN, *args, sg.ROOT)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_long_functions_are_found(self):
        # 1 line of name + braces 2 + body: 147 -> 150 lines (allowed), 148 -> 151
        d = tree(self, {
            "a.c": function("fits", 147) + "\n" + function("too_long", 148) + "\n" +
                   "static const int t[] = {\n" + "1,\n" * 200 + "};\n",
            "cli/b.c": function("wrapped", 146, sig_lines=3)})
        r = run(FUNCLEN, d)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.splitlines(), ["src/a.c:152: too_long (151 lines)",
                                                 "src/cli/b.c:1: wrapped (151 lines)"])
        self.assertIn("2 function(s) over 150 lines", r.stderr)
        r = run(FUNCLEN, "--max", "151", d)
        self.assertEqual((r.returncode, r.stdout), (0, ""))


# Files of the monitor and web helpers that still index refs[] themselves.
REFS_ALLOW = ("src/monitor_config.c", "src/monitor_measure.c", "src/monitor_record.c",
              "src/availability.c", "src/web_status.c", "src/web_api.c", "src/web_dash.c")


class ReferenceValues(unittest.TestCase):
    def test_reference_values_through_catalog_item_ref(self):
        """A reference value is read with catalog_item_ref() (bounds-checked),
        never by indexing an item's refs[] (issue 10 §4)."""
        found = []
        for d, _, files in os.walk(os.path.join(sg.ROOT, "src")):
            for f in files:
                rel = os.path.relpath(os.path.join(d, f), sg.ROOT)
                if not f.endswith((".c", ".h")) or rel == "src/catalog.c" or rel in REFS_ALLOW:
                    continue
                with open(os.path.join(d, f), encoding="utf-8") as fh:
                    for n, line in enumerate(fh, 1):
                        if "->refs[" in line or ".refs[" in line:
                            found.append("%s:%d" % (rel, n))
        self.assertEqual(found, [])


if __name__ == "__main__":
    unittest.main()
