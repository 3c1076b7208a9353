#!/usr/bin/env python3
"""A Redis stand-in that misbehaves, for tests/unit/test_store_redis.

    fake_redis.py MODE      listens on 127.0.0.1 (a free port, printed on
                            stdout), and answers every connection so:
  garbage  a line that is not RESP to whatever comes
  cut      the first bytes of a real reply ("*3\\r\\n$9\\r\\nsubs"), then closes
  silent   reads and never answers
  wrong    well-formed replies of the wrong type (":1\\r\\n" to everything)
It stops after 60 s (a test that died leaves nothing running).
"""
import os
import socket
import sys
import threading
import time

REPLY = {
    "garbage": b"HTTP/1.1 400 Bad Request\r\n\r\n",
    "cut": b"*3\r\n$9\r\nsubs",
    "silent": b"",
    "wrong": b":1\r\n",
}


def serve(conn, mode):
    conn.settimeout(60)
    try:
        while conn.recv(4096):
            if REPLY[mode]:
                conn.sendall(REPLY[mode])
            if mode == "cut":
                break
    except OSError:
        pass
    conn.close()


def main():
    mode = sys.argv[1]
    if mode not in REPLY:
        sys.exit("mode: garbage, cut, silent or wrong")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    s.settimeout(1)
    # one write, then stdout is done with: the test reads one line and
    # closes its end
    os.write(1, b"%d\n" % s.getsockname()[1])
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    end = time.time() + 60
    while time.time() < end:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
