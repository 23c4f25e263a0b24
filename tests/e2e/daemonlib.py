"""daemonlib.py — shared by tests/e2e/60-daemon*.t: TAP output, a private
temporary world, the feed server, and `newswatch run` under a NOTIFY_SOCKET
the test listens on (tests/servers/notify_listener.py)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "servers"))
from notify_listener import NotifyListener  # noqa: E402

NEWSWATCH = os.environ.get("NEWSWATCH", os.path.join(ROOT, "build", "newswatch"))
if not os.path.isabs(NEWSWATCH):
    NEWSWATCH = os.path.join(ROOT, NEWSWATCH)
PY = "/usr/bin/python3"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, *diag):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, desc), flush=True)
        if not cond:
            self.failed += 1
            for d in diag:
                self.diag(d)
        return cond

    def is_(self, got, want, desc):
        return self.ok(got == want, desc, "expected: %r" % (want,), "got: %r" % (got,))

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


def require_binary():
    if not os.access(NEWSWATCH, os.X_OK):
        print("1..0 # SKIP %s not built (run make)" % NEWSWATCH)
        sys.exit(0)


class World:
    """A temporary HOME, config, state folder, feed folder and feed server."""

    def __init__(self, feeds=("wire.rss", "review.atom")):
        self.dir = tempfile.mkdtemp(prefix="newswatch-daemon.")
        self.home = os.path.join(self.dir, "home")
        self.state = os.path.join(self.dir, "state")
        self.feeds = os.path.join(self.dir, "feeds")
        self.conf = os.path.join(self.dir, "newswatch.conf")
        os.makedirs(self.home)
        os.makedirs(self.feeds)
        for f in feeds:
            shutil.copy(os.path.join(ROOT, "tests", "fixtures", "e2e", f), self.feeds)
        self.env = dict(os.environ)
        for k in ("NEWSWATCH_DATADIR", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NOTIFY_SOCKET",
                  "WATCHDOG_USEC", "WATCHDOG_PID", "http_proxy", "https_proxy", "HTTP_PROXY",
                  "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            self.env.pop(k, None)
        self.env.update(HOME=self.home, XDG_CONFIG_HOME=os.path.join(self.home, ".config"),
                        XDG_STATE_HOME=os.path.join(self.home, ".local", "state"),
                        XDG_DATA_HOME=os.path.join(self.home, ".local", "share"),
                        XDG_CACHE_HOME=os.path.join(self.home, ".cache"),
                        LC_ALL="C.UTF-8", no_proxy="*")
        self.server = None
        self.port = None
        self.daemon = None
        self.listener = None

    def start_server(self):
        logdir = os.path.join(self.dir, "server")
        portfile = os.path.join(self.dir, "port")
        self.server = subprocess.Popen([PY, os.path.join(ROOT, "tests", "servers", "feedserver.py"),
                                        "--root", self.feeds, "--log-dir", logdir,
                                        "--port-file", portfile],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(portfile):
                self.port = int(open(portfile).read())
                break
            time.sleep(0.05)
        self.requests_path = os.path.join(logdir, "requests.jsonl")
        return self.port

    def url(self, name):
        return "http://127.0.0.1:%d/feed/%s" % (self.port, name)

    def requests(self):
        """Paths the feed server was asked for, in order, with their headers."""
        out = []
        try:
            with open(self.requests_path) as f:
                for line in f:
                    if line.strip():
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def count(self, path_part):
        return sum(1 for r in self.requests() if path_part in r.get("path", ""))

    def write_feed(self, name, items, base=None):
        """Writes feeds/NAME as RSS 2.0: items (title, link) dated now, put
        before the items of base (an RSS file) when given. Atomic."""
        import email.utils
        now = email.utils.formatdate(time.time(), usegmt=True)
        new = "".join("<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate>"
                      "<description>%s</description></item>\n" % (t, l, l, now, t) for t, l in items)
        if base:
            text = open(base, encoding="utf-8").read()
            i = text.index("<item>")
            text = text[:i] + new + text[i:]
        else:
            text = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                    "<title>%s</title><link>https://example.com/</link><description>t</description>\n%s"
                    "</channel></rss>\n" % (name, new))
        path = os.path.join(self.feeds, name)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.rename(path + ".tmp", path)

    def write_config(self, feeds, general="", path=None):
        """feeds: list of (name, url)."""
        text = ["[general]", "backfill_hours = 0", "min_interval = 1s", "jitter = 0",
                "state_dir = %s" % self.state, general]
        for name, url in feeds:
            text += ["", "[feed %s]" % name, "url = %s" % url]
        tmp = (path or self.conf) + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(text) + "\n")
        os.rename(tmp, path or self.conf)

    def start_daemon(self, *args, watchdog_usec=None):
        sock = os.path.join(self.dir, "notify.sock")
        self.listener = NotifyListener(sock)
        env = dict(self.env, NOTIFY_SOCKET=sock)
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        self.stderr_path = os.path.join(self.dir, "daemon.err")
        self.stdout_path = os.path.join(self.dir, "daemon.out")
        self.daemon = subprocess.Popen([NEWSWATCH, "run", "-c", self.conf, "-v",
                                        "--watchlists", os.path.join(ROOT, "watchlists")] + list(args),
                                       env=env, stdin=subprocess.DEVNULL,
                                       stdout=open(self.stdout_path, "w"),
                                       stderr=open(self.stderr_path, "w"))
        return self.daemon

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def wait_until(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.05)
        return pred()

    def stop_daemon(self, sig=signal.SIGTERM, timeout=15):
        """Sends sig; returns (exit status or None, seconds taken)."""
        if self.daemon is None:
            return None, 0
        t0 = time.monotonic()
        self.daemon.send_signal(sig)
        try:
            rc = self.daemon.wait(timeout)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()
            rc = None
        took = time.monotonic() - t0
        self.daemon = None
        return rc, took

    def integrity(self):
        db = os.path.join(self.state, "newswatch.db")
        r = subprocess.run(["sqlite3", db, "PRAGMA integrity_check;"], capture_output=True, text=True)
        return (r.stdout + r.stderr).strip()

    def close(self):
        if self.daemon:
            self.daemon.kill()
            self.daemon.wait()
        if self.server:
            self.server.terminate()
            self.server.wait()
        if self.listener:
            self.listener.close()
        shutil.rmtree(self.dir, ignore_errors=True)
