#!/usr/bin/python3
"""A NOTIFY_SOCKET listener: what systemd's manager side of sd_notify sees.

As a module: NotifyListener(path) binds a datagram socket; .wait_for(pred,
timeout) returns the first message (a dict of KEY=VALUE lines, plus "_t", the
monotonic arrival time) for which pred is true; .messages keeps them all.
As a program: notify_listener.py PATH prints one line per datagram
("<monotonic seconds> KEY=VALUE KEY=VALUE") until killed."""
import os
import socket
import sys
import threading
import time


def parse(data):
    msg = {}
    for line in data.decode("utf-8", "replace").split("\n"):
        if "=" in line:
            k, v = line.split("=", 1)
            msg[k] = v
    return msg


class NotifyListener:
    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            msg = parse(data)
            msg["_t"] = time.monotonic()
            with self.cond:
                self.messages.append(msg)
                self.cond.notify_all()

    def wait_for(self, pred, timeout, start=0):
        """The first message at index >= start satisfying pred, or None."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages[start:]:
                    if pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def count(self, key):
        with self.cond:
            return sum(1 for m in self.messages if key in m)

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def main():
    if len(sys.argv) != 2:
        print("usage: notify_listener.py SOCKET", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(sys.argv[1]):
        os.unlink(sys.argv[1])
    sock.bind(sys.argv[1])
    while True:
        data = sock.recv(65536)
        fields = " ".join(data.decode("utf-8", "replace").split("\n"))
        print("%.3f %s" % (time.monotonic(), fields), flush=True)


if __name__ == "__main__":
    sys.exit(main())
