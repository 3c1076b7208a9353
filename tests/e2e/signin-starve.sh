#!/usr/bin/env bash
# signin-starve.sh - the sign-in path must not starve the gate, through a
# real nginx with the shipped contrib/nginx config
# (only its addresses substituted): the authorizer and the /oauth/
# endpoints share ONE socket of one oauth2-fcgi process, started without -t
# (the default). The provider's token endpoint hangs (a local stand-in that
# never answers in time; http.timeout 10s). Then:
#   - two callbacks with valid state cookies take the two provider-call
#     slots of the default 4 threads and hang in their token requests;
#   - meanwhile parallel sign-ins keep coming: replays of those two states
#     (same URL, same cookie: 400 "already used", never a token request)
#     and fresh callbacks with valid state cookies (503 "too many sign-ins"
#     with Retry-After, at once, the state cookie kept);
#   - and a signed-in user's pages are timed through nginx: every one 200,
#     p99 under 50 ms, all while both token requests still hang;
#   - the hanging callbacks end with 502; a refused callback retried with
#     its kept cookie now reaches the provider; a finished state replayed
#     is still refused; the stand-in saw one token request per used state;
#   - -t 1 logs a warning at start-up;
#   - with an https public_url the program's login sets
#     its state cookie as __Host- (Path=/, Secure, no Domain), so no sibling
#     subdomain can toss one; the callback does not take a __Secure- one.
# Servers on 127.0.0.1 only, stopped at exit; every loop is bounded.
. "$(dirname "$0")/flowlib.sh"

need_tool nginx curl python3
need_oa
[ -f /etc/nginx/fastcgi_params ] || skip_all "/etc/nginx/fastcgi_params is missing"
e2e_init
T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
APORT=$(free_port) || bail "no free port"
HPORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
OA_LOG=$T/oauth2-fcgi.log

# ---- the hanging token endpoint: counts requests, answers none in time ----
cat >"$T/hang-idp.py" <<'PY'
"""hang-idp.py - a token endpoint that holds every request for HOLD seconds
(longer than oauth2-fcgi's http.timeout) and logs one line per request."""
import http.server
import sys
import time

PORT, HOLD, LOG = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        with open(LOG, "a") as f:
            f.write("%s %.3f\n" % (self.path, time.time()))
        time.sleep(HOLD)
        body = b'{"error":"invalid_grant"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


s = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H)
s.daemon_threads = True
print("READY", flush=True)
s.serve_forever()
PY
: >"$T/token-requests.log"
e2e_bg hang-idp python3 "$T/hang-idp.py" "$HPORT" 30 "$T/token-requests.log"
wait_port "$HPORT" 15 || bail "the hanging token endpoint did not start"
token_requests() { wc -l <"$T/token-requests.log" | tr -d ' '; }

# ---- the config, the program (default threads), the backend, nginx ----------
make_key "$T/session.key"
E2E_CONFIG=$T/oauth.yml
COOKIE_NAME=oauth2_fcgi
cat >"$E2E_CONFIG" <<EOF
providers:
  - name: corp
    display_name: "Corp SSO"
    client_id: e2e-client
    client_secret: e2e-secret
    authorize_url: http://127.0.0.1:$HPORT/authorize
    token_url: http://127.0.0.1:$HPORT/token
    userinfo_url: http://127.0.0.1:$HPORT/userinfo
allow_http_redirect: true
public_url: $BASE
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: $COOKIE_NAME
  lifetime: 1h
http:
  timeout: 10s
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: info
EOF
"$OA_BIN" --check-config -c "$E2E_CONFIG" >"$T/check.out" 2>&1 ||
    bail "--check-config refuses the config: $(cat "$T/check.out")"

e2e_bg oauth2-fcgi "$OA_BIN" -s "$T/oa.sock" -c "$E2E_CONFIG"
wait_file "$T/oa.sock" 15 || bail "oauth2-fcgi did not make its socket $T/oa.sock"
for _ in $(seq 1 50); do grep -q 'ready' "$OA_LOG" && break; sleep 0.1; done
t_like "$(cat "$OA_LOG")" 'ready: 4 threads' "without -t: 4 threads (the default)"
t_like "$("$OA_BIN" --help)" 'threads, N.*default 4|\(default 4\)' "--help: -t defaults to 4"
t_unlike "$(cat "$OA_LOG")" 'delays every authorizer answer' "... and no -t 1 warning"

mkdir -p "$T/www/app"
echo "backend: ok" >"$T/www/app/page"
e2e_bg backend python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$APORT"
wait_port "$APORT" 15 || bail "the backend did not start"

# The shipped file, addresses substituted (lib.sh).
nginx_contrib_start "$T/oa.sock" "$APORT" "$PORT"

SESSION_COOKIE="$COOKIE_NAME=$("$MINT" -c "$E2E_CONFIG" --user alice --email alice@example.com)"
http_req "$BASE/app/page" -H "Cookie: $SESSION_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "a signed-in user's page through nginx: 200"
t_like "$HTTP_BODY" 'backend: ok' "... served by the backend"

# time_pages FILE: 200 pages of the signed-in user through nginx, one curl
# process (one connection), "status seconds" per line; p99_ms FILE.
: >"$T/urls.cfg"
for i in $(seq 1 200); do
    printf 'url = "%s/app/page?i=%d"\noutput = "/dev/null"\n' "$BASE" "$i" >>"$T/urls.cfg"
done
# Bounded: 5 s a page, 60 s in all (a starved authorizer waits far longer).
time_pages() {
    timeout 60 curl -s -H "Cookie: $SESSION_COOKIE" -H 'Accept: text/html' --max-time 5 \
        -w '%{http_code} %{time_total}\n' -K "$T/urls.cfg" >"$1" 2>&1
}
# p99_ms FILE: the 99th percentile of 200 times in ms (a page that never
# came counts as 99999).
p99_ms() {
    { cut -d' ' -f2 "$1"; for _ in $(seq "$(grep -c . "$1")" 199); do echo 99.999; done; } |
        sort -n | awk '{a[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; printf "%d", a[i]*1000}'
}
# The same pages without any sign-in first: what this machine gives now.
time_pages "$T/baseline-times.txt"
BASE_P99=$(p99_ms "$T/baseline-times.txt")
t_diag "authorizer through nginx, no sign-in going on: p99 ${BASE_P99} ms"

# ---- valid state cookies: N logins, each its own cookie and state -------------
N=12
for i in $(seq 1 $N); do
    oa_login corp "/app/page?n=$i"
    COOKIES[i]=$STATE_COOKIE
    STATES[i]=$(param state "$AUTHZ")
done
t_like "${COOKIES[1]}" '^oauth2_fcgi_state_[A-Za-z0-9_-]{8}=.' "a login sets a state cookie"
t_isnt "${STATES[1]}" "" "... and sends its state to the provider"
t_is "$(token_requests)" 0 "logins make no token request"

# cb I TAG [MAX-TIME]: the callback of login I in the background; its status,
# time and headers in $T/cb-TAG.{out,hdr}.
cb() {
    curl -s -o "$T/cb-$2.body" -D "$T/cb-$2.hdr" --max-time "${3:-30}" \
        -w '%{http_code} %{time_total}\n' -H "Cookie: ${COOKIES[$1]}" -H 'Accept: text/html' \
        "$BASE/oauth/corp/callback?code=code-SECRET-$1&state=${STATES[$1]}" >"$T/cb-$2.out" 2>&1
}
cb_status() { cut -d' ' -f1 <"$T/cb-$1.out" 2>/dev/null; }
cb_time() { cut -d' ' -f2 <"$T/cb-$1.out" 2>/dev/null; }

# ---- two callbacks take the two slots and hang -------------------------------
START=$(date +%s.%N)
cb 1 a &
PID_A=$!
cb 2 b &
PID_B=$!
for _ in $(seq 1 100); do [ "$(token_requests)" -ge 2 ] && break; sleep 0.05; done
t_is "$(token_requests)" 2 "two callbacks hang in their token requests (the cap of 4 threads)"

# ---- meanwhile: replays and fresh callbacks in parallel ------------------------
burst() {
    local k
    for k in 1 2 3; do
        cb 1 "ra$k" &
        cb 2 "rb$k" &
    done
    for k in $(seq 3 $N); do cb "$k" "f$k" & done
    wait
}
burst &
BURST=$!
# ... and more of the same while the pages are timed: 10 rounds of every
# callback, 4 at a time, from one curl process (a process per request would
# time the machine's fork rate, not the program).
: >"$T/pressure.cfg"
for _ in $(seq 1 10); do
    for k in $(seq 1 $N); do
        [ -s "$T/pressure.cfg" ] && echo next >>"$T/pressure.cfg"
        printf 'url = "%s"\nheader = "Cookie: %s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nsilent\nmax-time = 30\n' \
            "$BASE/oauth/corp/callback?code=code-SECRET-$k&state=${STATES[$k]}" "${COOKIES[$k]}" \
            >>"$T/pressure.cfg"
    done
done
timeout 60 curl -s -Z --parallel-max 4 -K "$T/pressure.cfg" >"$T/pressure.txt" 2>"$T/pressure.err" &
PRESSURE=$!

# ---- and a signed-in user's pages, timed ----------------------------------------
time_pages "$T/authz-times.txt"
MEASURED=$(date +%s.%N)
wait "$BURST" "$PRESSURE"
t_is "$(cb_status a)$(cb_status b)" "" "the timing ran while both token requests still hung"
t_is "$(grep -c '^200 ' "$T/authz-times.txt")" 200 "the signed-in user's 200 pages: every one 200"
P99=$(p99_ms "$T/authz-times.txt")
MAX=$(cut -d' ' -f2 "$T/authz-times.txt" | sort -n | tail -n 1)
t_diag "authorizer through nginx while sign-ins hang: p99 ${P99} ms, max ${MAX}s, measured in $(awk -v a="$START" -v b="$MEASURED" 'BEGIN {printf "%.1f", b-a}')s"
# 50 ms; on a machine so loaded that the baseline itself is over 25 ms, the
# bound is twice the baseline (a thread held by a provider would cost
# seconds, not a factor of two).
LIMIT=50
if [ "${BASE_P99:-0}" -gt 25 ]; then
    LIMIT=$((2 * BASE_P99))
    t_diag "loaded machine: the bound is 2 x the baseline p99, ${LIMIT} ms"
fi
t_ok "... p99 under $LIMIT ms (got ${P99} ms)" [ "${P99:-99999}" -lt "$LIMIT" ]

# the replays: refused at once, before any provider call
bad=
for k in 1 2 3; do
    for w in a b; do
        [ "$(cb_status "r$w$k")" = 400 ] || bad="$bad r$w$k:$(cb_status "r$w$k")"
        grep -q 'already used' "$T/cb-r$w$k.body" || bad="$bad r$w$k:page"
    done
done
t_is "$bad" "" "6 parallel replays of the hanging states: 400 'already used'"
# the fresh ones: 503 at once, Retry-After, cookie kept
bad=
for k in $(seq 3 $N); do
    [ "$(cb_status "f$k")" = 503 ] || bad="$bad f$k:$(cb_status "f$k")"
    grep -qi '^Retry-After: [1-9]' "$T/cb-f$k.hdr" || bad="$bad f$k:no-retry-after"
    grep -q 'Too many sign-ins' "$T/cb-f$k.body" || bad="$bad f$k:page"
    grep -qi '^Set-Cookie: oauth2_fcgi_state_' "$T/cb-f$k.hdr" && bad="$bad f$k:cookie-deleted"
    awk -v t="$(cb_time "f$k")" 'BEGIN {exit !(t < 2)}' || bad="$bad f$k:slow($(cb_time "f$k")s)"
done
t_is "$bad" "" "$((N - 2)) fresh callbacks over the cap: 503 'too many sign-ins' with Retry-After, at once, state cookie kept"
t_like "$(sort "$T/pressure.txt" | uniq -c | tr '\n' ' ')" '^ *[0-9]+ 400 +[0-9]+ 503 *$' \
    "$(wc -l <"$T/pressure.txt") more callbacks in parallel during the timing: each 400 (replay) or 503 (over the cap)"
t_is "$(token_requests)" 2 "no replay and no refused callback reached the token endpoint"

# ---- the hanging ones end; the refused ones can retry ---------------------------
wait "$PID_A" "$PID_B"
t_is "$(cb_status a) $(cb_status b)" "502 502" "the hanging callbacks end with 502 at http.timeout"
cb 3 retry 3
t_is "$(token_requests)" 3 "a refused callback retried with its kept cookie reaches the provider now"
cb 1 late 10
t_is "$(cb_status late)" 400 "a finished state replayed later: still 400"
t_is "$(token_requests)" 3 "... without a token request"
http_req "$BASE/oauth/health"
t_is "$HTTP_STATUS" 200 "the process still serves (/oauth/health)"

LOG_AT=0
t_log 'state already used \(a replay' "replays are logged as such"
t_log 'too many sign-ins in progress' "refusals over the cap are logged"
t_unlike "$(cat "$OA_LOG")" 'code-SECRET' "no code in the log"

# ---- -t 1: a warning at start-up --------------------------------------------------
e2e_bg one-thread "$OA_BIN" -s "$T/one.sock" -c "$E2E_CONFIG" -t 1
wait_file "$T/one.sock" 15 || bail "oauth2-fcgi -t 1 did not make its socket"
for _ in $(seq 1 20); do grep -q 'ready' "$T/one-thread.log" && break; sleep 0.1; done
t_like "$(cat "$T/one-thread.log")" 'warn.*-t 1: a sign-in waiting on its provider delays every authorizer answer' \
    "-t 1: a warning at start-up that sign-ins can delay the authorizer"

# ---- the shipped layouts say it ---------------------------------------------------
C=$top_srcdir/contrib
t_is "$(grep -o 'oauth2-fcgi[a-z-]*\.sock' "$C/lighttpd/oauth2-fcgi.conf" | sort -u | wc -l | tr -d ' ')" 2 \
    "contrib lighttpd: the endpoints and the authorizer on two sockets"
bad=
for f in nginx/oauth2-fcgi.conf apache/oauth2-fcgi-authnz.conf spawn-fcgi/oauth2-fcgi.sh \
    systemd/oauth2-fcgi.service; do
    grep -q -- '-t [4-9]' "$C/$f" || bad="$bad $f"
done
t_is "$bad" "" "contrib configs that share one socket say -t 4 (at most half waits on a provider)"

# ---- __Host- state cookies (the program itself, as a CGI program) ------------------
sed -e "s|^public_url: .*|public_url: https://app.example.com|" "$E2E_CONFIG" >"$T/https.yml"
cgi_get() {
    env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET \
        SCRIPT_NAME=/oauth PATH_INFO="$1" QUERY_STRING="$2" HTTP_HOST=app.example.com \
        HTTPS=on HTTP_ACCEPT=text/html HTTP_COOKIE="${3:-}" REMOTE_ADDR=127.0.0.1 \
        OAUTH2_FCGI_CONFIG="$T/https.yml" "$OA_BIN" 2>>"$T/cgi.log" | tr -d '\r'
}
out=$(cgi_get /corp/login "rd=%2Fapp%2F")
sc=$(printf '%s\n' "$out" | grep -i '^Set-Cookie: ' | grep '_state_' | head -n 1)
t_like "$sc" '^Set-Cookie: __Host-oauth2_fcgi_state_[A-Za-z0-9_-]{8}=' \
    "https: the state cookie is __Host- (no sibling subdomain can set it)"
t_like "$sc" '; Path=/;' "... with Path=/"
t_like "$sc" '; Secure' "... Secure"
t_unlike "$sc" '[Dd]omain=' "... and no Domain"
pair=$(printf '%s\n' "$sc" | sed 's/^Set-Cookie: \([^;]*\).*/\1/')
st=$(printf '%s\n' "$out" | sed -n 's/^Location: .*[?&]state=\([^&]*\).*/\1/p')
out=$(cgi_get /corp/callback "code=x&state=$st" "__Secure-${pair#__Host-}")
t_like "$(printf '%s\n' "$out" | head -n 1)" '^Status: 400' \
    "the same state cookie tossed as __Secure- (what a sibling can set): 400"
t_is "$(token_requests)" 3 "... before any token request"
t_done
