#!/usr/bin/python3
# 60-daemon.t — `newswatch run` as systemd sees it: READY, STATUS and
# WATCHDOG arrive on a NOTIFY_SOCKET the test listens on; feeds are polled on
# their interval with conditional GETs; SIGHUP with a good config adds a feed
# (it gets polled), with a broken one keeps the old; SIGTERM stops with
# status 0 and an intact database.
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemonlib import Tap, World, require_binary  # noqa: E402

require_binary()
t = Tap()
w = World()
try:
    w.start_server()
    t.ok(w.port is not None, "feed server started")
    w.write_config([("wire", w.url("wire.rss"))], general="interval = 2s")
    d = w.start_daemon(watchdog_usec=400000)
    L = w.listener

    ready = L.wait_for(lambda m: m.get("READY") == "1", 15)
    t.ok(ready is not None, "READY=1 arrives", w.stderr())
    st = L.wait_for(lambda m: "STATUS" in m and m["STATUS"].startswith("watching 1 feed"), 5)
    t.ok(st is not None, "STATUS says what is watched: " + (st or {}).get("STATUS", "(none)"))

    # The watchdog is pinged every WATCHDOG_USEC/2 = 200 ms from the loop.
    n0 = L.count("WATCHDOG")
    time.sleep(2.0)
    pings = L.count("WATCHDOG") - n0
    t.ok(7 <= pings <= 13, "WATCHDOG=1 about every 200 ms (%d pings in 2 s)" % pings)

    # The feed is polled, then again after its 2 s interval with validators.
    t.ok(w.wait_until(lambda: w.count("/feed/wire.rss") >= 3, 12),
         "the feed is polled on its interval (%d requests)" % w.count("/feed/wire.rss"))
    reqs = [r for r in w.requests() if "/feed/wire.rss" in r["path"]]
    t.ok(len(reqs) >= 2 and "if-none-match" in reqs[-1]["headers"],
         "later polls are conditional (If-None-Match)")
    # A new item appears in the feed: the next poll alerts on it.
    w.write_feed("wire.rss", [("Pete Hegseth meets allies in Brussels", "https://wire.example.com/hegseth-brussels")],
                 base=os.path.join(w.feeds, "wire.rss"))
    t.ok(w.wait_until(lambda: "alert" in w.stderr() and "Hegseth meets allies" in w.stderr(), 8),
         "a new matching item is alerted and logged", w.stderr()[-1500:])
    t.ok(L.wait_for(lambda m: re.search(r"· [1-9][0-9]* alerts? today", m.get("STATUS", "")), 5) is not None,
         "STATUS counts today's alerts")

    # SIGHUP with a good config: a feed is added and polled; wire keeps going.
    before = len(L.messages)
    w.write_config([("wire", w.url("wire.rss")), ("review", w.url("review.atom"))],
                   general="interval = 2s")
    d.send_signal(signal.SIGHUP)
    rl = L.wait_for(lambda m: m.get("RELOADING") == "1", 5, start=before)
    t.ok(rl is not None and "MONOTONIC_USEC" in rl, "RELOADING=1 (with MONOTONIC_USEC) on SIGHUP")
    t.ok(L.wait_for(lambda m: m.get("READY") == "1", 5, start=before) is not None,
         "READY=1 after the reload")
    t.ok(w.wait_until(lambda: w.count("/feed/review.atom") >= 1, 8), "the added feed gets polled")
    t.ok(L.wait_for(lambda m: m.get("STATUS", "").startswith("watching 2 feeds"), 5, start=before)
         is not None, "STATUS: watching 2 feeds")

    # SIGHUP with a broken config: rejected, errors logged, old one keeps running.
    with open(w.conf, "a") as f:
        f.write("\n[feed broken]\nurl = %s\ninterval = banana\n" % w.url("nope.rss"))
    before = len(L.messages)
    d.send_signal(signal.SIGHUP)
    t.ok(L.wait_for(lambda m: m.get("READY") == "1", 5, start=before) is not None,
         "READY=1 again after a failed reload")
    t.ok(w.wait_until(lambda: "reload failed" in w.stderr(), 5), "the failed reload is logged")
    t.ok(w.wait_until(lambda: "newswatch.conf:" in w.stderr() and "interval" in w.stderr(), 1),
         "its error names file:line", w.stderr()[-2000:])
    t.ok(d.poll() is None, "the daemon is still running")
    n_review = w.count("/feed/review.atom")
    t.ok(w.wait_until(lambda: w.count("/feed/review.atom") > n_review, 8),
         "the old configuration keeps polling (review polled again)")
    t.is_(w.count("/feed/nope.rss"), 0, "the broken config's feed is never polled")

    # A feed removed by a reload stops being polled.
    w.write_config([("review", w.url("review.atom"))], general="interval = 2s")
    d.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    n_wire = w.count("/feed/wire.rss")
    time.sleep(4)
    t.is_(w.count("/feed/wire.rss"), n_wire, "a feed removed by a reload is no longer polled")

    before = len(L.messages)
    rc, took = w.stop_daemon(signal.SIGTERM)
    t.is_(rc, 0, "SIGTERM: exit status 0")
    t.ok(took < 7, "stopped in %.1f s" % took)
    t.ok(L.wait_for(lambda m: m.get("STOPPING") == "1", 1, start=before) is not None, "STOPPING=1 sent")
    t.is_(w.integrity(), "ok", "database intact (PRAGMA integrity_check)")
finally:
    w.close()
t.done()
