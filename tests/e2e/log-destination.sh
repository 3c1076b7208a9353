#!/usr/bin/env bash
# log-destination.sh - the program's log lines are where the docs say.
#  - The demo (scripts/demo.sh, lighttpd with the shipped config and the
#    oidc-provider): the log file it prints under "Logs:" gets a failed
#    sign-in's line (log: FILE), and the audit file it prints gets the
#    line's audit record; lighttpd's server.errorlog, which the demo named
#    before, never gets a child's stderr.
#  - log: FILE under lighttpd: the lines go to the file, not to lighttpd's
#    stderr; audit: log puts the audit line in that same file.
#  - A log file the program cannot open stops its start with the reason on
#    stderr (exit 2), where spawn-fcgi -n, systemd or the web server show it.
#  - audit: log in CGI mode: the line is on stderr (the web server's error
#    log for a CGI program), with the server's UNIQUE_ID as request id.
. "$(dirname "$0")/flowlib.sh"

flow_init
need_tool python3
need_oidc_provider

# ---- the demo ------------------------------------------------------------------

# The demo runs the provider from the source tree's node_modules.
[ -d "$top_srcdir/node_modules/oidc-provider" ] ||
    skip_all "no node_modules/oidc-provider in $top_srcdir (npm ci) for scripts/demo.sh"

DEMO_PORT=$(free_port) || bail "no free port"
(cd "$top_srcdir" && exec env OA_NO_INSTALL=1 OA_DEMO_BIN="$OA_BIN" PORT="$DEMO_PORT" \
    OA_NODE_MODULES="${OA_NODE_MODULES:-}" bash scripts/demo.sh) >"$T/demo.out" 2>&1 &
DEMO_PID=$!
E2E_PIDS+=("$DEMO_PID")
e2e_log "$T/demo.out"
for _ in $(seq 1 300); do
    grep -q 'Ctrl-C stops everything' "$T/demo.out" && break
    kill -0 "$DEMO_PID" 2>/dev/null || break
    sleep 0.1
done
grep -q 'Ctrl-C stops everything' "$T/demo.out" || bail "the demo did not start: $(tail -n 20 "$T/demo.out")"
DEMO_LOG=$(sed -n 's/^ *Logs: *oauth2-fcgi: *//p' "$T/demo.out")
DEMO_AUDIT=$(sed -n 's/^ *audit: *//p' "$T/demo.out")
DEMO_LIGHTTPD=$(sed -n 's/^ *lighttpd: *//p' "$T/demo.out")
t_like "$DEMO_LOG" '^/.*/oauth2-fcgi\.log$' "the demo names oauth2-fcgi's log file"
t_like "$DEMO_AUDIT" '^/.*/audit\.log$' "the demo names the audit file"
DEMO_DIR=${DEMO_LOG%/*}
t_like "$(cat "$DEMO_DIR/oauth.yml")" "^log: $DEMO_LOG( |\$)" "... the file its config's log: names"

DB=http://127.0.0.1:$DEMO_PORT
http_req "$DB/oauth/demo/callback?code=demo-c0de-SECRET&state=demo-st4te" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "the demo: a callback without its state cookie fails (400)"
t_like "$HTTP_BODY" 'href="/oauth/">Start again</a>' "... its page links Start again"
got=
for _ in $(seq 1 30); do
    got=$(grep 'provider demo: callback: no state cookie' "$DEMO_LOG" 2>/dev/null) && break
    sleep 0.1
done
t_like "$got" '^oauth2-fcgi\[[0-9]+\]: warn: provider demo: callback: no state cookie' \
    "the failed sign-in's line is in the log file the demo prints"
t_unlike "$(cat "$DEMO_LIGHTTPD" 2>/dev/null)" 'no state cookie' \
    "... not in lighttpd's server.errorlog (a child's stderr never goes there)"
t_like "$(cat "$DEMO_AUDIT" 2>/dev/null)" '"event": "sign_in_failed", "status": 400, "provider": "demo"' \
    "its audit record is in the audit file the demo prints"
t_unlike "$(cat "$DEMO_LOG" "$DEMO_AUDIT" 2>/dev/null)" 'demo-c0de-SECRET|demo-st4te' \
    "neither holds the code or the state"
kill -TERM "$DEMO_PID" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.1; done
t_ok "the demo stops on SIGTERM" sh -c "! kill -0 $DEMO_PID 2>/dev/null"

# ---- log: FILE under lighttpd, audit: log ---------------------------------------

export OIDC_REDIRECT_URIS="$BASE/oauth/corp/callback"
export OIDC_CLIENT_ID=e2e-log OIDC_CLIENT_SECRET=e2e-log-secret
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1
make_key "$T/session.key"
LOGF=$T/logs/oauth2-fcgi.log
mkdir -p "$T/logs"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    issuer: $IDP
    client_id: e2e-log
    client_secret: e2e-log-secret
allow_http_redirect: true
session:
  key_file: $T/session.key
http:
  ca_file: $T/tls/ca.pem
log: $LOGF
audit: log
EOF
chmod 600 "$T/oauth.yml"
flow_lighttpd
OA_LOG=$LOGF
wait_file "$LOGF" 5
log_mark
http_req "$BASE/oauth/corp/callback?code=c0de-2&state=st4te-2" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "log: FILE: a failed sign-in (400)"
t_log 'warn: provider corp: callback: no state cookie' "log: FILE: its line is in the file"
t_log 'audit: \{"time": "[^"]+", "event": "sign_in_failed", "status": 400, "provider": "corp"' \
    "audit: log: its audit line is in the same file"
t_unlike "$(cat "$T/lighttpd.log")" 'no state cookie|sign_in_failed' \
    "log: FILE: nothing of it on lighttpd's stderr"
t_is "$(stat -c %a "$LOGF")" 640 "the log file is made 0640"
t_unlike "$(cat "$LOGF")" 'c0de-2|st4te-2|e2e-log-secret' "no code, state or secret in it"

# ---- a log file that cannot be opened --------------------------------------------

cgi() {
    env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET \
        SCRIPT_NAME=/oauth PATH_INFO=/auth REQUEST_URI=/oauth/auth QUERY_STRING= \
        HTTP_HOST=127.0.0.1 SERVER_PORT=80 REMOTE_ADDR=192.0.2.7 HTTP_ACCEPT=application/json \
        "$@" "$OA_BIN" -c "$T/cgi.yml" </dev/null >"$T/cgi.out" 2>"$T/cgi.err"
}
sed -e "s|^log: .*|log: $T/no-such-dir/oauth2-fcgi.log|" -e 's|^audit: .*|audit: off|' \
    "$T/oauth.yml" >"$T/cgi.yml"
chmod 600 "$T/cgi.yml"
rc=0
cgi || rc=$?
t_is "$rc" 2 "a log file that cannot be opened: exit 2"
t_like "$(cat "$T/cgi.err")" "log: cannot open $T/no-such-dir/oauth2-fcgi.log: No such file or directory \\(it is opened by the user the program runs as, uid [0-9]+" \
    "... saying why on stderr, and as which user"
t_is "$(cat "$T/cgi.out")" "" "... and answering nothing"

# ---- audit: log on stderr (CGI), the server's request id --------------------------

sed -e 's|^log: .*|log: stderr|' "$T/oauth.yml" >"$T/cgi.yml"
rc=0
cgi UNIQUE_ID=Zp3xXn8AAAEAAC2vqGkAAAAA || rc=$?
t_like "$(head -n 1 "$T/cgi.out")" '^Status: 401' "CGI /oauth/auth without a session: 401"
t_like "$(cat "$T/cgi.err")" '^oauth2-fcgi\[[0-9]+\]: audit: \{"time": "[^"]+", "event": "denied", "status": 401, .*"client": "192\.0\.2\.7", "request_id": "Zp3xXn8AAAEAAC2vqGkAAAAA"\}$' \
    "audit: log writes the denial on stderr with Apache's UNIQUE_ID as request id"
cgi REQUEST_ID='bad id"x' || true
t_like "$(cat "$T/cgi.err")" '"request_id": "[0-9a-f]+-[0-9a-f]+-1"\}$' \
    "a request id that is not one (a space, a quote) is replaced by one of the program's"

t_done
