#!/usr/bin/python3
"""feedserver.py — a real HTTP/1.1 server for newswatch's fetch tests.

Serves fixture feeds and every misbehaviour a feed fetcher meets in the wild.
Binds 127.0.0.1 on a free port (or --port), prints the port on stdout and
writes it to --port-file (atomically) once it accepts connections.

Logs, both appended and flushed line by line, in --log-dir:
  access.log      "open conn=N concurrent=C" (C connections open now),
                  "close conn=N", "begin conn=N busy=B" (B requests being
                  answered now) and "conn=N METHOD PATH STATUS" — a test can
                  prove that no connection was made (a refused ftp:// redirect)
  requests.jsonl  one JSON object per request: conn, method, path,
                  headers (lower-case names), concurrent

Routes (GET):
  /feed/NAME[?etag=0&lm=0&gzip=1&deflate=1&cache=N&ct=TYPE]
                  fixture --root/NAME with ETag and Last-Modified (omit with
                  etag=0 / lm=0); answers 304 to matching If-None-Match or
                  If-Modified-Since; gzip/deflate when the client accepts it;
                  cache=N adds Cache-Control: max-age=N
  /slow/MS/NAME   the fixture after MS milliseconds (concurrency tests)
  /redir/CODE/REST          CODE redirect to /REST (chains nest: /redir/301/redir/302/feed/x)
  /redirect-to?code=C&url=U CODE redirect to any URL (file://, ftp://, gopher://)
  /loop/N                   302 to /loop/N+1, forever
  /status/CODE[?retry_after=S|retry_after_date=S&size=N]
                  CODE with an HTML page (padded to N bytes)
  /hang           reads the request, never answers
  /drip           Content-Length 1000, then one byte a second
  /endless[?items=1]  chunked body that never ends: one endless description
                  (or endless items)
  /bomb[?mb=N]    gzip Content-Encoding that inflates to an RSS start tag and
                  N MiB of blanks (default 64)
  /short          Content-Length 1000, 10 bytes, then close
  /huge           Content-Length 2147483648, a few bytes, then close
  /badgzip        Content-Encoding: gzip with a body that is not gzip
  /empty          200 with an empty body
  /reset          Content-Length 10000, 100 bytes, then a TCP reset
"""
import argparse
import email.utils
import gzip
import hashlib
import json
import os
import select
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"next_conn": 0, "open": 0, "busy": 0}
BOMBS = {}
ARGS = None
LOGS = {}


def log_line(name, text):
    with LOCK:
        f = LOGS[name]
        f.write(text + "\n")
        f.flush()


def bomb(mb):
    """A gzip body inflating to an RSS start tag and mb MiB of blanks (valid
    XML, so a parser keeps reading until the size cap stops it), built in
    milliseconds: after a full flush deflate forgets its history, so each MiB
    compresses to the same bytes and the stream is one piece repeated."""
    with LOCK:
        if mb in BOMBS:
            return BOMBS[mb]
    head = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>bomb</title>'
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)     # raw deflate
    block = b" " * (1 << 20)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    piece = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(mb):
        crc = zlib.crc32(block, crc)
    size = (len(head) + (mb << 20)) & 0xFFFFFFFF
    data = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + piece * mb +
            comp.flush(zlib.Z_FINISH) + struct.pack("<II", crc, size))
    with LOCK:
        BOMBS[mb] = data
    return data


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedserver/1"
    sys_version = ""

    def setup(self):
        super().setup()
        with LOCK:
            STATE["next_conn"] += 1
            STATE["open"] += 1
            self.conn_id = STATE["next_conn"]
            concurrent = STATE["open"]
        log_line("access", "open conn=%d concurrent=%d" % (self.conn_id, concurrent))

    def finish(self):
        try:
            super().finish()
        finally:
            with LOCK:
                STATE["open"] -= 1
            log_line("access", "close conn=%d" % self.conn_id)

    def log_message(self, fmt, *args):
        pass

    def log_request(self, code="-", size="-"):
        log_line("access", "conn=%d %s %s %s" % (self.conn_id, self.command, self.path,
                                                  getattr(code, "value", code)))

    # --- helpers ---------------------------------------------------------
    def reply(self, code, body=b"", headers=None, ctype="text/html; charset=utf-8"):
        self.send_response(code)
        if ctype and code != 304:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if code != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if code != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def raw_write(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError, OSError):
            return False

    def client_gone(self, timeout):
        r, _, _ = select.select([self.connection], [], [], timeout)
        if not r:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    # --- routes ----------------------------------------------------------
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        with LOCK:
            concurrent = STATE["open"]
        log_line("requests", json.dumps({
            "conn": self.conn_id, "method": self.command, "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "concurrent": concurrent}))
        parts = [p for p in url.path.split("/") if p]
        route = parts[0] if parts else ""
        fn = getattr(self, "r_" + route.replace("-", "_"), None)
        if fn is None:
            self.reply(404, b"<html><body>no such route</body></html>")
            return
        with LOCK:
            STATE["busy"] += 1
            busy = STATE["busy"]
        log_line("access", "begin conn=%d busy=%d" % (self.conn_id, busy))
        try:
            fn(parts[1:], q)
        finally:
            with LOCK:
                STATE["busy"] -= 1

    do_HEAD = do_GET

    def r_feed(self, rest, q, delay_ms=0):
        name = "/".join(rest)
        path = os.path.realpath(os.path.join(ARGS.root, name))
        if not path.startswith(os.path.realpath(ARGS.root) + os.sep) or not os.path.isfile(path):
            self.reply(404, b"<html><body>not found</body></html>")
            return
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
        with open(path, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        mtime = int(os.stat(path).st_mtime)
        lastmod = email.utils.formatdate(mtime, usegmt=True)
        headers = {}
        if q.get("etag") != "0":
            headers["ETag"] = etag
        if q.get("lm") != "0":
            headers["Last-Modified"] = lastmod
        if "cache" in q:
            headers["Cache-Control"] = "public, max-age=%s" % q["cache"]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None and q.get("etag") != "0":
            fresh = inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]
        elif ims is not None and q.get("lm") != "0":
            t = email.utils.parsedate_to_datetime(ims) if ims else None
            fresh = t is not None and int(t.timestamp()) >= mtime
        if fresh:
            self.reply(304, headers=headers, ctype=None)
            return
        accept = self.headers.get("Accept-Encoding", "")
        if q.get("gzip") == "1" and "gzip" in accept:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        elif q.get("deflate") == "1" and "deflate" in accept:
            body = zlib.compress(body)
            headers["Content-Encoding"] = "deflate"
        self.reply(200, body, headers, q.get("ct", "application/rss+xml; charset=utf-8"))

    def r_slow(self, rest, q):
        self.r_feed(rest[1:], q, delay_ms=int(rest[0]) if rest else 200)

    def r_redir(self, rest, q):
        code = int(rest[0])
        target = "/" + "/".join(rest[1:])
        query = urllib.parse.urlsplit(self.path).query
        if query:
            target += "?" + query
        self.reply(code, b"moved", {"Location": target})

    def r_redirect_to(self, rest, q):
        if "url" not in q:
            self.reply(400, b"<html><body>url= missing</body></html>")
            return
        self.reply(int(q.get("code", "302")), b"moved", {"Location": q["url"]})

    def r_loop(self, rest, q):
        n = int(rest[0]) if rest else 0
        self.reply(302, b"again", {"Location": "/loop/%d" % (n + 1)})

    def r_status(self, rest, q):
        code = int(rest[0])
        headers = {}
        if "retry_after" in q:
            headers["Retry-After"] = q["retry_after"]
        if "retry_after_date" in q:
            headers["Retry-After"] = email.utils.formatdate(
                time.time() + int(q["retry_after_date"]), usegmt=True)
        body = b"<html><body><h1>%d</h1></body></html>" % code
        if "size" in q:
            body += b" " * max(0, int(q["size"]) - len(body))
        self.reply(code, body, headers)

    def r_hang(self, rest, q):
        deadline = time.time() + 120
        while time.time() < deadline and not self.client_gone(0.2):
            pass
        self.close_connection = True

    def r_drip(self, rest, q):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(1000):
            if not self.raw_write(b"<") or self.client_gone(1.0):
                break
        self.close_connection = True

    def r_endless(self, rest, q):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if q.get("items") == "1":
            head = b"<rss><channel>"
            chunk = b"<item><title>again</title></item>\n" * 400
        else:   # one item whose description never ends
            head = b"<rss><channel><item><title>endless</title><description>"
            chunk = b"and again " * 1600
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        self.raw_write(b"%x\r\n%s\r\n" % (len(head), head))
        while self.raw_write(frame):
            pass
        self.close_connection = True

    def r_bomb(self, rest, q):
        body = bomb(int(q.get("mb", "64")))
        self.reply(200, body, {"Content-Encoding": "gzip"}, "application/rss+xml")

    def r_short(self, rest, q):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.raw_write(b"<rss><chan")
        self.close_connection = True

    def r_huge(self, rest, q):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(2 * 1024 ** 3))
        self.end_headers()
        self.raw_write(b"<rss>")
        self.close_connection = True

    def r_badgzip(self, rest, q):
        self.reply(200, b"this is not gzip at all, not even close" * 10,
                   {"Content-Encoding": "gzip"}, "application/rss+xml")

    def r_empty(self, rest, q):
        self.reply(200, b"", ctype="application/rss+xml")

    def r_reset(self, rest, q):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", "10000")
        self.end_headers()
        self.raw_write(b"<" * 100)
        # SO_LINGER 0: close sends RST instead of FIN
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


def watch_parent(lifetime):
    """Exits when the process that started us is gone (a test that crashed
    never stops its server) or after lifetime seconds, whichever is first."""
    parent = os.getppid()
    deadline = time.time() + lifetime
    while os.getppid() == parent and time.time() < deadline:
        time.sleep(0.2)
    os._exit(0)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "fetch"))
    ap.add_argument("--log-dir", default=".")
    ap.add_argument("--lifetime", type=float, default=600,
                    help="exit after this many seconds (default 600); always exits with its parent")
    ARGS = ap.parse_args()
    os.makedirs(ARGS.log_dir, exist_ok=True)
    # tracebacks of clients that hung up go to a file, not into the TAP stream
    sys.stderr = open(os.path.join(ARGS.log_dir, "server.err"), "a")
    LOGS["access"] = open(os.path.join(ARGS.log_dir, "access.log"), "a")
    LOGS["requests"] = open(os.path.join(ARGS.log_dir, "requests.jsonl"), "a")
    threading.Thread(target=watch_parent, args=(ARGS.lifetime,), daemon=True).start()
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    port = srv.server_address[1]
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, ARGS.port_file)
    print(port, flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
