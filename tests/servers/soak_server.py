#!/usr/bin/python3
"""soak_server.py — many generated feeds for bench/soak.

GET /feed/N.xml  an RSS 2.0 feed of --items items (N in 0..--feeds-1), the same
                 bytes every time, with an ETag: a matching If-None-Match gets
                 304 with no body. Some items name people from the shipped
                 watchlists, so matching has work to do.
GET /stats       JSON: requests, by_status, bytes_out (status line, headers and
                 bodies sent), bytes_in (request lines and headers received).
Threaded, HTTP/1.1 keep-alive, 127.0.0.1 only; prints the port once listening."""
import argparse
import hashlib
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {"requests": 0, "by_status": {}, "bytes_out": 0, "bytes_in": 0}
FEEDS = {}
PEOPLE = ["Mark Rutte", "Pete Hegseth", "Volodymyr Zelenskyy", "Kaja Kallas", "Boris Pistorius"]


def make_feed(n, items):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
           "<title>Soak feed %d</title><link>https://soak.example/%d/</link>" % (n, n),
           "<description>generated</description>"]
    for i in range(items):
        who = PEOPLE[(n + i) % len(PEOPLE)] if (n * 7 + i) % 11 == 0 else "a spokesperson"
        out.append("<item><title>Story %d-%d: %s comments on the budget</title>"
                   "<link>https://soak.example/%d/%d</link><guid>soak-%d-%d</guid>"
                   "<pubDate>Mon, 01 Jan 2024 %02d:%02d:00 GMT</pubDate>"
                   "<description>Item %d of feed %d. %s said the committee would meet again "
                   "next week to discuss procurement, logistics and training.</description></item>"
                   % (n, i, who, n, i, n, i, i % 24, n % 60, i, n, who))
    out.append("</channel></rss>\n")
    body = "\n".join(out).encode()
    return body, '"%s"' % hashlib.sha1(body).hexdigest()[:16]


class Counting:
    def __init__(self, w):
        self.w = w

    def write(self, b):
        with LOCK:
            STATS["bytes_out"] += len(b)
        return self.w.write(b)

    def flush(self):
        return self.w.flush()

    def __getattr__(self, name):
        return getattr(self.w, name)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "soak/1"
    sys_version = ""

    def setup(self):
        super().setup()
        self.wfile = Counting(self.wfile)

    def log_message(self, fmt, *args):
        pass

    def count(self, code):
        with LOCK:
            STATS["requests"] += 1
            STATS["by_status"][str(code)] = STATS["by_status"].get(str(code), 0) + 1
            STATS["bytes_in"] += len(self.requestline) + 2 + len(str(self.headers))

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                body = json.dumps(STATS).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        try:
            n = int(self.path.split("/")[-1].split(".")[0])
            body, etag = FEEDS[n]
        except (ValueError, KeyError):
            self.count(404)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == etag:
            self.count(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.count(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    for n in range(a.feeds):
        FEEDS[n] = make_feed(n, a.items)
    srv = Server(("127.0.0.1", a.port), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever(poll_interval=0.5)


if __name__ == "__main__":
    sys.exit(main())
