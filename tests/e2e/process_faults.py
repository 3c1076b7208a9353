#!/usr/bin/env python3
"""process_faults.py - tests/e2e/process-faults.sh's FastCGI client, web
client and hanging provider (the FastCGI records: tests/fcgi-request.py).

Usage (each prints lines the script checks):
  process_faults.py raw ADDR ROUNDS        FastCGI clients that go away at every
                                           point of a request; "raw KIND STATUS"
  process_faults.py web PORT COOKIE ROUNDS HTTP clients of lighttpd that go away
                                           mid-request; "web NAME done"
  process_faults.py threads ADDR ACCEPTS COOKIE
                                           one request stuck at the hanging
                                           provider while others are answered
  process_faults.py sigterm ADDR ACCEPTS PID
                                           SIGTERM while a request is stuck
  process_faults.py health ADDR            /health's status
  process_faults.py hang PORTFILE ACCEPTS  the provider that accepts and never
                                           answers (runs until killed)
ADDR is 127.0.0.1:PORT; nothing but 127.0.0.1 is contacted.
"""
import importlib.util
import os
import select
import signal
import socket
import struct
import sys
import time
import urllib.parse

# tests/fcgi-request.py by file name (the dash keeps a plain import out),
# without a __pycache__ in the source tree
sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location(
    "fcgi_request", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fcgi-request.py"))
fr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fr)


def params(path, query="", cookie="", accept="text/html", method="GET", extra=()):
    p = {"REQUEST_METHOD": method, "SCRIPT_NAME": "/oauth", "PATH_INFO": path,
         "REQUEST_URI": "/oauth" + path + ("?" + query if query else ""),
         "QUERY_STRING": query, "HTTP_HOST": "127.0.0.1", "SERVER_NAME": "127.0.0.1",
         "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT": accept}
    if cookie:
        p["HTTP_COOKIE"] = cookie
    p.update(dict(extra))
    return fr.encode_params(p)


def authz_params(cookie):
    return fr.encode_params({
        "REQUEST_METHOD": "GET", "REQUEST_URI": "/app/page", "HTTP_HOST": "127.0.0.1",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_ACCEPT": "text/html", "HTTP_COOKIE": cookie})


def status(out):
    for line in out.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            return int(line.split()[1])
    return 0


def header(out, name):
    head = out.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower().encode():
            return v.strip().decode("latin-1")
    return ""


def ask(addr, pbytes, role=fr.RESPONDER):
    s = fr.connect(addr)
    s.sendall(fr.request(pbytes, role))
    ok, out = fr.read_answer(s)
    s.close()
    return ok, out


def health(addr):
    ok, out = ask(addr, params("/health"))
    return status(out) if ok else 0


def reset_close(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def raw(addr, rounds):
    """FastCGI clients that go away at every point of a request; after each
    kind, /health must answer 200."""
    post = params("/corp/callback", method="POST",
                  extra=(("CONTENT_LENGTH", "1000"),
                         ("CONTENT_TYPE", "application/x-www-form-urlencoded")))
    begin, rec = fr.begin, fr.record
    PARAMS, STDIN = fr.PARAMS, fr.STDIN
    kinds = {
        "connect-close": lambda: b"",
        "garbage": lambda: os.urandom(200),
        "after-begin": lambda: begin(),
        "mid-record-header": lambda: begin() + rec(PARAMS, post)[:5],
        "mid-params": lambda: begin() + rec(PARAMS, post)[:60],
        "params-no-end": lambda: begin() + rec(PARAMS, post),
        "mid-stdin": lambda: begin() + rec(PARAMS, post) + rec(PARAMS, b"")
        + rec(STDIN, b"x" * 100),
        "stdin-then-abort": lambda: begin() + rec(PARAMS, post) + rec(PARAMS, b"")
        + rec(STDIN, b"x" * 100) + rec(fr.ABORT_REQUEST, b""),
        "authorizer-no-stdin": lambda: begin(fr.AUTHORIZER) + rec(PARAMS, authz_params("x=1"))
        + rec(PARAMS, b""),
        "unknown-role": lambda: fr.request(params("/health"), role=9),
        "bad-version": lambda: b"\x09" + fr.request(params("/health"))[1:],
        "huge-length": lambda: begin() + struct.pack(fr.HEADER, 1, PARAMS, 1, 65535, 255)
        + b"\x7f" * 300,
        "reset-before-answer": lambda: fr.request(params("/sign_in", "rd=%2Fapp%2F")),
    }
    for name, make in kinds.items():
        for i in range(rounds):
            s = fr.connect(addr)
            data = make()
            if data:
                try:
                    s.sendall(data)
                except OSError:
                    pass
            if name == "reset-before-answer" or i % 2:
                reset_close(s)
            else:
                s.close()
        print("raw %s %d" % (name, health(addr)))


def web(port, cookie, rounds):
    """HTTP clients of lighttpd that disconnect right after (or in the middle
    of) their request."""
    c = "Cookie: oauth2_fcgi=%s\r\n" % cookie
    reqs = {
        "app-valid": "GET /app/page HTTP/1.1\r\nHost: 127.0.0.1\r\n%sAccept: text/html\r\n\r\n" % c,
        "app-none": "GET /app/page HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n",
        "app-json": "GET /app/api HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n",
        "health": "GET /oauth/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "sign-in": "GET /oauth/sign_in?rd=%2Fapp%2F HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "userinfo": "GET /oauth/userinfo HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % c,
        "mid-line": "GET /app/pa",
        "mid-headers": "GET /app/page HTTP/1.1\r\nHost: 127.0.0.1\r\n%s" % c,
        "mid-body": "POST /oauth/corp/callback HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        "code=abc&state=",
    }
    for name, req in reqs.items():
        for i in range(rounds):
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
            s.sendall(req.encode())
            if i % 3 == 2:  # some read a byte of the answer first
                try:
                    s.settimeout(0.2)
                    s.recv(1)
                except OSError:
                    pass
            if i % 2:
                reset_close(s)
            else:
                s.close()
        print("web %s done" % name)


def login(addr):
    """/oauth/hang/login: the state cookie (name=value) and the state."""
    ok, out = ask(addr, params("/hang/login", "rd=%2Fapp%2Fpage"))
    cookie = header(out, "Set-Cookie").split(";", 1)[0]
    q = urllib.parse.urlparse(header(out, "Location")).query
    state = urllib.parse.parse_qs(q).get("state", [""])[0]
    return cookie, state


def wait_accepts(path, n):
    for _ in range(200):
        try:
            with open(path) as f:
                if len(f.read().splitlines()) >= n:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def start_stuck(addr, accepts):
    """A callback whose token request reaches the hanging provider."""
    try:
        with open(accepts) as f:
            before = len(f.read().splitlines())
    except OSError:
        before = 0
    cookie, state = login(addr)
    if not cookie or not state:
        print("login failed")
        sys.exit(1)
    s = fr.connect(addr)
    s.sendall(fr.request(params("/hang/callback", "code=c0de&state=" + urllib.parse.quote(state),
                                cookie=cookie)))
    t0 = time.monotonic()
    if not wait_accepts(accepts, before + 1):
        print("the provider was never called")
        sys.exit(1)
    return s, t0


def threads(addr, accepts, cookie):
    s, t0 = start_stuck(addr, accepts)
    print("health %d" % health(addr))
    ok, out = ask(addr, authz_params("oauth2_fcgi=" + cookie), role=fr.AUTHORIZER)
    print("authorizer %d %s" % (status(out), header(out, "Variable-REMOTE_USER")))
    print("health %d" % health(addr))
    pending = not select.select([s], [], [], 0)[0]
    print("stuck-pending %s" % ("yes" if pending else "no"))
    ok, out = fr.read_answer(s)
    print("stuck %s %d %s" % ("complete" if ok else "incomplete", status(out),
                              b"cannot be reached" in out or b"error" in out))
    print("# the stuck request took %.1f s" % (time.monotonic() - t0))


def sigterm(addr, accepts, pid):
    s, t0 = start_stuck(addr, accepts)
    os.kill(pid, signal.SIGTERM)
    print("sent SIGTERM")
    ok, out = fr.read_answer(s)
    print("stuck %s %d" % ("complete" if ok else "incomplete", status(out)))
    print("# the request took %.1f s" % (time.monotonic() - t0))


def hang(portfile, accepts):
    """A provider that accepts and never answers (nor reads)."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    held = []
    while True:
        c, _ = ls.accept()
        held.append(c)
        with open(accepts, "a") as f:
            f.write("accepted\n")


def main(argv):
    cmd, args = argv[0], argv[1:]
    if cmd == "raw":
        raw(args[0], int(args[1]))
    elif cmd == "web":
        web(int(args[0]), args[1], int(args[2]))
    elif cmd == "threads":
        threads(args[0], args[1], args[2])
    elif cmd == "sigterm":
        sigterm(args[0], args[1], int(args[2]))
    elif cmd == "health":
        print(health(args[0]))
    elif cmd == "hang":
        hang(args[0], args[1])
    else:
        sys.exit("process_faults.py: unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
