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
import concurrent.futures
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


def run_unit(builds):
    """Every cmocka binary of every build ([(build, label)]), one per core at once: each
    is one process, makes its own temporary directories and ports, and none of their
    tests measures wall time."""
    work = []
    for build, label in builds:
        exes = sorted(glob.glob(os.path.join(build, "tests", "test_*")))
        exes = [e for e in exes if os.access(e, os.X_OK) and not e.endswith(".p")]
        if not exes:
            record(f"{label}: unit tests built", False, f"no test binaries in {build}/tests")
        work += [(label, e) for e in exes]
    env = sanitizer_env()
    env["CMOCKA_MESSAGE_OUTPUT"] = "TAP"

    def one(item):
        label, exe = item
        t0 = time.time()
        try:
            p = subprocess.run([exe], capture_output=True, text=True, env=env, timeout=300,
                               cwd=ROOT)
        except subprocess.TimeoutExpired:
            p = None
        return label, os.path.basename(exe), p, time.time() - t0

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as ex:
        for f in concurrent.futures.as_completed([ex.submit(one, w) for w in work]):
            unit_result(*f.result())


def unit_result(label, mod, p, took):
    """Records the tests of one unit binary's run p (None: it timed out)."""
    if p is None:
        record(f"{label}: {mod}", False, "timed out")
        return
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
    print(f"--      {label}: {mod} took {took:.1f}s", flush=True)


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


TIMES_FILE = "integration-times.json"  # in each build directory: its last run's module times
# The module times of a full run on the reference machine (2 cores), so that a fresh clone,
# which has no TIMES_FILE yet, still starts the longest modules first. Rewritten by
# `run.py ... --write-reference-times` after a full run (docs/testing.md).
REFERENCE_TIMES = os.path.join(ROOT, "tests", "integration", "times.json")


def load_times(path):
    """{label: {module: seconds}} from path; {} when absent or unreadable (or an older
    file of the form {module: seconds})."""
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in d.items() if isinstance(v, dict)} if isinstance(d, dict) else {}


def expected_seconds(build, label, module, _cache={}):
    """The module's time in this pass (label) of the last run on this build, else in the
    reference run, else a guess from its size."""
    for path in (os.path.join(build, TIMES_FILE), REFERENCE_TIMES):
        if path not in _cache:
            _cache[path] = load_times(path)
        t = _cache[path].get(label, {}).get(module)
        if isinstance(t, (int, float)) and t > 0:
            return t
    return os.path.getsize(os.path.join(ROOT, "tests", "integration", module)) / 1000.0


def save_times(path, times):
    """Merges times ({label: {module: seconds}}) into the file at path."""
    old = load_times(path)
    for label, t in times.items():
        old.setdefault(label, {}).update(t)
    try:
        with open(path + ".tmp", "w") as f:
            json.dump(old, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(path + ".tmp", path)
    except OSError:
        pass


def kill_group(p):
    """SIGKILL to p's whole process group (each child runs in a session of its
    own, so its servers and daemons go with it)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


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
    queue.sort(key=lambda q: (-expected_seconds(q[0], q[1], q[3]), q[1], q[3]))
    # Modules that change machine-wide state (a sysctl, say) say so with a top-level
    # `RUN_ALONE = "why"`: they run first, one at a time, with nothing beside them.
    alone = [q for q in queue if is_alone(q[3])]
    queue = alone + [q for q in queue if not is_alone(q[3])]
    # A module whose first pass does work the later passes reuse says so with a top-level
    # `SHARED_WORK = "what"` (test_package: the .deb, built once per run): its later
    # passes go last, so they find the work done rather than hold a slot waiting for it.
    first, later = [], []
    for q in queue:
        (later if shares_work(q[3]) and any(f[3] == q[3] for f in first) else first).append(q)
    queue = first + later
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
                    kill_group(p)
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
                if not timed_out:
                    times.setdefault(build, {}).setdefault(label, {})[m] = round(took, 1)
    finally:
        for r in running:  # interrupted: their own sessions would outlive us
            kill_group(r[0])
        shutil.rmtree(tmp, ignore_errors=True)
    for build, t in times.items():
        save_times(os.path.join(build, TIMES_FILE), t)
    return times


@functools.lru_cache(maxsize=None)
def is_alone(module):
    with open(os.path.join(ROOT, "tests", "integration", module), encoding="utf-8") as f:
        return any(line.startswith("RUN_ALONE = ") for line in f)


@functools.lru_cache(maxsize=None)
def shares_work(module):
    with open(os.path.join(ROOT, "tests", "integration", module), encoding="utf-8") as f:
        return any(line.startswith("SHARED_WORK = ") for line in f)


def backend_of(label):
    return "postgresql" if label == PG_LABEL else "sqlite"


def fuzz_jobs(n_targets):
    """Targets fuzzed at once: one per core, so each still gets a whole core for its
    seconds (libFuzzer runs one process, one thread)."""
    return max(1, min(n_targets, os.cpu_count() or 1))


def run_fuzz(build, seconds):
    targets = sorted(glob.glob(os.path.join(build, "tests", "fuzz", "fuzz_*")))
    targets = [t for t in targets if os.access(t, os.X_OK) and not t.endswith(".p")]
    if not targets:
        record("fuzz: targets built", False, f"no fuzz targets in {build}/tests/fuzz")
        return 0, 0
    queue = list(targets)
    running = []  # (Popen, name, work dir, stderr file)
    jobs = fuzz_jobs(len(targets))
    print(f"fuzz: {len(targets)} targets, {seconds}s each, {jobs} at once", flush=True)
    try:
        while queue or running:
            while queue and len(running) < jobs:
                t = queue.pop(0)
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
                err = open(os.path.join(work, "stderr"), "w+")
                p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                     env=sanitizer_env(), start_new_session=True)
                running.append((p, name, work, err, time.time()))
            time.sleep(0.1)
            for r in list(running):
                p, name, work, err, t0 = r
                if p.poll() is None:
                    if time.time() - t0 < seconds + 120:
                        continue
                    kill_group(p)
                    p.wait()
                running.remove(r)
                err.seek(0)
                lines = err.read().splitlines()
                err.close()
                tail = "\n".join(lines[-30:])
                if p.returncode == -signal.SIGKILL:
                    tail = f"timed out after {seconds + 120}s\n" + tail
                stats = [l for l in lines if l.startswith("Done ")]
                record(f"fuzz: {name} for {seconds}s {stats[0] if stats else ''}".strip(),
                       p.returncode == 0, tail)
                if p.returncode == 0:
                    shutil.rmtree(work, ignore_errors=True)
    finally:
        for r in running:  # interrupted: their own sessions would outlive us
            kill_group(r[0])
    return len(targets), jobs


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
    ap.add_argument("--jobs", type=int, default=5,
                    help="integration modules at once (most of their time is waiting)")
    ap.add_argument("--module-timeout", type=int, default=1200)
    ap.add_argument("--builds-started", type=float, default=0,
                    help="when the builds before this run began (Unix time; make test): "
                    "counted as a phase of the time summary")
    ap.add_argument("--write-reference-times", action="store_true",
                    help="also keep this run's module times in tests/integration/times.json, "
                    "the order a fresh clone starts them in")
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
        t0 = time.time()
        run_unit(builds)
        phases.append((f"unit: {' + '.join(label for _, label in builds)}, "
                       f"{os.cpu_count() or 1} at once", time.time() - t0, ""))
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
        times = run_integration(passes, args.only, max(1, args.jobs), args.module_timeout)
        if args.write_reference_times:
            save_times(REFERENCE_TIMES, {label: t for bt in times.values()
                                         for label, t in bt.items()})
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
        n, jobs = run_fuzz(args.fuzz_build, args.fuzz_seconds)
        phases.append((f"fuzz: {n} targets x {args.fuzz_seconds}s, {jobs} at once",
                       time.time() - t0, ""))
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
