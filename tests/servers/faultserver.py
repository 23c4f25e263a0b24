#!/usr/bin/python3
"""faultserver.py — feedserver.py (every route and log of it) plus the hostile
documents and channel failures of tests/e2e/80-faults-*.t.

Extra routes (GET):
  /doc/NAME[?ct=TYPE]   a generated document, see DOCS below (xmlbomb is gzip-encoded)
Extra routes (POST, webhook endpoints; every request body is appended to
--log-dir/hooks.jsonl as {"path", "body"} before the route acts):
  /hook/ok/...          200
  /hook/code/N/...      status N (429 and 503 carry Retry-After: 1)
  /hook/hang/...        reads the request, never answers
  /hook/drop/...        reads the request, closes without a word (the
                        ambiguous case: delivered, but the sender cannot know)
Canary: a second TCP port (written to --canary-file) that nothing should
ever reach; every connection to it is appended to --log-dir/canary.log.
XXE and ftp:// / gopher:// redirects name it.
"""
import gzip
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feedserver  # noqa: E402

CANARY = {"port": 0}
RSS_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Fault</title>'
RSS_TAIL = b"</channel></rss>\n"


def item(title, n=0):
    return (b"<item><title>%s</title><link>https://fault.example.com/%d</link>"
            b"<guid isPermaLink=\"false\">fault-%d</guid></item>" % (title, n, n))


def doc_nested(q):
    depth = int(q.get("depth", "10000"))
    return RSS_HEAD + b"<x>" * depth + b"</x>" * depth + item(b"Hegseth deep", 1) + RSS_TAIL


def doc_items(q):
    n = int(q.get("n", "100000"))
    return RSS_HEAD + b"".join(b"<item><title>i%d</title><guid>g%d</guid></item>" % (i, i)
                               for i in range(n)) + RSS_TAIL


def doc_bigtitle(q):
    mb = int(q.get("mb", "10"))
    return RSS_HEAD + item(b"Hegseth " + b"A" * (mb << 20), 1) + RSS_TAIL


def doc_nul(q):
    return RSS_HEAD + item(b"Hegseth\x00 at NATO\x00\x00", 1) + b"\x00" * 64 + RSS_TAIL


def doc_badutf8(q):
    return RSS_HEAD + item(b"Hegseth \xff\xfe at NATO \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80 end", 1) + RSS_TAIL


def doc_charset(q):
    # served as ISO-8859-1 (see ct) and declared so, but the bytes are UTF-8
    return (b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="2.0"><channel><title>F</title>' +
            item("Hegseth meets Зеленський in Київ".encode("utf-8"), 1) + RSS_TAIL)


def doc_html200(q):
    return (b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>"
            b"<body><h1>Service temporarily unavailable</h1><p>Hegseth</p></body></html>\n")


def doc_xxe(q):
    c = CANARY["port"]
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<!DOCTYPE rss SYSTEM "http://127.0.0.1:%d/xxe-external-dtd" [\n'
            b'  <!ENTITY file SYSTEM "file:///etc/passwd">\n'
            b'  <!ENTITY net SYSTEM "http://127.0.0.1:%d/xxe-entity">\n'
            b'  <!ENTITY %% pe SYSTEM "http://127.0.0.1:%d/xxe-parameter-entity">\n'
            b'  %%pe;\n'
            b']>\n<rss version="2.0"><channel><title>XXE</title>' % (c, c, c) +
            item(b"Hegseth [&file;] [&net;]", 1) +
            b"<item><title>&file;</title><description>&net; &file;</description>"
            b"<guid>xxe-2</guid></item>" + RSS_TAIL)


def doc_laughs(q):
    ents = [b'<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = b"lol" if i == 1 else b"lol%d" % (i - 1)
        ents.append(b'<!ENTITY lol%d "%s">' % (i, (b"&" + prev + b";") * 10))
    return (b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + b"\n".join(ents) + b"\n]>\n"
            b'<rss version="2.0"><channel><title>L</title>' + item(b"Hegseth &lol9;", 1) + RSS_TAIL)


def doc_bigentity(q):
    # one 1 MB entity referenced 1,000 times per field: 1 GB if expanded
    refs = b"&big;" * 1000
    return (b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + b"B" * (1 << 20) +
            b'">\n]>\n<rss version="2.0"><channel><title>E</title>' +
            item(b"Hegseth " + refs, 1) + b"<item><description>" + refs + refs +
            b"</description><guid>e2</guid></item>" + RSS_TAIL)


def doc_xmlbomb(q):
    # a well-formed start, then whitespace forever: only the decoded-body cap stops it
    mb = int(q.get("mb", "64"))
    return gzip.compress(RSS_HEAD + b" " * (mb << 20), 6)


DOCS = {
    "nested": doc_nested, "items": doc_items, "bigtitle": doc_bigtitle, "nul": doc_nul,
    "badutf8": doc_badutf8, "charset": doc_charset, "html200": doc_html200, "xxe": doc_xxe,
    "laughs": doc_laughs, "bigentity": doc_bigentity, "xmlbomb": doc_xmlbomb,
}
CACHE = {}
LOCK = threading.Lock()


class FaultHandler(feedserver.Handler):
    def r_doc(self, rest, q):
        name = rest[0] if rest else ""
        if name not in DOCS:
            self.reply(404, b"no such document")
            return
        key = (name, tuple(sorted(q.items())))
        with LOCK:
            body = CACHE.get(key)
        if body is None:
            body = DOCS[name](q)
            with LOCK:
                CACHE[key] = body
        ctype = q.get("ct", "text/html; charset=utf-8" if name == "html200" else
                      "application/rss+xml; charset=iso-8859-1" if name == "charset" else
                      "application/rss+xml; charset=utf-8")
        headers = {"Content-Encoding": "gzip"} if name == "xmlbomb" else {}
        self.reply(200, body, headers, ctype)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        feedserver.log_line("hooks", json.dumps({
            "conn": self.conn_id, "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace")}))
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        mode = parts[1] if len(parts) > 1 and parts[0] == "hook" else "ok"
        if mode == "hang":
            self.r_hang([], {})
            return
        if mode == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        code = int(parts[2]) if mode == "code" and len(parts) > 2 else 200
        headers = {"Retry-After": "1"} if code in (429, 503) else {}
        self.reply(code, b'{"ok":%s}' % (b"true" if code < 300 else b"false"), headers,
                   "application/json")


def canary(log_dir, port_file):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    CANARY["port"] = s.getsockname()[1]
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % CANARY["port"])
    os.rename(tmp, port_file)

    def serve():
        while True:
            c, addr = s.accept()
            with open(os.path.join(log_dir, "canary.log"), "a") as f:
                f.write("connection from %s:%d\n" % addr)
            c.close()
    threading.Thread(target=serve, daemon=True).start()


def main():
    log_dir, canary_file = ".", None
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--log-dir":
            log_dir = argv[i + 1]
        if a == "--canary-file":
            canary_file = argv[i + 1]
    os.makedirs(log_dir, exist_ok=True)
    if canary_file:
        i = argv.index("--canary-file")
        del argv[i:i + 2]
        sys.argv[1:] = argv
        canary(log_dir, canary_file)
    feedserver.LOGS["hooks"] = open(os.path.join(log_dir, "hooks.jsonl"), "a")
    feedserver.Handler = FaultHandler
    feedserver.main()


if __name__ == "__main__":
    main()
