"""Shared helpers for saasguard's integration tests: run the built binary,
make scratch directories, find free loopback ports, and check files.

Tests never reach beyond 127.0.0.1 / ::1.
"""
import atexit
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
    if not (env and "SAASGUARD_STATE_DIR" in env):
        # A PostgreSQL store keeps its files (key, evidence, reports) in the state
        # directory: the directory its SQLite file would have been in (new_db).
        for i, a in enumerate(args[:-1]):
            if a == "--db" and args[i + 1] in _state_dirs:
                e["SAASGUARD_STATE_DIR"] = _state_dirs[args[i + 1]]
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


class SchemaValidator:
    """JSON Schema 2020-12 validation of many documents in one node process
    (tests/tools/ajv_lines.js: what `ajv validate --spec=draft2020 -c ajv-formats
    --strict=false --all-errors` does for one, without a node start per document)."""

    def __init__(self):
        self.proc = None

    def errors(self, schema, data):
        """None when data validates against schema, else ajv's errors (a list)."""
        if self.proc is None:
            self.proc = subprocess.Popen(
                ["node", os.path.join(ROOT, "tests", "tools", "ajv_lines.js")],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                cwd=os.path.join(ROOT, "tests"))
            atexit.register(self.close)
        self.proc.stdin.write(json.dumps({"schema": schema, "data": data}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"ajv_lines.js exited {self.proc.wait()}")
        r = json.loads(line)
        return None if r["valid"] else r["errors"]

    def close(self):
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.wait(30)
            self.proc.stdout.close()
            self.proc = None


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


# ---- the test database: SQLite file or PostgreSQL database -----------------
# run.py's PostgreSQL pass sets SAASGUARD_TEST_BACKEND=postgresql: then every
# store a test makes is a fresh database on the pass's server (pgserver.py),
# and the test reads it back through psycopg2 instead of sqlite3.

import sqlite3  # noqa: E402
import unittest  # noqa: E402

try:
    import psycopg2  # noqa: E402
    import psycopg2.errors  # noqa: E402
    import psycopg2.extensions  # noqa: E402

    # bytea as bytes, like sqlite3's BLOB (psycopg2 gives memoryview).
    def _bytea(v, cur):
        return None if v is None else psycopg2.BINARY(v, cur).tobytes()
    psycopg2.extensions.register_type(psycopg2.extensions.new_type(
        psycopg2.BINARY.values, "SG_BYTEA", _bytea))
    # SQLSTATE class 23, and P0001 (RAISE EXCEPTION: the append-only triggers), as the
    # engine itself counts them (store_pg.c).
    _PG_INTEGRITY = (psycopg2.IntegrityError, psycopg2.errors.RaiseException)
    _PG_ANY = (psycopg2.Error,)
    _PG_OPERATIONAL = (psycopg2.OperationalError, psycopg2.errors.UndefinedTable,
                       psycopg2.errors.UndefinedColumn)
except ImportError:  # the SQLite pass does not need it
    psycopg2 = None
    _PG_INTEGRITY = ()
    _PG_ANY = ()
    _PG_OPERATIONAL = ()

# What a constraint, CHECK or append-only trigger refusing a write raises.
DB_INTEGRITY_ERRORS = (sqlite3.IntegrityError,) + _PG_INTEGRITY
# What reading a table the binary has not created yet (or a busy/locked or
# unreachable database) raises.
DB_OPERATIONAL_ERRORS = (sqlite3.OperationalError,) + _PG_OPERATIONAL
# Any database error.
DB_ERRORS = (sqlite3.Error,) + _PG_ANY

SQLITE_ONLY_PREFIX = "sqlite only: "


def backend():
    """'sqlite' (default) or 'postgresql', from SAASGUARD_TEST_BACKEND."""
    b = os.environ.get("SAASGUARD_TEST_BACKEND", "sqlite") or "sqlite"
    if b not in ("sqlite", "postgresql"):
        raise RuntimeError(f"SAASGUARD_TEST_BACKEND={b}: expected sqlite or postgresql")
    return b


def is_pg(db):
    return isinstance(db, str) and (db.startswith("postgresql://") or db.startswith("postgres://"))


def new_db(tmpdir, name="sg"):
    """A store for one test: TMPDIR/NAME.db, or on the PostgreSQL pass a fresh database.

    The directory is not created (the binary creates it 0700, as in production).
    """
    if backend() == "postgresql":
        import pgserver
        srv = pgserver.PgServer.shared()
        dbname = srv.unique_name(name.replace(".db", ""))
        uri = srv.new_database(dbname)
        _made_pg.append(dbname)
        _state_dirs[uri] = tmpdir
        return uri
    return os.path.join(tmpdir, name if name.endswith(".db") else name + ".db")


def pg_dbname(uri):
    return uri.split("///", 1)[1].split("?", 1)[0]


_made_pg = []  # databases new_db() created on a server this process does not own
_state_dirs = {}  # URI -> the tmpdir new_db() was given: its SAASGUARD_STATE_DIR


def db_env(db):
    """Environment a saasguard process started by hand (Popen) needs for store db:
    on PostgreSQL the state directory its files go to (see run())."""
    return {"SAASGUARD_STATE_DIR": _state_dirs[db]} if db in _state_dirs else {}


def _drop_made_pg():
    # run.py's server outlives this module's process: leave it as found.
    import pgserver
    srv = pgserver.PgServer._shared
    if srv is None or srv.owned:
        return
    for name in _made_pg:
        try:
            srv.drop_database(name)
        except Exception:  # noqa: BLE001 - the pass's end removes the whole server anyway
            pass


import atexit  # noqa: E402
atexit.register(_drop_made_pg)


def db_exists(db):
    """The SQLite file exists, or the PostgreSQL database does (new_db() creates it)."""
    if not is_pg(db):
        return os.path.exists(db)
    import pgserver
    name = pg_dbname(db).replace("'", "''")
    return pgserver.PgServer.shared().psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{name}'", "postgres").strip() == "1"


def db_untouched(db):
    """Nothing was written: no SQLite file, or a PostgreSQL database without any table."""
    if not is_pg(db):
        return not os.path.exists(db)
    return db_query(db, "SELECT COUNT(*) FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")[0][0] == 0


def db_raw_bytes(db):
    """Everything the store holds, as stored: the SQLite file and its WAL, or a plain
    pg_dump of the database (every row of every table), for "this secret is nowhere"."""
    if not is_pg(db):
        out = b""
        for f in (db, db + "-wal"):
            if os.path.exists(f):
                with open(f, "rb") as fh:
                    out += fh.read()
        return out
    import pgserver
    srv = pgserver.PgServer.shared()
    p = subprocess.run([os.path.join(srv.bindir, "pg_dump"), "--no-owner", "-h", srv.socket_dir,
                        "-U", srv.superuser, "-d", pg_dbname(db)],
                       capture_output=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    if p.returncode != 0:
        raise RuntimeError(f"pg_dump {pg_dbname(db)}: {p.stderr.decode(errors='replace')}")
    return p.stdout


def missing_db(tmpdir, name="nope"):
    """A store that does not exist: a path in tmpdir, or a database never created."""
    if backend() == "postgresql":
        import pgserver
        srv = pgserver.PgServer.shared()
        return srv.uri(srv.unique_name(name + "_missing"))
    return os.path.join(tmpdir, name + ".db")


def sqlite_only(why):
    """Decorator for a test (method or class) that by nature needs the SQLite backend
    (file modes, the file itself, WAL, sqlite3 CLI). The PostgreSQL pass leaves it out;
    run.py lists it with why, and never counts it as a pass."""
    def wrap(obj):
        if backend() == "postgresql":
            return unittest.skip(SQLITE_ONLY_PREFIX + why)(obj)
        return obj
    return wrap


def _qmark_to_format(sql):
    """'?' placeholders to psycopg2's '%s' (and a literal '%' to '%%'), outside quotes."""
    out, quote = [], None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


class PgConnection:
    """A psycopg2 connection that reads like sqlite3's: execute(sql, params) with '?'
    placeholders returning the cursor, commit(), close(), a context manager that
    commits or rolls back. Autocommit unless inside `with`: a test's read never holds
    a transaction (and its locks) open under the daemon, as sqlite3 does not either."""

    def __init__(self, uri):
        if psycopg2 is None:
            raise RuntimeError("python3-psycopg2 is missing (run the tests with /usr/bin/python3)")
        self.conn = psycopg2.connect(uri)
        self.conn.autocommit = True
        self._depth = 0

    def execute(self, sql, params=()):
        cur = self.conn.cursor()
        if self._depth:
            # A failed statement leaves the transaction usable, as in SQLite (a test
            # asserts a refused INSERT, then goes on in the same block).
            cur.execute("SAVEPOINT sg_stmt")
        try:
            if params:
                cur.execute(_qmark_to_format(sql), tuple(params))
            else:
                cur.execute(sql)
        except Exception:
            if self._depth:
                self.conn.cursor().execute("ROLLBACK TO SAVEPOINT sg_stmt")
            raise
        if self._depth:
            self.conn.cursor().execute("RELEASE SAVEPOINT sg_stmt")
        return cur

    def executemany(self, sql, seq):
        cur = self.conn.cursor()
        cur.executemany(_qmark_to_format(sql), [tuple(p) for p in seq])
        return cur

    def executescript(self, sql):
        cur = self.conn.cursor()
        cur.execute(sql)
        return cur

    def cursor(self):
        return self.conn.cursor()

    def commit(self):
        if not self.conn.autocommit:
            self.conn.commit()

    def rollback(self):
        if not self.conn.autocommit:
            self.conn.rollback()

    def close(self):
        self.conn.close()

    def __enter__(self):
        # Like sqlite3: the block is one transaction, committed at its end, rolled
        # back by an exception; the connection stays open.
        if self._depth == 0:
            self.conn.autocommit = False
        self._depth += 1
        return self

    def __exit__(self, exc_type, exc, tb):
        self._depth -= 1
        if self._depth == 0:
            try:
                if exc_type is None:
                    self.conn.commit()
                else:
                    self.conn.rollback()
            finally:
                self.conn.autocommit = True
        return False


def db_connect(db):
    """A connection to the test store db (a path or a postgresql:// URI)."""
    if is_pg(db):
        return PgConnection(db)
    return sqlite3.connect(db)


def insert_id(conn, sql, params=()):
    """Runs one INSERT and returns the new row's id (sqlite3's lastrowid; RETURNING id)."""
    if isinstance(conn, PgConnection):
        return conn.execute(sql + " RETURNING id", params).fetchone()[0]
    return conn.execute(sql, params).lastrowid


def drop_triggers(conn, triggers):
    """Takes away append-only triggers as an insider with the database's owner rights
    would: triggers is {table: [trigger names]}. SQLite: DROP TRIGGER IF EXISTS each;
    PostgreSQL: ALTER TABLE … DISABLE TRIGGER USER (every user trigger of the table,
    whatever the backend named them)."""
    for table, names in triggers.items():
        if isinstance(conn, PgConnection):
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for n in names:
                conn.execute(f"DROP TRIGGER IF EXISTS {n}")


def clone_db(db, tmpdir, name="sg"):
    """A copy of store db: a file copied into tmpdir, or CREATE DATABASE … TEMPLATE."""
    if is_pg(db):
        import pgserver
        srv = pgserver.PgServer.shared()
        src = pg_dbname(db)
        dst = srv.unique_name(name.replace(".db", ""))
        srv.psql(f'CREATE DATABASE "{dst}" TEMPLATE "{src}"', "postgres")
        return srv.uri(dst)
    out = os.path.join(tmpdir, name if name.endswith(".db") else name + ".db")
    shutil.copyfile(db, out)
    return out


def db_query(db, sql, params=()):
    """All rows of one query, connection closed after."""
    c = db_connect(db)
    try:
        return c.execute(sql, params).fetchall()
    finally:
        c.close()
