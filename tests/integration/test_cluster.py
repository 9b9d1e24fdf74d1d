"""Several monitors in several locations on one PostgreSQL store (issue 14):
real monitors, a real PostgreSQL 15 (pgserver.py), nginx as the target and an
SMTP receiver, all on loopback.

- Agreement: three locations, one of them in a network namespace of its own
  (`ip netns`, root only): it reaches PostgreSQL through the Unix socket but
  not the target. Its lone failure is a managers-only internal alert, no
  incident, no user mail; a real outage is one incident and one outage mail
  to all users; kill -9 of the coordinator mid-incident: another monitor
  holds the lease within the stated bound, the recovery closes the incident
  once and one recovery notice goes out.
- Sharding: two monitors in each of two locations with `shards: auto`; one
  is killed; every check keeps its interval in every location (largest gap
  <= 2 x interval) and no check runs twice in one interval in one location.

The network namespace needs root: as in test_monitor_dns.py the class is
skipped otherwise, and tests/run.py counts a skip as a failure, so a run
without root fails loudly rather than passing without the test.
"""
import os
import signal
import subprocess
import time
import unittest

import sg
from pgserver import PgServer
from profiles import SERVICE_HOURS, monitor_profile, smtp_notify, wait_for
from profiles import query as q
from servers import Nginx, Receiver

LEASE_TTL = 4.0  # src/cluster.h CLUSTER_LEASE_TTL_S
INTERVAL = 4.0   # the agreement test's check: failover bound (6 s) < 2 x interval
FAILOVER_BOUND = LEASE_TTL + 2.0  # docs/internals/cluster.md: TTL + 1 s tick + 1 s pass
NOISE = 0.2  # a timer fires a few ms late; slots themselves are exact


def write_profile(path, url, checks=1, interval="4s", smtp_port=None, extra=""):
    lines = []
    for i in range(checks):
        name = "web" if checks == 1 else f"c{i:02d}"
        lines.append(f'    - {{name: {name}, kind: liveness, type: http, url: "{url}", '
                     f'interval: {interval}, timeout: 1s}}\n')
    notify = smtp_notify(smtp_port) if smtp_port else ""
    monitor_profile(path, "".join(lines), notify + SERVICE_HOURS, monitor_extra=extra)


class Cluster:
    """The monitors of one test, each a process; stopped at cleanup."""

    def __init__(self, test, prof, db):
        self.test, self.prof, self.db = test, prof, db
        self.procs = {}
        test.addCleanup(self.stop_all)

    def start(self, name, location, netns=None):
        argv = [sg.binary(), "monitor", self.prof, "--db", self.db, "--location", location]
        if netns:
            argv = ["ip", "netns", "exec", netns] + argv
        log = open(os.path.join(os.path.dirname(self.prof), name + ".log"), "w")
        self.procs[name] = (subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log,
                                             env=dict(os.environ, LANG="C.UTF-8")), log)
        return self.procs[name][0]

    def log(self, name):
        with open(os.path.join(os.path.dirname(self.prof), name + ".log"), encoding="utf-8",
                  errors="replace") as f:
            return f.read()

    def kill9(self, name):
        p, log = self.procs.pop(name)
        p.kill()
        p.wait()
        log.close()

    def stop(self, name):
        p, log = self.procs.pop(name)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
        return p.returncode

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)


def holder(db):
    """(node id, location) holding an unexpired lease, or None."""
    try:
        rows = q(db, "SELECT n.id, n.location FROM cluster_lease l JOIN cluster_nodes n ON "
                     "n.id = l.holder WHERE l.expires_at > extract(epoch from now())")
    except sg.DB_ERRORS:
        return None  # the first monitor has not made the tables yet
    return tuple(rows[0]) if rows else None


@unittest.skipUnless(os.geteuid() == 0, "needs root for a network namespace (ip netns)")
class Agreement(unittest.TestCase):
    def setUp(self):
        self.ns = f"sgcl{os.getpid()}"
        subprocess.run(["ip", "netns", "add", self.ns], check=True, capture_output=True)
        self.addCleanup(subprocess.run, ["ip", "netns", "del", self.ns], capture_output=True)
        pg = PgServer.shared()
        name = pg.unique_name("sg_cluster")
        self.db = pg.new_database(name)
        self.addCleanup(pg.drop_database, name)

    def users_mail(self, smtp, word):
        return [m for m in smtp.messages()
                if "users@customer.example.jp" in m["to"] and word in m["subject"]]

    def test_one_location_alone_then_outage_then_failover(self):
        d = sg.scratch(self)
        os.chmod(d, 0o755)
        ng = Nginx(self)
        ng.start()
        smtp = Receiver(self, "smtp")
        smtp.start()
        prof = os.path.join(d, "p.yaml")
        write_profile(prof, ng.url(), smtp_port=smtp.port)
        cl = Cluster(self, prof, self.db)
        cl.start("tokyo", "tokyo-1")
        # The first monitor coordinates; the others join it.
        self.assertTrue(wait_for(lambda: holder(self.db), 10), cl.log("tokyo"))
        cl.start("osaka", "osaka-1")
        cl.start("cut", "cut-off", netns=self.ns)
        r = wait_for(lambda: len(q(self.db, "SELECT id FROM cluster_nodes WHERE "
                                            "stopped_at IS NULL")) == 3, 10)
        self.assertTrue(r)

        # 1. Only the cut-off location fails: managers hear of it, nobody else.
        alert = wait_for(lambda: [m for m in smtp.messages()
                                  if "ops@provider.example.jp" in m["to"]
                                  and "運用連絡" in m["subject"]], 25)
        self.assertEqual(len(alert), 1, smtp.messages())
        self.assertIn("cut-off", alert[0]["body"])
        time.sleep(3)
        self.assertEqual(q(self.db, "SELECT count(*) FROM incidents")[0][0], 0,
                         "\n".join(cl.log(n) for n in ("tokyo", "osaka", "cut")))
        self.assertEqual([m for m in smtp.messages() if "users@customer.example.jp" in m["to"]],
                         [])
        self.assertEqual(len([m for m in smtp.messages() if "運用連絡" in m["subject"]]), 1)
        r = sg.run("incident", "list", "--db", self.db, "--format", "json")
        self.assertEqual(r.code, 0, r)
        only = [i for i in r.json() if i["kind"] == "location_only"]
        self.assertEqual(len(only), 1, r.out)
        self.assertEqual(only[0]["locations"], ["cut-off"])
        self.assertEqual(only[0]["audience"], "managers")
        r = sg.run("incident", "list", "--db", self.db, lang="en")
        self.assertIn("location only (managers told)", r.out)

        # 2. The target really stops: one incident, one outage mail to users.
        t_stop = time.time()
        ng.stop()
        got = wait_for(lambda: self.users_mail(smtp, "障害発生"), 30)
        self.assertEqual(len(got), 1, smtp.messages())
        self.assertLess(got[0]["received_at"] - t_stop, 30)
        inc = q(self.db, "SELECT id, kind FROM incidents")
        self.assertEqual(len(inc), 1, inc)
        self.assertEqual(inc[0][1], "outage")
        locs = sorted(r[0] for r in q(self.db, "SELECT location FROM "
                                                "cluster_incident_locations WHERE incident_id = ?",
                                       inc[0][0]))
        # the quorum (2 of 3) that confirmed it when it opened
        self.assertGreaterEqual(len(locs), 2, locs)
        self.assertTrue(set(locs) <= {"tokyo-1", "osaka-1", "cut-off"}, locs)
        self.assertTrue({"tokyo-1", "osaka-1"} & set(locs), locs)
        r = sg.run("incident", "list", "--db", self.db, "--format", "json")
        rows = [i for i in r.json() if i["kind"] == "outage"]
        self.assertEqual(len(rows), 1)
        for k in ("id", "check", "detected_at", "resolved_at", "locations"):
            self.assertIn(k, rows[0])
        self.assertIsNone(rows[0]["resolved_at"])

        # 3. kill -9 the coordinator mid-incident: another takes over in time.
        before = holder(self.db)
        self.assertTrue(before)
        names = {"tokyo-1": "tokyo", "osaka-1": "osaka", "cut-off": "cut"}
        t_kill = time.time()
        cl.kill9(names[before[1]])
        after = wait_for(lambda: (lambda h: h if h and h[0] != before[0] else None)(
            holder(self.db)), 15, step=0.05)
        took = time.time() - t_kill
        self.assertTrue(after, "nobody took the lease over")
        self.assertLessEqual(took, FAILOVER_BOUND + 0.5, f"failover took {took:.1f} s")
        self.assertLess(took, 2 * INTERVAL, "failover within two check intervals")
        print(f"\n  failover after kill -9: {took:.2f} s (to {after[1]})", flush=True)
        r = sg.run("cluster", "status", "--db", self.db, "--format", "json")
        self.assertEqual(r.code, 0, r)
        coord = [n for n in r.json() if n["role"] == "coordinator"]
        self.assertEqual(len(coord), 1, r.out)
        self.assertEqual(coord[0]["location"], after[1])

        # 4. Recovery: the incident closes once, one recovery notice.
        ng.start()
        closed = wait_for(lambda: q(self.db, "SELECT resolved_at FROM incidents "
                                             "WHERE resolved_at IS NOT NULL"), 30)
        self.assertEqual(len(closed), 1, (after, q(self.db, "SELECT * FROM cluster_check_states"),
                                          q(self.db, "SELECT * FROM cluster_nodes"),
                                          {n: cl.log(n)[-2500:] for n in cl.procs}))
        queued = q(self.db, "SELECT count(*) FROM notifications WHERE purpose = "
                            "'incident_resolved' AND audience = 'all_users'")[0][0]
        self.assertEqual(queued, 1)
        rec = wait_for(lambda: self.users_mail(smtp, "復旧"), 15)
        if not rec and after[1] == "cut-off" and "cut" in cl.procs:
            # The cut-off monitor cannot reach the mail server: the notice
            # waits in the outbox until a monitor that can coordinates.
            self.assertEqual(cl.stop("cut"), 0)
            rec = wait_for(lambda: self.users_mail(smtp, "復旧"), 20)
        self.assertEqual(len(rec), 1, (after, q(self.db, "SELECT id, purpose, audience, "
                                                  "delivered_at, attempts, last_error, "
                                                  "claimed_by FROM notifications"),
                                        {n: cl.log(n)[-2000:] for n in cl.procs}))
        time.sleep(3)
        self.assertEqual(len(self.users_mail(smtp, "復旧")), 1)
        self.assertEqual(len(self.users_mail(smtp, "障害発生")), 1)
        self.assertEqual(q(self.db, "SELECT count(*) FROM incidents")[0][0], 1)
        for name in list(cl.procs):
            self.assertEqual(cl.stop(name), 0, cl.log(name))


class Sharding(unittest.TestCase):
    INTERVAL = 6.0  # more than TTL + 1 s: a dead node's check misses one slot at most
    CHECKS = 12

    def test_kill_one_of_two_each_check_keeps_its_interval(self):
        pg = PgServer.shared()
        name = pg.unique_name("sg_shard")
        db = pg.new_database(name)
        self.addCleanup(pg.drop_database, name)
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof = os.path.join(d, "p.yaml")
        write_profile(prof, ng.url(), checks=self.CHECKS, interval="6s",
                      extra="  shards: auto\n")
        cl = Cluster(self, prof, db)
        for n, loc in (("a1", "east"), ("a2", "east"), ("b1", "west"), ("b2", "west")):
            cl.start(n, loc)
        # Measure once every node saw the others (a heartbeat each second).
        time.sleep(4)
        t0 = time.time()
        time.sleep(2 * self.INTERVAL)
        want = ["1/2", "1/2", "2/2", "2/2"]
        shards = wait_for(lambda: sorted(str(r[0]) for r in q(
            db, "SELECT shard FROM cluster_nodes WHERE stopped_at IS NULL")) == want, 10)
        self.assertTrue(shards, (q(db, "SELECT * FROM cluster_nodes"),
                                 {n: cl.log(n)[-1500:] for n in cl.procs}))
        per_node = q(db, "SELECT node_id, count(*) FROM check_results WHERE at > ? "
                         "GROUP BY node_id", t0)
        self.assertEqual(len(per_node), 4, per_node)  # every node runs a share
        cl.kill9("a2")
        t_kill = time.time()
        time.sleep(4 * self.INTERVAL)
        t1 = time.time()
        for n in list(cl.procs):
            self.assertEqual(cl.stop(n), 0, cl.log(n))
        rows = q(db, "SELECT c.name, r.location, r.at, r.node_id FROM check_results r "
                     "JOIN checks c ON c.id = r.check_id WHERE r.at >= ? AND r.at <= ? "
                     "ORDER BY c.name, r.location, r.at", t0, t1)
        series = {}
        for name_, loc, at, node in rows:
            series.setdefault((name_, loc), []).append((at, node))
        self.assertEqual(len(series), 2 * self.CHECKS, sorted(series))
        worst = 0.0
        for key, s in series.items():
            ats = [a for a, _ in s]
            gaps = [b - a for a, b in zip(ats, ats[1:])]
            self.assertTrue(gaps, key)
            worst = max(worst, max(gaps), ats[0] - t0, t1 - ats[-1])
            # no check twice in one interval in one location
            self.assertGreater(min(gaps), 0.5 * self.INTERVAL, f"{key}: {s}")
            # largest gap <= 2 x interval, also across the kill: slots are
            # exactly one interval apart and a handover misses one at most
            # (plus the timer's few ms of lateness on either slot)
            self.assertLessEqual(max(gaps), 2 * self.INTERVAL + NOISE, f"{key}: {s}")
        # After the kill, the east checks run on the survivor alone.
        east_nodes = {n for (name_, loc), s in series.items() if loc == "east"
                      for a, n in s if a > t_kill + self.INTERVAL + LEASE_TTL}
        self.assertEqual(len(east_nodes), 1, east_nodes)
        print(f"\n  sharding: largest gap {worst:.2f} s (interval {self.INTERVAL:.0f} s)",
              flush=True)


class ClusterOfOne(unittest.TestCase):
    """The single monitor on its SQLite file: the same code, a cluster of one
    node that holds the lease; cluster status shows it, the incident lists
    its location."""

    def test_sqlite_single_monitor_is_coordinator(self):
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        prof = os.path.join(d, "p.yaml")
        write_profile(prof, ng.url(), interval="1s")
        db = os.path.join(d, "one.db")
        r = sg.run("monitor", prof, "--db", db, "--once", "--location", "tokyo-1")
        self.assertEqual(r.code, 0, r)
        r = sg.run("cluster", "status", "--db", db, "--format", "json")
        self.assertEqual(r.code, 0, r)
        nodes = r.json()
        self.assertEqual(len(nodes), 1)
        self.assertEqual(nodes[0]["location"], "tokyo-1")
        self.assertEqual(nodes[0]["status"], "stopped")
        self.assertIsNotNone(nodes[0]["stopped_at"])
        ng.stop()
        r = sg.run("monitor", prof, "--db", db, "--once")
        self.assertEqual(r.code, 0, r)
        r = sg.run("incident", "list", "--db", db, "--format", "json")
        inc = [i for i in r.json() if i["kind"] == "outage"]
        self.assertEqual(len(inc), 1, r.out)
        self.assertEqual(inc[0]["locations"], [os.uname().nodename])
        res = q(db, "SELECT DISTINCT location FROM check_results ORDER BY 1")
        self.assertEqual(sorted(x[0] for x in res), sorted(["tokyo-1", os.uname().nodename]))

    def test_bad_location_and_quorum(self):
        d = sg.scratch(self)
        prof = os.path.join(d, "p.yaml")
        write_profile(prof, "http://127.0.0.1:9/", extra="  quorum: 0\n")
        r = sg.run("monitor", prof, "--db", os.path.join(d, "x.db"), "--once", lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("p.yaml:", r.err)
        self.assertIn("quorum", r.err)
        write_profile(prof, "http://127.0.0.1:9/", extra="  shards: 3\n")
        r = sg.run("monitor", prof, "--db", os.path.join(d, "x.db"), "--once", lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("shards takes only auto", r.err)
        write_profile(prof, "http://127.0.0.1:9/")
        r = sg.run("monitor", prof, "--db", os.path.join(d, "x.db"), "--once", "--location",
                   "tokyo 1", lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("location", r.err)


if __name__ == "__main__":
    unittest.main()
