#!/usr/bin/env bash
# process-faults.sh - faults around the process rather than in the input
#, each followed by "still serves":
#   (a) the peer goes away mid-request: clients of a real lighttpd (the
#       shipped contrib config) that disconnect right after their request,
#       mid-line, mid-body; and raw FastCGI clients of `oauth2-fcgi -b -t 1`
#       that close before/mid-params, mid-stdin, send garbage, abort, or
#       reset the connection before reading the answer. The processes are
#       the same ones afterwards and answer the next request.
#   (b) the provider hangs (accepts, never answers; http.timeout 3s): with
#       -t 4 one thread is stuck in the token request of a callback while
#       the other threads answer /health and the authorizer at once (before
#       the stuck request ends), and the stuck request ends with the 502
#       page and a "Timeout was reached" log line.
#   (c) a session key file with a bad key refuses to start: exit 2, a
#       FILE:LINE message, no socket left behind.
#   (d) SIGTERM while a request is in flight: the client still gets its
#       whole answer (FastCGI END_REQUEST), then the process exits 0.
#   (e) a broken config file (written while serving) is noticed without a
#       signal and refused: logged once with FILE:LINE:COL, not at every
#       poll, the process serving on with the old config; SIGHUP reads it
#       again (refused again, logged again) and never ends the process; the
#       fixed file is reloaded.
# Servers listen on 127.0.0.1 only and are stopped at exit. Prints TAP.
. "$(dirname "$0")/lib.sh"

need_tool lighttpd curl python3
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config # E2E_CONFIG, E2E_KEY, COOKIE_NAME; test 1
VALID=$(mint --user alice --email alice@example.com)
[ -n "$VALID" ] || bail "mint_cookie failed"

# ---- the FastCGI client and the hanging provider (python3) --------------------

PF=$top_srcdir/tests/e2e/process_faults.py
pf() { timeout 60 python3 "$PF" "$@"; }

# alive PID: running, not a zombie.
alive() {
    [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"
}

# wait_health ADDR: until oauth2-fcgi at ADDR answers /health (~15 s).
wait_health() {
    local i
    for i in $(seq 1 150); do
        [ "$(pf health "$1" 2>/dev/null)" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}

# ---- (a) the web server's client goes away mid-request -------------------------------

PORT=$(free_port) || bail "no free port"
lighttpd_start "$PORT" "$E2E_CONFIG"
LPID=$E2E_LAST_PID
# oa_children: the oauth2-fcgi processes lighttpd started (responder, authorizer).
oa_children() { oa_children_of "$LPID"; }
http_req "http://127.0.0.1:$PORT/oauth/health"
t_is "$HTTP_STATUS" 200 "lighttpd: /oauth/health answers before the faults"
KIDS=$(oa_children)
# (the contrib file's max-procs of the responder and of the authorizer)
NPROCS=$(grep -v '^ *#' "$E2E_TMP/oauth2-fcgi.conf" |
    sed -n 's/.*"max-procs" *=> *\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s }')
t_is "$(echo "$KIDS" | wc -w)" "$NPROCS" \
    "lighttpd started the contrib file's oauth2-fcgi processes ($NPROCS: responder, authorizer)"
OUT=$(pf web "$PORT" "$VALID" 30 2>&1)
t_is "$(printf '%s\n' "$OUT" | grep -c ' done$')" 9 \
    "270 HTTP clients disconnected right after or in the middle of their request"
t_is "$(oa_children)" "$KIDS" "the same oauth2-fcgi processes afterwards (none crashed or respawned)"
t_ok "lighttpd is still running" alive "$LPID"
http_req "http://127.0.0.1:$PORT/app/page" -H "Cookie: $COOKIE_NAME=$VALID" -H 'Accept: text/html'
t_is "$HTTP_STATUS $(body_var REMOTE_USER)" "200 alice@example.com" \
    "then a valid cookie through lighttpd: 200 with the identity"
http_req "http://127.0.0.1:$PORT/app/page" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "then no cookie: 302 to sign in"
http_req "http://127.0.0.1:$PORT/oauth/health"
t_is "$HTTP_STATUS" 200 "then /oauth/health: 200"

# The same one level down: raw FastCGI clients of oauth2-fcgi -b -t 1.
A1=127.0.0.1:$(free_port) || bail "no free port"
e2e_bg oa-raw "$OA_BIN" -c "$E2E_CONFIG" -b "$A1" -t 1
RAW_PID=$E2E_LAST_PID
wait_health "$A1" || bail "oauth2-fcgi -b $A1 did not start"
OUT=$(pf raw "$A1" 20 2>&1)
while read -r _ kind st; do
    t_is "$st" 200 "FastCGI client closing $kind (20 times): /health answers next"
done < <(printf '%s\n' "$OUT" | grep '^raw ')
t_is "$(printf '%s\n' "$OUT" | grep -c '^raw ')" 13 "every raw FastCGI fault ran"
t_ok "oauth2-fcgi -t 1 is the same process after the raw faults" alive "$RAW_PID"

# ---- (b) the provider hangs; (e) SIGHUP; (d) SIGTERM mid-request ----------------------

e2e_bg hang python3 "$PF" hang "$T/hang.port" "$T/hang.accepts"
wait_file "$T/hang.port" 15 || bail "the hanging provider did not start"
HANG=$(cat "$T/hang.port")
cat >"$T/hang.yml" <<EOF
providers:
  - name: hang
    client_id: hang-client
    client_secret: hang-secret
    authorize_url: http://127.0.0.1:$HANG/authorize
    token_url: http://127.0.0.1:$HANG/token
    userinfo_url: http://127.0.0.1:$HANG/userinfo
allow_http_redirect: true
session:
  key_file: $E2E_KEY
  cookie_name: oauth2_fcgi
http:
  timeout: 3s
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: info
EOF
"$OA_BIN" --check-config -c "$T/hang.yml" >"$T/hang-check.out" 2>&1 ||
    bail "--check-config refuses hang.yml: $(cat "$T/hang-check.out")"
A4=127.0.0.1:$(free_port) || bail "no free port"
e2e_bg oa-t4 "$OA_BIN" -c "$T/hang.yml" -b "$A4" -t 4
T4_PID=$E2E_LAST_PID
T4_LOG=$T/oa-t4.log
wait_health "$A4" || bail "oauth2-fcgi -b $A4 -t 4 did not start"

# a session for this config's provider: one sealed for a provider the
# config does not have is refused
VALID_HANG=$(mint --user alice --email alice@example.com --provider hang)
OUT=$(pf threads "$A4" "$T/hang.accepts" "$VALID_HANG" 2>&1)
t_diag "$(printf '%s\n' "$OUT" | sed -n 's/^# //p')"
t_is "$(printf '%s\n' "$OUT" | grep '^health' | tr '\n' ' ')" "health 200 health 200 " \
    "-t 4, one thread stuck at a hanging provider: /health answers (twice)"
t_is "$(printf '%s\n' "$OUT" | grep '^authorizer')" "authorizer 200 alice@example.com" \
    "-t 4, one thread stuck: the authorizer answers a valid cookie (200, REMOTE_USER)"
t_is "$(printf '%s\n' "$OUT" | grep '^stuck-pending')" "stuck-pending yes" \
    "those answers came while the stuck request was still waiting for the provider"
t_is "$(printf '%s\n' "$OUT" | grep '^stuck ' | cut -d' ' -f1-3)" "stuck complete 502" \
    "the stuck request ends with a complete 502 answer"
t_like "$(cat "$T4_LOG")" 'provider hang: token endpoint .*Timeout was reached' \
    "it ended at http.timeout: the log says 'Timeout was reached'"

# (e) a reload with a bad file keeps the old config; SIGHUP never stops
# the service. (SIGUSR2's exec of a new program with a bad config is
# tests/e2e/handover.sh's.)
cp "$T/hang.yml" "$T/hang.yml.good"
printf 'providers: [\n  - name: x\naccess: {\n' >"$T/hang.yml"
sleep 1.5
t_ok "a broken config file while serving: the process goes on" alive "$T4_PID"
t_is "$(pf health "$A4")" 200 "with the broken file: /health still answers"
t_like "$(cat "$T4_LOG")" "error: $T/hang\.yml:[0-9]+:[0-9]+: YAML syntax error.*reload refused" \
    "the broken file is noticed without a signal and logged as FILE:LINE:COL, reload refused"
t_is "$(grep -c 'reload refused' "$T4_LOG")" 1 "logged once for the change, not at every poll"
kill -HUP "$T4_PID"
sleep 0.5
t_ok "SIGHUP (e.g. from logrotate) does not end the process" alive "$T4_PID"
t_is "$(pf health "$A4")" 200 "after SIGHUP: /health still answers"
t_like "$(cat "$T4_LOG")" 'info: SIGHUP: reopening the logs and reading .*hang\.yml again' \
    "SIGHUP is logged"
t_is "$(grep -c 'reload refused' "$T4_LOG")" 2 "SIGHUP reads the broken file again: refused again"
t_unlike "$(cat "$T4_LOG")" 'info: reloaded ' "nothing was reloaded from the broken file"
mv "$T/hang.yml.good" "$T/hang.yml"
sleep 1.5
t_like "$(cat "$T4_LOG")" "info: reloaded $T/hang\.yml: 1 provider, 1 access rule" \
    "the fixed file is reloaded without a signal"

# (d) SIGTERM while a request waits for the hanging provider.
OUT=$(pf sigterm "$A4" "$T/hang.accepts" "$T4_PID" 2>&1)
t_diag "$(printf '%s\n' "$OUT" | sed -n 's/^# //p')"
t_is "$(printf '%s\n' "$OUT" | grep '^sent SIGTERM')" "sent SIGTERM" "SIGTERM sent mid-request"
t_is "$(printf '%s\n' "$OUT" | grep '^stuck ')" "stuck complete 502" \
    "the request in flight still gets its complete answer (502 after the timeout)"
RC=timeout
for i in $(seq 1 100); do
    if ! alive "$T4_PID"; then
        wait "$T4_PID"
        RC=$?
        break
    fi
    sleep 0.1
done
t_is "$RC" 0 "then oauth2-fcgi exits 0"
t_like "$(cat "$T4_LOG")" 'stopping after the requests in hand' "the graceful stop is logged"

# ---- (c) a bad key in the session key file refuses to start ---------------------------

# bad_key NAME DESC LINE: a config whose key file is $T/NAME.key; exit 2,
# the message names NAME.key:LINE, and no socket appears.
bad_key() {
    local out rc
    sed "s|^  key_file: .*|  key_file: $T/$1.key|" "$E2E_CONFIG" >"$T/$1.yml"
    out=$(timeout 20 "$OA_BIN" -c "$T/$1.yml" -s "$T/$1.sock" 2>&1)
    rc=$?
    t_is "$rc" 2 "$2: refuses to start (exit 2)"
    t_like "$out" "$T/$1\\.key:$3(:[0-9]+)?: " "$2: the message names $1.key:$3"
    t_ok "$2: no socket left behind" [ ! -e "$T/$1.sock" ]
}
make_key "$T/good.key"
{ cat "$T/good.key"; echo "0123456789abcdef-not-a-key"; } >"$T/line2.key"
echo "0123abcd" >"$T/short.key"
printf '%s\n' "$(head -c 64 /dev/zero | tr '\0' 'g')" >"$T/nothex.key"
{ cat "$T/good.key"; cut -c1-63 "$T/good.key"; } >"$T/cut.key"
chmod 600 "$T"/*.key
bad_key line2 "a bad key on line 2 after a good one" 2
bad_key short "a key of 8 hex digits" 1
bad_key nothex "64 characters that are not hex" 1
bad_key cut "a second key one digit short" 2

t_done
