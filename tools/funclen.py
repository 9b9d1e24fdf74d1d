#!/usr/bin/env python3
"""Finds functions longer than a reader can hold in mind (issue 10 §6).

A function is a top-level definition in src/**/*.c: its body opens with "{"
at column 0 and closes with the next "}" at column 0 (the layout
clang-format gives this project). Its length is the number of lines from
the line with its name to the closing brace.

usage: funclen.py [--max N] [--allow FILE ...] [ROOT]   (default: 150, .)
Prints file:line: name (N lines) for each longer function; exit 1 when there
is one outside the allowed files (files being reworked elsewhere).
"""
import re
import sys

import srcfiles

NAME = re.compile(r"([A-Za-z_]\w*)\s*\(")


def functions(path):
    """Yields (first line, name, length) of each function in path."""
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if line != "{":
            continue
        # the signature: back to the line that starts at column 0 with the name
        head = i - 1
        while head > 0 and (lines[head][:1] in (" ", "\t") or lines[head].startswith(")")):
            head -= 1
        m = NAME.search(lines[head]) if head >= 0 else None
        if not m or lines[head].rstrip().endswith(";"):
            continue
        end = i + 1
        while end < len(lines) and not lines[end].startswith("}"):
            end += 1
        yield head + 1, m.group(1), end - head + 1


def main(argv):
    root, allow, opts = srcfiles.parse_args(argv, max=150)
    limit, bad = opts["max"], 0
    for path, rel in srcfiles.c_files(root):
        for line, name, n in functions(path):
            if n <= limit:
                continue
            print("%s:%d: %s (%d lines)%s" % (rel, line, name, n,
                                              " (allowed)" if rel in allow else ""))
            bad += rel not in allow
    if bad:
        print("%d function(s) over %d lines: split them" % (bad, limit), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
