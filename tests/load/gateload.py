#!/usr/bin/env python3
"""gateload.py - a load generator that counts every answer of the gate.

Sends GET requests, each with a cookie from one of two pools, in a loop on
CONNS keep-alive connections for SECONDS (or until STOP_FILE exists):
  --good FILE  cookies of valid sessions: the answer must be 200;
  --bad FILE   cookies that must be refused: the answer must be 401 or 302.
Each pool file has one cookie value a line and is re-read when it changes
(a test swaps in cookies minted by another host or key as it goes).
Every answer is classed:
  ok              200 for a good cookie, 401/302 for a bad one
  refused_valid   a good cookie refused (401, 302, 403)
  wrongly_passed  a bad cookie let in (200): must always be 0
  failed          anything else: 5xx, a reset, a timeout, a refused connect
and the longest gap is the longest time without an ok answer (from the
start to the end, over all connections). Prints one JSON object.
Modes: --url URL (HTTP through a web server), or --fcgi ADDR (HOST:PORT or
a unix socket path: FastCGI AUTHORIZER requests straight to oauth2-fcgi,
one connection per request, as web servers do). 127.0.0.1 / local only.
"""
import argparse
import http.client
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse


class Pool:
    """A cookie pool file, re-read when its mtime or size changes."""

    def __init__(self, path):
        self.path, self.sig, self.items, self.lock = path, None, [], threading.Lock()
        self.refresh()

    def refresh(self):
        if not self.path:
            return
        try:
            st = os.stat(self.path)
        except OSError:
            return
        sig = (st.st_mtime_ns, st.st_size)
        if sig == self.sig:
            return
        with open(self.path) as f:
            items = [l.strip() for l in f if l.strip()]
        with self.lock:
            self.sig, self.items = sig, items

    def pick(self, i):
        with self.lock:
            return self.items[i % len(self.items)] if self.items else None


def fcgi_record(rtype, content, rid=1):
    pad = (-len(content)) % 8
    return struct.pack(">BBHHBx", 1, rtype, rid, len(content), pad) + content + b"\0" * pad


def fcgi_pair(k, v):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(k)) + ln(len(v)) + k + v


def fcgi_ask(addr, cookie_hdr, timeout):
    """One AUTHORIZER request; returns the status (200 when none given)."""
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        p = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/app/page", "HTTP_HOST": "127.0.0.1",
             "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
             "HTTP_ACCEPT": "application/json", "HTTP_COOKIE": cookie_hdr}
        params = b"".join(fcgi_pair(k.encode(), v.encode()) for k, v in p.items())
        s.sendall(fcgi_record(1, struct.pack(">HB5x", 2, 0)) + fcgi_record(4, params) +
                  fcgi_record(4, b""))
        buf, out = b"", b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed before END_REQUEST")
            buf += chunk
            while len(buf) >= 8:
                _, rtype, _, clen, plen = struct.unpack(">BBHHBx", buf[:8])
                if len(buf) < 8 + clen + plen:
                    break
                content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
                if rtype == 6:
                    out += content
                elif rtype == 3:
                    for line in out.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
                        if line.lower().startswith(b"status:"):
                            return int(line.split()[1])
                    return 200
    finally:
        s.close()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"total": 0, "ok": 0, "failed": 0, "refused_valid": 0,
                       "wrongly_passed": 0}
        self.statuses, self.errors, self.ok_times = {}, {}, []
        self.fail_samples = []

    def add(self, good, status, err, t):
        with self.lock:
            c = self.counts
            c["total"] += 1
            key = ("good " if good else "bad ") + (str(status) if status else err)
            self.statuses[key] = self.statuses.get(key, 0) + 1
            if status is None:
                kind = "failed"
            elif good:
                kind = "ok" if status == 200 else (
                    "refused_valid" if status in (401, 302, 403) else "failed")
            else:
                kind = "ok" if status in (401, 302) else (
                    "wrongly_passed" if status == 200 else "failed")
            c[kind] += 1
            if kind == "ok":
                self.ok_times.append(t)
            elif len(self.fail_samples) < 10:
                self.fail_samples.append("%.3f %s" % (t, key))


def worker(idx, args, good, bad, stats, t0, deadline):
    conn, i = None, idx
    parsed = urllib.parse.urlsplit(args.url) if args.url else None
    while time.monotonic() < deadline and not (args.stop_file and os.path.exists(args.stop_file)):
        i += 1
        is_good = (i % 4) != 0 or not bad.items
        cookie = (good if is_good else bad).pick(i)
        if cookie is None:
            time.sleep(0.01)
            continue
        hdr = "%s=%s" % (args.cookie_name, cookie)
        status, err = None, ""
        try:
            if args.fcgi:
                status = fcgi_ask(args.fcgi, hdr, args.timeout)
            else:
                if conn is None:
                    conn = http.client.HTTPConnection(parsed.hostname, parsed.port,
                                                      timeout=args.timeout)
                conn.request("GET", parsed.path or "/", headers={
                    "Cookie": hdr, "Accept": "application/json"})
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
        except Exception as e:  # every failure counts, none ends the run
            err = type(e).__name__
            if conn is not None:
                conn.close()
                conn = None
        stats.add(is_good, status, err, time.monotonic() - t0)
        if i % 50 == 0:
            good.refresh()
            bad.refresh()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url")
    ap.add_argument("--fcgi")
    ap.add_argument("--cookie-name", default="oauth2_fcgi")
    ap.add_argument("--good", required=True)
    ap.add_argument("--bad")
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--stop-file")
    ap.add_argument("--ready-file", help="written once the first answer is in")
    args = ap.parse_args()
    if not args.url and not args.fcgi:
        ap.error("--url or --fcgi")
    good, bad, stats = Pool(args.good), Pool(args.bad), Stats()
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    threads = [threading.Thread(target=worker, args=(k, args, good, bad, stats, t0, deadline),
                                daemon=True) for k in range(args.conns)]
    for t in threads:
        t.start()
    if args.ready_file:
        while stats.counts["total"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        open(args.ready_file, "w").close()
    for t in threads:
        t.join()
    end = time.monotonic() - t0
    times = sorted(stats.ok_times)
    gap = 0.0
    prev = 0.0
    for t in times + [end]:
        gap = max(gap, t - prev)
        prev = t
    out = dict(stats.counts)
    out.update(seconds=round(end, 2), longest_gap_ms=round(gap * 1000),
               rate=round(stats.counts["total"] / end) if end else 0,
               answers=stats.statuses, fail_samples=stats.fail_samples)
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
