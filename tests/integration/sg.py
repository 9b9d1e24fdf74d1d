"""Shared helpers for saasguard's integration tests: run the built binary,
make scratch directories, find free loopback ports, and check files.

Tests never reach beyond 127.0.0.1 / ::1.
"""
import json
import os
import shlex
import shutil
import socket
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OSCAL_SCHEMAS = os.path.join(ROOT, "tests", "data", "oscal")  # vendored, see its README
EXAMPLES = os.path.join(ROOT, "examples")


def binary():
    return os.environ.get("SAASGUARD") or os.path.join(ROOT, "build", "saasguard")


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"exit {self.code}\n--- stdout\n{self.out[-3000:]}\n--- stderr\n{self.err[-3000:]}"


def run(*args, stdin=None, env=None, cwd=None, timeout=120, lang="ja"):
    """Runs saasguard with args (a list, or one string split like a shell would)."""
    if len(args) == 1 and isinstance(args[0], str):
        args = shlex.split(args[0])
    e = dict(os.environ)
    e["LANG"] = "C.UTF-8" if lang == "ja" else "en_US.UTF-8"
    e.pop("LC_ALL", None)
    e.pop("LC_MESSAGES", None)
    if env:
        e.update(env)
    p = subprocess.run([binary(), *args], input=stdin, capture_output=True, text=True,
                       env=e, cwd=cwd, timeout=timeout)
    return Result(p)


def scratch(test):
    """A temporary directory removed when the test ends."""
    d = tempfile.mkdtemp(prefix="sg-test-")
    test.addCleanup(shutil.rmtree, d, True)
    return d


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ajv():
    return os.path.join(ROOT, "tests", "node_modules", ".bin", "ajv")


def validate_oscal(test, doc_path, schema_name):
    """Validates a JSON file against one of the OSCAL 1.1.3 schemas."""
    schema = os.path.join(OSCAL_SCHEMAS, schema_name)
    p = subprocess.run([ajv(), "validate", "--spec=draft7", "-c", "ajv-formats",
                        "--strict=false", "--all-errors", "-s", schema, "-d", doc_path],
                       capture_output=True, text=True, cwd=os.path.join(ROOT, "tests"),
                       timeout=300)
    test.assertEqual(p.returncode, 0, f"{doc_path} does not validate against {schema_name}:\n"
                     f"{p.stdout[-4000:]}\n{p.stderr[-4000:]}")


def wait_port(port, timeout=10.0):
    """Waits until something accepts connections on 127.0.0.1:port."""
    import time
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")
