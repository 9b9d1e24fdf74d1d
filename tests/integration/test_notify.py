"""Notifications against real loopback receivers: SMTP with and without
STARTTLS (aiosmtpd), the order of one incident's notices after an SMTP outage
(one merged notice, never 【障害発生】 after 【復旧】), a silent SMTP server
that must not delay webhooks, webhook tokens kept out of logs and the store,
and every typed channel's exact request (Slack, Teams, LINE, Chatwork, the
signed webhook)."""
import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import time
import unittest
import urllib.parse

import sg
from profiles import (monitor_profile, query, query_early, secret_file, start_monitor,
                      stop_monitor, wait_for)
from servers import Nginx, Receiver

CUSTOMER = "users@customer.example.jp"
PROVIDER = """provider:
  name: 株式会社サンプル
  desk: サポートデスク
  email: support@provider.example.jp
  phone: 03-1234-5678
"""


def write_profile(path, url, notify, kind="liveness", extra=""):
    check = (f'    - {{name: web, label: 給与計算画面, kind: {kind}, type: http, url: "{url}", '
             'interval: 1s, timeout: 1s}\n')
    monitor_profile(path, check, "notify:\n  retry: {initial: 1s, max: 2s}\n" + notify + extra,
                    provider=PROVIDER)


def self_signed(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


class StartTLS(unittest.TestCase):
    def run_outage(self, smtp_notify, tls):
        d = sg.scratch(self)
        smtp = Receiver(self, "smtp", tls=self_signed(d) if tls else None)
        smtp.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        write_profile(prof, "http://127.0.0.1:1/healthz", f"""  smtp: {{url: "smtp://127.0.0.1:{smtp.port}", from: "noreply@provider.example.jp"{smtp_notify}}}
  all_users: [{{email: "{CUSTOMER}"}}]
""")
        mon = start_monitor(prof, db)
        try:
            got = smtp.wait(lambda m: CUSTOMER in m["to"], 12)
        finally:
            err = stop_monitor(self, mon)
        return got, err, db

    def test_required_by_default_and_used(self):
        got, err, _ = self.run_outage(", tls_verify: false", tls=True)
        self.assertTrue(got, err)
        self.assertIn("【障害発生】", got[0]["subject"])

    def test_required_refuses_a_server_without_starttls(self):
        got, err, db = self.run_outage("", tls=False)
        self.assertEqual(got, [], "mail went out in clear text")
        errors = [r[0] for r in query(db, "SELECT last_error FROM notifications")]
        self.assertTrue(errors and all(errors), errors)
        self.assertIn("failed", err)

    def test_off_sends_plain(self):
        got, err, _ = self.run_outage(", starttls: \"off\"", tls=False)
        self.assertTrue(got, err)

    def test_bad_value(self):
        d = sg.scratch(self)
        prof = os.path.join(d, "p.yaml")
        write_profile(prof, "http://127.0.0.1:1/", """  smtp: {url: "smtp://127.0.0.1:25", from: "a@b.jp", starttls: maybe}
""")
        r = sg.run("monitor", prof, "--db", sg.new_db(d), "--once", lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("required | off | opportunistic", r.err)
        self.assertRegex(r.err, r"p\.yaml:\d+:\d+")


class Ordering(unittest.TestCase):
    def test_smtp_outage_gives_one_merged_notice(self):
        """SMTP down through an outage and its recovery, then up: the customer
        receives one notice saying both, never 【障害発生】 after 【復旧】, and the
        first notice's delay is still measured against its deadline."""
        d = sg.scratch(self)
        ng = Nginx(self)
        ng.start()
        smtp = Receiver(self, "smtp")
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        write_profile(prof, ng.url(), f"""  smtp: {{url: "smtp://127.0.0.1:{smtp.port}", from: "noreply@provider.example.jp", starttls: "off"}}
  all_users: [{{email: "{CUSTOMER}"}}]
  managers: [{{email: "ops@provider.example.jp"}}]
""")
        mon = start_monitor(prof, db)
        try:
            time.sleep(2.5)
            ng.stop()
            self.assertTrue(wait_for(lambda: query_early(
                db, "SELECT 1 FROM incidents WHERE resolved_at IS NULL"), 15))
            time.sleep(2)  # a few failed attempts against the dead SMTP server
            ng.start()
            self.assertTrue(wait_for(lambda: query_early(
                db, "SELECT 1 FROM incidents WHERE resolved_at IS NOT NULL"), 15))
            smtp.start()
            got = smtp.wait(lambda m: CUSTOMER in m["to"], 20)
            self.assertTrue(got)
            time.sleep(4)  # anything else queued would arrive now
        finally:
            err = stop_monitor(self, mon)
        mails = [m for m in smtp.messages() if CUSTOMER in m["to"]]
        self.assertEqual(len(mails), 1, [m["subject"] for m in mails])
        m = mails[0]
        self.assertIn("【復旧】", m["subject"])
        self.assertIn("発生と復旧のお知らせ", m["subject"])
        self.assertIn("一時的に給与計算画面をご利用いただけない事象が発生しておりましたが", m["body"])
        self.assertIn("に復旧いたしました", m["body"])
        self.assertNotIn("web", m["body"])
        self.assertNotIn("127.0.0.1", m["body"])
        # The managers, subscribed to outages, got theirs in order too.
        mgr = [x["subject"] for x in smtp.messages() if "ops@provider.example.jp" in x["to"]]
        self.assertTrue(mgr)
        self.assertFalse(any("【障害発生】" in s for s in mgr[mgr.index(next(
            s for s in mgr if "【復旧】" in s)):]), mgr)
        # Honest accounting: the first notice is delivered late, not erased;
        # the recovery notice is closed as merged into it.
        rows = query(db, "SELECT purpose, delivered_at, deadline_at, attempts, last_error, id "
                     "FROM notifications WHERE recipient = ? ORDER BY id", CUSTOMER)
        self.assertEqual([r[0] for r in rows], ["incident_open", "incident_resolved"])
        first, rec = rows
        self.assertIsNotNone(first[1])
        self.assertIsNotNone(first[2])
        self.assertGreater(first[3], 1)
        self.assertEqual(rec[4], "merged into #%d" % first[5])
        ledger = [json.loads(r[0])["payload"] for r in query(
            db, "SELECT entry FROM ledger_entries WHERE type = 'notification_delivered'")]
        self.assertTrue(any(e["merged"] == [rec[5]] and e["notification"] == first[5]
                            for e in ledger), ledger)
        rewritten = [json.loads(r[0])["payload"] for r in query(
            db, "SELECT entry FROM ledger_entries WHERE type = 'notification_rewritten'")]
        self.assertIn(first[5], [e["notification"] for e in rewritten])
        self.assertTrue(all("発生と復旧" in e["subject"] for e in rewritten), rewritten)
        r = sg.run("incident", "list", "--db", db, "--format", "json")
        self.assertEqual(r.code, 0, r)
        inc = r.json()[0]
        self.assertGreater(inc["first_notice_delivered_at"], inc["resolved_at"])
        self.assertIn("merged", err)


class Shares(unittest.TestCase):
    def test_silent_smtp_does_not_delay_webhooks(self):
        d = sg.scratch(self)
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # accepts connections, never says a word
        self.addCleanup(silent.close)
        hook = Receiver(self, "webhook")
        hook.start()
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        mails = "\n".join(f'    - {{email: "u{i}@customer.example.jp"}}' for i in range(40))
        write_profile(prof, "http://127.0.0.1:1/", f"""  timeout: 20s
  smtp: {{url: "smtp://127.0.0.1:{silent.getsockname()[1]}", from: "noreply@provider.example.jp", starttls: "off"}}
  admin_contacts:
{mails}
    - {{webhook: "http://127.0.0.1:{hook.port}/hook?token=s3cr3t-t0ken"}}
""", kind="fault")
        mon = start_monitor(prof, db)
        try:
            t0 = time.time()
            self.assertTrue(wait_for(lambda: query_early(
                db, "SELECT detected_at FROM incidents"), 15))
            detected = query(db, "SELECT detected_at FROM incidents")[0][0]
            got = hook.wait(lambda m: m["purpose"] == "incident_open", 15)
            self.assertTrue(got, "webhook starved behind a silent SMTP server")
            self.assertLess(got[0]["received_at"] - detected, 5)
            self.assertLess(time.time() - t0, 30)
        finally:
            err = stop_monitor(self, mon) if mon.poll() is None else ""
        # The token never leaves the process except to its own endpoint.
        self.assertNotIn("s3cr3t", err)
        self.assertTrue(sg.db_exists(db))
        self.assertNotIn(b"s3cr3t", sg.db_raw_bytes(db))
        keys = [r[0] for r in query(db, "SELECT DISTINCT recipient FROM notifications "
                                    "WHERE channel = 'webhook'")]
        self.assertEqual(len(keys), 1)
        self.assertIn("token=***#", keys[0])  # redact_url() and a hash of the whole URL


class Channels(unittest.TestCase):
    def test_each_channel_request(self):
        d = sg.scratch(self)
        rec = Receiver(self, "recorder")
        rec.start()
        base = f"http://127.0.0.1:{rec.port}"
        line_tok = secret_file(d, "line.token", "LINE-CHANNEL-TOKEN")
        cw_tok = secret_file(d, "cw.token", "CW-API-TOKEN")
        hmac_key = secret_file(d, "hook.key", "hmac-shared-secret")
        slack_url = secret_file(d, "slack.url", f"{base}/services/T000/B000/XXXXSECRET")
        lw_secret = secret_file(d, "lw.secret", "LW-CLIENT-SECRET")
        lw_key = os.path.join(d, "lw.key")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", lw_key], check=True, capture_output=True)
        os.chmod(lw_key, 0o600)
        lw_pub = os.path.join(d, "lw.pub")
        subprocess.run(["openssl", "pkey", "-in", lw_key, "-pubout", "-out", lw_pub], check=True,
                       capture_output=True)
        prof, db = os.path.join(d, "p.yaml"), sg.new_db(d)
        write_profile(prof, "http://127.0.0.1:1/", f"""  admin_contacts:
    - {{slack: {{url_file: "{slack_url}"}}}}
    - {{teams: "{base}/workflows/abc/triggers/manual/paths/invoke?sig=TEAMSSIG"}}
    - {{line: {{to: "U0123456789abcdef0123456789abcdef", token_file: "{line_tok}", api: "{base}"}}}}
    - {{chatwork: {{room: "123456", token_file: "{cw_tok}", api: "{base}/v2"}}}}
    - {{webhook: {{url: "{base}/signed", secret_file: "{hmac_key}"}}, lang: en}}
    - {{lineworks: {{bot: "2000001", channel: "753449a5-7716-39e4-3de9-770a97f1a5f5", client_id: "CLIENT-ID", client_secret_file: "{lw_secret}", service_account: "abc.serviceaccount@example.com", private_key_file: "{lw_key}", token_url: "{base}/oauth2/v2.0/token", api: "{base}/v1.0"}}}}
""", kind="fault")
        mon = start_monitor(prof, db)
        try:
            reqs = wait_for(lambda: rec.messages() if len(rec.messages()) >= 7 else None, 20)
        finally:
            err = stop_monitor(self, mon)
        self.assertTrue(reqs, err)
        by = {}
        for r in reqs:
            by.setdefault(r["path"].split("?")[0], []).append(r)
        for r in reqs:
            self.assertEqual(r["method"], "POST")
        # Slack incoming webhook, Block Kit
        s = by["/services/T000/B000/XXXXSECRET"][0]
        self.assertTrue(s["headers"]["Content-Type"].startswith("application/json"))
        body = json.loads(s["body"])
        self.assertIn("【障害発生】", body["text"])
        self.assertEqual(body["blocks"][0]["type"], "header")
        self.assertEqual(body["blocks"][0]["text"]["type"], "plain_text")
        self.assertLessEqual(len(body["blocks"][0]["text"]["text"]), 150)
        self.assertEqual(body["blocks"][1]["type"], "section")
        self.assertEqual(body["blocks"][1]["text"]["type"], "mrkdwn")
        self.assertIn("給与計算画面", body["blocks"][1]["text"]["text"])
        # Teams Workflows: a message with one Adaptive Card attachment
        t = by["/workflows/abc/triggers/manual/paths/invoke"][0]
        body = json.loads(t["body"])
        self.assertEqual(body["type"], "message")
        att = body["attachments"][0]
        self.assertEqual(att["contentType"], "application/vnd.microsoft.card.adaptive")
        self.assertIsNone(att["contentUrl"])
        self.assertEqual(att["content"]["type"], "AdaptiveCard")
        self.assertEqual(att["content"]["$schema"],
                         "http://adaptivecards.io/schemas/adaptive-card.json")
        self.assertEqual(att["content"]["body"][0]["type"], "TextBlock")
        self.assertTrue(att["content"]["body"][1]["wrap"])
        self.assertIn("sig=TEAMSSIG", t["path"])
        # LINE Messaging API push
        ln = by["/v2/bot/message/push"][0]
        self.assertEqual(ln["headers"]["Authorization"], "Bearer LINE-CHANNEL-TOKEN")
        self.assertRegex(ln["headers"]["X-Line-Retry-Key"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        body = json.loads(ln["body"])
        self.assertEqual(body["to"], "U0123456789abcdef0123456789abcdef")
        self.assertEqual(body["messages"][0]["type"], "text")
        self.assertLessEqual(len(body["messages"][0]["text"]), 5000)
        # Chatwork room message
        cw = by["/v2/rooms/123456/messages"][0]
        self.assertEqual(cw["headers"]["X-ChatWorkToken"], "CW-API-TOKEN")
        self.assertEqual(cw["headers"]["Content-Type"], "application/x-www-form-urlencoded")
        form = urllib.parse.parse_qs(cw["body"])
        self.assertEqual(form["self_unread"], ["0"])
        self.assertRegex(form["body"][0], r"^\[info\]\[title\]【障害発生】.*\[/title\]")
        # The signed webhook: HMAC-SHA256 of "timestamp.body"
        w = by["/signed"][0]
        ts = w["headers"]["X-Saasguard-Timestamp"]
        self.assertLess(abs(int(ts) - w["received_at"]), 300)
        want = hmac.new(b"hmac-shared-secret", (ts + "." + w["body"]).encode(),
                        hashlib.sha256).hexdigest()
        self.assertEqual(w["headers"]["X-Saasguard-Signature"], "sha256=" + want)
        body = json.loads(w["body"])
        self.assertEqual(body["purpose"], "incident_open")
        self.assertIn("[Incident]", body["subject"])
        # LINE WORKS: a service-account JWT (RS256) for a token, then the Bot API
        tk = by["/oauth2/v2.0/token"][0]
        self.assertEqual(tk["headers"]["Content-Type"], "application/x-www-form-urlencoded")
        form = urllib.parse.parse_qs(tk["body"])
        self.assertEqual(form["grant_type"], ["urn:ietf:params:oauth:grant-type:jwt-bearer"])
        self.assertEqual(form["client_id"], ["CLIENT-ID"])
        self.assertEqual(form["client_secret"], ["LW-CLIENT-SECRET"])
        self.assertEqual(form["scope"], ["bot"])
        h64, c64, s64 = form["assertion"][0].split(".")
        unb64 = lambda x: base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        self.assertEqual(json.loads(unb64(h64)), {"alg": "RS256", "typ": "JWT"})
        claims = json.loads(unb64(c64))
        self.assertEqual(claims["iss"], "CLIENT-ID")
        self.assertEqual(claims["sub"], "abc.serviceaccount@example.com")
        self.assertEqual(claims["exp"] - claims["iat"], 3600)
        self.assertLess(abs(claims["iat"] - tk["received_at"]), 300)
        with open(os.path.join(d, "jwt.data"), "wb") as f:
            f.write((h64 + "." + c64).encode())
        with open(os.path.join(d, "jwt.sig"), "wb") as f:
            f.write(unb64(s64))
        v = subprocess.run(["openssl", "dgst", "-sha256", "-verify", lw_pub, "-signature",
                            os.path.join(d, "jwt.sig"), os.path.join(d, "jwt.data")],
                           capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        lw = by["/v1.0/bots/2000001/channels/753449a5-7716-39e4-3de9-770a97f1a5f5/messages"][0]
        self.assertGreater(lw["received_at"], tk["received_at"])
        self.assertEqual(lw["headers"]["Authorization"], "Bearer AT-lineworks-123")
        body = json.loads(lw["body"])
        self.assertEqual(body["content"]["type"], "text")
        self.assertIn("【障害発生】", body["content"]["text"])
        # Secrets stay out of the store and the log.
        data = sg.db_raw_bytes(db)
        for secret in (b"LINE-CHANNEL-TOKEN", b"CW-API-TOKEN", b"XXXXSECRET", b"TEAMSSIG",
                       b"hmac-shared-secret", b"LW-CLIENT-SECRET", b"AT-lineworks-123"):
            self.assertNotIn(secret, data)
            self.assertNotIn(secret.decode(), err)
        chans = {json.loads(r[0])["payload"]["channel"] for r in query(
            db, "SELECT entry FROM ledger_entries WHERE type = 'notification_queued'")}
        self.assertEqual(chans, {"slack", "teams", "line", "chatwork", "webhook", "lineworks"})

    def test_secret_file_mode(self):
        d = sg.scratch(self)
        tok = os.path.join(d, "tok")
        with open(tok, "w") as f:
            f.write("x\n")
        os.chmod(tok, 0o644)
        prof = os.path.join(d, "p.yaml")
        write_profile(prof, "http://127.0.0.1:1/", f"""  admin_contacts:
    - {{chatwork: {{room: "1", token_file: "{tok}"}}}}
""")
        r = sg.run("monitor", prof, "--db", sg.new_db(d), "--once", lang="en")
        self.assertEqual(r.code, 2, r)
        self.assertIn("chmod 600", r.err)


if __name__ == "__main__":
    unittest.main()
