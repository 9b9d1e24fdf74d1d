"""`saasguard serve`: the status-view cache. Entity tags and 304, gzip
(the same bytes once decompressed), a stale view served at once while the
builder thread makes the new one, and SIGHUP showing a profile change."""
import gzip
import os
import signal
import time
import unittest

import sg
import webserve

CACHED = ("/status/payroll", "/status/payroll?lang=en", "/status/payroll.json",
          "/status/payroll/feed.atom", "/status/payroll/verify", "/badge/payroll/status.svg",
          "/badge/payroll/availability.svg")


class Validators(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.holder = unittest.TestCase()
        cls.dir, cls.db, cls.prof = webserve.fixture(cls.holder)
        cls.srv = webserve.Server(cls.holder, cls.prof, "--db", cls.db)

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()  # with ASan: no leak of a view a response held
        cls.holder.doCleanups()
        if rc != 0:
            raise AssertionError(f"serve exited {rc}")

    def test_etag_and_not_modified(self):
        tags = set()
        for path in CACHED:
            status, h, body = self.srv.request(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(h["cache-control"], "public, max-age=5", path)
            etag = h["etag"]
            self.assertRegex(etag, r'^"[0-9a-f]{32}"$', path)
            tags.add(etag)
            # the same bytes, the same tag
            self.assertEqual(self.srv.request(path)[1]["etag"], etag, path)
            for inm in (etag, "W/" + etag, '"other", ' + etag, "*"):
                status, h304, empty = self.srv.request(path, headers={"If-None-Match": inm})
                self.assertEqual(status, 304, (path, inm))
                self.assertEqual(empty, b"", path)
                self.assertEqual(h304["etag"], etag, path)
                self.assertEqual(h304["cache-control"], "public, max-age=5", path)
                # RFC 9110 8.6: absent, or the length the 200 would have had
                self.assertEqual(int(h304.get("content-length", len(body))), len(body), path)
                self.assertIn("default-src 'none'", h304["content-security-policy"])
            status, _, again = self.srv.request(path, headers={"If-None-Match": '"other"'})
            self.assertEqual((status, again), (200, body), path)
            status, hh, nothing = self.srv.request(path, method="HEAD")
            self.assertEqual((status, nothing, hh["etag"]), (200, b"", etag), path)
            self.assertEqual(int(hh["content-length"]), len(body), path)
        self.assertEqual(len(tags), len(CACHED), "every representation has its own tag")

    def test_gzip_round_trip(self):
        for path in CACHED:
            _, h, plain = self.srv.request(path)
            self.assertNotIn("content-encoding", h, path)
            self.assertIn("Accept-Encoding", h["vary"], path)
            status, hz, packed = self.srv.request(path, headers={"Accept-Encoding": "gzip, br"})
            self.assertEqual(status, 200, path)
            if len(plain) < 256:  # a badge: not worth compressing
                self.assertNotIn("content-encoding", hz, path)
                self.assertEqual(packed, plain, path)
                continue
            self.assertEqual(hz["content-encoding"], "gzip", path)
            self.assertLess(len(packed), len(plain), path)
            self.assertEqual(gzip.decompress(packed), plain, path)
            self.assertNotEqual(hz["etag"], h["etag"], path)
            self.assertEqual(self.srv.request(path, headers={
                "Accept-Encoding": "gzip", "If-None-Match": hz["etag"]})[0], 304, path)
            # the identity tag does not validate the gzip bytes, nor the reverse
            self.assertEqual(self.srv.request(path, headers={
                "Accept-Encoding": "gzip", "If-None-Match": h["etag"]})[0], 200, path)
            _, hq, body = self.srv.request(path, headers={"Accept-Encoding": "gzip;q=0"})
            self.assertNotIn("content-encoding", hq, path)
            self.assertEqual(body, plain, path)

    def test_language_is_negotiated_per_request(self):
        _, hja, ja = self.srv.get("/status/payroll")
        _, hen, en = self.srv.get("/status/payroll", headers={"Accept-Language": "en"})
        self.assertIn('<html lang="ja">', ja)
        self.assertIn('<html lang="en">', en)
        self.assertNotEqual(hja["etag"], hen["etag"])
        self.assertIn("Accept-Language", hen["vary"])
        _, _, raw = self.srv.request("/status/payroll",
                                     headers={"Accept-Language": "en", "Accept-Encoding": "gzip"})
        self.assertEqual(gzip.decompress(raw), en.encode())
        self.assertLess(len(raw), len(en.encode()) / 3)


class Rebuild(unittest.TestCase):
    def test_stale_view_is_served_while_the_new_one_is_built(self):
        # Each rebuild (not the first build) sleeps 4 s on the builder thread
        # before reading the store; one worker thread serves every connection.
        d, db, prof = webserve.fixture(self, followups=())
        srv = webserve.Server(self, prof, "--db", db, "--threads", "1",
                              env={"SAASGUARD_TEST_VIEW_DELAY_MS": "4000"})
        _, _, before = srv.get("/status/payroll")
        self.assertIn("Web 画面", before)
        m = os.path.join(d, "late.txt")
        with open(m, "w", encoding="utf-8") as f:
            f.write("遅れて記録した続報です。")
        r = sg.run("incident", "followup", "1", "--message-file", m, "--profile", prof,
                   "--db", db, env=webserve.ENV)
        self.assertEqual(r.code, 0, repr(r))
        time.sleep(5.5)  # past the cache period (5 s)
        for _ in range(3):
            t = time.monotonic()
            status, _, page = srv.get("/status/payroll")
            self.assertLess(time.monotonic() - t, 1.5, "a request waited for the rebuild")
            self.assertEqual(status, 200)
            self.assertNotIn("遅れて記録した続報です。", page)  # still the old view
        self.assertTrue(webserve.wait_for(
            lambda: "遅れて記録した続報です。" in srv.get("/status/payroll")[2], timeout=20),
            "the new view never arrived")
        self.assertEqual(srv.stop(), 0)

    def test_sigterm_during_a_rebuild_joins_the_builder(self):
        d, db, prof = webserve.fixture(self, followups=())
        srv = webserve.Server(self, prof, "--db", db,
                              env={"SAASGUARD_TEST_VIEW_DELAY_MS": "3000"})
        self.assertEqual(srv.get("/status/payroll")[0], 200)
        time.sleep(5.5)
        self.assertEqual(srv.get("/status/payroll")[0], 200)  # the builder is now rebuilding
        t = time.monotonic()
        self.assertEqual(srv.stop(), 0)
        self.assertLess(time.monotonic() - t, 10)

    def test_sighup_shows_a_profile_change(self):
        d, db, prof = webserve.fixture(self, followups=())
        srv = webserve.Server(self, prof, "--db", db)
        _, _, page = srv.get("/status/payroll")
        self.assertIn("ログイン", page)
        with open(prof, encoding="utf-8") as f:
            text = f.read()
        text = text.replace('group: "Web 画面"', 'group: "ウェブ画面"')
        text = text.replace('group: "ログイン"', 'group: "ログイン", public: false')
        with open(prof, "w", encoding="utf-8") as f:
            f.write(text)
        srv.proc.send_signal(signal.SIGHUP)
        self.assertTrue(webserve.wait_for(
            lambda: "ウェブ画面" in srv.get("/status/payroll")[2]), "reload not shown")
        # the old views are gone at once: the check made private is not shown again
        for path in ("/status/payroll", "/status/payroll.json", "/status/payroll?lang=en"):
            body = srv.get(path)[2]
            self.assertNotIn("ログイン", body, path)
            self.assertNotIn("Web 画面", body, path)
        self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    unittest.main()
