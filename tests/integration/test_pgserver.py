"""The harness's own PostgreSQL (pgserver.py): started from nothing as an
unprivileged user, reachable through its Unix socket only (no TCP port), data
kept across restart() with the same socket, a role's grants enforced, the
directory gone after stop(); and sg.db_connect() reading it like sqlite3."""
import os
import pwd
import unittest

import sg
from pgserver import PgServer


def listening_tcp_ports_of(pids):
    """Every TCP port in LISTEN state owned by one of pids (from /proc)."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            pass
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                    ports.append(int(cols[1].split(":")[1], 16))
    return ports


def server_pids(postmaster):
    pids = [postmaster]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        pids.append(int(pid))
            except OSError:
                pass
    return pids


class PgServerLifecycle(unittest.TestCase):
    def setUp(self):
        self.pg = PgServer().start()
        self.addCleanup(self.pg.stop)

    def test_unprivileged_socket_only_restart_keeps_data(self):
        pg = self.pg
        # Not root: PostgreSQL refuses root, and a test server must not need it.
        uid = os.stat(f"/proc/{pg.proc.pid}").st_uid
        self.assertNotEqual(uid, 0)
        if os.geteuid() == 0:
            self.assertEqual(pwd.getpwuid(uid).pw_name, "sgpgtest")
        # The socket is in the temp dir; nothing listens on TCP.
        sock = os.path.join(pg.socket_dir, ".s.PGSQL.5432")
        self.assertTrue(os.path.exists(sock))
        self.assertTrue(pg.socket_dir.startswith(pg.top))
        self.assertEqual(listening_tcp_ports_of(server_pids(pg.proc.pid)), [])
        self.assertEqual(pg.psql("SHOW listen_addresses").strip(), "")
        # A database, a row, a restart: the row is still there, same socket path.
        uri = pg.new_database("sg_lifecycle")
        self.assertEqual(uri, f"postgresql:///sg_lifecycle?host={pg.socket_dir}&user=postgres")
        pg.psql("CREATE TABLE t(x int); INSERT INTO t VALUES (42)", "sg_lifecycle")
        old_pid = pg.proc.pid
        pg.restart()
        self.assertNotEqual(pg.proc.pid, old_pid)
        self.assertTrue(os.path.exists(sock))
        self.assertEqual(pg.psql("SELECT x FROM t", "sg_lifecycle").strip(), "42")
        # A crash (SIGKILL of the whole server) and a start: recovered, data kept.
        pg.kill()
        self.assertFalse(pg.running())
        pg.start()
        self.assertEqual(pg.psql("SELECT x FROM t", "sg_lifecycle").strip(), "42")
        top = pg.top
        pg.stop()
        self.assertFalse(os.path.exists(top))

    def test_role_grants_are_enforced(self):
        pg = self.pg
        pg.new_database("sg_roles")
        pg.psql("CREATE TABLE ledger(seq int); INSERT INTO ledger VALUES (1)", "sg_roles")
        uri = pg.role("appender", "GRANT SELECT, INSERT ON ledger TO appender", "sg_roles")
        self.assertIn("user=appender", uri)
        pg.psql("INSERT INTO ledger VALUES (2)", "sg_roles", user="appender")
        for sql in ("UPDATE ledger SET seq = 9", "DELETE FROM ledger"):
            with self.assertRaisesRegex(RuntimeError, "permission denied"):
                pg.psql(sql, "sg_roles", user="appender")
        self.assertEqual(pg.psql("SELECT count(*) FROM ledger", "sg_roles").strip(), "2")


class DbLayerOnPostgres(unittest.TestCase):
    def test_connection_reads_like_sqlite3(self):
        pg = PgServer().start()
        self.addCleanup(pg.stop)
        db = pg.new_database("sg_layer")
        self.assertTrue(sg.is_pg(db))
        c = sg.db_connect(db)
        try:
            with c:
                c.execute("CREATE TABLE t(id bigserial PRIMARY KEY, name text UNIQUE, b bytea)")
                first = sg.insert_id(c, "INSERT INTO t(name, b) VALUES (?, ?)", ("a%", b"\x00\x01"))
                # a refused row inside the block leaves the rest of the block standing
                with self.assertRaises(sg.DB_INTEGRITY_ERRORS):
                    c.execute("INSERT INTO t(name) VALUES (?)", ("a%",))
                c.execute("INSERT INTO t(name) VALUES ('b?')")
            rows = c.execute("SELECT id, name, b FROM t WHERE name LIKE 'a%' OR name = ? "
                             "ORDER BY id", ("b?",)).fetchall()
            self.assertEqual(rows[0], (first, "a%", b"\x00\x01"))
            self.assertEqual([r[1] for r in rows], ["a%", "b?"])
            with self.assertRaises(sg.DB_OPERATIONAL_ERRORS):
                c.execute("SELECT * FROM not_created_yet")
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main()
