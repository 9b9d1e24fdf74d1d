#!/usr/bin/python3
"""Runs every saasguard test and ends with one line: "N passed, N failed".

- unit: every cmocka binary (tests/unit/test_*.c) of each build, in TAP mode,
  counting each cmocka test;
- integration: the Python unittest modules in tests/integration/ (they drive
  the built binary named by $SAASGUARD, and start their own loopback servers),
  once against the normal build and once against the ASan+UBSan build;
- fuzz: every libFuzzer target of the fuzz build for --fuzz-seconds each,
  starting from its seed corpus in tests/fuzz/corpus/NAME.

Exits 1 when anything failed.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
passed = 0
failed = 0
failures = []
last = time.time()


def record(name, ok, detail=""):
    global passed, failed, last
    if ok:
        passed += 1
    else:
        failed += 1
        failures.append((name, detail))
    now = time.time()
    # Seconds since the previous result: where the suite's time goes.
    print(("ok      " if ok else "FAIL    ") + name + f"  [{now - last:.1f}s]", flush=True)
    last = now
    if not ok and detail:
        print("        " + detail.strip().replace("\n", "\n        ")[-4000:], flush=True)


def sanitizer_env():
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=86"
    env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1:exitcode=87"
    env["LSAN_OPTIONS"] = "exitcode=88"
    return env


def run_unit(build, label):
    exes = sorted(glob.glob(os.path.join(build, "tests", "test_*")))
    exes = [e for e in exes if os.access(e, os.X_OK) and not e.endswith(".p")]
    if not exes:
        record(f"{label}: unit tests built", False, f"no test binaries in {build}/tests")
        return
    env = sanitizer_env()
    env["CMOCKA_MESSAGE_OUTPUT"] = "TAP"
    for exe in exes:
        mod = os.path.basename(exe)
        try:
            p = subprocess.run([exe], capture_output=True, text=True, env=env, timeout=300,
                               cwd=ROOT)
        except subprocess.TimeoutExpired:
            record(f"{label}: {mod}", False, "timed out")
            continue
        seen = 0
        for line in p.stdout.splitlines():
            if line.startswith("ok ") or line.startswith("not ok "):
                seen += 1
                ok = line.startswith("ok ")
                name = line.split(" - ", 1)[-1]
                record(f"{label}: {mod}: {name}", ok, "" if ok else p.stdout + p.stderr)
        if p.returncode != 0 and seen == 0:
            record(f"{label}: {mod}", False, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}")
        elif p.returncode not in (0, 1) or (p.returncode == 1 and not any(
                l.startswith("not ok") for l in p.stdout.splitlines())):
            # A sanitizer report after the tests ran (a leak at exit, say).
            record(f"{label}: {mod}: clean exit", False, f"exit {p.returncode}\n{p.stderr}")


class Counting(unittest.TestResult):
    def __init__(self, label):
        super().__init__()
        self.label = label

    def name(self, test):
        return f"{self.label}: {test.id().replace('test_', '', 1)}"

    def addSuccess(self, test):
        record(self.name(test), True)

    def addFailure(self, test, err):
        record(self.name(test), False, self._exc_info_to_string(err, test))

    def addError(self, test, err):
        record(self.name(test), False, self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        # A skipped check is not a pass.
        record(self.name(test), False, "skipped: " + reason)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            record(self.name(subtest), False, self._exc_info_to_string(err, test))


def run_integration(build, label, only):
    binary = os.path.abspath(os.path.join(build, "saasguard"))
    if not os.access(binary, os.X_OK):
        record(f"{label}: integration binary", False, f"{binary} missing")
        return
    os.environ["SAASGUARD"] = binary
    os.environ["SAASGUARD_BUILD"] = os.path.abspath(build)
    os.environ.update({k: v for k, v in sanitizer_env().items()
                       if k.endswith("SAN_OPTIONS")})
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    loader = unittest.TestLoader()
    suite = loader.discover(os.path.join(ROOT, "tests", "integration"),
                            pattern=only or "test_*.py", top_level_dir=os.path.join(ROOT, "tests", "integration"))
    result = Counting(label)
    suite.run(result)


def run_fuzz(build, seconds):
    targets = sorted(glob.glob(os.path.join(build, "tests", "fuzz", "fuzz_*")))
    targets = [t for t in targets if os.access(t, os.X_OK) and not t.endswith(".p")]
    if not targets:
        record("fuzz: targets built", False, f"no fuzz targets in {build}/tests/fuzz")
        return
    for t in targets:
        name = os.path.basename(t)
        seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name.replace("fuzz_", ""))
        work = tempfile.mkdtemp(prefix=f"sg-{name}-")
        corpus = os.path.join(work, "corpus")
        if os.path.isdir(seeds):
            shutil.copytree(seeds, corpus)
        else:
            os.mkdir(corpus)
        cmd = [t, f"-max_total_time={seconds}", "-rss_limit_mb=2048", "-timeout=10",
               f"-artifact_prefix={work}/", corpus]
        p = subprocess.run(cmd, capture_output=True, text=True, env=sanitizer_env(),
                           timeout=seconds + 120)
        tail = "\n".join(p.stderr.splitlines()[-30:])
        stats = [l for l in p.stderr.splitlines() if l.startswith("Done ")]
        record(f"fuzz: {name} for {seconds}s {stats[0] if stats else ''}".strip(),
               p.returncode == 0, tail)
        if p.returncode == 0:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--asan-build", default="")
    ap.add_argument("--fuzz-build", default="")
    ap.add_argument("--fuzz-seconds", type=int, default=20)
    ap.add_argument("--only", default="", help="integration module glob, e.g. test_catalog.py")
    ap.add_argument("--skip-unit", action="store_true")
    args = ap.parse_args()
    start = time.time()
    builds = [(args.build, "build")]
    if args.asan_build:
        builds.append((args.asan_build, "asan"))
    for build, label in builds:
        if not args.skip_unit:
            run_unit(build, label)
        run_integration(build, label, args.only)
    if args.fuzz_build and args.fuzz_seconds > 0:
        run_fuzz(args.fuzz_build, args.fuzz_seconds)
    print()
    if failures:
        print("Failures:")
        for name, _ in failures:
            print("  " + name)
    print(f"({time.time() - start:.0f}s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
