"""Profiles and the monitor daemon for the integration tests that run it:
the monitor: section their profiles share, the SMTP notify: block, a TCP
check of a loopback listener with a signing ledger, starting and stopping
`saasguard monitor`, and reading its store while it runs.
"""
import os
import signal
import socket
import subprocess
import time

import sg

SERVICE_HOURS = 'service_hours: {days: mon-sun, from: "00:00", to: "24:00", timezone: Asia/Tokyo}\n'


def monitor_profile(path, checks, rest="", *, window="0s", monitor_extra="", provider="",
                    service="給与計算クラウド"):
    """Writes a profile of service (pattern 1): provider (YAML lines, if any), a
    monitor: that confirms a failure twice 300 ms apart and closes incidents after
    window (None: the default), monitor_extra lines, the checks (list lines), then
    rest (notify:, service_hours:, …)."""
    window = f"  incident_window: {window}\n" if window is not None else ""
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"service: {{name: {service}, pattern: 1}}\n{provider}monitor:\n  confirm: 2\n"
                f"  retry_interval: 300ms\n{window}{monitor_extra}  checks:\n{checks}{rest}")


def smtp_notify(port, admins="", extra=""):
    """A notify: block sending through the SMTP receiver on port (no STARTTLS) to the
    users and the provider's managers; admins: admin_contacts: lines; extra: more."""
    return f"""notify:
  smtp: {{url: "smtp://127.0.0.1:{port}", from: "noreply@provider.example.jp", starttls: "off"}}
  retry: {{initial: 1s, max: 2s}}
  all_users: [{{email: "users@customer.example.jp"}}]
{admins}  managers: [{{email: "ops@provider.example.jp"}}]
{extra}"""


def tcp_ledger_profile(test, service="給与計算クラウド", monitor_extra=""):
    """A profile with one TCP check (every second) of a loopback listener kept open
    for the test, and a ledger sealed every second with a new signing key: (profile,
    key)."""
    d = sg.scratch(test)
    key = os.path.join(d, "ledger.key")
    r = sg.run("ledger", "keygen", "--key", key)
    test.assertEqual(r.code, 0, repr(r))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    test.addCleanup(listener.close)
    port = listener.getsockname()[1]
    prof = os.path.join(d, "p.yaml")
    with open(prof, "w", encoding="utf-8") as f:
        f.write(f"service: {{name: {service}, pattern: 1}}\n"
                f"monitor:\n{monitor_extra}  checks:\n"
                f"    - {{name: db, kind: liveness, type: tcp, host: 127.0.0.1, port: {port},"
                " interval: 1s}\n"
                f"ledger: {{key: '{key}', seal_every: 1s, seal_every_entries: 1}}\n")
    return prof, key


def start_monitor(prof, db, *extra):
    """`saasguard monitor PROFILE --db DB EXTRA…`, running; stop it with stop_monitor()."""
    env = dict(os.environ, LANG="C.UTF-8")
    return subprocess.Popen([sg.binary(), "monitor", prof, "--db", db, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def stop_monitor(test, p):
    """SIGTERM, then the monitor must exit 0; returns its standard error."""
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    test.assertEqual(p.returncode, 0, err[-3000:])
    return err


def query(db, sql, *args):
    """All rows of sql with args."""
    return sg.db_query(db, sql, args)


def query_early(db, sql, *args):
    """query(), or no rows while the daemon has not created the tables yet."""
    try:
        return query(db, sql, *args)
    except sg.DB_OPERATIONAL_ERRORS:
        return []


def wait_for(pred, timeout, step=0.2):
    """pred()'s first true value within timeout seconds, else its last value."""
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def secret_file(d, name, text):
    """A 0600 file d/name holding text (a token, a password): its path."""
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text + "\n")
    os.chmod(p, 0o600)
    return p
