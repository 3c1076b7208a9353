#!/usr/bin/env bash
# keep-conn.sh - a web server that keeps its FastCGI connections open
# (FCGI_KEEP_CONN: nginx `fastcgi_keep_conn on` with an upstream
# `keepalive`) gets every request on a kept connection answered at once:
# the thread that answered the last one waits on that connection for the
# next (libfcgi reads it from there), not for a new connection on the
# listening socket. Before, the second request on a kept connection sat
# unread until some other connection came (nginx: 504 after
# fastcgi_read_timeout). Also: a stop (SIGTERM) with a kept connection idle
# ends the process at once. Real nginx and a raw FastCGI client, 127.0.0.1
# and unix sockets only. Prints TAP.
. "$(dirname "$0")/lib.sh"

need_tool python3
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config
COOKIE=$(mint --user alice --email alice@example.com)

# ---- a raw FastCGI client: three authorizer requests on one kept connection
SOCK=$T/oa.sock
e2e_bg oa "$OA_BIN" -c "$E2E_CONFIG" -s "$SOCK" -t 2
OA_PID=$E2E_LAST_PID
wait_file "$SOCK" 15 || bail "oauth2-fcgi did not make its socket"

cat >"$T/kept.py" <<'PY'
import importlib.util, os, signal, socket, struct, sys, time
sys.dont_write_bytecode = True
spec = importlib.util.spec_from_file_location("fr", sys.argv[1])
fr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fr)
sock, cookie, pid = sys.argv[2], sys.argv[3], int(sys.argv[4])
p = fr.encode_params({"REQUEST_METHOD": "GET", "REQUEST_URI": "/app/page", "HTTP_HOST": "127.0.0.1",
                      "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
                      "HTTP_ACCEPT": "text/html", "HTTP_COOKIE": "oauth2_fcgi=" + cookie})
keep = fr.record(fr.BEGIN_REQUEST, struct.pack(">HB5x", fr.AUTHORIZER, 1))  # FCGI_KEEP_CONN
req = keep + fr.record(fr.PARAMS, p) + fr.record(fr.PARAMS, b"") + fr.record(fr.STDIN, b"")
s = fr.connect(sock, timeout=5)
for i in (1, 2, 3):
    t0 = time.monotonic()
    s.sendall(req)
    ok, out = fr.read_answer(s)
    st = out.split(b"\r\n")[0].decode("latin-1", "replace") if ok else "no answer"
    print("request %d: %s in %.1f s" % (i, st, time.monotonic() - t0))
# a new connection is served while the kept one is idle (-t 2)
ok, out = fr.read_answer((lambda c: (c.sendall(req), c)[1])(fr.connect(sock, timeout=5)))
print("new connection: %s" % (out.split(b"\r\n")[0].decode("latin-1", "replace") if ok else "no answer"))
# SIGTERM with the kept connection idle: the process ends, the kept
# connection is closed
t0 = time.monotonic()
os.kill(pid, signal.SIGTERM)
while time.monotonic() - t0 < 10:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        break
    if open("/proc/%d/stat" % pid).read().split()[2] == "Z":
        break
    time.sleep(0.05)
print("stop: %.1f s" % (time.monotonic() - t0))
s.settimeout(2)
try:
    print("kept connection after the stop: %s" % ("closed" if s.recv(100) == b"" else "data"))
except OSError as e:
    print("kept connection after the stop: %s" % type(e).__name__)
PY
out=$(timeout 60 python3 "$T/kept.py" "$top_srcdir/tests/fcgi-request.py" "$SOCK" "$COOKIE" "$OA_PID" 2>&1)
t_like "$out" "request 1: Status: 200" "kept connection: the first request is answered 200"
t_like "$out" "request 2: Status: 200 OK in 0\\.[0-9] s" \
    "kept connection: the second request on it is answered at once"
t_like "$out" "request 3: Status: 200 OK in 0\\.[0-9] s" "kept connection: and the third"
t_like "$out" "new connection: Status: 200" "a new connection is served while a kept one is idle"
t_like "$out" "stop: [0-2]\\.[0-9] s" "SIGTERM with an idle kept connection: the process ends at once"
t_like "$out" "kept connection after the stop: closed" "the stop closes the kept connection"
[ "$t_failed" -eq 0 ] || t_diag "$out"

# ---- real nginx: fastcgi_keep_conn on, an upstream keepalive pool, the
# program's /oauth/health four times in a row (each one on the kept
# connection)
if command -v nginx >/dev/null 2>&1 && [ -f /etc/nginx/fastcgi_params ]; then
    SOCK2=$T/oa2.sock
    e2e_bg oa2 "$OA_BIN" -c "$E2E_CONFIG" -s "$SOCK2" -t 2
    wait_file "$SOCK2" 15 || bail "oauth2-fcgi did not make its socket"
    PORT=$(free_port) || bail "no free port"
    user=
    [ "$(id -u)" = 0 ] && user="user root;"
    mkdir -p "$T/nginx"
    cat >"$T/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
$user
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $T/nginx;
    fastcgi_temp_path $T/nginx;
    proxy_temp_path $T/nginx;
    uwsgi_temp_path $T/nginx;
    scgi_temp_path $T/nginx;
    upstream oa { server unix:$SOCK2; keepalive 4; }
    server {
        listen 127.0.0.1:$PORT;
        location /oauth/ {
            fastcgi_pass oa;
            fastcgi_keep_conn on;
            fastcgi_read_timeout 5s;
            fastcgi_split_path_info ^(/oauth)(/.*)\$;
            fastcgi_param SCRIPT_NAME \$fastcgi_script_name;
            fastcgi_param PATH_INFO \$fastcgi_path_info;
            include /etc/nginx/fastcgi_params;
        }
    }
}
EOF
    e2e_log "$T/nginx-error.log"
    e2e_bg nginx nginx -c "$T/nginx.conf" -p "$T/nginx"
    wait_port "$PORT" 15 || bail "nginx did not start"
    codes=
    for _ in 1 2 3 4; do
        codes="$codes $(curl -s -o /dev/null -w '%{http_code}:%{time_total}' --max-time 10 \
            "http://127.0.0.1:$PORT/oauth/health")"
    done
    t_like "$codes" "^( 200:0\\.[0-9]+){4}$" \
        "nginx fastcgi_keep_conn: four requests in a row all 200 at once (got$codes)"
else
    t_skip "nginx is not installed"
fi
t_done
