"""A throwaway RFC 3161 time-stamping authority on 127.0.0.1 for tests.

make_ca() creates a CA and a TSA certificate (extendedKeyUsage critical
timeStamping) with the openssl command; TsaServer serves POSTed requests by
piping them through `openssl ts -reply` and answering
application/timestamp-reply. Standard library only.
"""
import http.server
import os
import subprocess
import tempfile
import threading

TSA_CNF = """
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5.6
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl(*args, cwd=None):
    p = subprocess.run(["openssl", *args], capture_output=True, text=True, cwd=cwd, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {p.stderr}")
    return p.stdout


def make_ca(d, name="Test TSA"):
    """Creates d/ca.pem, d/tsa.pem, d/tsa.key and d/tsa.cnf; returns d/ca.pem."""
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=critical,timeStamping\n")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", f"/CN={name} CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", f"/CN={name}", cwd=d)
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "tsa.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(d, "tsa.cnf"), "w") as f:
        f.write(TSA_CNF.format(dir=d))
    return os.path.join(d, "ca.pem")


class TsaServer:
    """Serves http://127.0.0.1:PORT/tsa until stop(); `fail = True` makes it answer 503."""

    def __init__(self, ca_dir):
        self.dir = ca_dir
        self.fail = False
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests += 1
                if outer.fail or self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_response(503)
                    self.end_headers()
                    return
                with tempfile.TemporaryDirectory() as t:
                    q, r = os.path.join(t, "q.tsq"), os.path.join(t, "r.tsr")
                    with open(q, "wb") as f:
                        f.write(body)
                    p = subprocess.run(["openssl", "ts", "-reply", "-config",
                                        os.path.join(outer.dir, "tsa.cnf"), "-queryfile", q,
                                        "-out", r], capture_output=True, timeout=60)
                    if p.returncode != 0:
                        self.send_response(500)
                        self.end_headers()
                        return
                    with open(r, "rb") as f:
                        reply = f.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/tsa"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
