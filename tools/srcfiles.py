"""What the source-rule tools (checkmsg.py, funclen.py) share: their
arguments, [--allow FILE ...] [--NAME VALUE ...] [ROOT], and the C files
they read, src/**/*.c in sorted order.
"""
import os


def parse_args(argv, **options):
    """Returns (root, allowed files, options): ROOT (default "."), each
    --allow FILE (a path relative to ROOT), and each --NAME VALUE for a
    NAME given in options (its default; the value takes the default's type)."""
    root, allow, opts, i = ".", set(), dict(options), 0
    while i < len(argv):
        name = argv[i][2:].replace("-", "_") if argv[i].startswith("--") else None
        if name == "allow":
            allow.add(argv[i + 1])
            i += 2
        elif name in opts:
            opts[name] = type(options[name])(argv[i + 1])
            i += 2
        else:
            root = argv[i]
            i += 1
    return root, allow, opts


def c_files(root):
    """Yields (path, path relative to root) of each src/**/*.c, sorted."""
    for d, _, files in sorted(os.walk(os.path.join(root, "src"))):
        for f in sorted(files):
            if f.endswith(".c"):
                path = os.path.join(d, f)
                yield path, os.path.relpath(path, root)
