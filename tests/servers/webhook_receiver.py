#!/usr/bin/python3
"""A webhook receiver for the tests: records every request and answers as the
path asks, so one server plays every service and every failure.

  /s/<script>/<anything>   answers the codes of <script> in turn, the last one
                           repeating: "500,500,500,200"; "429ra3" = 429 with
                           Retry-After: 3; "429rl2.5" = 429 with Discord's
                           X-RateLimit-Reset-After: 2.5
  /<anything else>         200 {"ok": true}
  GET  /_log               the recorded requests, a JSON array (bodies base64)
  POST /_reset             forgets them

Prints "PORT <n>" on stdout once listening on 127.0.0.1 (port 0 = any)."""
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
log = []
counters = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b'{"ok":true}', headers=()):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/_log":
            with lock:
                data = json.dumps(log).encode()
            return self.reply(200, data)
        if self.path == "/_reset":
            with lock:
                log.clear()
                counters.clear()
            return self.reply(200)
        code, headers = 200, []
        parts = self.path.split("/")
        if len(parts) > 2 and parts[1] == "s":
            script = parts[2].split(",")
            with lock:
                n = counters.get(self.path, 0)
                counters[self.path] = n + 1
            step = script[min(n, len(script) - 1)]
            if "ra" in step:
                step, ra = step.split("ra")
                headers.append(("Retry-After", ra))
            elif "rl" in step:
                step, rl = step.split("rl")
                headers.append(("X-RateLimit-Reset-After", rl))
            code = int(step)
        with lock:
            log.append({
                "time": time.time(),
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": base64.b64encode(body).decode(),
                "status": code,
            })
        self.reply(code, b'{"ok":true}' if code < 400 else b'{"error":"scripted failure"}',
                   headers)

    do_POST = do_PUT = do_GET = handle_any


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
