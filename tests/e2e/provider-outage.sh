#!/usr/bin/env bash
# provider-outage.sh - the provider goes down and comes back under load
#, through a real lighttpd with the shipped contrib config:
#   - signed-in users are unaffected: the decision needs no provider (load
#     of valid sessions, one of them from a real sign-in, and refused
#     cookies: 0 failed, 0 refused, 0 let in, before, during and after);
#   - a sign-in while it is down fails with a clear page (502 "cannot be
#     reached") at the login (no discovery document cached yet) and at the
#     callback (the token request), and is logged;
#   - when the provider returns, sign-ins work again by themselves within
#     the discovery back-off (no failure cached for good), and the whole
#     flow completes.
# The provider is tests/standin/fault-idp.js (mode "ok", a well-behaved OpenID
# provider) on a fixed port so it can come back. 127.0.0.1 only. Prints TAP.
. "$(dirname "$0")/flowlib.sh"
. "$(dirname "$0")/gatelib.sh"

need_tool python3
flow_init
F_SECRET='outage-secret-e2e-77a1'
export FAULT_CLIENT_ID=fault-client FAULT_CLIENT_SECRET=$F_SECRET
FPORT=$(free_port) || bail "no free port"
F=$(start_peer idp node tests/standin/fault-idp.js --tls "$T/tls" --port "$FPORT") || exit 1
make_key "$T/session.key"
{
    echo "providers:"
    for name in f-ok f-late; do
        printf '  - name: %s\n    issuer: %s/ok\n    client_id: fault-client\n' "$name" "$F"
        printf '    client_secret: "%s"\n' "$F_SECRET"
    done
    cat <<EOF
allow_http_redirect: true
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
http:
  ca_file: $T/tls/ca.pem
  timeout: 2s
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: info
EOF
} >"$T/oauth.yml"
E2E_CONFIG=$T/oauth.yml
MINT=$top_builddir/tests/tools/mint_cookie
flow_lighttpd

to_provider() {
    CALLBACK=$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -o /dev/null -w '%{redirect_url}' "$AUTHZ")
}
signin() {
    oa_login "$1"
    to_provider
    callback "$CALLBACK"
}

signin f-ok
t_like "$SESSION" '^oauth2_fcgi=.' "a real sign-in before the outage: a session cookie"
{ echo "${SESSION#oauth2_fcgi=}"; "$MINT" -c "$T/oauth.yml" --user bob --email bob@example.com; } >"$T/good"
{ "$MINT" -c "$T/oauth.yml" --user bob --email bob@example.com --other-key; echo garbage; } >"$T/bad"
CHECK=$BASE/app/page
http_req "$CHECK" -H "Cookie: $SESSION"
t_is "$HTTP_STATUS" 200 "the session opens /app/"

gate_load outage --url "$CHECK" --good "$T/good" --bad "$T/bad" --conns 4 --seconds 60 \
    --stop-file "$T/stop"
sleep 1
# a code from the provider, then the provider goes away before the callback
oa_login f-ok
to_provider
PENDING=$CALLBACK
PENDING_STATE=$STATE_COOKIE
kill -TERM "$(cat "$T/idp.peer-pid")"
e2e_wait_gone "$(cat "$T/idp.peer-pid")"
DOWN_AT=$SECONDS

log_mark
oa_login f-late
t_is "$HTTP_STATUS" 502 "provider down, first sign-in with a provider never reached: 502"
t_like "$HTTP_BODY" 'cannot be reached' "... the page says the provider cannot be reached"
t_is "$STATE_COOKIE" "" "... and sets no state cookie"
t_log "provider f-late: endpoints: .*Couldn't connect" "... and it is logged"
STATE_COOKIE=$PENDING_STATE
callback "$PENDING"
t_is "$HTTP_STATUS" 502 "provider down, the callback (token request): 502"
t_like "$HTTP_BODY" 'cannot be reached|try again|provider' "... with a page that says why"
t_is "$SESSION" "" "... and no session"
sleep 2
oa_login f-late
t_is "$HTTP_STATUS" 502 "provider still down, a later sign-in: still 502"

F2=$(start_peer idp2 node tests/standin/fault-idp.js --tls "$T/tls" --port "$FPORT") || exit 1
t_is "$F2" "$F" "the provider is back at the same address"
UP_AT=$SECONDS
back=
for _ in $(seq 80); do
    oa_login f-late
    [ "$HTTP_STATUS" = 302 ] && { back=$((SECONDS - UP_AT)); break; }
    sleep 0.25
done
t_isnt "$back" "" "after the provider is back, sign-in works again by itself (after ${back:-?} s)"
t_ok "... within the first back-off steps (at most 10 s)" test "${back:-99}" -le 10
to_provider
callback "$CALLBACK"
t_like "$SESSION" '^oauth2_fcgi=.' "... and the whole flow completes with a session"
echo "${SESSION#oauth2_fcgi=}" >>"$T/good"
sleep 1
: >"$T/stop"
wait "$GATE_LOAD_PID"
gate_load_checks outage "signed-in users, provider down $((UP_AT - DOWN_AT)) s and back" 0 3000

{
    echo "## Provider outage under load (tests/e2e/provider-outage.sh)"
    echo
    echo "Written by the last run of tests/e2e/provider-outage.sh ($(date -u +%Y-%m-%dT%H:%MZ))."
    echo "lighttpd with the shipped contrib config, /app/ behind the authorizer (a CGI"
    echo "backend), tests/load/gateload.py with 4 connections; the provider stopped, sign-ins"
    echo "tried (502 pages), the provider started again: sign-in worked again ${back:-?} s later."
    echo
    echo "| run | failed/total | longest gap | valid refused | wrongly passed |"
    echo "|---|---:|---:|---:|---:|"
    echo "$GATE_LINE"
} >"$T/results.md"
gate_results provider-outage "$T/results.md"
t_done
