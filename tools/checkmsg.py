#!/usr/bin/env python3
"""Finds user-facing messages written in one language only.

Every message a person reads is in both languages (Japanese default,
--lang en). An error set with sg_error_set/sg_error_at/sg_error_hint/
sg_error_prefix (or a file's own wrapper: ydoc_error, cli_usage_error,
ledger_verify's fail, import's issue, doctor's MSG/FIX) and what a command
in src/cli/ prints with fprintf/printf/puts/fputs pick their text with
ETR(err, "日本語", "English") or TR(lang, "日本語", "English") (or a file's
own two-language macro). A finding is a call with a string literal of its
own, not inside such a macro, that has words in it. Exempt:
  - SG_ERR_INTERNAL errors ("cannot happen": a bug, not the user's doing),
    the convention documented in src/error.h;
  - a text with no words (a format such as "%s\\n", "%s: %s");
  - a hint that is something to type (a command, an option, a line of the
    profile, a path: "saasguard ledger verify", "seal_every: 10m");
  - a call whose lines (or the line before them) carry the comment
    /* msg: not translated (why) */ — text that reads the same in both
    languages, such as the version line.

usage: checkmsg.py [--allow FILE ...] [ROOT]   (ROOT: the repository; default: .)
Prints file:line: call for each finding; exit 1 when there are any outside
the allowed files (files being reworked elsewhere).
"""
import re
import sys

import srcfiles

ERR_CALLS = ("sg_error_set", "sg_error_at", "sg_error_hint", "sg_error_prefix", "ydoc_error",
             "cli_usage_error")
# A file's own wrappers around them.
FILE_CALLS = {"src/ledger_verify.c": ("fail",), "src/import.c": ("issue",),
              "src/doctor.c": ("MSG", "FIX")}
PRINT_CALLS = ("fprintf", "printf", "puts", "fputs")
WAIVER = "msg: not translated"
# What to type (a command, an option, a line of the profile, a path) reads
# the same in both languages.
CODE = re.compile(r"^(saasguard |chmod |--|\{|[a-z_]+: |docs/)")


def is_code(lit):
    """Something to type rather than prose: a command, a profile line, a
    list of tokens ("GET, HEAD, POST"), a URL — no two words in a row."""
    return CODE.match(lit) is not None or re.search(r"[A-Za-z]{2,} [a-z]{2,}", lit) is None


def calls(text, names):
    """Yields (offset, name, argument text) of each call of one of names."""
    pat = re.compile(r"\b(%s)\s*\(" % "|".join(names))
    for m in pat.finditer(text):
        i, depth, in_str = m.end(), 1, None
        while i < len(text) and depth:
            c = text[i]
            if in_str:
                if c == "\\":
                    i += 1
                elif c == in_str:
                    in_str = None
            elif c in "\"'":
                in_str = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            i += 1
        yield m.start(), m.group(1), text[m.end():i - 1]


def literals(args):
    """The string literals written directly among the arguments (not inside a
    nested call such as ETR(err, "…", "…") or ydoc_get(m, "key"))."""
    out, depth, i = [], 0, 0
    while i < len(args):
        c = args[i]
        if c in "\"'":
            j = i + 1
            while j < len(args) and args[j] != c:
                j += 2 if args[j] == "\\" else 1
            if c == '"' and depth == 0:
                out.append(args[i + 1:j])
            i = j + 1
            continue
        depth += c == "("
        depth -= c == ")"
        i += 1
    return out


def wordy(lit):
    """A literal with something to translate: words outside format directives."""
    s = re.sub(r"%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t|L)?[a-zA-Z%]", "", lit)
    s = re.sub(r"\\.", "", s)
    s = s.replace("saasguard", "")  # the program's name
    return re.search(r"[A-Za-z]{2,}", s) is not None or re.search(r"[^\x00-\x7f]", s) is not None


def strip_comments(text):
    """Comments replaced by spaces (newlines kept, so offsets and lines hold);
    string and character literals left alone ("https://…" is no comment)."""
    pat = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|/\*.*?\*/|//[^\n]*', re.S)
    return pat.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'"
                   else re.sub(r"[^\n]", " ", m.group(0)), text)


def findings(path, rel):
    raw = open(path, encoding="utf-8").read()
    text = strip_comments(raw)
    lines = raw.split("\n")
    names = ERR_CALLS + FILE_CALLS.get(rel, ()) + (PRINT_CALLS if rel.startswith("src/cli/") else ())
    out = []
    for off, name, args in calls(text, names):
        line = text.count("\n", 0, off) + 1
        last = line + args.count("\n")
        if any(WAIVER in lines[k - 1] for k in range(max(1, line - 1), last + 1)):
            continue
        if name in ERR_CALLS and "SG_ERR_INTERNAL" in args:
            continue
        lits = [x for x in literals(args) if wordy(x)]
        if not lits:
            continue
        if name == "cli_usage_error" and lits and re.fullmatch(r"[a-z -]+", lits[0]):
            lits = lits[1:]  # the command's name
            if not lits:
                continue
        if name in ("sg_error_hint", "FIX") and all(is_code(x) for x in lits):
            continue
        out.append("%s:%d: %s(%s)" % (rel, line, name, " ".join(args.split())[:100]))
    return out


def main(argv):
    root, allow, _ = srcfiles.parse_args(argv)
    bad = 0
    for path, rel in srcfiles.c_files(root):
        for msg in findings(path, rel):
            if rel in allow:
                continue
            print(msg)
            bad += 1
    if bad:
        print("%d message(s) in one language only: write ETR(err, \"日本語\", \"English\") "
              "(TR(lang, …) for output), or mark the line /* %s (why) */" % (bad, WAIVER),
              file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
