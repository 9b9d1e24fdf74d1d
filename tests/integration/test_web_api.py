"""`saasguard user`, `saasguard token`, login, sessions, CSRF, roles, the
REST API (every response validated against the OpenAPI 3.1 document with
ajv) and /metrics."""
import glob
import html
import json
import os
import re
import subprocess
import unittest
import urllib.parse

import report_fill
import sg
import webserve

PASSWORDS = {"alice": "correct horse battery", "olga": "operator password 1",
             "vic": "viewer password 12"}
ROLES = {"alice": "admin", "olga": "operator", "vic": "viewer"}


def add_user(test, d, db, name, role, password):
    pf = os.path.join(d, f"{name}.pw")
    with open(pf, "w") as f:
        f.write(password + "\n")
    os.chmod(pf, 0o600)
    r = sg.run("user", "add", name, "--role", role, "--password-file", pf, "--db", db)
    test.assertEqual(r.code, 0, repr(r))


def add_token(test, db, name, role):
    r = sg.run("token", "add", name, "--role", role, "--db", db)
    test.assertEqual(r.code, 0, repr(r))
    tok = r.out.strip()
    test.assertRegex(tok, r"^sg_[A-Za-z0-9_-]{43}$")
    return tok


def _node(a, b):
    import hashlib
    return hashlib.sha256(b"\x01" + a + b).digest()


def mth(leaves):
    """RFC 6962 tree hash, computed here independently of saasguard."""
    import hashlib
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return _node(mth(leaves[:k]), mth(leaves[k:]))


def verify_consistency(m, n, r1, r2, proof):
    """RFC 9162 2.1.4.2."""
    p = [bytes.fromhex(x) for x in proof]
    if m == n:
        return not p and r1 == r2
    if m & (m - 1) == 0:
        p = [r1] + p
    if not p:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = p[0]
    for c in p[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == r1 and sr == r2


class OpenAPI:
    """Picks the schema of a response from the OpenAPI document and
    validates bodies against it with ajv (JSON Schema 2020-12)."""

    def __init__(self, doc, work):
        self.doc = doc
        self.work = work
        self.n = 0
        self.ajv = sg.SchemaValidator()

    def schema_for(self, path, method, status):
        for tmpl, item in self.doc["paths"].items():
            rx = "^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(tmpl).replace(r"\{", "{")
                              .replace(r"\}", "}")) + "$"
            if re.match(rx, path.split("?")[0]) and method.lower() in item:
                resp = item[method.lower()]["responses"][str(status)]
                if "$ref" in resp:
                    resp = self.doc["components"]["responses"][resp["$ref"].split("/")[-1]]
                return resp["content"]["application/json"]["schema"]
        raise AssertionError(f"{method} {path} {status} is not in the OpenAPI document")

    def validate(self, test, path, method, status, body):
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "components": self.doc["components"]}
        schema.update(self.schema_for(path, method, status))
        self.n += 1
        errors = self.ajv.errors(schema, body)
        test.assertIsNone(errors, f"{method} {path} {status}: "
                          f"{json.dumps(errors, ensure_ascii=False)[:4000]}\n"
                          f"{json.dumps(body, ensure_ascii=False)[:2000]}")


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = unittest.TestCase()
        cls.dir, cls.db, cls.prof = webserve.fixture(cls.h)
        for n, pw in PASSWORDS.items():
            add_user(cls.h, cls.dir, cls.db, n, ROLES[n], pw)
        cls.tok = {role: add_token(cls.h, cls.db, f"t-{role}", role)
                   for role in ("admin", "operator", "viewer")}
        cls.srv = webserve.Server(cls.h, cls.prof, "--db", cls.db)
        status, _, body = cls.srv.get("/api/v1/openapi.json")
        assert status == 200
        cls.api = OpenAPI(json.loads(body), sg.scratch(cls.h))

    @classmethod
    def tearDownClass(cls):
        cls.h.doCleanups()

    def call(self, path, token=None, method="GET", body=None, validate=True):
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, h, raw = self.srv.request(path, method=method, headers=headers, body=data)
        j = json.loads(raw) if raw else None
        if validate:
            self.api.validate(self, path, method, status, j)
        return status, j

    def test_openapi_is_3_1(self):
        self.assertEqual(self.api.doc["openapi"], "3.1.0")

    def test_the_validation_refuses_what_the_document_does_not_allow(self):
        """The checks above can fail: the real /api/v1/services body validates, and
        each of its breakages does not (one ajv process validates them all, as it
        does every response of this module)."""
        status, good = self.call("/api/v1/services", self.tok["viewer"])
        self.assertEqual(status, 200)
        self.assertTrue(good["services"])
        breakages = {
            "pattern 7": lambda b: b["services"][0].__setitem__("pattern", 7),
            "a field the document does not name": lambda b: b.__setitem__("extra", 1),
            "checks missing": lambda b: b["services"][0].pop("checks"),
            "services not a list": lambda b: b.__setitem__("services", {}),
        }
        for name, breaker in breakages.items():
            with self.subTest(name):
                bad = json.loads(json.dumps(good))
                breaker(bad)
                with self.assertRaises(AssertionError):
                    self.api.validate(self, "/api/v1/services", "GET", 200, bad)

    def test_every_read_endpoint_validates(self):
        t = self.tok["viewer"]
        for path in ("/api/v1/services", "/api/v1/services/payroll",
                     "/api/v1/services/payroll/incidents",
                     "/api/v1/services/payroll/availability?month=2026-11",
                     "/api/v1/services/payroll/availability",
                     "/api/v1/services/payroll/checks", "/api/v1/incidents/1",
                     "/api/v1/services/payroll/assessment",
                     "/api/v1/services/payroll/controls?section=III.1&level=basic",
                     "/api/v1/ledger/head", "/api/v1/ledger/proofs/0"):
            status, j = self.call(path, t)
            self.assertEqual(status, 200, (path, j))
        status, j = self.call("/api/v1/services/payroll/availability?month=2026-11", t)
        r = sg.run("availability", self.prof, "--month", "2026-11", "--db", self.db, "--format",
                   "json", env=webserve.ENV)
        self.assertEqual(j["availability"], r.json()["availability"])
        status, j = self.call("/api/v1/services/payroll/controls?section=III.1&level=basic", t)
        ids = [c["id"] for c in j["controls"]]
        self.assertTrue(ids and all(i.startswith("III.1.") and c["level"] == "basic"
                                    for i, c in zip(ids, j["controls"])), ids)
        status, a = self.call("/api/v1/services/payroll/assessment", t)
        self.assertEqual(len(a["controls"]), 68)
        status, j = self.call("/api/v1/services/payroll/checks", t)
        self.assertIn("api-latency", [c["name"] for c in j["checks"]])  # operators see all
        for path in ("/api/v1/services/nosuch", "/api/v1/incidents/999",
                     "/api/v1/ledger/proofs/99999"):
            status, j = self.call(path, t)
            self.assertEqual(status, 404, path)
        status, j = self.call("/api/v1/services/payroll/availability?month=2026-13", t)
        self.assertEqual(status, 400)

    def test_tokens_and_roles(self):
        for path in ("/api/v1/services", "/api/v1/incidents/1", "/api/v1/users"):
            status, j = self.call(path)
            self.assertEqual(status, 401, path)
            status, j = self.call(path, "sg_" + "x" * 43)
            self.assertEqual(status, 401, path)
        # each role's forbidden routes
        status, _ = self.call("/api/v1/incidents/2/followups", self.tok["viewer"], "POST",
                              {"message": "閲覧者からは送れません"})
        self.assertEqual(status, 403)
        status, _ = self.call("/api/v1/users", self.tok["viewer"])
        self.assertEqual(status, 403)
        status, _ = self.call("/api/v1/users", self.tok["operator"])
        self.assertEqual(status, 403)
        status, j = self.call("/api/v1/users", self.tok["admin"])
        self.assertEqual(status, 200)
        self.assertEqual(sorted(u["name"] for u in j["users"]), sorted(PASSWORDS))

    def test_revoked_token_is_refused(self):
        tok = add_token(self, self.db, "short-lived", "viewer")
        self.assertEqual(self.call("/api/v1/services", tok)[0], 200)
        r = sg.run("token", "revoke", "short-lived", "--db", self.db)
        self.assertEqual(r.code, 0, repr(r))
        self.assertEqual(self.call("/api/v1/services", tok)[0], 401)
        r = sg.run("token", "list", "--db", self.db, lang="en")
        self.assertRegex(r.out, r"short-lived\s+viewer .* revoked")
        self.assertNotIn(tok, r.out)
        with sg.db_connect(self.db) as c:
            rows = [bytes(h).hex().upper() for (h,) in
                    c.execute("SELECT token_hash FROM web_tokens").fetchall()]
        self.assertNotIn(tok, json.dumps(rows))

    def test_followup_through_the_api_is_recorded_with_the_token_name(self):
        status, j = self.call("/api/v1/incidents/4/followups", self.tok["operator"], "POST",
                              {"message": "API からの続報です。"})
        self.assertEqual(status, 201, j)
        self.assertEqual(j["recorded_by"], "token:t-operator")
        with sg.db_connect(self.db) as c:
            e = [json.loads(x[0]) for x in c.execute(
                "SELECT entry FROM ledger_entries WHERE type = 'followup_recorded'")]
        self.assertTrue(any(x["payload"].get("by") == "token:t-operator" and
                            x["payload"]["incident"] == 4 for x in e), e)
        status, j = self.call("/api/v1/incidents/4", self.tok["viewer"])
        self.assertIn("API からの続報です。", [f["message"] for f in j["followup_texts"]])
        status, j = self.call("/api/v1/incidents/4/followups", self.tok["operator"], "POST",
                              {"text": "wrong field"})
        self.assertEqual(status, 400)

    def test_maintenance_through_the_api(self):
        body = {"start": "2026-12-10T02:00+09:00", "end": "2026-12-10T03:30+09:00",
                "note": "ストレージの増設作業"}
        status, _ = self.call("/api/v1/services/payroll/maintenance", self.tok["viewer"], "POST",
                              body)
        self.assertEqual(status, 403)
        status, j = self.call("/api/v1/services/payroll/maintenance", self.tok["operator"],
                              "POST", dict(body, start="2026-12-10 02:00"))
        self.assertEqual(status, 400)  # a time without a zone is refused
        status, j = self.call("/api/v1/services/payroll/maintenance", self.tok["operator"],
                              "POST", body)
        self.assertEqual(status, 201, j)
        self.assertEqual(j["start"], "2026-12-09T17:00:00Z")
        status, j = self.call("/api/v1/services/payroll/maintenance", self.tok["viewer"])
        web = [m for m in j["maintenance"] if m["source"] == "web"]
        self.assertEqual([m["note"] for m in web], ["ストレージの増設作業"])
        self.assertEqual(web[0]["announced_by"], "token:t-operator")
        # the same windows and flags availability counts (availability_maintenance())
        self.assertTrue(web[0]["excluded_from_availability"], web)
        self.assertTrue(web[0]["mute_alerts"], web)
        prof = [m for m in j["maintenance"] if m["source"] == "profile"]
        self.assertEqual(len(prof), 2, prof)
        self.assertTrue(webserve.wait_for(
            lambda: "ストレージの増設作業" in self.srv.get("/status/payroll")[2], 10))

    def test_metrics_on_loopback(self):
        status, h, body = self.srv.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(h["content-type"].startswith("text/plain; version=0.0.4"))
        self.assertIn('saasguard_check_up{service="payroll",check="web",kind="liveness"} 1', body)
        self.assertIn("saasguard_outbox_pending ", body)
        self.assertIn('saasguard_incidents_open{service="payroll"} 0', body)
        for line in body.splitlines():
            if line and not line.startswith("#"):
                self.assertRegex(line, r'^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$')
        # incident durations: a histogram of the resolved incidents in the store
        self.assertIn("# TYPE saasguard_incident_duration_seconds histogram", body)
        with sg.db_connect(self.db) as c:
            durs = [e - b for (b, e) in c.execute(
                "SELECT started_at, resolved_at FROM incidents WHERE resolved_at IS NOT NULL "
                "AND service = '給与計算クラウド'")]
        self.assertGreater(len(durs), 1)
        got = dict(re.findall(r'^saasguard_incident_duration_seconds_bucket\{service="payroll",'
                              r'le="([^"]+)"\} (\d+)$', body, re.M))
        for le in ("60", "300", "900", "1800", "3600", "7200", "14400", "43200", "86400"):
            self.assertEqual(int(got[le]), sum(1 for x in durs if x <= float(le)), le)
        self.assertEqual(int(got["+Inf"]), len(durs))
        m = re.search(r'^saasguard_incident_duration_seconds_sum\{service="payroll"\} ([0-9.]+)$',
                      body, re.M)
        self.assertAlmostEqual(float(m.group(1)), sum(durs), places=2)


    def test_reports_through_the_api(self):
        import hashlib
        path = "/api/v1/services/payroll/reports"
        body = {"period": "2026-11", "audience": "managers"}
        status, j = self.call(path, self.tok["viewer"], "POST", body)
        self.assertEqual(status, 403)
        for bad in ({"audience": "board"}, {"period": 11, "audience": "users"},
                    {"period": "2026-13", "audience": "users"}):
            status, j = self.call(path, self.tok["operator"], "POST", bad)
            self.assertEqual(status, 400, (bad, j))
        status, j = self.call(path, self.tok["operator"], "POST", body)
        self.assertEqual(status, 201, j)
        self.assertEqual((j["period"], j["audience"], j["by"], j["downloadable"]),
                         ("2026-11", "managers", "token:t-operator", True))
        status, lst = self.call(path, self.tok["viewer"])
        self.assertEqual(status, 200)
        self.assertEqual(lst["reports"][0], j)  # newest first
        status, h, pdf = self.srv.request(f"{path}/{j['id']}",
                                          headers={"Authorization": "Bearer " +
                                                   self.tok["viewer"]})
        self.assertEqual((status, h["content-type"]), (200, "application/pdf"))
        self.assertEqual(hashlib.sha256(pdf).hexdigest(), j["sha256"])
        self.assertEqual(len(pdf), j["bytes"])
        status, e = self.call(f"{path}/999999", self.tok["viewer"])
        self.assertEqual(status, 404)
        self.assertEqual(self.call(path)[0], 401)

    def test_consistency_between_two_heads(self):
        t = self.tok["viewer"]
        with sg.db_connect(self.db) as c:
            old = c.execute("SELECT head FROM ledger_heads ORDER BY id DESC LIMIT 1").fetchone()[0]
        old_size = int(re.search(r"^size (\d+)$", old, re.M).group(1))
        old_root = bytes.fromhex(re.search(r"^root ([0-9a-f]{64})$", old, re.M).group(1))
        key = os.path.join(self.dir, "ledger.key")
        for i in range(5):
            r = sg.run("attest", "III.1.1.3", "--note", f"追加 {i}", "--db", self.db, "--key", key,
                       env=webserve.ENV)
            self.assertEqual(r.code, 0, repr(r))
        r = sg.run("ledger", "seal", "--db", self.db, "--key", key, env=webserve.ENV)
        self.assertEqual(r.code, 0, repr(r))
        with sg.db_connect(self.db) as c:
            leaves = [bytes(h) for (h,) in c.execute(
                "SELECT leaf_hash FROM ledger_entries ORDER BY seq")]
        status, j = self.call(f"/api/v1/ledger/consistency?from={old_size}", t)
        self.assertEqual(status, 200, j)
        n = j["tree_size"]
        self.assertGreaterEqual(n, old_size + 5)
        self.assertEqual(bytes.fromhex(j["old_root"]), old_root)
        self.assertEqual(bytes.fromhex(j["root"]), mth(leaves[:n]))
        self.assertIn(f"root {j['root']}", j["head"])
        self.assertTrue(verify_consistency(old_size, n, old_root, mth(leaves[:n]), j["proof"]))
        # a tampered proof or a forked old root does not verify
        bad = list(j["proof"])
        bad[0] = ("0" if bad[0][0] != "0" else "1") + bad[0][1:]
        self.assertFalse(verify_consistency(old_size, n, old_root, mth(leaves[:n]), bad))
        self.assertFalse(verify_consistency(old_size, n, mth(leaves[:old_size - 1]),
                                            mth(leaves[:n]), j["proof"]))
        # between an earlier head and any smaller tree, every size
        for m in range(1, old_size + 1):
            status, j = self.call(f"/api/v1/ledger/consistency?from={m}&to={old_size}", t,
                                  validate=m in (1, old_size))
            self.assertEqual(status, 200, j)
            self.assertEqual(bytes.fromhex(j["root"]), old_root)
            self.assertTrue(verify_consistency(m, old_size, mth(leaves[:m]), old_root,
                                               j["proof"]), m)
        for q, want in ((f"from=0", 400), ("from=x", 400), ("", 400),
                        (f"from=3&to=2", 400), (f"from=1&to={old_size + 1}", 404),
                        (f"from={n + 1}", 400)):
            status, j = self.call("/api/v1/ledger/consistency?" + q, t)
            self.assertEqual(status, want, (q, j))
        self.assertEqual(self.call("/api/v1/ledger/consistency?from=1")[0], 401)


def form_of(page):
    return {m.group(1): html.unescape(m.group(2)) for m in
            re.finditer(r'name="([a-z_]+)" value="([^"]*)"', page)}


class Browserless(unittest.TestCase):
    """The login flow over plain HTTP, as a browser would do it."""

    def setUp(self):
        self.dir, self.db, self.prof = webserve.fixture(self, followups=())
        for n, pw in PASSWORDS.items():
            add_user(self, self.dir, self.db, n, ROLES[n], pw)
        self.srv = webserve.Server(self, self.prof, "--db", self.db)

    def cookies(self, h):
        return h.get("set-cookie", "")

    def login(self, user, password, headers=None):
        status, h, page = self.srv.get("/login")
        self.assertEqual(status, 200)
        m = re.search(r"sg_login=([^;]+)", h["set-cookie"])
        self.assertIn("HttpOnly", h["set-cookie"])
        self.assertIn("SameSite=Strict", h["set-cookie"])
        csrf = form_of(page)["csrf"]
        self.assertEqual(csrf, m.group(1))
        body = urllib.parse.urlencode({"user": user, "password": password, "csrf": csrf})
        hd = {"Content-Type": "application/x-www-form-urlencoded",
              "Cookie": f"sg_login={m.group(1)}"}
        hd.update(headers or {})
        return self.srv.request("/login", method="POST", headers=hd, body=body.encode())

    def session(self, user):
        status, h, _ = self.login(user, PASSWORDS[user])
        self.assertEqual(status, 303)
        self.assertEqual(h["location"], "/dashboard/")
        c = h["set-cookie"]
        self.assertIn("HttpOnly", c)
        self.assertIn("SameSite=Strict", c)
        self.assertNotIn("Secure", c)  # plain HTTP on loopback
        return "sg_session=" + re.search(r"sg_session=([^;]+)", c).group(1)

    def test_login_dashboard_followup_logout(self):
        self.assertEqual(self.srv.get("/dashboard/")[0], 303)
        cookie = self.session("olga")
        status, h, page = self.srv.get("/dashboard/", headers={"Cookie": cookie})
        self.assertEqual(status, 200, page)
        self.assertEqual(h["cache-control"], "no-store")
        self.assertIn("給与計算クラウド", page)
        self.assertIn('href="/dashboard/incidents/1"', page)
        status, _, page = self.srv.get("/dashboard/incidents/1", headers={"Cookie": cookie})
        self.assertEqual(status, 200)
        csrf = form_of(page)["csrf"]
        post = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        # a wrong (or missing) CSRF token is refused and nothing is recorded
        for bad in ("", "sg_" + "A" * 43):
            status, _, _ = self.srv.request("/dashboard/incidents/1/followup", method="POST",
                                            headers=post, body=urllib.parse.urlencode(
                                                {"message": "偽の続報", "csrf": bad}).encode())
            self.assertEqual(status, 403)
        # a form posted from another origin is refused
        status, _, _ = self.srv.request(
            "/dashboard/incidents/1/followup", method="POST",
            headers=dict(post, Origin="http://evil.example"),
            body=urllib.parse.urlencode({"message": "x", "csrf": csrf}).encode())
        self.assertEqual(status, 403)
        status, _, page = self.srv.request(
            "/dashboard/incidents/1/followup", method="POST", headers=post,
            body=urllib.parse.urlencode({"message": "復旧後の調査結果です。\r\n二行目。",
                                         "csrf": csrf}).encode())
        self.assertEqual(status, 200, page)
        self.assertIn("続報を記録し", page.decode())
        with sg.db_connect(self.db) as c:
            msgs = [x[0] for x in c.execute("SELECT message FROM followups WHERE incident_id=1")]
            entries = [json.loads(x[0]) for x in c.execute(
                "SELECT entry FROM ledger_entries WHERE type IN "
                "('followup_recorded', 'web_login', 'web_logout') ORDER BY seq")]
        self.assertIn("復旧後の調査結果です。\n二行目。", msgs)
        self.assertNotIn("偽の続報", msgs)
        self.assertEqual([(e["type"], e["payload"].get("user") or e["payload"].get("by"))
                          for e in entries],
                         [("web_login", "olga"), ("followup_recorded", "olga")])
        # logout needs the CSRF token too, then the session is gone
        status, _, _ = self.srv.request("/logout", method="POST", headers=post,
                                        body=b"csrf=wrong")
        self.assertEqual(status, 403)
        status, h, _ = self.srv.request("/logout", method="POST", headers=post,
                                        body=urllib.parse.urlencode({"csrf": csrf}).encode())
        self.assertEqual(status, 303)
        self.assertEqual(self.srv.get("/dashboard/", headers={"Cookie": cookie})[0], 303)

    def test_viewer_cannot_send_followups(self):
        cookie = self.session("vic")
        status, _, page = self.srv.get("/dashboard/incidents/1", headers={"Cookie": cookie})
        self.assertEqual(status, 200)
        self.assertNotIn("<textarea", page)
        status, _, page = self.srv.get("/dashboard/", headers={"Cookie": cookie})
        csrf = form_of(page)["csrf"]
        status, _, _ = self.srv.request(
            "/dashboard/incidents/1/followup", method="POST",
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            body=urllib.parse.urlencode({"message": "x", "csrf": csrf}).encode())
        self.assertEqual(status, 403)

    def test_wrong_password_and_throttling(self):
        status, _, page = self.login("olga", "not the password")
        self.assertEqual(status, 401)
        self.assertIn("ユーザー名またはパスワードが違います", page.decode())
        status, _, page = self.login("nobody", "not the password")
        self.assertEqual(status, 401)  # the same answer for an unknown user
        for _ in range(4):
            self.login("olga", "still wrong")
        status, _, page = self.login("olga", PASSWORDS["olga"])
        self.assertEqual(status, 429)
        self.assertIn("15 分間ログインできません", page.decode())
        # another user from the same address is not yet locked out
        status, _, _ = self.login("alice", PASSWORDS["alice"])
        self.assertEqual(status, 303)

    def test_api_tokens_are_throttled_per_address(self):
        for _ in range(20):
            status, _, _ = self.srv.request("/api/v1/services",
                                            headers={"Authorization": "Bearer nope"})
            self.assertEqual(status, 401)
        status, _, body = self.srv.request("/api/v1/services",
                                           headers={"Authorization": "Bearer nope"})
        self.assertEqual(status, 429)

    def test_login_form_csrf(self):
        body = urllib.parse.urlencode({"user": "olga", "password": PASSWORDS["olga"],
                                       "csrf": "forged"})
        status, _, _ = self.srv.request(
            "/login", method="POST", body=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Cookie": "sg_login=other"})
        self.assertEqual(status, 403)

    def test_passwd_ends_sessions_and_remove(self):
        cookie = self.session("vic")
        pf = os.path.join(self.dir, "new.pw")
        with open(pf, "w") as f:
            f.write("a brand new password\n")
        os.chmod(pf, 0o644)
        r = sg.run("user", "passwd", "vic", "--password-file", pf, "--db", self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("chmod 600", r.err)
        os.chmod(pf, 0o600)
        r = sg.run("user", "passwd", "vic", "--password-file", pf, "--db", self.db)
        self.assertEqual(r.code, 0, repr(r))
        self.assertEqual(self.srv.get("/dashboard/", headers={"Cookie": cookie})[0], 303)
        r = sg.run("user", "list", "--db", self.db)
        self.assertRegex(r.out, r"vic\s+viewer")
        r = sg.run("user", "remove", "vic", "--db", self.db)
        self.assertEqual(r.code, 0, repr(r))
        r = sg.run("user", "remove", "vic", "--db", self.db)
        self.assertEqual(r.code, 2, repr(r))
        r = sg.run("user", "add", "x", "--role", "root", "--db", self.db)
        self.assertEqual(r.code, 2, repr(r))
        short = os.path.join(self.dir, "short.pw")
        with open(short, "w") as f:
            f.write("short\n")
        os.chmod(short, 0o600)
        r = sg.run("user", "add", "shorty", "--role", "viewer", "--password-file", short,
                   "--db", self.db)
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("12", r.err)
        with sg.db_connect(self.db) as c:
            types = [x[0] for x in c.execute("SELECT type FROM ledger_entries")]
            hashes = [x[0] for x in c.execute("SELECT password_hash FROM web_users")]
        for t in ("web_user_added", "web_user_password_changed", "web_user_removed"):
            self.assertIn(t, types)
        # account entries are ledger types like any other: `ledger show --type` takes them
        # and the index names who did what
        r = sg.run("ledger", "show", "--type", "web_user_removed", "--format", "json",
                   "--db", self.db)
        self.assertEqual(r.code, 0, repr(r))
        self.assertIn({"user": "vic", "by": os.environ.get("USER") or "cli"},
                      [{k: e["payload"][k] for k in ("user", "by")} for e in r.json()])
        r = sg.run("ledger", "show", "--type", "web_user_removed", "--db", self.db, lang="en")
        self.assertEqual(r.code, 0, repr(r))
        self.assertIn("user vic removed by", r.out)
        self.assertTrue(all(h.startswith("$argon2id$") for h in hashes), hashes)

    def test_control_browser(self):
        cookie = self.session("vic")
        status, _, page = self.srv.get("/dashboard/payroll/controls?section=III.1&level=basic",
                                       headers={"Cookie": cookie})
        self.assertEqual(status, 200)
        rows = re.findall(r"<tr><td>((?:II|III)\.[0-9.]+) ", page)
        self.assertTrue(rows and all(r.startswith("III.1.") for r in rows), rows)
        self.assertIn("III.1.1.1.a", page)
        status, _, page = self.srv.get("/dashboard/", headers={"Cookie": cookie})
        self.assertIn("重大度別のギャップ", page)

    def multipart(self, cookie, fields, file=None):
        b = "----sgboundary7"
        parts = []
        for k, v in fields.items():
            parts.append(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                         .encode())
        if file:
            name, data = file
            parts.append(f'--{b}\r\nContent-Disposition: form-data; name="evidence"; '
                         f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                         + data + b"\r\n")
        body = b"".join(parts) + f"--{b}--\r\n".encode()
        return self.srv.request("/dashboard/payroll/attest", method="POST", body=body,
                                headers={"Cookie": cookie,
                                         "Content-Type": f"multipart/form-data; boundary={b}"})

    def test_attest_with_evidence(self):
        import hashlib
        import stat
        cookie = self.session("olga")
        status, _, page = self.srv.get("/dashboard/payroll/controls", headers={"Cookie": cookie})
        self.assertIn('enctype="multipart/form-data"', page)
        csrf = form_of(page)["csrf"]
        data = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"
        status, _, page = self.multipart(cookie, {"control": "iii.1.1.1", "note": "監視手順書を確認",
                                                  "csrf": "sg_forged"}, ("a.pdf", data))
        self.assertEqual(status, 403)
        status, _, page = self.multipart(cookie, {"control": "IX.9", "note": "x", "csrf": csrf})
        self.assertEqual(status, 400)
        status, _, page = self.multipart(
            cookie, {"control": "iii.1.1.1", "note": "監視手順書を確認", "csrf": csrf},
            ("手順書 v1.pdf", data))
        self.assertEqual(status, 200, page)
        sha = hashlib.sha256(data).hexdigest()
        self.assertIn(sha, page.decode())
        with sg.db_connect(self.db) as c:
            e = [json.loads(x[0]) for x in c.execute(
                "SELECT entry FROM ledger_entries WHERE type = 'attestation'")][-1]["payload"]
        self.assertEqual((e["control"], e["note"], e["by"]), ("III.1.1.1", "監視手順書を確認", "olga"))
        ev = e["evidence"][0]
        self.assertEqual((ev["sha256"], ev["bytes"], ev["name"]), (sha, len(data), "手順書 v1.pdf"))
        with open(ev["file"], "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(stat.S_IMODE(os.stat(ev["file"]).st_mode), 0o600)
        self.assertTrue(os.path.basename(ev["file"]).startswith(sha + "-"))
        vcookie = self.session("vic")
        status, _, page = self.srv.get("/dashboard/payroll/controls", headers={"Cookie": vcookie})
        self.assertNotIn('enctype="multipart/form-data"', page)
        status, _, _ = self.multipart(vcookie, {"control": "III.1.1.1", "note": "x",
                                                "csrf": form_of(page)["csrf"]})
        self.assertEqual(status, 403)

    def test_reports_generate_list_and_download(self):
        import hashlib
        vcookie = self.session("vic")
        status, _, page = self.srv.get("/dashboard/payroll/reports", headers={"Cookie": vcookie})
        self.assertEqual(status, 200)
        self.assertNotIn('action="/dashboard/payroll/reports"', page)  # viewers only read
        form = {"period": "2026-11", "audience": "users", "csrf": form_of(page)["csrf"]}
        post = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, _ = self.srv.request("/dashboard/payroll/reports", method="POST",
                                        headers=dict(post, Cookie=vcookie),
                                        body=urllib.parse.urlencode(form).encode())
        self.assertEqual(status, 403)
        cookie = self.session("olga")
        status, _, page = self.srv.get("/dashboard/payroll/reports", headers={"Cookie": cookie})
        self.assertIn('action="/dashboard/payroll/reports"', page)
        csrf = form_of(page)["csrf"]
        status, _, _ = self.srv.request("/dashboard/payroll/reports", method="POST",
                                        headers=dict(post, Cookie=cookie),
                                        body=urllib.parse.urlencode(dict(form, csrf="x")).encode())
        self.assertEqual(status, 403)
        status, _, page = self.srv.request("/dashboard/payroll/reports", method="POST",
                                           headers=dict(post, Cookie=cookie),
                                           body=urllib.parse.urlencode(dict(form, csrf=csrf))
                                           .encode())
        page = page.decode()
        self.assertEqual(status, 200, page)
        self.assertIn("報告書を作成し、証跡台帳に記録しました", page)
        m = re.search(r'href="(/dashboard/payroll/reports/(\d+))">2026-11<', page)
        self.assertTrue(m, page)
        seq = int(m.group(2))
        status, h, body = self.srv.request(m.group(1), headers={"Cookie": vcookie})
        self.assertEqual((status, h["content-type"]), (200, "application/pdf"))
        self.assertTrue(body.startswith(b"%PDF-"))
        self.assertEqual(self.srv.get(m.group(1))[0], 303)  # not without a session
        # the same report job as the command: a "report" entry, with who asked
        with sg.db_connect(self.db) as c:
            (entry,) = c.execute("SELECT entry FROM ledger_entries WHERE seq = ?",
                                 (seq,)).fetchone()
        e = json.loads(entry)
        self.assertEqual(e["type"], "report")
        p = e["payload"]
        self.assertEqual((p["by"], p["period"], p["audience"], p["format"]),
                         ("olga", "2026-11", "users", "pdf"))
        self.assertEqual(p["sha256"], hashlib.sha256(body).hexdigest())
        # the daemon's reports directory: beside the database (PostgreSQL: the state directory)
        self.assertEqual(os.path.basename(os.path.dirname(p["path"])), "reports")
        if not sg.is_pg(self.db):
            self.assertEqual(os.path.dirname(p["path"]), os.path.join(self.dir, "reports"))
        # a changed file is not served
        with open(p["path"], "ab") as f:
            f.write(b"changed")
        self.assertEqual(self.srv.get(m.group(1), headers={"Cookie": cookie})[0], 404)
        # a report recorded outside the reports directory is listed, never served
        r = sg.run("report", self.prof, "--period", "2026-11", "--db", self.db, "--format",
                   "json", "--output", os.path.join(self.dir, "outside.json"), env=webserve.ENV)
        self.assertEqual(r.code, 0, repr(r))
        status, _, page = self.srv.get("/dashboard/payroll/reports", headers={"Cookie": cookie})
        self.assertIn("報告書ディレクトリにないか、変更されています", page)
        with sg.db_connect(self.db) as c:
            (outside,) = c.execute("SELECT max(seq) FROM ledger_entries WHERE type = 'report'"
                                   ).fetchone()
        self.assertEqual(self.srv.get(f"/dashboard/payroll/reports/{outside}",
                                      headers={"Cookie": cookie})[0], 404)

    def test_overview_risks_and_collector_findings(self):
        with sg.db_connect(self.db) as c:
            (svc,) = c.execute("SELECT service FROM incidents WHERE id = 1").fetchone()
            now = float(webserve.ENV["SAASGUARD_NOW"])
            report_fill.add_notification(c, 1, "deadline_risk", "managers", "email",
                                         "ops@provider.example.jp", now - 3600, now, None)
            c.execute("INSERT INTO measurements(service, collector, item_id, status, value_text,"
                      " measured_at) VALUES (?, 'patches', 'III.3.1.1', 'finding', '3 pending',"
                      " ?)", (svc, now - 7200))
            c.execute("INSERT INTO measurements(service, collector, item_id, status, value_text,"
                      " measured_at) VALUES (?, 'patches', 'III.3.1.2', 'ok', 'ok', ?)",
                      (svc, now - 7200))
            c.execute("INSERT INTO measurements(service, collector, item_id, status, value_text,"
                      " measured_at) VALUES (?, 'patches', 'III.3.1.1', 'ok', 'old', ?)",
                      (svc, now - 86400 * 3))
        cookie = self.session("vic")
        status, _, page = self.srv.get("/dashboard/", headers={"Cookie": cookie})
        self.assertEqual(status, 200)
        self.assertIn("期限に間に合わないおそれのある通知", page)
        self.assertRegex(page, r'<li class="risk"><a href="/dashboard/incidents/1">'
                               r'インシデント 1</a> [^<]*（警告は未配信）</li>')
        rows = re.findall(r'<tr class="collector"><td>([^<]+)</td><td>[^<]+</td>'
                          r'<td>(\d+)</td><td>(\d+)</td></tr>', page)
        self.assertIn(("patches", "2", "1"), rows)  # the latest run only

    def test_checks_page_and_chart(self):
        cookie = self.session("vic")
        status, _, page = self.srv.get("/dashboard/payroll/checks", headers={"Cookie": cookie})
        self.assertEqual(status, 200)
        m = re.search(r'src="(/dashboard/payroll/checks/(\d+)/chart.svg)"', page)
        status, h, svg = self.srv.get(m.group(1), headers={"Cookie": cookie})
        self.assertEqual(h["content-type"], "image/svg+xml")
        import xml.etree.ElementTree as ET
        ET.fromstring(svg.encode())
        self.assertIn("<polyline", svg)
        self.assertEqual(self.srv.get(m.group(1))[0], 303)  # not without a session


if __name__ == "__main__":
    unittest.main()
