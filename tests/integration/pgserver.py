"""A real PostgreSQL server for the integration tests (Debian postgresql 15).

PgServer().start() runs `initdb` into a fresh temporary directory and starts
`postgres` on it as an unprivileged user (when the tests run as root, as in
CI: the system user sgpgtest, created if missing; otherwise the current user),
with trust authentication, no TCP at all (listen_addresses='') and its Unix
socket in that directory, fsync off for speed. Every client (psycopg2, psql,
the saasguard binary, a monitor inside an `ip netns`) reaches it through the
socket, so nothing ever leaves the machine.

    pg = PgServer().start()
    uri = pg.new_database("sg_x")   # postgresql:///sg_x?host=SOCKDIR&user=postgres
    pg.psql("SELECT 1", "sg_x")     # -> "1\n"
    pg.restart()                    # same data directory, same socket
    pg.stop()                       # fast shutdown, directory removed

PgServer.shared() is the server of the whole test process: the one run.py
started for its PostgreSQL pass (env SAASGUARD_TEST_PG_SOCKET and
SAASGUARD_TEST_PG_USER), or else one started on first use and stopped when the
process exits. A test that stops or restarts PostgreSQL starts its own.
"""
import atexit
import ctypes
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time

SYSTEM_USER = "sgpgtest"
SUPERUSER = "postgres"


def _bindir():
    """The newest /usr/lib/postgresql/N/bin with initdb and postgres."""
    found = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        if os.access(os.path.join(d, "postgres"), os.X_OK) and \
                os.access(os.path.join(d, "initdb"), os.X_OK):
            try:
                found.append((int(d.split("/")[-2]), d))
            except ValueError:
                pass
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql "
                           "(Debian package postgresql; `make deps` installs it)")
    return max(found)[1]


def _run_user():
    """(uid, gid, name) PostgreSQL runs as: never root (postgres refuses it)."""
    if os.geteuid() != 0:
        pw = pwd.getpwuid(os.geteuid())
        return pw.pw_uid, pw.pw_gid, pw.pw_name
    try:
        pw = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        # Exit 9: created meanwhile by a parallel test process.
        p = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                           capture_output=True, text=True)
        if p.returncode not in (0, 9):
            raise RuntimeError(f"useradd {SYSTEM_USER}: {p.stderr.strip()}")
        pw = pwd.getpwnam(SYSTEM_USER)
    return pw.pw_uid, pw.pw_gid, pw.pw_name


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # A test process killed hard takes its server with it (immediate shutdown);
    # runs in the child after the uid change, which would clear it otherwise.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)


class PgServer:
    def __init__(self):
        self.bindir = None
        self.top = None  # the temp dir: data/, sock/, postgres.log
        self.data_dir = None
        self.socket_dir = None
        self.log_path = None
        self.superuser = SUPERUSER
        self.proc = None
        self.owned = True  # False for a handle on run.py's server
        self._counter = 0
        self._lock = threading.Lock()
        self.extra_options = []  # more "-c name=value" (later ones win), e.g. bench/pg/writers.py --fsync

    # ---- lifecycle ----------------------------------------------------------

    def start(self):
        """initdb (first time only) and start postgres; returns self when it accepts connections."""
        if not self.owned:
            raise RuntimeError("PgServer.start on a shared server owned by another process")
        if self.proc is not None:
            return self
        if self.top is None:
            self._initdb()
        uid, gid, _ = self.run_as
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [os.path.join(self.bindir, "postgres"), "-D", self.data_dir,
                 "-k", self.socket_dir,
                 "-c", "listen_addresses=",
                 "-c", "unix_socket_permissions=0777",
                 "-c", "fsync=off",
                 "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off",
                 "-c", "max_connections=300",
                 "-c", "shared_buffers=32MB",
                 "-c", "max_locks_per_transaction=256",
                 "-c", "log_min_messages=warning",
                 "-c", "log_min_error_statement=error"] + self.extra_options,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.top, user=uid if os.geteuid() == 0 else None,
                group=gid if os.geteuid() == 0 else None,
                extra_groups=[] if os.geteuid() == 0 else None,
                start_new_session=True, preexec_fn=_die_with_parent,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"})
        finally:
            log.close()
        self._wait_ready()
        return self

    def stop(self, remove=True):
        """Fast shutdown (SIGINT: clients disconnected, clean checkpoint); removes the directory."""
        if not self.owned:
            return
        if self.proc is not None:
            self._signal_and_wait(signal.SIGINT, 30)
            self.proc = None
        if remove and self.top:
            shutil.rmtree(self.top, ignore_errors=True)
            self.top = None

    def restart(self):
        """Stops and starts the same cluster: same data, same socket path, new backend processes."""
        self.stop(remove=False)
        return self.start()

    def kill(self):
        """Crash: SIGKILL the postmaster's whole process group (data kept; start() recovers)."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self.proc = None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=40):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except (OSError, TypeError):
            return ""

    # ---- databases, roles, SQL ---------------------------------------------

    def uri(self, name, user=None):
        """The URI the saasguard binary (libpq) and psycopg2 accept for database name."""
        return f"postgresql:///{name}?host={self.socket_dir}&user={user or self.superuser}"

    def new_database(self, name=None):
        """Creates database name (default: a fresh unique one) and returns its URI."""
        if name is None:
            name = self.unique_name("sg")
        self.psql(f'CREATE DATABASE "{name}"', "postgres")
        return self.uri(name)

    def unique_name(self, prefix="sg"):
        """A database name no other test process picks: prefix_PID_N (≤ 63 bytes, lower case)."""
        with self._lock:
            self._counter += 1
            n = self._counter
        prefix = "".join(c if c.isalnum() or c == "_" else "_" for c in prefix.lower())[:40]
        return f"{prefix}_{os.getpid()}_{n}"

    def drop_database(self, name):
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', "postgres")

    def role(self, name, grants_sql="", db=None, password=None):
        """Creates LOGIN role name (no superuser, no createdb) and runs grants_sql in db.

        grants_sql is SQL run as the superuser, e.g.
        'GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO mon'. Returns
        the URI of db (default postgres) as that role.
        """
        sql = f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'
        if password is not None:
            sql += " PASSWORD '" + password.replace("'", "''") + "'"
        self.psql(sql, "postgres")
        if grants_sql:
            self.psql(grants_sql, db or "postgres")
        return self.uri(db or "postgres", user=name)

    def psql(self, sql, db="postgres", user=None, check=True):
        """Runs sql with psql (argv, no shell; unaligned, tuples only) and returns its stdout."""
        psql = os.path.join(self.bindir or _bindir(), "psql")
        if not os.access(psql, os.X_OK):
            psql = "/usr/bin/psql"
        p = subprocess.run([psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-h", self.socket_dir, "-U", user or self.superuser, "-d", db,
                            "-c", sql],
                           capture_output=True, text=True, timeout=120,
                           env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                                "PGCONNECT_TIMEOUT": "10"})
        if check and p.returncode != 0:
            raise RuntimeError(f"psql -d {db}: {sql[:200]}\n{p.stderr.strip()}")
        return p.stdout

    def connect(self, db, user=None):
        """A psycopg2 connection to db (autocommit off, like sqlite3)."""
        import psycopg2
        return psycopg2.connect(self.uri(db, user))

    # ---- the process-wide server -------------------------------------------

    _shared = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls):
        """run.py's server (env SAASGUARD_TEST_PG_SOCKET / _USER) or one of this process."""
        with cls._shared_lock:
            if cls._shared is not None:
                return cls._shared
            sock = os.environ.get("SAASGUARD_TEST_PG_SOCKET")
            if sock:
                s = cls()
                s.owned = False
                s.bindir = _bindir()
                s.socket_dir = sock
                s.superuser = os.environ.get("SAASGUARD_TEST_PG_USER") or SUPERUSER
            else:
                s = cls().start()
                atexit.register(s.stop)
            cls._shared = s
            return s

    def export_env(self, env):
        """Sets the variables that make PgServer.shared() in a child process use this server."""
        env["SAASGUARD_TEST_PG_SOCKET"] = self.socket_dir
        env["SAASGUARD_TEST_PG_USER"] = self.superuser
        return env

    # ---- internals ----------------------------------------------------------

    def _initdb(self):
        self.bindir = _bindir()
        self.run_as = _run_user()
        uid, gid, _ = self.run_as
        # /tmp/sg-pg-XXXX (0755) holds data/ (0700, the server's), sock/ (0755:
        # anyone may reach the socket, whose own mode is 0777) and the log.
        self.top = tempfile.mkdtemp(prefix="sg-pg-")
        os.chmod(self.top, 0o755)
        self.data_dir = os.path.join(self.top, "data")
        self.socket_dir = os.path.join(self.top, "sock")
        self.log_path = os.path.join(self.top, "postgres.log")
        os.mkdir(self.data_dir, 0o700)
        os.mkdir(self.socket_dir, 0o755)
        open(self.log_path, "wb").close()
        if os.geteuid() == 0:
            for p in (self.data_dir, self.socket_dir, self.log_path):
                os.chown(p, uid, gid)
        p = subprocess.run([os.path.join(self.bindir, "initdb"), "-D", self.data_dir,
                            "-U", self.superuser, "-A", "trust", "-E", "UTF8",
                            "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
                           capture_output=True, text=True, cwd=self.top, timeout=300,
                           user=uid if os.geteuid() == 0 else None,
                           group=gid if os.geteuid() == 0 else None,
                           extra_groups=[] if os.geteuid() == 0 else None,
                           env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"})
        if p.returncode != 0:
            top = self.top
            self.top = None
            shutil.rmtree(top, ignore_errors=True)
            raise RuntimeError(f"initdb failed (exit {p.returncode}):\n{p.stdout}\n{p.stderr}")

    def _wait_ready(self, timeout=60):
        isready = os.path.join(self.bindir, "pg_isready")
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise RuntimeError(f"postgres exited with {code} at start:\n{self.log_tail()}")
            p = subprocess.run([isready, "-q", "-h", self.socket_dir, "-U", self.superuser,
                                "-d", "postgres", "-t", "1"], capture_output=True)
            if p.returncode == 0:
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"postgres not ready after {timeout}s:\n{self.log_tail()}")

    def _signal_and_wait(self, sig, timeout):
        try:
            self.proc.send_signal(sig)
            self.proc.wait(timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
