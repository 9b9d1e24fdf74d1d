"""The running daemon seals the ledger in the background while it keeps
probing, and once more at shutdown; the result verifies."""
import os
import socket
import time
import unittest

import sg
from test_monitor import start_monitor, stop_monitor


class DaemonSeals(unittest.TestCase):
    def test_periodic_heads_while_running(self):
        d = sg.scratch(self)
        key = os.path.join(d, "ledger.key")
        r = sg.run("ledger", "keygen", "--key", key)
        self.assertEqual(r.code, 0, repr(r))
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self.addCleanup(listener.close)
        port = listener.getsockname()[1]
        prof = os.path.join(d, "p.yaml")
        with open(prof, "w", encoding="utf-8") as f:
            f.write("service: {name: seal-test, pattern: 1}\n"
                    "monitor:\n  digest_interval: 1s\n  checks:\n"
                    f"    - {{name: db, kind: liveness, type: tcp, host: 127.0.0.1, port: {port},"
                    " interval: 1s}\n"
                    f"ledger: {{key: '{key}', seal_every: 1s, seal_every_entries: 1}}\n")
        db = sg.new_db(d)
        p = start_monitor(prof, db)
        deadline = time.time() + 20
        heads = 0
        while time.time() < deadline and heads < 2:
            time.sleep(0.5)
            try:
                con = sg.db_connect(db)
                heads = con.execute("SELECT COUNT(*) FROM ledger_heads").fetchone()[0]
                con.close()
            except sg.DB_ERRORS:
                pass
        probes_before = sg.db_connect(db).execute(
            "SELECT COUNT(*) FROM check_results").fetchone()[0]
        time.sleep(2)
        probes_after = sg.db_connect(db).execute(
            "SELECT COUNT(*) FROM check_results").fetchone()[0]
        err = stop_monitor(self, p)
        self.assertGreaterEqual(heads, 2, err)
        self.assertGreater(probes_after, probes_before, "probing went on while sealing")
        con = sg.db_connect(db)
        size, entries = con.execute(
            "SELECT (SELECT tree_size FROM ledger_heads ORDER BY id DESC LIMIT 1),"
            " (SELECT COUNT(*) FROM ledger_entries)").fetchone()
        con.close()
        self.assertEqual(size, entries, "the shutdown head covers every entry")
        r = sg.run("ledger", "verify", "--db", db, "--public-key", key + ".pub")
        self.assertEqual(r.code, 0, repr(r))
