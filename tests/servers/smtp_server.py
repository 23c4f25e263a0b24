#!/usr/bin/python3
"""An SMTP server for the tests (Debian's python3-aiosmtpd).

  smtp_server.py --dir DIR [--port N] [--cert C --key K] [--auth USER:PASS]
                 [--fail-first N]

With --cert/--key it offers STARTTLS and requires it before MAIL and AUTH;
with --auth it requires AUTH (PLAIN/LOGIN). Without --cert it offers no
STARTTLS but still advertises AUTH over plain text, to tempt a careless client.
Every AUTH attempt is appended to DIR/auth.log; every message accepted is
written as DIR/NNN.eml (bytes as received) and DIR/NNN.json (envelope).
--fail-first N answers the first N DATA commands with 451 (try again later).
Prints "PORT <n>" on stdout once listening on 127.0.0.1."""
import argparse
import asyncio
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, outdir, fail_first):
        self.outdir = outdir
        self.fail_left = fail_first
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_left > 0:
                self.fail_left -= 1
                return "451 4.3.0 try again later"
            self.n += 1
            n = self.n
        base = os.path.join(self.outdir, "%03d" % n)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump({
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None,
                "authenticated": bool(session.authenticated),
            }, f)
        return "250 2.0.0 OK"


class Auth:
    def __init__(self, outdir, user, password):
        self.outdir = outdir
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and \
            auth_data.login == self.user and auth_data.password == self.password
        with open(os.path.join(self.outdir, "auth.log"), "a") as f:
            f.write("%s %s tls=%s ok=%s\n" % (mechanism, auth_data.login.decode(errors="replace")
                    if isinstance(auth_data, LoginPassword) else "?",
                    session.ssl is not None, ok))
        return AuthResult(success=ok, handled=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth")
    ap.add_argument("--fail-first", type=int, default=0)
    a = ap.parse_args()
    port = a.port
    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    params = {"decode_data": False}
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        params.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)
        params.update(authenticator=Auth(a.dir, user, password), auth_required=True,
                      auth_require_tls=bool(a.cert))
    ctl = Controller(Recorder(a.dir, a.fail_first), hostname="127.0.0.1", port=port,
                     server_hostname="localhost", **params)
    ctl.start()
    print("PORT %d" % port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
