"""Starting `saasguard serve` for the web tests, and the fixture they share:
the scripted month of report_fill (incidents, follow-ups, maintenance,
availability) with a profile that has a public group, a hidden check and an
external network check, a ledger key, follow-ups recorded through
`saasguard incident followup` (real ledger entries) and a signed tree head.
"""
import http.client
import os
import signal
import subprocess
import time

import report_fill
import sg

PROFILE = """service:
  name: 給与計算クラウド
  pattern: 1
  slug: payroll
monitor:
  checks:
    - {name: web, kind: liveness, type: http, url: "https://app.example.jp/web", group: "Web 画面"}
    - {name: login, kind: fault, type: http, url: "https://app.example.jp/login", group: "ログイン"}
    - {name: api-latency, kind: performance, type: http, url: "https://app.example.jp/api",
       max_response_time: 800ms, public: false}
    - {name: isp-uplink, kind: external_network, type: icmp, host: 192.0.2.1}
service_hours: {days: mon-sun, from: "00:00", to: "24:00", timezone: Asia/Tokyo}
maintenance:
  - {start: 2026-11-10T02:00+09:00, end: 2026-11-10T04:00+09:00,
     announced: 2026-11-01T10:00+09:00, note: データベースの定期保守}
  - {start: 2026-12-08T02:00+09:00, end: 2026-12-08T03:00+09:00,
     announced: 2026-12-01T08:00+09:00, note: "<script>alert(1)</script>"}
ledger: {key: KEY}
"""

ENV = {"SAASGUARD_NOW": str(report_fill.NOW)}


def fixture(test, followups=(("1", "原因は設定の誤りでした。再発防止策を実施いたしました。"),
                             ("2", "二回目の続報です。"))):
    """A directory with db, p.yaml, ledger.key; returns (dir, db, profile)."""
    d = sg.scratch(test)
    prof, key = (os.path.join(d, n) for n in ("p.yaml", "ledger.key"))
    db = sg.new_db(d)
    report_fill.scripted_month(db)
    with open(prof, "w", encoding="utf-8") as f:
        f.write(PROFILE.replace("KEY", key))
    r = sg.run("ledger", "keygen", "--key", key)
    test.assertEqual(r.code, 0, repr(r))
    for i, (incident, text) in enumerate(followups):
        # unrelated entries between, so proofs have real paths
        r = sg.run("attest", "III.1.1.1", "--note", f"確認 {i}", "--db", db, "--key", key,
                   env=ENV)
        test.assertEqual(r.code, 0, repr(r))
        m = os.path.join(d, f"m{i}.txt")
        with open(m, "w", encoding="utf-8") as f:
            f.write(text)
        r = sg.run("incident", "followup", incident, "--message-file", m, "--profile", prof,
                   "--db", db, env=ENV)
        test.assertEqual(r.code, 0, repr(r))
    for i in range(3):
        r = sg.run("attest", "III.1.1.2", "--note", f"後続 {i}", "--db", db, "--key", key,
                   env=ENV)
        test.assertEqual(r.code, 0, repr(r))
    r = sg.run("ledger", "seal", "--db", db, "--key", key, env=ENV)
    test.assertEqual(r.code, 0, repr(r))
    return d, db, prof


class Server:
    def __init__(self, test, *args, env=None, port=None, tls=False):
        self.port = port or sg.free_port()
        e = dict(os.environ)
        e["LANG"] = "C.UTF-8"
        e.update(ENV)
        if env:
            e.update(env)
        self.tls = tls
        self.proc = subprocess.Popen(
            [sg.binary(), "serve", *args, "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        test.addCleanup(self.stop)
        self.banner = self.proc.stdout.readline()
        if "127.0.0.1" not in self.banner:
            raise RuntimeError("serve did not start: " + self.banner + self.proc.stderr.read())
        sg.wait_port(self.port)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.proc.stderr.close()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def base(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def request(self, path, method="GET", headers=None, body=None, context=None):
        if self.tls:
            c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=20, context=context)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            k = k.lower()
            hdrs[k] = hdrs[k] + "\n" + v if k in hdrs else v
        c.close()
        return r.status, hdrs, data

    def get(self, path, **kw):
        status, hdrs, data = self.request(path, **kw)
        return status, hdrs, data.decode("utf-8", "replace")


def wait_for(pred, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False
