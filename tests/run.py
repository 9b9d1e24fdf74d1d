#!/usr/bin/python3
"""Runs every saasguard test and ends with one line: "N passed, N failed".

- unit: every cmocka binary (tests/unit/test_*.c) of each build, in TAP mode,
  counting each cmocka test;
- integration: the Python unittest modules in tests/integration/ (they drive
  the built binary named by $SAASGUARD, and start their own loopback servers),
  once against the normal build, once against the ASan+UBSan build (both on
  the SQLite store) and once more against the normal build on the PostgreSQL
  store (SAASGUARD_TEST_BACKEND=postgresql: one real PostgreSQL server started
  for that pass, tests/integration/pgserver.py; tests marked @sqlite_only are
  left out of it, listed with why, and never counted). Modules run in
  parallel (--jobs), each in its own process; a module's output is printed
  whole when it finishes;
- fuzz: every libFuzzer target of the fuzz build for --fuzz-seconds each,
  starting from its seed corpus in tests/fuzz/corpus/NAME.

Exits 1 when anything failed.
"""
import argparse
import functools
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
passed = 0
failed = 0
failures = []
left_out = []  # (test, why): @sqlite_only tests the PostgreSQL pass does not run
last = time.time()
phases = []  # (phase, seconds, note): the time summary at the end of the run
module_times = []  # (label, module, seconds, started at, ended at): seconds since the pool began
SQLITE_ONLY = "sqlite only: "  # sg.SQLITE_ONLY_PREFIX
PG_LABEL = "pg"
# The modules need Debian's python3-aiosmtpd, -psycopg2, -openpyxl: Debian's Python,
# whichever python3 started run.py.
CHILD_PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


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
        t0 = time.time()
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
        print(f"--      {label}: {mod} took {time.time() - t0:.1f}s", flush=True)


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
        if reason.startswith(SQLITE_ONLY) and os.environ.get("SAASGUARD_TEST_BACKEND") == \
                "postgresql":
            # Left out of the PostgreSQL pass by nature: listed, neither pass nor failure.
            left_out.append((self.name(test), reason[len(SQLITE_ONLY):]))
            return
        # A skipped check is not a pass.
        record(self.name(test), False, "skipped: " + reason)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            record(self.name(subtest), False, self._exc_info_to_string(err, test))


def integration_env(build, backend):
    env = dict(os.environ)
    env["SAASGUARD"] = os.path.abspath(os.path.join(build, "saasguard"))
    env["SAASGUARD_BUILD"] = os.path.abspath(build)
    env.update({k: v for k, v in sanitizer_env().items() if k.endswith("SAN_OPTIONS")})
    env["SAASGUARD_TEST_BACKEND"] = backend
    return env


def run_module_here(module, label):
    """--child: runs one integration module in this process, as the parent's env says."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    loader = unittest.TestLoader()
    suite = loader.discover(os.path.join(ROOT, "tests", "integration"), pattern=module,
                            top_level_dir=os.path.join(ROOT, "tests", "integration"))
    suite.run(Counting(label))


def expected_seconds(build, module, _cache={}):
    """The module's time in the last run on this build, else a guess from its size."""
    if build not in _cache:
        try:
            with open(os.path.join(build, "integration-times.json")) as f:
                _cache[build] = json.load(f)
        except (OSError, ValueError):
            _cache[build] = {}
    return _cache[build].get(module) or \
        os.path.getsize(os.path.join(ROOT, "tests", "integration", module)) / 1000.0


def run_integration(passes, only, jobs, module_timeout):
    """passes: [(build, label, backend)]. Every (pass, module) is one child process;
    up to jobs of them at once."""
    global passed, failed, last
    queue = []
    for build, label, backend in passes:
        binary = os.path.abspath(os.path.join(build, "saasguard"))
        if not os.access(binary, os.X_OK):
            record(f"{label}: integration binary", False, f"{binary} missing")
            continue
        mods = sorted(os.path.basename(p) for p in glob.glob(
            os.path.join(ROOT, "tests", "integration", only or "test_*.py")))
        if not mods:
            record(f"{label}: integration modules matching {only}", False, "none")
        for m in mods:
            queue.append((build, label, backend, m))
    # Longest first over every pass, so the pool ends together.
    queue.sort(key=lambda q: (-expected_seconds(q[0], q[3]), q[1], q[3]))
    # Modules that change machine-wide state (a sysctl, say) say so with a top-level
    # `RUN_ALONE = "why"`: they run first, one at a time, with nothing beside them.
    alone = [q for q in queue if is_alone(q[3])]
    queue = alone + [q for q in queue if not is_alone(q[3])]
    running = []
    times = {}
    pool_t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="sg-run-")
    try:
        while queue or running:
            while queue and len(running) < jobs:
                if running and (is_alone(queue[0][3]) or is_alone(running[0][5])):
                    break
                build, label, backend, m = queue.pop(0)
                res = os.path.join(tmp, f"{label}-{m}.json")
                out = open(os.path.join(tmp, f"{label}-{m}.out"), "w+")
                cmd = [CHILD_PYTHON, os.path.abspath(__file__), "--child", m,
                       "--child-label", label, "--child-result", res]
                env = integration_env(build, backend)
                env["SAASGUARD_TEST_RUN_DIR"] = tmp  # what modules share across passes
                if backend == "postgresql" and "SAASGUARD_STATE_DIR" not in env:
                    # A PostgreSQL store's files go to the state directory; never the
                    # machine's (/var/lib/saasguard as root). sg.run() narrows it per store.
                    env["SAASGUARD_STATE_DIR"] = tempfile.mkdtemp(prefix=f"state-{m}-", dir=tmp)
                p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                     env=env, start_new_session=True)
                running.append((p, out, res, build, label, m, time.time()))
            time.sleep(0.1)
            for r in list(running):
                p, out, res, build, label, m, t0 = r
                if p.poll() is None and time.time() - t0 < module_timeout:
                    continue
                timed_out = p.poll() is None
                if timed_out:
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    p.wait()
                running.remove(r)
                out.seek(0)
                text = out.read()
                out.close()
                # The module's whole output at once, as it printed it.
                sys.stdout.write(text)
                sys.stdout.flush()
                try:
                    with open(res) as f:
                        rr = json.load(f)
                except (OSError, ValueError):
                    rr = None
                if rr:
                    passed += rr["passed"]
                    failed += rr["failed"]
                    failures.extend(rr["failures"])
                    left_out.extend(rr["left_out"])
                last = time.time()
                if timed_out:
                    record(f"{label}: {m}", False, f"timed out after {module_timeout}s")
                elif rr is None or (p.returncode != 0 and rr["failed"] == 0):
                    record(f"{label}: {m}", False, f"module exited {p.returncode} without "
                           f"its results:\n{text[-3000:]}")
                took = time.time() - t0
                module_times.append((label, m, took, t0 - pool_t0, time.time() - pool_t0))
                print(f"--      {label}: {m} took {took:.1f}s (+{t0 - pool_t0:.0f}s to "
                      f"+{time.time() - pool_t0:.0f}s of the pool)", flush=True)
                if backend_of(label) == "sqlite":
                    times.setdefault(build, {})[m] = round(took, 1)
    finally:
        for r in running:  # interrupted: their own sessions would outlive us
            try:
                os.killpg(r[0].pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    for build, t in times.items():
        path = os.path.join(build, "integration-times.json")
        try:
            with open(path) as f:
                old = json.load(f)
        except (OSError, ValueError):
            old = {}
        old.update(t)
        try:
            with open(path + ".tmp", "w") as f:
                json.dump(old, f, indent=1, sort_keys=True)
            os.replace(path + ".tmp", path)
        except OSError:
            pass


@functools.lru_cache(maxsize=None)
def is_alone(module):
    with open(os.path.join(ROOT, "tests", "integration", module), encoding="utf-8") as f:
        return any(line.startswith("RUN_ALONE = ") for line in f)


def backend_of(label):
    return "postgresql" if label == PG_LABEL else "sqlite"


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


def print_times(start):
    """Where the run's time went: each phase, then the slowest integration modules."""
    if not phases:
        return
    print("Time by phase:")
    for name, secs, note in phases:
        print(f"  {name:<48} {secs:6.0f} s" + (f"  ({note})" if note else ""))
    end = time.time()
    if phases[0][0].startswith("builds"):
        print(f"  {'total (builds included)':<48} {phases[0][1] + end - start:6.0f} s")
    if module_times:
        print("Slowest integration modules:")
        for label, m, secs, _, _ in sorted(module_times, key=lambda t: -t[2])[:12]:
            print(f"  {secs:6.1f} s  {label}: {m}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--asan-build", default="")
    ap.add_argument("--fuzz-build", default="")
    ap.add_argument("--fuzz-seconds", type=int, default=20)
    ap.add_argument("--only", default="", help="integration module glob, e.g. test_catalog.py")
    ap.add_argument("--skip-unit", action="store_true")
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both",
                    help="store backend of the integration tests: the PostgreSQL pass runs "
                    "on --build only (default both)")
    ap.add_argument("--jobs", type=int, default=3, help="integration modules at once")
    ap.add_argument("--module-timeout", type=int, default=1200)
    ap.add_argument("--builds-started", type=float, default=0,
                    help="when the builds before this run began (Unix time; make test): "
                    "counted as a phase of the time summary")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-label", help=argparse.SUPPRESS)
    ap.add_argument("--child-result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_module_here(args.child, args.child_label)
        with open(args.child_result, "w") as f:
            json.dump({"passed": passed, "failed": failed, "failures": failures,
                       "left_out": left_out}, f)
        return 1 if failed else 0
    start = time.time()
    if args.builds_started:
        phases.append(("builds (make: deps check, normal, ASan, fuzz)",
                       start - args.builds_started, ""))
    builds = [(args.build, "build")]
    if args.asan_build:
        builds.append((args.asan_build, "asan"))
    if not args.skip_unit:
        for build, label in builds:
            t0 = time.time()
            run_unit(build, label)
            phases.append((f"unit: {label}", time.time() - t0, ""))
    passes = []
    if args.backend in ("sqlite", "both"):
        passes += [(b, label, "sqlite") for b, label in builds]
    pg = None
    if args.backend in ("postgresql", "both"):
        sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
        import pgserver
        t0 = time.time()
        try:
            pg = pgserver.PgServer().start()
        except Exception as e:  # noqa: BLE001 - reported as one failure
            record(f"{PG_LABEL}: PostgreSQL server for the pass", False, str(e))
        if pg:
            pg.export_env(os.environ)
            print(f"PostgreSQL pass: server in {pg.top} (socket {pg.socket_dir})", flush=True)
            passes.append((args.build, PG_LABEL, "postgresql"))
        phases.append(("PostgreSQL server start", time.time() - t0, ""))
    t0 = time.time()
    try:
        run_integration(passes, args.only, max(1, args.jobs), args.module_timeout)
    finally:
        if pg:
            pg.stop()
    if passes:
        phases.append((f"integration: {len(passes)} pass(es), --jobs {max(1, args.jobs)}",
                       time.time() - t0, ""))
        for _, label, _ in passes:
            mt = [t for t in module_times if t[0] == label]
            if mt:
                phases.append((f"  {label}: {len(mt)} modules", sum(t[2] for t in mt),
                               f"module time summed; ran +{min(t[3] for t in mt):.0f}s to "
                               f"+{max(t[4] for t in mt):.0f}s"))
    if args.fuzz_build and args.fuzz_seconds > 0:
        t0 = time.time()
        run_fuzz(args.fuzz_build, args.fuzz_seconds)
        phases.append((f"fuzz: {args.fuzz_seconds}s per target", time.time() - t0, ""))
    print()
    print_times(start)
    if left_out:
        why = {}
        for _, w in left_out:
            why[w] = why.get(w, 0) + 1
        print(f"Left out of the PostgreSQL pass (SQLite-only, not counted): {len(left_out)}")
        for w, n in sorted(why.items(), key=lambda x: -x[1]):
            print(f"  {n:3d}  {w}")
    if failures:
        print("Failures:")
        for name, _ in failures:
            print("  " + name)
    print(f"({time.time() - start:.0f}s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
