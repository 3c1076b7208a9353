#!/usr/bin/env python3
"""echo-backend.py - the e2e tests' protected application behind a web
server's reverse proxy (lighttpd proxy.server, nginx proxy_pass, Apache
ProxyPass): a real HTTP server on 127.0.0.1 that answers every request
with what it received, as JSON:

    {"request_line": "GET /app/x HTTP/1.0", "method": "GET", "path": "/app/x",
     "headers": [["Host", "127.0.0.1:8080"], ["X-Forwarded-User", "..."], ...]}

Headers keep their spelling, order and repeats, so a test sees exactly what
the proxy sent. Each request is also appended, as one line of that JSON, to
the log file: a test checks that requests which must never reach the
application left no line there.

(tests/e2e/backend, the file, is the CGI echo program; this one is the
proxied application.)

Usage: echo-backend.py PORT LOGFILE
"""

import http.client
import http.server
import json
import sys
import threading


# Python refuses more than 100 headers (431); the tests send every spelling
# of every identity header, and the backend must see what really arrives.
http.client._MAXHEADERS = 1000  # pylint: disable=protected-access


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers any method with the request it received."""

    protocol_version = "HTTP/1.0"  # one request a connection: simple logs
    log_lock = threading.Lock()
    log_path = ""

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(min(length, 1 << 20))
        seen = {
            "request_line": self.requestline,
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
        }
        line = json.dumps(seen, sort_keys=True)
        with Echo.log_lock, open(Echo.log_path, "a", encoding="utf-8") as log:
            log.write(line + "\n")
        body = (json.dumps(seen, indent=1, sort_keys=True) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = answer

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """The JSON log is the log; stderr stays quiet."""


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: echo-backend.py PORT LOGFILE")
    Echo.log_path = sys.argv[2]
    open(Echo.log_path, "a", encoding="utf-8").close()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
