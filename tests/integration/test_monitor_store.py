"""The daemon and its store under bad luck (issue 16, "Lost data"): a full
disk during an outage, a report whose reader is slow, a second monitor on
the same store. Real components throughout: a tmpfs filled to the last
byte, nginx stopped for a real outage, the real `report` command writing
into a pipe nobody reads."""
import fcntl
import json
import os
import re
import subprocess
import time
import unittest

import sg
from profiles import (SERVICE_HOURS, monitor_profile, query, query_early, start_monitor,
                      stop_monitor, wait_for)
from servers import Nginx


def write_profile(path, url, extra=0):
    more = "".join(f"""    - {{name: web{i}, kind: fault, type: http, url: "{url}", interval: 1s, timeout: 1s}}\n"""
                   for i in range(extra))
    monitor_profile(path, f"""\
    - {{name: web, kind: liveness, type: http, url: "{url}", expect_status: 200, interval: 1s, timeout: 1s}}
{more}""", SERVICE_HOURS, window=None)


class Retention(unittest.TestCase):
    def test_raw_results_past_retention_go_rollups_stay(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        write_profile(prof, ng.url())
        with open(prof, encoding="utf-8") as f:
            text = f.read()
        with open(prof, "w", encoding="utf-8") as f:
            f.write(text.replace("  confirm: 2\n", "  confirm: 2\n  retention: 30d\n"
                                 "  retention_failures: 400d\n"))
        r = sg.run("monitor", prof, "--db", db, "--once", timeout=60)
        self.assertEqual(r.code, 0, r)
        now = time.time()
        c = sg.db_connect(db)
        with c:
            cid = c.execute("SELECT id FROM checks").fetchone()[0]
            rows = [(cid, now - 40 * 86400, 1), (cid, now - 40 * 86400, 0),
                    (cid, now - 401 * 86400, 0), (cid, now - 20 * 86400, 1)]
            if sg.is_pg(db):
                # PostgreSQL keeps results in one partition per UTC day; the
                # writer makes them for the days it writes, the test for these.
                for _, at, _ in rows:
                    day = int(at // 86400)
                    name = time.strftime("%Y%m%d", time.gmtime(day * 86400))
                    c.execute(f"CREATE TABLE IF NOT EXISTS check_results_{name} PARTITION OF "
                              f"check_results FOR VALUES FROM ({day * 86400}) TO "
                              f"({(day + 1) * 86400})")
            c.executemany("INSERT INTO check_results(check_id, at, ok, latency_ms) "
                          "VALUES (?, ?, ?, 1.0)", rows)
            daily = c.execute("SELECT COUNT(*) FROM check_daily").fetchone()[0]
        c.close()
        r = sg.run("monitor", prof, "--db", db, "--once", timeout=60)
        self.assertEqual(r.code, 0, r)
        self.assertIn("past their retention removed", r.err)
        c = sg.db_connect(db)
        try:
            old = c.execute("SELECT ok, ROUND((? - at) / 86400) FROM check_results "
                            "WHERE at < ? ORDER BY at", (now, now - 86400)).fetchall()
            daily_after = c.execute("SELECT COUNT(*) FROM check_daily").fetchone()[0]
        finally:
            c.close()
        # A failure of 40 days stays (400 days for failures), a success of 20
        # days stays; a success of 40 days and a failure of 401 days go.
        self.assertEqual(old, [(0, 40.0), (1, 20.0)])
        if sg.is_pg(db):
            # the 401-day partition went whole; the 40-day one stays for its failure
            parts = sg.db_query(db, "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON "
                                "p.oid = i.inhparent WHERE p.relname = 'check_results'")
            day401 = time.strftime("%Y%m%d", time.gmtime(int((now - 401 * 86400) // 86400) * 86400))
            gone = sg.db_query(db, "SELECT count(*) FROM pg_class WHERE relname = ?",
                               (f"check_results_{day401}",))
            self.assertEqual(gone[0][0], 0)
            self.assertGreaterEqual(parts[0][0], 3)
        self.assertGreaterEqual(daily_after, daily)


class SecondMonitor(unittest.TestCase):
    @sg.sqlite_only("one monitor per SQLite file (the lock beside it); on PostgreSQL several "
                    "monitors share a store by design (issue 14)")
    def test_refused_naming_the_running_one(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        write_profile(prof, ng.url())
        first = start_monitor(prof, db)
        try:
            time.sleep(1.5)
            r = sg.run("monitor", prof, "--db", db, timeout=20)
            self.assertEqual(r.code, 2, r)
            self.assertIn(f"pid {first.pid}", r.err)
            self.assertIsNone(first.poll())
        finally:
            stop_monitor(self, first)
        runs = sg.db_connect(db).execute("SELECT COUNT(*) FROM monitor_runs").fetchone()[0]
        self.assertEqual(runs, 1)
        # Once the first is gone the store is free again.
        r = sg.run("monitor", prof, "--db", db, "--once", timeout=60)
        self.assertEqual(r.code, 0, r)


class SlowReportReader(unittest.TestCase):
    def test_probes_keep_their_schedule(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        write_profile(prof, ng.url(), extra=4)
        mon = start_monitor(prof, db, "--stats")
        time.sleep(2)
        # A report to a pipe that holds 4 KiB and that nobody reads for 6 s.
        r, w = os.pipe()
        fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ
        env = dict(os.environ, LANG="C.UTF-8")
        rep = subprocess.Popen([sg.binary(), "report", prof, "--format", "html", "--output", "-",
                                "--db", db], stdout=w, stderr=subprocess.PIPE, env=env)
        os.close(w)
        t0 = time.time()
        time.sleep(6)
        blocked = rep.poll() is None
        n_during = sg.db_connect(db).execute(
            "SELECT COUNT(*) FROM check_results WHERE at >= ? AND at < ?",
            (t0 + 0.5, t0 + 5.5)).fetchone()[0]
        data = b""
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            data += chunk
        os.close(r)
        rep.wait(30)
        err = stop_monitor(self, mon)
        self.assertTrue(blocked, "the report was never blocked on its reader: the test proves nothing")
        self.assertEqual(rep.returncode, 0, rep.stderr.read())
        self.assertIn(b"</html>", data)
        # 5 s at 5 probes a second while the report waited on its reader.
        self.assertGreaterEqual(n_during, 20, err)
        stats = json.loads(re.search(r"stats: (\{.*\})", err).group(1))
        self.assertLess(stats["lateness_ms"]["p99"], 100, stats)
        # The kernel's part of the CPU (bench/monitor splits on it). The kernel
        # splits a process's CPU into user and system time by sampling ticks,
        # so the steady state's 30 ms or so may show none; the whole run, with
        # the store's creation and the first round, always has some.
        st = stats["steady"]
        self.assertGreater(st["probes"], 0, stats)
        self.assertGreater(stats["sys_s"], 0, stats)
        self.assertLessEqual(stats["sys_s"], stats["cpu_s"], stats)
        self.assertGreaterEqual(st["sys_s"], 0, stats)
        self.assertLessEqual(st["sys_s"], st["cpu_s"] + st["hourly_cpu_s"], stats)
        self.assertLessEqual(st["sys_s"], stats["sys_s"], stats)


@unittest.skipUnless(os.geteuid() == 0, "needs root to mount a tmpfs")
class DiskFull(unittest.TestCase):
    @sg.sqlite_only("the SQLite file on a full file system (PostgreSQL's disk is the server's)")
    def test_outage_during_a_full_disk_is_recorded_once_space_returns(self):
        d = sg.scratch(self)
        mnt = os.path.join(d, "small")
        os.mkdir(mnt)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mnt], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        ng = Nginx(self)
        ng.start()
        prof, db = os.path.join(d, "p.yaml"), os.path.join(mnt, "sg.db")
        write_profile(prof, ng.url())
        mon = start_monitor(prof, db)
        time.sleep(2.5)
        # Fill the file system to the last byte.
        filler = os.path.join(mnt, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
        os.close(fd)
        t_full = time.time()
        time.sleep(1.5)
        ng.stop()                     # the outage, while nothing can be written
        t_down = time.time()
        time.sleep(5)
        os.unlink(filler)             # space comes back
        time.sleep(2.5)
        ng.start()
        t_up = time.time()
        time.sleep(3)
        err = stop_monitor(self, mon)
        self.assertRegex(err, r"store: .*(full|disk|I/O|readonly)", err)
        self.assertIn("writing again", err)
        c = sg.db_connect(db)
        try:
            inc = c.execute("SELECT kind, started_at, detected_at, resolved_at FROM incidents").fetchall()
            down = c.execute("SELECT start_at, end_at FROM state_intervals WHERE state = 'down' "
                             "AND confirmed = 1").fetchall()
            res = [a for (a,) in c.execute("SELECT r.at FROM check_results r JOIN checks k ON "
                                       "k.id = r.check_id WHERE k.name = 'web' ORDER BY r.at")]
            ledger = [t for (t,) in c.execute("SELECT type FROM ledger_entries")]
        finally:
            c.close()
        # The outage is there, with the times it really had.
        self.assertEqual(len(inc), 1, inc)
        self.assertEqual(inc[0][0], "outage")
        self.assertAlmostEqual(inc[0][1], t_down, delta=1.5)
        self.assertAlmostEqual(inc[0][3], t_up, delta=1.5)
        self.assertEqual(len(down), 1, down)
        self.assertIn("incident_opened", ledger)
        self.assertIn("incident_resolved", ledger)
        # No result was dropped: no gap longer than an interval and a bit.
        gaps = [b - a for a, b in zip(res, res[1:])]
        self.assertLess(max(gaps), 1.6, gaps)
        self.assertGreater(t_full, res[0])


if __name__ == "__main__":
    unittest.main()


def rollup_totals(db):
    """(probes, failures) in the daily rollups and in the raw results."""
    daily = query(db, "SELECT COALESCE(SUM(n), 0), COALESCE(SUM(n_fail), 0) FROM check_daily")[0]
    raw = query(db, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN ok = 0 THEN 1 ELSE 0 END), 0) "
                "FROM check_results")[0]
    return tuple(int(x) for x in daily), tuple(int(x) for x in raw)


class Rollups(unittest.TestCase):
    """The writer sums the daily rollups in memory and writes them every
    minute and at stop (monitor_writer.h): a kill -9 in between must lose no
    count, and a monitor whose results another folded must not count them
    twice."""

    def start(self, extra=2):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        # one check fails throughout (nothing listens there): failures count too
        write_profile(prof, ng.url(), extra)
        with open(prof, encoding="utf-8") as f:
            text = f.read()
        with open(prof, "w", encoding="utf-8") as f:
            f.write(text.replace(f'name: web{extra - 1}, kind: fault, type: http, url: "{ng.url()}"',
                                 f'name: web{extra - 1}, kind: fault, type: http, '
                                 f'url: "http://127.0.0.1:{sg.free_port()}/"'))
        p = start_monitor(prof, db)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        ok = wait_for(lambda: query_early(db, "SELECT COUNT(*) FROM check_results")[:1] and
                      query(db, "SELECT COUNT(*) FROM check_results")[0][0] >= 15, 30)
        self.assertTrue(ok, "no results stored")
        return prof, db, p

    def test_kill_9_before_a_fold_loses_no_count(self):
        prof, db, p = self.start()
        p.kill()
        p.wait(timeout=30)
        daily, raw = rollup_totals(db)
        # nothing folded yet: the next monitor has all of it to do
        self.assertLess(daily[0], raw[0])
        self.assertGreater(raw[1], 0)
        # (on PostgreSQL a node is taken for stopped once its heartbeat is
        # 30 s old; the test ages it rather than wait)
        if sg.is_pg(db):
            c = sg.db_connect(db)
            with c:
                c.execute("UPDATE cluster_nodes SET heartbeat_at = heartbeat_at - 60 "
                          "WHERE stopped_at IS NULL")
            c.close()
        before = query(db, "SELECT MAX(id) FROM check_results")[0][0]
        r = sg.run("monitor", prof, "--db", db, "--once", timeout=60)
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.err, r"results of monitor node \d+, which stopped before")
        daily, raw = rollup_totals(db)
        self.assertEqual(daily, raw)
        # each check resumed at the killed node's last result, which no fold
        # had reached (store_monitor_checks_resume() reads the results after
        # the node's mark): its first new probe's gap is the time since then
        first = query(db, "SELECT r.at, r.gap_s, (SELECT MAX(p.at) FROM check_results p WHERE "
                      "p.check_id = r.check_id AND p.id <= ?) FROM check_results r WHERE r.id = "
                      "(SELECT MIN(f.id) FROM check_results f WHERE f.check_id = r.check_id AND "
                      "f.id > ?)", before, before)
        self.assertEqual(len(first), query(db, "SELECT COUNT(*) FROM checks")[0][0], first)
        for at, gap, prev in first:
            self.assertAlmostEqual(gap, at - prev, places=3, msg=first)
        # the killed node's gaps came back from its stored results
        gaps = query(db, "SELECT MIN(max_gap_s) FROM check_daily WHERE n > 1")[0][0]
        self.assertGreater(gaps, 0.5)
        # and a later monitor finds nothing more to fold
        r = sg.run("monitor", prof, "--db", db, "--once", timeout=60)
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("stopped before", r.err)
        self.assertEqual(*rollup_totals(db))

    def test_results_another_monitor_folded_are_not_counted_twice(self):
        prof, db, p = self.start()
        # What a monitor that took this one for stopped does: fold its
        # results up to X into the rollups and mark its row.
        c = sg.db_connect(db)
        with c:
            node, = c.execute("SELECT id FROM cluster_nodes WHERE stopped_at IS NULL").fetchone()
            upto, = c.execute("SELECT MAX(id) FROM check_results WHERE node_id = ?",
                              (node,)).fetchone()
            rows = c.execute("SELECT check_id, COUNT(*), SUM(CASE WHEN ok = 0 THEN 1 ELSE 0 END) "
                             "FROM check_results WHERE node_id = ? AND id <= ? GROUP BY check_id",
                             (node, upto)).fetchall()
            day, = c.execute("SELECT MIN(day) FROM check_daily").fetchone() or (None,)
            for cid, n, nf in rows:
                c.execute("INSERT INTO check_daily(check_id, day, n, n_fail) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT (check_id, day) DO UPDATE SET n = check_daily.n + "
                          "excluded.n, n_fail = check_daily.n_fail + excluded.n_fail",
                          (cid, day or time.strftime("%Y-%m-%d"), n, nf))
            c.execute("UPDATE cluster_nodes SET rollups_done = 1, folded_upto = ? WHERE id = ?",
                      (upto, node))
        c.close()
        time.sleep(2)  # more results after the mark
        err = stop_monitor(self, p)
        self.assertIn("another monitor took this one for stopped", err)
        daily, raw = rollup_totals(db)
        self.assertEqual(daily, raw)
        self.assertGreater(raw[0], 15)

    def test_hourly_work_reads_rollups_written_for_it(self):
        # The measured values and the period-close reports read the daily
        # rollups: the hourly work asks the writer to fold first
        # (monitor_writer_sync()), rather than read sums up to a minute old.
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        write_profile(prof, ng.url())
        t0 = time.time()
        env = dict(os.environ, LANG="C.UTF-8", SAASGUARD_TEST_HOURLY_FIRST_MS="6000")
        p = subprocess.Popen([sg.binary(), "monitor", prof, "--db", db], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        measured = wait_for(lambda: query_early(db, "SELECT COUNT(*) FROM measurements WHERE "
                                                "collector = 'monitor'")[:1] and
                            query(db, "SELECT COUNT(*) FROM measurements WHERE "
                                  "collector = 'monitor'")[0][0] > 0, 40)
        self.assertTrue(measured, "no measured values from the hourly work")
        folded = query(db, "SELECT COALESCE(SUM(n), 0) FROM check_daily")[0][0]
        self.assertLess(time.time() - t0, 55, "too slow to tell a sync from the minute's fold")
        self.assertGreater(folded, 0)
        stop_monitor(self, p)
        self.assertEqual(*rollup_totals(db))
