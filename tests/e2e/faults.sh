#!/usr/bin/env bash
# faults.sh - a provider that fails, lies or is attacked, through a real
# lighttpd running oauth2-fcgi (authorizer on /app, responder on /oauth).
# For each fault: the page's status and reason, the operator's log line,
# and the program still serving afterwards (/oauth/health, and a protected
# request with a session made before the faults). At the end: no secret,
# code, state, cookie or token in any log, and lighttpd never had to
# restart oauth2-fcgi (a crash would hide behind the respawn).
# Peers (https, a throwaway CA; everything on 127.0.0.1):
#   tests/standin/fault-idp.js one mode per provider: broken discovery or token
#                           answers, hangs, crafted id_tokens (oidc-provider
#                           never mints bad ones, so this one does)
#   the same, with a certificate of another CA (TLS with an unknown CA)
#   tests/standin/github.js bob (primary email not verified), carol (no allowed org)
# http.timeout is 2s, so the hanging modes cost 2 s each.
. "$(dirname "$0")/flowlib.sh"

flow_init

F_SECRET='fault-secret-e2e-5d2b'
export FAULT_CLIENT_ID=fault-client FAULT_CLIENT_SECRET=$F_SECRET
F=$(start_peer fault-idp node tests/standin/fault-idp.js --tls "$T/tls") || exit 1
sh "$top_srcdir/tests/idp/ca.sh" "$T/tls-other" || bail "ca.sh failed"
F_OTHER=$(start_peer fault-idp-other-ca node tests/standin/fault-idp.js --tls "$T/tls-other") || exit 1
CLOSED=$(free_port) || bail "no free port"
GH_SECRET='gh-secret-faults-19e0'
export GITHUB_CLIENT_ID=gh-client GITHUB_CLIENT_SECRET=$GH_SECRET
GH=$(start_peer github node tests/standin/github.js --tls "$T/tls") || exit 1

make_key "$T/session.key"
{
    echo "providers:"
    fault_provider() {
        printf '  - name: %s\n    issuer: %s\n    client_id: fault-client\n' "$1" "$2"
        printf '    client_secret: "%s"\n' "$F_SECRET"
    }
    fault_provider f-ok "$F/ok"
    fault_provider f-down "https://127.0.0.1:$CLOSED/ok"
    fault_provider f-ca "$F_OTHER/ok"
    for m in d500 dbadjson dbig dslow t500 tbadjson tbig tslow iss aud nonce expired badsig none \
        hs256 unverified; do
        fault_provider "f-$m" "$F/$m"
    done
    cat <<EOF
  - name: github
    base_url: $GH
    client_id: gh-client
    client_secret: "$GH_SECRET"
    allowed_orgs: [other]
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
log_level: debug
EOF
} >"$T/oauth.yml"
flow_lighttpd

SEEN=()
# to_provider: the browser at the provider's $AUTHZ; sets CALLBACK.
to_provider() {
    CALLBACK=$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -A 'Mozilla/5.0 (e2e)' \
        -o /dev/null -w '%{redirect_url}' "$AUTHZ${1:-}")
    SEEN+=("$(param code "$CALLBACK")" "$(param state "$AUTHZ")" "${STATE_COOKIE#*=}")
}
# full PROVIDER [AUTHZ-SUFFIX]: login, provider, callback.
full() {
    oa_login "$1"
    to_provider "${2:-}"
    callback "$CALLBACK"
    SEEN+=("${SESSION#*=}")
}
# still_serving WHAT: /oauth/health and a protected page with the good session.
still_serving() {
    local h
    http_req "$BASE/oauth/health"
    h=$HTTP_STATUS
    http_req "$BASE/app/page" -H "Cookie: $GOOD" -H 'Accept: text/html'
    t_is "$h $HTTP_STATUS $(body_var REMOTE_USER)" "200 200 fault@example.com" \
        "after $1: /oauth/health and the protected page with a session still answer"
}

# ---- a good sign-in first (the session used after every fault) -----------------

full f-ok
t_is "$HTTP_STATUS" 302 "f-ok: the whole flow signs in (302)"
GOOD=$SESSION
t_like "$GOOD" '^oauth2_fcgi=.' "f-ok: a session cookie"
still_serving "the good sign-in"

# ---- the provider cannot be reached / answers badly at discovery -------------------

# login_fault PROVIDER DESC LOG-ERE: /login needs the discovery document: 502.
login_fault() {
    log_mark
    oa_login "$1"
    t_is "$HTTP_STATUS" 502 "$2: /oauth/$1/login answers 502"
    t_like "$HTTP_BODY" 'cannot be reached' "$2: the page says the provider cannot be reached"
    t_is "$STATE_COOKIE" "" "$2: no state cookie"
    t_log "provider $1: endpoints: .*$3" "$2: logged"
    still_serving "$2"
}
login_fault f-down "provider unreachable (closed port)" \
    "HTTP request to 127\\.0\\.0\\.1(:$CLOSED)? failed: Couldn't connect"
login_fault f-dslow "discovery slower than http.timeout (2s)" "failed: Timeout was reached"
login_fault f-d500 "discovery HTTP 500" "discovery: HTTP status 500"
login_fault f-dbadjson "discovery malformed JSON" "discovery: (bad JSON|not JSON)"
login_fault f-dbig "discovery 2 MiB body" "over [0-9]+ bytes"
login_fault f-ca "TLS with an unknown CA" "failed: (SSL|Peer certificate|.*certificate)"

# ---- the token endpoint fails --------------------------------------------------------

# callback_fault PROVIDER DESC STATUS PAGE-ERE LOG-ERE
callback_fault() {
    log_mark
    full "$1"
    t_is "$HTTP_STATUS" "$3" "$2: the callback answers $3"
    t_like "$HTTP_BODY" "$4" "$2: the page says why"
    t_is "$SESSION" "" "$2: no session cookie"
    t_log "provider $1: $5" "$2: logged"
    still_serving "$2"
}
FAILED='answered with an error'
callback_fault f-t500 "token endpoint HTTP 500" 502 "$FAILED" \
    'token endpoint https://127\.0\.0\.1:[0-9]+/t500/token: HTTP 500, error server_error'
callback_fault f-tslow "token endpoint slower than http.timeout (2s)" 502 "$FAILED" \
    'token endpoint .*/tslow/token: .*Timeout was reached'
callback_fault f-tbadjson "token endpoint malformed JSON" 502 "$FAILED" \
    'token endpoint .*/tbadjson/token: .*(bad JSON|not JSON)'
callback_fault f-tbig "token endpoint 2 MiB body" 502 "$FAILED" \
    'token endpoint .*/tbig/token: .*over [0-9]+ bytes'

# ---- crafted id_tokens ---------------------------------------------------------------

NOTVER='could not be verified'
callback_fault f-iss "id_token of another issuer" 502 "$NOTVER" \
    "id_token refused: id_token: iss is not the provider's issuer"
callback_fault f-aud "id_token for another client" 502 "$NOTVER" \
    'id_token refused: id_token: aud does not contain client_id'
callback_fault f-nonce "id_token with another nonce" 502 "$NOTVER" \
    'id_token refused: id_token: nonce missing or wrong'
callback_fault f-expired "expired id_token" 502 "$NOTVER" 'id_token refused: id_token: expired'
callback_fault f-badsig "id_token with a bad signature" 502 "$NOTVER" \
    'id_token refused: id_token: bad signature'
# (alg none's empty signature fails the compact-form check before the alg check)
callback_fault f-none "id_token with alg none" 502 "$NOTVER" \
    'id_token refused: id_token: (alg not allowed|malformed)'
callback_fault f-hs256 "id_token HMAC-signed with the client secret (HS256)" 502 "$NOTVER" \
    'id_token refused: id_token: alg not allowed'

# ---- state -----------------------------------------------------------------------------

oa_login f-ok
to_provider
callback "$CALLBACK"
t_is "$HTTP_STATUS" 302 "a sign-in to replay: 302"
log_mark
http_req "$CALLBACK" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "replayed state (its cookie deleted, as a browser does): 400"
t_like "$HTTP_BODY" 'expired or was already used' "replayed state: the page says so"
t_log 'provider f-ok: callback: no state cookie' "replayed state: logged"
t_unlike "$(log_new)" 'token endpoint' "replayed state: no token request"
still_serving "a replayed state"
log_mark
callback "$CALLBACK"
t_is "$HTTP_STATUS" 400 "replayed state with its cookie kept: 400, a state works once"
t_is "$SESSION" "" "replayed state with its cookie kept: no session"
t_log 'provider f-ok: callback: state already used \(a replay' \
    "replayed state with its cookie kept: logged as a replay"
t_unlike "$(log_new)" 'token endpoint' "replayed state with its cookie kept: no token request"

oa_login f-ok
to_provider
log_mark
callback "$(printf '%s' "$CALLBACK" | sed 's|/oauth/f-ok/callback|/oauth/f-aud/callback|')"
t_is "$HTTP_STATUS" 400 "f-ok's state and code at f-aud's callback: 400"
t_like "$HTTP_BODY" 'expired or was already used' "state from another provider: the page"
t_log 'provider f-aud: callback: state was made for another provider' \
    "state from another provider: logged"
t_unlike "$(log_new)" 'token endpoint' "state from another provider: no token request"
still_serving "a state from another provider"

# ---- who may not sign in -----------------------------------------------------------------

log_mark
full f-unverified
t_is "$HTTP_STATUS" 302 "email_verified \"false\": signed in (302), without the email"
http_req "$BASE/app/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "email_verified \"false\": the email_domains rule refuses: 403"
t_log 'access denied: user f-unverified:fault-user' "email_verified \"false\": logged"

log_mark
full github "&login=bob"
t_is "$HTTP_STATUS" 302 "github bob (primary email not verified): signed in (302)"
http_req "$BASE/app/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "github bob: no verified email, refused: 403"
t_like "$HTTP_BODY" 'github:1002|bob' "github bob: the 403 page names the signed-in user"
t_log 'access denied: user github:1002' "github bob: logged"
still_serving "missing verified email"

log_mark
full github "&login=carol"
t_is "$HTTP_STATUS" 403 "github carol (org not allowed): the callback answers 403"
t_like "$HTTP_BODY" 'not a member of an organization or team allowed here' "github carol: the page"
t_is "$SESSION" "" "github carol: no session cookie"
t_log 'provider github: user carol is not a member of an allowed org or team' "github carol: logged"
still_serving "org not allowed"

# ---- the logs --------------------------------------------------------------------------------

t_no_secrets "no log holds a client secret, code, state, cookie, access token or id_token" \
    "$F_SECRET" "$GH_SECRET" at-FAULT- gho_ "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted (no crash behind lighttpd's respawn)"

t_done
