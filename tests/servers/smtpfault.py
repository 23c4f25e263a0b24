#!/usr/bin/python3
"""smtpfault.py — an SMTP server that misbehaves on purpose, for
tests/e2e/80-faults-channels.t.

  smtpfault.py --dir DIR --mode MODE [--port-file F]

MODE: ok       a plain server (no TLS, no AUTH): 250 to everything
      hang     accepts the connection, never says a word
      greet421 "421 not available" instead of a greeting, then closes
      temp     451 after the message (try again later)
      perm     554 after the message (rejected for good)
      drop     reads the whole message, then closes without answering (the
               ambiguous case: the mail may well be delivered)
Every message read to the end is written to DIR/NNN.eml, whatever the mode
answers; every connection is a line in DIR/smtp.log. Binds 127.0.0.1 on a
free port, written to --port-file (atomically) once listening. Exits with
its parent."""
import argparse
import os
import socket
import threading
import time

LOCK = threading.Lock()
COUNT = [0]


def log(d, text):
    with LOCK:
        with open(os.path.join(d, "smtp.log"), "a") as f:
            f.write(text + "\n")


def session(conn, a):
    f = conn.makefile("rwb", buffering=0)

    def say(line):
        f.write(line.encode() + b"\r\n")
    try:
        if a.mode == "hang":
            conn.settimeout(120)
            while conn.recv(4096):
                pass
            return
        if a.mode == "greet421":
            say("421 4.3.2 service not available")
            return
        say("220 localhost smtpfault")
        while True:
            line = f.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").strip().upper()
            if cmd.startswith("EHLO"):
                f.write(b"250-localhost\r\n250 8BITMIME\r\n")
            elif cmd.startswith("DATA"):
                say("354 go ahead")
                data = b""
                while True:
                    l2 = f.readline()
                    if not l2 or l2 in (b".\r\n", b".\n"):
                        break
                    data += l2
                with LOCK:
                    COUNT[0] += 1
                    n = COUNT[0]
                with open(os.path.join(a.dir, "%03d.eml" % n), "wb") as out:
                    out.write(data)
                log(a.dir, "message %d (%s)" % (n, a.mode))
                if a.mode == "drop":
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                if a.mode == "temp":
                    say("451 4.3.0 try again later")
                elif a.mode == "perm":
                    say("554 5.7.1 rejected")
                else:
                    say("250 2.0.0 queued")
            elif cmd.startswith("QUIT"):
                say("221 bye")
                return
            else:
                say("250 ok")
    except OSError:
        pass
    finally:
        conn.close()


def watch_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--mode", default="ok")
    ap.add_argument("--port-file")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    threading.Thread(target=watch_parent, daemon=True).start()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % s.getsockname()[1])
        os.rename(a.port_file + ".tmp", a.port_file)
    while True:
        conn, addr = s.accept()
        log(a.dir, "connection (%s)" % a.mode)
        threading.Thread(target=session, args=(conn, a), daemon=True).start()


if __name__ == "__main__":
    main()
