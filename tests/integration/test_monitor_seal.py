"""The running daemon seals the ledger in the background while it keeps
probing, and once more at shutdown; the result verifies."""
import os
import time
import unittest

import sg
from profiles import start_monitor, stop_monitor, tcp_ledger_profile


class DaemonSeals(unittest.TestCase):
    def test_periodic_heads_while_running(self):
        prof, key = tcp_ledger_profile(self, "seal-test", "  digest_interval: 1s\n")
        d = os.path.dirname(prof)
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
