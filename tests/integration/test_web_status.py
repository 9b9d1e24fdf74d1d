"""`saasguard serve`: the public status page, its JSON, feed, badges and
inclusion proofs (checked with openssl exactly as the page tells a
customer), the security headers and limits, reload and shutdown."""
import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET

import report_fill
import sg
import webserve


def code_blocks(page):
    return [html.unescape(b) for b in re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S)]


class StatusPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.holder = unittest.TestCase()
        cls.dir, cls.db, cls.prof = webserve.fixture(cls.holder)
        cls.srv = webserve.Server(cls.holder, cls.prof, "--db", cls.db)

    @classmethod
    def tearDownClass(cls):
        cls.holder.doCleanups()

    def test_banner_lists_the_service_url(self):
        self.assertIn("/status/payroll", self.srv.proc.stdout.readline())

    def test_security_headers(self):
        status, h, page = self.srv.get("/status/payroll")
        self.assertEqual(status, 200)
        csp = h["content-security-policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("script-src", csp)  # no script at all
        self.assertEqual(h["x-content-type-options"], "nosniff")
        self.assertEqual(h["referrer-policy"], "no-referrer")
        self.assertNotIn("strict-transport-security", h)  # plain HTTP
        self.assertNotIn("<script", page)
        self.assertNotIn(" style=", page)

    def test_nothing_from_another_origin(self):
        _, _, page = self.srv.get("/status/payroll")
        for url in re.findall(r'(?:src|href)="([^"]*)"', page):
            self.assertTrue(url.startswith("/") or url.startswith("#"), url)

    def test_japanese_by_default_english_on_request(self):
        _, _, ja = self.srv.get("/status/payroll")
        self.assertIn('<html lang="ja">', ja)
        self.assertIn("過去 90 日間の稼働率", ja)
        _, _, en = self.srv.get("/status/payroll?lang=en")
        self.assertIn('<html lang="en">', en)
        self.assertIn("Availability, last 90 days", en)
        _, _, en2 = self.srv.get("/status/payroll", headers={"Accept-Language": "en-US,en;q=0.9"})
        self.assertIn('<html lang="en">', en2)
        _, _, ja2 = self.srv.get("/status/payroll",
                                 headers={"Accept-Language": "en;q=0.5, ja;q=0.8"})
        self.assertIn('<html lang="ja">', ja2)

    def test_hidden_check_never_leaks(self):
        for path in ("/status/payroll", "/status/payroll?lang=en", "/status/payroll.json",
                     "/status/payroll/feed.atom", "/status/", "/status/payroll/verify",
                     "/badge/payroll/status.svg"):
            _, _, body = self.srv.get(path)
            self.assertNotIn("api-latency", body, path)
            self.assertNotIn("isp-uplink", body, path)
        j = json.loads(self.srv.get("/status/payroll.json")[2])
        self.assertEqual([c["name"] for c in j["components"]], ["Web 画面", "ログイン"])
        # the degradation of the hidden check (incident 3) is not listed
        self.assertEqual(sorted(i["id"] for i in j["incidents"]), [1, 2, 4, 5])

    def test_month_is_the_availability_command_figure(self):
        j = json.loads(self.srv.get("/status/payroll.json")[2])
        nov = [m for m in j["months"] if m["month"] == "2026-11"][0]
        r = sg.run("availability", self.prof, "--month", "2026-11", "--db", self.db, "--format",
                   "json", env=webserve.ENV)
        self.assertEqual(nov["availability"], r.json()["availability"])
        self.assertEqual(nov["availability"], "99.68%")
        self.assertEqual(nov["committed"], "99.5%")
        self.assertTrue(nov["meets_commitment"])
        days = {d["date"]: d for d in j["days"]}
        self.assertEqual(len(j["days"]), 90)
        self.assertEqual(days["2026-11-05"]["status"], "down")
        self.assertEqual(days["2026-11-10"]["status"], "maintenance")
        self.assertEqual(days["2026-11-06"]["availability"], "100.00%")
        _, _, page = self.srv.get("/status/payroll")
        self.assertIn("99.68%（約定値を満たしております）", page)

    def test_incident_timeline_in_formal_japanese(self):
        _, _, page = self.srv.get("/status/payroll")
        art = page[page.index('id="incident-1"'):]
        art = art[:art.index("</article>")]
        self.assertIn("2026年11月5日（木）10時00分頃から、Web 画面をご利用いただけない状態と"
                      "なりました。", art)
        self.assertIn("2026年11月5日（木）10時02分に当社の監視により検知いたしました。", art)
        self.assertIn("2026年11月5日（木）10時12分に利用者の皆様へ第一報をお知らせいたしました。", art)
        self.assertIn("続報: 原因は設定の誤りでした。", art)
        self.assertIn("2026年11月5日（木）10時47分に復旧いたしました（影響時間 約47分）。", art)
        self.assertIn("ご迷惑をおかけしましたことを深くお詫び申し上げます。", art)
        # no internal words or machine formats in what customers read
        for word in ("Asia/Tokyo", "III.1.1", "https://app.example.jp", "2026-11-05"):
            self.assertNotIn(word, art)
        _, _, en = self.srv.get("/status/payroll?lang=en")
        self.assertIn("Thu 5 Nov 2026, 10:47: restored", en)
        self.assertIn("包含証明", art)

    def test_maintenance_and_escaping(self):
        _, _, page = self.srv.get("/status/payroll")
        self.assertIn("2026年12月8日（火）02時00分から2026年12月8日（火）03時00分まで、"
                      "保守作業を実施いたします。ご理解とご協力をお願い申し上げます。", page)
        self.assertIn("時刻は日本時間で表示しております", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn("<script>", page)

    def test_json_feed_badges_are_well_formed(self):
        status, h, body = self.srv.get("/status/payroll.json")
        self.assertEqual(h["content-type"], "application/json")
        j = json.loads(body)
        self.assertEqual(j["status"], "up")
        self.assertEqual(j["ledger_head"]["tree_size"], 7)  # 2 x (attest, follow-up) + 3
        status, h, feed = self.srv.get("/status/payroll/feed.atom")
        self.assertTrue(h["content-type"].startswith("application/atom+xml"))
        root = ET.fromstring(feed.encode())
        ns = {"a": "http://www.w3.org/2005/Atom"}
        self.assertEqual(len(root.findall("a:entry", ns)), 4)
        link = root.find("a:entry/a:link", ns).get("href")
        self.assertTrue(link.startswith(f"http://127.0.0.1:{self.srv.port}/status/payroll#"), link)
        for kind, want in (("status", "正常"), ("availability", "100.00%")):
            status, h, svg = self.srv.get(f"/badge/payroll/{kind}.svg")
            self.assertEqual(h["content-type"], "image/svg+xml")
            self.assertEqual(h["cross-origin-resource-policy"], "cross-origin")
            ET.fromstring(svg.encode())
            self.assertIn(want, svg)

    def test_proofs_verify_with_openssl_as_the_page_says(self):
        j = json.loads(self.srv.get("/status/payroll.json")[2])
        seqs = [f["ledger_seq"] for i in j["incidents"] for f in i["followups"]
                if f["ledger_seq"] is not None]
        self.assertEqual(len(seqs), 2, j["incidents"])
        _, _, page = self.srv.get("/status/payroll")
        for seq in seqs:
            self.assertIn(f'href="/status/payroll/proof/{seq}"', page)
            status, _, proof = self.srv.get(f"/status/payroll/proof/{seq}")
            self.assertEqual(status, 200)
            blocks = code_blocks(proof)
            # entry text, head, then the steps: download, key, signature, inclusion
            steps = blocks[2:]
            self.assertEqual(len(steps), 4)
            self.assertTrue(shutil.which("curl"))
            work = sg.scratch(self)
            p = subprocess.run(["bash", "-e", "-c", "\n".join(steps)], cwd=work,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("Signature Verified Successfully", p.stdout)
            self.assertTrue(p.stdout.strip().endswith("OK"), p.stdout)
            with open(os.path.join(work, "entry.txt"), encoding="utf-8") as f:
                self.assertIn('"type":"followup_recorded"', f.read())
            # a customer holding a changed entry (or path) is told it does not verify
            for name, edit in (("entry.txt", lambda t: t.replace("続報", "続報X")),
                               ("entry.txt", lambda t: t.replace('"incident":1', '"incident":2'))):
                bad = sg.scratch(self)
                for fn in os.listdir(work):
                    shutil.copy(os.path.join(work, fn), bad)
                with open(os.path.join(bad, name), encoding="utf-8") as f:
                    t = f.read()
                t2 = edit(t)
                if t2 == t:
                    continue
                with open(os.path.join(bad, name), "w", encoding="utf-8") as f:
                    f.write(t2)
                p = subprocess.run(["bash", "-e", "-c", "\n".join(steps[1:])], cwd=bad,
                                   capture_output=True, text=True, timeout=60)
                self.assertNotEqual(p.returncode, 0, p.stdout)

    def test_verify_page_explains_in_japanese(self):
        status, _, page = self.srv.get("/status/payroll/verify")
        self.assertEqual(status, 200)
        self.assertIn("openssl だけを使って", page)
        self.assertIn("openssl pkeyutl -verify -pubin -inkey ledger.pub -rawin", html.unescape(page))
        status, _, en = self.srv.get("/status/payroll/verify?lang=en")
        self.assertIn("with openssl alone", en)

    def test_uncited_entries_cannot_be_fetched(self):
        # seq 0 is an attestation: not cited by the page, so not published
        for path in ("/status/payroll/proof/0", "/status/payroll/proof/0.json",
                     "/status/payroll/proof/0/7/entry.txt"):
            self.assertEqual(self.srv.get(path)[0], 404, path)
        j = json.loads(self.srv.get("/status/payroll.json")[2])
        seq = j["incidents"][-2]["followups"][-1]["ledger_seq"]
        # the files of one proof belong to one head size
        self.assertEqual(self.srv.get(f"/status/payroll/proof/{seq}/6/entry.txt")[0], 404)
        self.assertEqual(self.srv.get(f"/status/payroll/proof/{seq}/7/entry.txt")[0], 200)

    def test_routes_and_methods(self):
        self.assertEqual(self.srv.get("/status/nosuch")[0], 404)
        self.assertEqual(self.srv.get("/status/../etc/passwd")[0], 404)
        self.assertEqual(self.srv.get("/nowhere")[0], 404)
        status, h, _ = self.srv.request("/", method="GET")
        self.assertEqual(status, 302)
        self.assertEqual(h["location"], "/status/")
        status, h, _ = self.srv.request("/status/payroll", method="POST", body=b"a=1")
        self.assertEqual(status, 405)
        self.assertEqual(h["allow"], "GET, HEAD")
        status, _, body = self.srv.request("/status/payroll", method="HEAD")
        self.assertEqual((status, body), (200, b""))
        status, h, css = self.srv.get("/assets/style.css")
        self.assertEqual(h["content-type"], "text/css; charset=utf-8")
        status, _, idx = self.srv.get("/status/")
        self.assertIn('href="/status/payroll"', idx)

    def test_request_size_limits(self):
        status, _, _ = self.srv.request("/status/payroll", method="POST",
                                        body=b"x" * (200 * 1024))
        self.assertIn(status, (405, 413))
        status, _, _ = self.srv.request("/status/payroll", headers={"X-Big": "y" * 40000})
        self.assertIn(status, (413, 431))

    def test_forwarded_headers_ignored_from_untrusted_peers(self):
        _, _, feed = self.srv.get("/status/payroll/feed.atom",
                                  headers={"X-Forwarded-Proto": "https",
                                           "X-Forwarded-Host": "evil.example"})
        self.assertNotIn("evil.example", feed)


class Process(unittest.TestCase):
    def test_trusted_proxy_headers_are_used(self):
        d, db, prof = webserve.fixture(self, followups=())
        srv = webserve.Server(self, prof, "--db", db, "--trusted-proxy", "127.0.0.0/8")
        _, _, feed = srv.get("/status/payroll/feed.atom",
                             headers={"X-Forwarded-Proto": "https",
                                      "X-Forwarded-Host": "status.example.jp"})
        self.assertIn("https://status.example.jp/status/payroll", feed)

    def test_per_address_limit_and_idle_timeout(self):
        d, db, prof = webserve.fixture(self, followups=())
        srv = webserve.Server(self, prof, "--db", db, "--max-per-address", "4",
                              "--idle-timeout", "2")
        # Four connections that were each served, kept alive. sg.wait_port's probe may still
        # count against the limit for a moment after it closed, so a refused one is retried.
        socks = []
        end = time.time() + 10
        while len(socks) < 4 and time.time() < end:
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            try:
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                served = r.status == 200 and not r.will_close
            except (ConnectionError, http.client.HTTPException):
                served = False
            if served:
                socks.append(c.sock)
            else:
                c.close()
                time.sleep(0.1)
        self.assertEqual(len(socks), 4, "four connections from one address were not all served")
        s5 = socket.create_connection(("127.0.0.1", srv.port))
        s5.settimeout(5)
        try:
            s5.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            got = s5.recv(100)
        except (ConnectionResetError, BrokenPipeError):
            got = b""
        self.assertEqual(got, b"", "a fifth connection from one address was served")
        s5.close()
        # idle (slowloris) connections are closed after the timeout
        socks[0].sendall(b"GET /healthz HTTP/1.1\r\n")
        socks[0].settimeout(10)
        t = time.time()
        try:
            data = socks[0].recv(100)
        except ConnectionResetError:
            data = b""
        self.assertEqual(data, b"")
        self.assertLess(time.time() - t, 8)
        for s in socks:
            s.close()
        time.sleep(0.5)
        self.assertEqual(srv.get("/healthz")[0], 200)

    def test_sighup_reloads_and_keeps_running_config_on_error(self):
        d, db, prof = webserve.fixture(self, followups=())
        srv = webserve.Server(self, prof, "--db", db)
        with open(prof, encoding="utf-8") as f:
            text = f.read()
        with open(prof, "w", encoding="utf-8") as f:
            f.write(text.replace("slug: payroll", "slug: kyuyo"))
        srv.proc.send_signal(signal.SIGHUP)
        self.assertTrue(webserve.wait_for(lambda: srv.get("/status/kyuyo")[0] == 200))
        self.assertEqual(srv.get("/status/payroll")[0], 404)
        with open(prof, "w", encoding="utf-8") as f:
            f.write(text.replace("pattern: 1", "pattern: 9"))
        srv.proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        self.assertEqual(srv.get("/status/kyuyo")[0], 200)
        self.assertEqual(srv.stop(), 0)

    def test_sigterm_stops_promptly(self):
        d, db, prof = webserve.fixture(self, followups=())
        srv = webserve.Server(self, prof, "--db", db)
        idle = socket.create_connection(("127.0.0.1", srv.port))  # must not hold up the exit
        self.addCleanup(idle.close)
        t = time.time()
        self.assertEqual(srv.stop(), 0)
        self.assertLess(time.time() - t, 5)

    def test_bad_arguments(self):
        d, db, prof = webserve.fixture(self, followups=())
        r = sg.run("serve", prof, prof, "--db", db, "--listen", "127.0.0.1:0")
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("payroll", r.err)
        r = sg.run("serve", prof, "--listen", "localhost")
        self.assertEqual(r.code, 2, repr(r))
        r = sg.run("serve", prof, "--trusted-proxy", "10.0.0.0/99")
        self.assertEqual(r.code, 2, repr(r))
        r = sg.run("serve", "--db", db)
        self.assertEqual(r.code, 2, repr(r))

    def test_timestamped_head_is_checked_with_openssl_ts(self):
        import tsa_server
        ca_dir = sg.scratch(self)
        ca = tsa_server.make_ca(os.path.join(ca_dir, "tsa"))
        tsa = tsa_server.TsaServer(os.path.join(ca_dir, "tsa"))
        self.addCleanup(tsa.stop)
        d, db, prof = webserve.fixture(self, followups=(("1", "時刻証明つきの続報です。"),))
        with open(prof, encoding="utf-8") as f:
            text = f.read()
        key = os.path.join(d, "ledger.key")
        text = text.replace(f"ledger: {{key: {key}}}",
                            f"ledger: {{key: {key}, tsa_url: \"{tsa.url}\", tsa_ca_file: {ca}}}")
        with open(prof, "w", encoding="utf-8") as f:
            f.write(text)
        r = sg.run("attest", "III.1.1.3", "--note", "封印のための記録", "--db", db, "--key", key,
                   env=webserve.ENV)
        r = sg.run("ledger", "seal", "--db", db, "--profile", prof, env=webserve.ENV)
        self.assertEqual(r.code, 0, repr(r))
        srv = webserve.Server(self, prof, "--db", db)
        j = json.loads(srv.get("/status/payroll.json")[2])
        seq = j["incidents"][-2]["followups"][-1]["ledger_seq"]
        status, _, proof = srv.get(f"/status/payroll/proof/{seq}")
        steps = code_blocks(proof)[2:]
        self.assertEqual(len(steps), 5, "no time-stamp step")
        work = sg.scratch(self)
        p = subprocess.run(["bash", "-e", "-c", "\n".join(steps)], cwd=work, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("Verification: OK", p.stdout)

    def test_https(self):
        import ssl
        d, db, prof = webserve.fixture(self, followups=())
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        os.chmod(key, 0o644)
        r = sg.run("serve", prof, "--db", db, "--tls-cert", cert, "--tls-key", key)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("chmod 600", r.err)
        os.chmod(key, 0o600)
        srv = webserve.Server(self, prof, "--db", db, "--tls-cert", cert, "--tls-key", key,
                              tls=True)
        ctx = ssl.create_default_context(cafile=cert)
        status, h, body = srv.get("/status/payroll", context=ctx)
        self.assertEqual(status, 200)
        self.assertIn("max-age=", h["strict-transport-security"])
        self.assertIn("給与計算クラウド", body)


class ProofsHideTargets(unittest.TestCase):
    """A real outage recorded by the monitor: its incident_opened entry is
    published as a proof's text and verifies with openssl, yet the check's
    internal URL appears nowhere a customer can read. An entry in the old
    format (the target in clear) is named but its text is never served."""

    def test_target_only_as_hash_and_old_entries_withheld(self):
        import hashlib
        import sqlite3
        d = sg.scratch(self)
        db, prof, key = (os.path.join(d, n) for n in ("db", "p.yaml", "ledger.key"))
        port = sg.free_port()  # nothing listens: the check is down
        url = f"http://127.0.0.1:{port}/internal-health-7f3a"
        with open(prof, "w", encoding="utf-8") as f:
            f.write(f"""service: {{name: 内部テスト, pattern: 1, slug: internal}}
monitor:
  confirm: 2
  retry_interval: 300ms
  checks:
    - {{name: web, kind: liveness, type: http, url: "{url}", interval: 1s, timeout: 1s}}
service_hours: {{days: mon-sun, from: "00:00", to: "24:00", timezone: Asia/Tokyo}}
ledger: {{key: {key}}}
""")
        self.assertEqual(sg.run("ledger", "keygen", "--key", key).code, 0)
        env = dict(os.environ, LANG="C.UTF-8")
        mon = subprocess.Popen([sg.binary(), "monitor", prof, "--db", db],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        def opened():
            try:  # the monitor may not have created the tables yet
                return os.path.exists(db) and sqlite3.connect(db).execute(
                    "SELECT count(*) FROM ledger_entries WHERE type = 'incident_opened'"
                ).fetchone()[0] > 0
            except sqlite3.OperationalError:
                return False
        try:
            self.assertTrue(webserve.wait_for(opened, 20))
        finally:
            mon.send_signal(signal.SIGTERM)
            mon.communicate(timeout=30)
        c = sqlite3.connect(db)
        try:
            (entry,) = c.execute("SELECT entry FROM ledger_entries WHERE type = "
                                 "'incident_opened'").fetchone()
            j = json.loads(entry)
            self.assertNotIn("target", j["payload"])
            self.assertEqual(j["payload"]["target_sha256"],
                             hashlib.sha256(url.encode()).hexdigest())
            self.assertNotIn(url, entry)
            # An entry as recorded before targets were hashed, for a second incident.
            cols = [r[1] for r in c.execute("PRAGMA table_info(incidents)") if r[1] != "id"]
            cur = c.execute(f"INSERT INTO incidents({','.join(cols)}) SELECT {','.join(cols)} "
                            "FROM incidents WHERE id = 1")
            old_id = cur.lastrowid
            seq, at = c.execute("SELECT max(seq) + 1, max(at_ms) FROM ledger_entries").fetchone()
            p = dict(j["payload"], incident=old_id, target=url)
            del p["target_sha256"]
            old = json.dumps({"at": at, "payload": p, "seq": seq, "type": "incident_opened"},
                             sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            c.execute("INSERT INTO ledger_entries(seq, at_ms, type, entry, leaf_hash) "
                      "VALUES (?, ?, 'incident_opened', ?, ?)",
                      (seq, at, old, hashlib.sha256(b"\0" + old.encode()).digest()))
            c.commit()
        finally:
            c.close()
        r = sg.run("ledger", "seal", "--db", db, "--key", key)
        self.assertEqual(r.code, 0, repr(r))
        self.assertEqual(sg.run("ledger", "verify", "--db", db, "--key", key).code, 0)
        srv = webserve.Server(self, prof, "--db", db, env={"SAASGUARD_NOW": ""})
        status, _, js = srv.get("/status/internal.json")
        self.assertEqual(status, 200)
        st = json.loads(js)
        by_id = {i["id"]: i for i in st["incidents"]}
        self.assertEqual(set(by_id), {1, old_id}, st["incidents"])
        new_seq, old_seq = by_id[1]["ledger_seq"], by_id[old_id]["ledger_seq"]
        self.assertEqual(st["withheld_proofs"], [old_seq])
        seen = [js]
        for path in ("/status/internal", "/status/internal?lang=en", "/status/",
                     "/status/internal/feed.atom", "/status/internal/verify",
                     "/badge/internal/status.svg", f"/status/internal/proof/{new_seq}",
                     f"/status/internal/proof/{new_seq}.json"):
            status, _, body = srv.get(path)
            self.assertEqual(status, 200, path)
            seen.append(body)
        page = seen[1]
        self.assertIn(f'href="/status/internal/proof/{new_seq}"', page)
        self.assertNotIn(f'href="/status/internal/proof/{old_seq}"', page)
        self.assertIn(f"#{old_seq}（当社内部の情報を含むため", page)
        # The old entry's text is served nowhere.
        for path in (f"/status/internal/proof/{old_seq}", f"/status/internal/proof/{old_seq}.json",
                     f"/status/internal/proof/{old_seq}/{seq + 1}/entry.txt"):
            self.assertEqual(srv.get(path)[0], 404, path)
        # The new one verifies with openssl, exactly as the page says.
        steps = code_blocks(seen[7])[2:]
        work = sg.scratch(self)
        p = subprocess.run(["bash", "-e", "-c", "\n".join(steps)], cwd=work,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(p.stdout.strip().endswith("OK"), p.stdout)
        with open(os.path.join(work, "entry.txt"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn('"type":"incident_opened"', text)
        seen.append(text)
        for body in seen:
            for leak in (url, f"127.0.0.1:{port}", "internal-health-7f3a"):
                self.assertNotIn(leak, body)
                self.assertNotIn(leak.replace("/", "\\/"), body)


if __name__ == "__main__":
    unittest.main()
