#!/usr/bin/python3
# 60-daemon-stop.t — SIGTERM in the middle of a busy cycle: polls that finish
# within the bound are committed; the rest are cancelled at the bound; the
# daemon exits 0 in time and the database passes PRAGMA integrity_check.
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemonlib import NEWSWATCH, Tap, World, require_binary  # noqa: E402

require_binary()
t = Tap()

# --- 1: slow polls, cancelled at the bound -------------------------------------
w = World()
try:
    w.start_server()
    feeds = [("slow%02d" % i, "http://127.0.0.1:%d/slow/6000/wire.rss?n=%d" % (w.port, i)) for i in range(40)]
    w.write_config(feeds, general="interval = 1h\nmax_per_host = 8\nmax_connections = 16")
    d = w.start_daemon("--stop-timeout", "2")
    L = w.listener
    t.ok(L.wait_for(lambda m: m.get("READY") == "1", 15) is not None, "busy: READY=1")
    # All 40 are overdue at start-up and spread over 40 × 0.2 s = 8 s.
    t.ok(w.wait_until(lambda: w.count("/slow/") >= 8, 10), "busy: polls are in flight (%d requests)" % w.count("/slow/"))
    rc, took = w.stop_daemon(signal.SIGTERM)
    t.is_(rc, 0, "busy: SIGTERM exits 0")
    t.ok(took < 4.5, "busy: stopped within the 2 s bound plus slack (%.1f s)" % took)
    t.ok("cancelling" in w.stderr(), "busy: says it cancelled the polls still in flight")
    t.is_(w.integrity(), "ok", "busy: database intact (PRAGMA integrity_check)")
    st = subprocess.run([NEWSWATCH, "status", "--json", "-c", w.conf], env=w.env, capture_output=True, text=True)
    t.is_(st.returncode, 0, "busy: status reads the database afterwards")
finally:
    w.close()

# --- 2: quick polls in flight finish and are committed ---------------------------
w = World()
try:
    w.start_server()
    feeds = [("quick%d" % i, "http://127.0.0.1:%d/slow/700/wire.rss?n=%d" % (w.port, i)) for i in range(4)]
    w.write_config(feeds, general="interval = 1h\nmax_per_host = 4")
    d = w.start_daemon("--stop-timeout", "5")
    t.ok(w.listener.wait_for(lambda m: m.get("READY") == "1", 15) is not None, "quick: READY=1")
    t.ok(w.wait_until(lambda: w.count("/slow/") >= 4, 5), "quick: all four polls started")
    rc, took = w.stop_daemon(signal.SIGTERM)
    t.is_(rc, 0, "quick: SIGTERM exits 0")
    t.ok(took < 3, "quick: waited for the polls, not for the bound (%.1f s)" % took)
    st = subprocess.run([NEWSWATCH, "status", "--json", "-c", w.conf], env=w.env, capture_output=True, text=True)
    try:
        polled = [f for f in json.loads(st.stdout)["feeds"] if f["polls"] == 1 and f["last_success"]]
    except (ValueError, KeyError):
        polled = []
    t.is_(len(polled), 4, "quick: every poll in flight at SIGTERM was committed")
    t.is_(w.integrity(), "ok", "quick: database intact")
finally:
    w.close()
t.done()
