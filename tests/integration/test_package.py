"""The Debian package (docs/packaging.md): builds it with dpkg-buildpackage
from a copy of this tree (DEB_BUILD_OPTIONS="nocheck parallel=2", within CI's
time budget), checks lintian reports no error, unpacks it with dpkg -x into a
throwaway root and runs `saasguard --version` from there, checks the man
pages (every command of `saasguard --help`, English and Japanese), the bash
completion, the systemd units (`systemd-analyze verify` and the offline
security score) and runs the maintainer script against the throwaway root
with the system-changing commands replaced by recorders.

The package is built once per run: it does not depend on the build or the
store backend a pass tests. tests/run.py runs each (pass, module) in its own
process and names a directory for the whole run (SAASGUARD_TEST_RUN_DIR):
the first pass to get here builds the package there under a lock, the others
wait for it and reuse it. Run alone, once per process."""
import atexit
import fcntl
import json
import gzip
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import sg

ROOT = sg.ROOT
# tests/run.py starts this module's later passes last: they reuse the first one's build.
SHARED_WORK = "the .deb, built once per run"
BUDGET_S = 600  # the package build alone; the whole suite must stay well under 15 min
_BUILT = {}


def upstream_version():
    with open(os.path.join(ROOT, "debian", "changelog"), encoding="utf-8") as f:
        return re.match(r"saasguard \(([^-)]+)", f.readline()).group(1)


def build_package():
    """(work dir, .deb path, seconds the build took); once per run (see above)."""
    if _BUILT:
        return _BUILT["work"], _BUILT["deb"], _BUILT["seconds"]
    run_dir = os.environ.get("SAASGUARD_TEST_RUN_DIR")
    if not run_dir:
        work = tempfile.mkdtemp(prefix="sg-deb-")
        atexit.register(shutil.rmtree, work, True)
        return build_package_in(work)
    with open(os.path.join(run_dir, "package.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another pass may be building it right now
        done = os.path.join(run_dir, "package.json")
        if os.path.exists(done):
            with open(done) as f:
                b = json.load(f)
            if "error" in b:
                raise AssertionError(b["error"])
            _BUILT.update(b)
            return b["work"], b["deb"], b["seconds"]
        work = os.path.join(run_dir, "package")
        os.mkdir(work)
        try:
            r = build_package_in(work)
        except AssertionError as e:
            with open(done, "w") as f:
                json.dump({"error": str(e)}, f)
            raise
        with open(done, "w") as f:
            json.dump(_BUILT, f)
        return r


def build_package_in(work):
    src = os.path.join(work, "src")
    files = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for rel in (f.decode() for f in files if f):
        if not os.path.isfile(os.path.join(ROOT, rel)):
            continue  # deleted in the work tree
        os.makedirs(os.path.join(src, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), os.path.join(src, rel))
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2", LC_ALL="C.UTF-8")
    for k in [k for k in env if k.endswith("SAN_OPTIONS")]:
        del env[k]
    t0 = time.monotonic()
    p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
                       capture_output=True, text=True, timeout=BUDGET_S * 2)
    seconds = time.monotonic() - t0
    if p.returncode != 0:
        raise AssertionError(f"dpkg-buildpackage failed:\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}")
    debs = [f for f in os.listdir(work) if re.match(r"saasguard_.*_[a-z0-9]+\.deb$", f)]
    if len(debs) != 1:
        raise AssertionError(f"expected one saasguard_*.deb in {work}: {os.listdir(work)}")
    _BUILT.update(work=work, deb=os.path.join(work, debs[0]), seconds=seconds)
    print(f"\n[package build: {seconds:.0f} s]", flush=True)
    return _BUILT["work"], _BUILT["deb"], seconds


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work, cls.deb, cls.seconds = build_package()
        cls.root = tempfile.mkdtemp(prefix="sg-deb-root-")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        cls.ctl = tempfile.mkdtemp(prefix="sg-deb-ctl-")
        subprocess.run(["dpkg-deb", "-e", cls.deb, cls.ctl], check=True)
        cls.bin = os.path.join(cls.root, "usr", "bin", "saasguard")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, True)
        shutil.rmtree(cls.ctl, True)

    def run_bin(self, *args, lang="en"):
        env = dict(os.environ, LANG="C.UTF-8" if lang == "ja" else "en_US.UTF-8")
        return subprocess.run([self.bin, *args], capture_output=True, text=True, env=env,
                              timeout=60)

    def test_build_within_budget_and_lintian_clean(self):
        self.assertLess(self.seconds, BUDGET_S)
        self.assertTrue(os.path.basename(self.deb).startswith(f"saasguard_{upstream_version()}-"))
        p = subprocess.run(["lintian", "--tag-display-limit", "0", self.deb],
                           capture_output=True, text=True, timeout=300)
        errors = [l for l in p.stdout.splitlines() if l.startswith("E:")]
        self.assertEqual(errors, [], p.stdout)
        info = subprocess.run(["dpkg-deb", "-f", self.deb, "Depends"], capture_output=True,
                              text=True, check=True).stdout
        for lib in ("adduser", "libsqlite3-0", "libpq5", "libxlsxwriter", "libsystemd0"):
            self.assertIn(lib, info)

    def test_version_runs_from_the_unpacked_package(self):
        p = self.run_bin("--version")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith(f"saasguard {upstream_version()}\n"), p.stdout)
        self.assertIn("2008 (final draft)", p.stdout)
        p = self.run_bin("--version", lang="ja")
        self.assertIn("対策項目 68", p.stdout)

    def test_man_pages_for_every_command_in_both_languages(self):
        help_text = self.run_bin("--help").stdout
        cmds = re.findall(r"^  ([a-z]+) ", help_text.split("Commands:")[1], re.M)
        self.assertIn("assess", cmds)
        for lang_dir in ("", "ja"):
            man = os.path.join(self.root, "usr", "share", "man", lang_dir)
            pages = ["man1/saasguard.1.gz", "man5/saasguard-profile.5.gz"] + [
                f"man1/saasguard-{c}.1.gz" for c in cmds]
            for page in pages:
                path = os.path.join(man, page)
                self.assertTrue(os.path.isfile(path), f"missing {lang_dir}/{page}")
                with gzip.open(path, "rt", encoding="utf-8") as f:
                    roff = f.read()
                self.assertIn(".TH", roff)
            with gzip.open(os.path.join(man, "man1", "saasguard-assess.1.gz"), "rt",
                           encoding="utf-8") as f:
                roff = f.read()
            # The page carries the program's own --help text: its first
            # descriptive line, as the built program prints it now.
            lang = "ja" if lang_dir == "ja" else "en"
            helptext = subprocess.run([self.bin, "--lang", lang, "assess", "--help"],
                                      capture_output=True, text=True).stdout
            first = [l for l in helptext.splitlines() if l and not l.startswith(("usage", "使い方", " "))][0]
            self.assertIn("説明" if lang == "ja" else "DESCRIPTION", roff)
            self.assertIn(first.split("'")[0][:20], roff)
            self.assertIn("xlsx", roff)

    def test_bash_completion(self):
        comp = os.path.join(self.root, "usr", "share", "bash-completion", "completions",
                            "saasguard")
        script = f"""
_init_completion() {{ cur=${{COMP_WORDS[COMP_CWORD]}}; prev=${{COMP_WORDS[COMP_CWORD-1]}};
  words=("${{COMP_WORDS[@]}}"); cword=$COMP_CWORD; }}
_filedir() {{ COMPREPLY=(FILES); }}
source {comp}
t() {{ COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); COMPREPLY=(); _saasguard; echo "${{COMPREPLY[*]}}"; }}
t saasguard ''
t saasguard assess x.yaml --f
t saasguard assess x.yaml --format ''
t saasguard ledger ''
t saasguard catalog show III.1.1.
t saasguard check {os.path.join(sg.EXAMPLES, 'payroll-cloud.yaml')} --only time,p
"""
        env = dict(os.environ, PATH=os.path.dirname(self.bin) + ":" + os.environ["PATH"])
        p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env,
                           timeout=60)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 6, p.stdout + p.stderr)
        self.assertIn("assess", lines[0].split())
        self.assertIn("store", lines[0].split())
        self.assertEqual(lines[1], "--format")
        self.assertIn("xlsx", lines[2].split())
        self.assertEqual(sorted(lines[3].split()),
                         ["export", "head", "keygen", "proof", "seal", "show", "verify"])
        self.assertEqual(lines[4].split()[0], "III.1.1.1")
        self.assertEqual(len(lines[4].split()), 9)
        self.assertEqual(lines[5].split(), ["time,patches", "time,passwords"])

    def units(self):
        src = os.path.join(self.root, "lib", "systemd", "system")
        names = sorted(os.listdir(src))
        self.assertEqual(names, ["saasguard-check@.service", "saasguard-check@.timer",
                                 "saasguard-monitor@.service", "saasguard-serve@.service"])
        d = tempfile.mkdtemp(prefix="sg-units-")
        self.addCleanup(shutil.rmtree, d, True)
        out = []
        for n in names:
            with open(os.path.join(src, n)) as f:
                text = f.read()
            # The unpacked binary stands in for /usr/bin/saasguard.
            text = text.replace("/usr/bin/saasguard", self.bin)
            inst = n.replace("@.", "@kyuyo.")
            with open(os.path.join(d, inst), "w") as f:
                f.write(text)
            out.append(os.path.join(d, inst))
        return out

    def test_units_verify(self):
        units = self.units()
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", *units],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.strip(), "")
        for daemon in self.units()[2:4]:
            with open(daemon) as f:
                text = f.read()
            for line in ("Type=notify", "WatchdogSec=", "NoNewPrivileges=yes",
                         "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                         "StateDirectory=saasguard", "CapabilityBoundingSet=\n",
                         "SystemCallFilter=@system-service", "User=saasguard"):
                self.assertIn(line, text, daemon)

    def test_units_security_exposure(self):
        for unit in self.units():
            if not unit.endswith(".service"):
                continue
            p = subprocess.run(["systemd-analyze", "security", "--offline=true", unit],
                               capture_output=True, text=True, timeout=120)
            m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout + p.stderr)
            self.assertIsNotNone(m, p.stdout + p.stderr)
            self.assertLessEqual(float(m.group(1)), 2.0, p.stdout)

    def test_postinst_creates_user_and_directories(self):
        target = tempfile.mkdtemp(prefix="sg-dpkg-root-")
        self.addCleanup(shutil.rmtree, target, True)
        stubs = tempfile.mkdtemp(prefix="sg-stubs-")
        self.addCleanup(shutil.rmtree, stubs, True)
        log = os.path.join(stubs, "calls.log")
        users = os.path.join(stubs, "users")
        recorders = {
            # getent answers from the users the adduser stub "created".
            "getent": f'echo "getent $*" >> {log}; grep -qx "$2" {users} 2>/dev/null',
            "adduser": f'echo "adduser $*" >> {log}; echo "${{@: -1}}" >> {users}',
            "chown": f'echo "chown $*" >> {log}',
            "dpkg-statoverride": f'echo "dpkg-statoverride $*" >> {log}; exit 1',
        }
        for name, body in recorders.items():
            path = os.path.join(stubs, name)
            with open(path, "w") as f:
                f.write(f"#!/bin/bash\n{body}\n")
            os.chmod(path, 0o755)
        env = dict(os.environ, PATH=stubs + ":" + os.environ["PATH"], DPKG_ROOT=target)
        postinst = os.path.join(self.ctl, "postinst")
        for run in range(2):
            p = subprocess.run(["sh", "-e", postinst, "configure", ""], env=env,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
        with open(log) as f:
            calls = f.read().splitlines()
        adds = [c for c in calls if c.startswith("adduser")]
        self.assertEqual(len(adds), 1, calls)  # the second configure finds the user
        for opt in ("--system", "--group", "--home /var/lib/saasguard", "--no-create-home"):
            self.assertIn(opt, adds[0])
        self.assertTrue(adds[0].endswith(" saasguard"))
        etc, var = os.path.join(target, "etc/saasguard"), os.path.join(target, "var/lib/saasguard")
        self.assertEqual(stat.S_IMODE(os.stat(etc).st_mode), 0o750)
        self.assertEqual(stat.S_IMODE(os.stat(var).st_mode), 0o700)
        self.assertIn(f"chown root:saasguard {etc}", calls)
        self.assertIn(f"chown saasguard:saasguard {var}", calls)
        # postrm purge keeps the evidence: a non-empty store directory stays.
        with open(os.path.join(var, "kyuyo.db"), "w") as f:
            f.write("evidence")
        p = subprocess.run(["sh", "-e", os.path.join(self.ctl, "postrm"), "purge"], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(os.path.join(var, "kyuyo.db")))
        self.assertFalse(os.path.exists(etc))  # empty: removed


if __name__ == "__main__":
    unittest.main()
