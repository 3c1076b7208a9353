#!/usr/bin/env python3
"""fcgi-request.py - send one FastCGI request and print the answer (stdout stream).

Usage: fcgi-request.py [--role responder|authorizer] [--no-stdin] [--body TEXT]
                       HOST:PORT|/unix/socket NAME=VALUE...

cgi-fcgi always asks for the RESPONDER role; this client also speaks the
AUTHORIZER role, and with --no-stdin it sends no FCGI_STDIN record at all,
so a program that waits for stdin in that role hangs (the test's timeout
then fails it). Talks to the given local socket only.
"""
import socket
import struct
import sys

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6
ROLES = {"responder": 1, "authorizer": 2}


def record(rtype, content, rid=1):
    pad = (-len(content)) % 8
    return struct.pack(">BBHHBx", 1, rtype, rid, len(content), pad) + content + b"\0" * pad


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pair(name, value):
    return length(len(name)) + length(len(value)) + name + value


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
    if target.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(target)
    else:
        host, port = target.rsplit(":", 1)
        sock = socket.create_connection((host, int(port)))
    sock.settimeout(20)
    data = record(BEGIN_REQUEST, struct.pack(">HB5x", ROLES[role], 0))
    data += record(PARAMS, b"".join(pair(*(s.encode() for s in p.split("=", 1))) for p in params))
    data += record(PARAMS, b"")
    if send_stdin:
        if body:
            data += record(STDIN, body)
        data += record(STDIN, b"")
    sock.sendall(data)
    buf, out = b"", b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            _, rtype, _, clen, plen = struct.unpack(">BBHHBx", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if rtype == STDOUT:
                out += content
            elif rtype == END_REQUEST:
                sys.stdout.buffer.write(out)
                return 0
    sys.stdout.buffer.write(out)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
