"""The program's allocator: a plain build links jemalloc and every library's
malloc binds to it (meson.build; docs/performance.md, "The allocator"); a
sanitizer build keeps its runtime's allocator, which is what it checks."""
import json
import os
import subprocess
import unittest

import sg


def sanitized(build_dir):
    out = subprocess.run(["meson", "introspect", build_dir, "--buildoptions"],
                         capture_output=True, text=True, check=True).stdout
    opts = {o["name"]: o["value"] for o in json.loads(out)}
    return opts["b_sanitize"] != "none" or opts.get("fuzz") is True


def malloc_bindings():
    """Which object each library's `malloc` binds to, as the dynamic linker
    reports it."""
    env = dict(os.environ, LD_DEBUG="bindings")
    r = subprocess.run([sg.binary(), "--version"], capture_output=True, text=True, env=env)
    found = {}
    for line in r.stderr.splitlines():
        if "normal symbol `malloc'" not in line or "binding file " not in line:
            continue
        frm, to = line.split("binding file ", 1)[1].split(" to ", 1)
        found[os.path.basename(frm.split(" ")[0])] = os.path.basename(to.split(" ")[0])
    return found


class Allocator(unittest.TestCase):
    def test_libraries_allocate_through_the_builds_allocator(self):
        b = malloc_bindings()
        self.assertIn("libcurl.so.4", b, b)  # the library whose per-connection allocations it is for
        if sanitized(os.path.dirname(sg.binary())):
            for lib, target in b.items():
                self.assertNotIn("jemalloc", target, (lib, b))
        else:
            for lib in ("libcurl.so.4", "libsqlite3.so.0", "libuv.so.1"):
                self.assertIn(lib, b, b)
                self.assertTrue(b[lib].startswith("libjemalloc.so"), (lib, b))


if __name__ == "__main__":
    unittest.main()
