#!/usr/bin/env python3
"""fcgi-request.py - send one FastCGI request and print the answer (stdout stream).

Usage: fcgi-request.py [--role responder|authorizer] [--no-stdin] [--body TEXT]
                       HOST:PORT|/unix/socket NAME=VALUE...

cgi-fcgi always asks for the RESPONDER role; this client also speaks the
AUTHORIZER role, and with --no-stdin it sends no FCGI_STDIN record at all,
so a program that waits for stdin in that role hangs (the test's timeout
then fails it). Talks to the given local socket only.

Also the FastCGI client library of the Python test tools (records, name-value
pairs, a whole request, reading the answer), loaded by file name (the dash
keeps a plain import out): tests/e2e/process_faults.py.
"""
import socket
import struct
import sys

BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 2, 3, 4, 5, 6
ROLES = {"responder": 1, "authorizer": 2}
RESPONDER, AUTHORIZER = ROLES["responder"], ROLES["authorizer"]
HEADER = ">BBHHBx"  # version, type, request id, content length, padding length


def record(rtype, content, rid=1):
    """One record of type rtype carrying content (bytes), padded to 8."""
    pad = (-len(content)) % 8
    return struct.pack(HEADER, 1, rtype, rid, len(content), pad) + content + b"\0" * pad


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pair(name, value):
    """One name-value pair (bytes) of a PARAMS stream."""
    return length(len(name)) + length(len(value)) + name + value


def encode_params(params):
    """The PARAMS stream content of params: a dict or (name, value) pairs of str."""
    items = params.items() if isinstance(params, dict) else params
    return b"".join(pair(k.encode(), v.encode()) for k, v in items)


def begin(role=RESPONDER):
    """The BEGIN_REQUEST record for role (a number: unknown roles too)."""
    return record(BEGIN_REQUEST, struct.pack(">HB5x", role, 0))


def request(pbytes, role=RESPONDER, stdin=True, body=b""):
    """A whole request: BEGIN, the PARAMS stream pbytes and its end, then
    (unless stdin is False) body as STDIN and the end of STDIN."""
    data = begin(role) + record(PARAMS, pbytes) + record(PARAMS, b"")
    if stdin:
        if body:
            data += record(STDIN, body)
        data += record(STDIN, b"")
    return data


def connect(target, timeout=20):
    """A connected socket to /unix/socket or HOST:PORT."""
    if target.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(target)
        return sock
    host, port = target.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=timeout)


def read_answer(sock):
    """(complete, stdout): complete when END_REQUEST came before the peer
    closed or the socket's timeout passed."""
    buf, out = b"", b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False, out
        if not chunk:
            return False, out
        buf += chunk
        while len(buf) >= 8:
            _, rtype, _, clen, plen = struct.unpack(HEADER, buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if rtype == STDOUT:
                out += content
            elif rtype == END_REQUEST:
                return True, out


def main(argv):
    role, send_stdin, body = "responder", True, b""
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--role":
            role = argv.pop(0)
        elif opt == "--no-stdin":
            send_stdin = False
        elif opt == "--body":
            body = argv.pop(0).encode()
        else:
            sys.exit("unknown option " + opt)
    target, params = argv[0], argv[1:]
    sock = connect(target)
    sock.sendall(request(encode_params(p.split("=", 1) for p in params), ROLES[role],
                         send_stdin, body))
    complete, out = read_answer(sock)
    sys.stdout.buffer.write(out)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
