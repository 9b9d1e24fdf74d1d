"""Loopback servers for the monitor's integration tests: nginx (Debian
nginx-light, started and stopped to make real outages), an SMTP receiver
(Debian python3-aiosmtpd under /usr/bin/python3) that stores each message
as a file, and a webhook receiver (http.server). 127.0.0.1 only.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import sg

SMTP_SINK = r'''
import asyncio, email, email.policy, hashlib, json, os, sys, time
from aiosmtpd.controller import Controller
out = sys.argv[2]
class H:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = [p for p in msg.walk() if not p.is_multipart()]
        body = parts[0].get_content() if parts else ""
        att = [p.get_filename() for p in parts[1:]]
        att_sha = [hashlib.sha256(p.get_payload(decode=True) or b"").hexdigest()
                   for p in parts[1:]]
        att_type = [p.get_content_type() for p in parts[1:]]
        rec = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": str(msg["subject"]),
               "body": body, "attachments": att, "attachment_sha256": att_sha,
               "attachment_types": att_type, "received_at": time.time()}
        name = os.path.join(out, "%.6f-%d.json" % (time.time(), os.getpid()))
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(rec, f, ensure_ascii=False)
        os.rename(name + ".tmp", name)
        return "250 OK"
kw = {}
if len(sys.argv) > 4:  # cert key: offer STARTTLS and require it
    import ssl
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    kw = {"tls_context": ctx, "require_starttls": True}
c = Controller(H(), hostname="127.0.0.1", port=int(sys.argv[1]), **kw)
c.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    c.stop()
'''

WEBHOOK = r'''
import http.server, json, os, sys, time
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        data = json.loads(self.rfile.read(n))
        data["received_at"] = time.time()
        name = os.path.join(out, "%.6f.json" % time.time())
        with open(name, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()
'''


RECORDER = r'''
import http.server, json, os, sys, time
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n).decode("utf-8")
        rec = {"method": "POST", "path": self.path, "headers": dict(self.headers.items()),
               "body": body, "received_at": time.time()}
        name = os.path.join(out, "%.6f.json" % time.time())
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(rec, f, ensure_ascii=False)
        os.rename(name + ".tmp", name)
        # an OAuth token endpoint (LINE WORKS) answers with a token
        answer = (b'{"access_token":"AT-lineworks-123","token_type":"Bearer",'
                  b'"expires_in":"86400","scope":"bot"}' if self.path.endswith("/token")
                  else b"{}")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()
'''


def _wait_ready(p):
    line = p.stdout.readline()
    if "ready" not in line:
        raise RuntimeError("server did not start: " + line + p.stderr.read())


class Nginx:
    def __init__(self, test, port=None, body="OK ログイン\n"):
        self.dir = sg.scratch(test)
        self.port = port or sg.free_port()
        os.chmod(self.dir, 0o755)  # nginx workers run as nobody when started as root
        os.makedirs(os.path.join(self.dir, "html"))
        with open(os.path.join(self.dir, "html", "healthz"), "w", encoding="utf-8") as f:
            f.write(body)
        conf = f"""
worker_processes 1;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log {self.dir}/access.log;
  client_body_temp_path {self.dir}/tmp;
  proxy_temp_path {self.dir}/tmp;
  fastcgi_temp_path {self.dir}/tmp;
  uwsgi_temp_path {self.dir}/tmp;
  scgi_temp_path {self.dir}/tmp;
  default_type text/plain;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.dir}/html;
    location = /slow {{ return 200 "slow"; }}
  }}
}}
"""
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.proc = None
        self.hold = None
        test.addCleanup(self._release_port)  # cleanups run last first: after stop()
        test.addCleanup(self.stop)

    def _release_port(self):
        if self.hold:
            self.hold.close()
            self.hold = None

    def start(self):
        self._release_port()
        self.proc = subprocess.Popen(["/usr/sbin/nginx", "-c", self.conf, "-p", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sg.wait_port(self.port)

    def stop(self):
        """Stops nginx and keeps its port bound, not listening, until start():
        a connection is refused as by a stopped server, and no other test's
        server running beside this one can take the port and answer the
        checks of an outage this test made."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if not self.hold:
            h = socket.socket()
            h.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                h.bind(("127.0.0.1", self.port))
                self.hold = h
            except OSError:  # already taken: nothing to keep
                h.close()

    def url(self, path="/healthz"):
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self):
        """How many requests nginx has answered (its access log, unbuffered)."""
        try:
            with open(os.path.join(self.dir, "access.log"), "rb") as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0


class Receiver:
    """An SMTP (kind="smtp"; with tls=(cert, key) it requires STARTTLS), webhook
    (kind="webhook") or raw HTTP request recorder (kind="recorder": method, path,
    headers and body of every POST) receiver."""

    def __init__(self, test, kind, port=None, tls=None):
        self.dir = sg.scratch(test)
        self.port = port or sg.free_port()
        self.kind = kind
        self.tls = tls
        self.proc = None
        test.addCleanup(self.stop)

    def start(self):
        code = {"smtp": SMTP_SINK, "webhook": WEBHOOK, "recorder": RECORDER}[self.kind]
        argv = ["/usr/bin/python3", "-c", code, str(self.port), self.dir]
        if self.tls:
            argv += list(self.tls)
        self.proc = subprocess.Popen(argv,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_ready(self.proc)
        sg.wait_port(self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            for f in (self.proc.stdout, self.proc.stderr):
                if f:
                    f.close()
        self.proc = None

    def messages(self):
        out = []
        for n in sorted(os.listdir(self.dir)):
            if n.endswith(".json"):
                with open(os.path.join(self.dir, n), encoding="utf-8") as f:
                    out.append(json.load(f))
        return out

    def wait(self, pred, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            m = [x for x in self.messages() if pred(x)]
            if m:
                return m
            time.sleep(0.1)
        return []
