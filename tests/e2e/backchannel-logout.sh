#!/usr/bin/env bash
# backchannel-logout.sh - OpenID Connect Back-Channel Logout 1.0 end to end:
# a real lighttpd running oauth2-fcgi (the shipped config: 2 responder and
# 4 authorizer processes sharing session.revocation_file) and the real
# oidc-provider (tests/idp/provider.js with OIDC_BACKCHANNEL_URI). When the
# user signs out at the provider (tests/idp/login.js --end-session: its
# confirmation form, logout=yes), the provider POSTs a signed logout token
# to /oauth/<p>/backchannel-logout, and the session it names is refused by
# every authorizer process within a second:
#   corp      client with backchannel_logout_session_required: the token
#             has sid, that provider session's cookies die, another
#             session of the same user (another provider session) and
#             bob's live;
#   corp-sub  client without it: the token has only sub, every corp-sub
#             session of alice sealed before it dies, a new sign-in works.
# Then forged and malformed tokens (signed with tests/idp/sign.js: the
# provider's own key, a foreign key, none): each is 400 invalid_request
# with one log line naming the check, and a replayed jti too. No token in
# any log. Everything on 127.0.0.1.
. "$(dirname "$0")/flowlib.sh"

flow_init
need_oidc_provider

CB=$BASE/oauth
export OIDC_REDIRECT_URIS="$CB/corp/callback $CB/corp-sub/callback"
export OIDC_BACKCHANNEL_URI="$CB/corp/backchannel-logout"
export OIDC_BACKCHANNEL_SID=1
export OIDC_SIGNING_KEYS_FILE=$T/op-keys.json
export OIDC_CLIENTS='[
 {"client_id": "bc-sid", "client_secret": "bc-sid-secret-5c1e"},
 {"client_id": "bc-sub", "client_secret": "bc-sub-secret-9d2f",
  "backchannel_logout_uri": "'"$CB"'/corp-sub/backchannel-logout",
  "backchannel_logout_session_required": false}]'
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1
IDP_LOG=$T/provider.log

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    issuer: $IDP
    client_id: bc-sid
    client_secret: bc-sid-secret-5c1e
    scope: "openid email profile groups"
  - name: corp-sub
    issuer: $IDP
    client_id: bc-sub
    client_secret: bc-sub-secret-9d2f
    scope: "openid email profile groups"
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 1h
  revocation_file: $T/revocations
http:
  ca_file: $T/tls/ca.pem
  timeout: 10s
log: stderr
log_level: debug
EOF
flow_lighttpd

SEEN=()

# sign_in PROVIDER USER JAR: a whole sign-in as one browser (the provider's
# cookies in JAR); sets SESSION.
sign_in() {
    local cb
    oa_login "$1"
    cb=$(node "$top_srcdir/tests/idp/login.js" --ca "$T/tls/ca.pem" --user "$2" --jar "$3" \
        "$AUTHZ" 2>"$T/login.err")
    [ -n "$cb" ] || t_diag "login.js: $(cat "$T/login.err")"
    callback "$cb"
    SEEN+=("${SESSION#*=}" "$(param code "$cb")")
}

# end_session JAR: the user of JAR signs out at the provider (logout=yes).
end_session() {
    node "$top_srcdir/tests/idp/login.js" --ca "$T/tls/ca.pem" --jar "$1" --end-session \
        "$IDP/session/end" 2>"$T/logout.err" || t_diag "login.js: $(cat "$T/logout.err")"
}

# page and refused_within: flowlib.sh.

# ---- sid: the provider session ends, its sessions die --------------------------

sign_in corp alice "$T/alice1.jar"
A1=$SESSION
t_is "$(page "$A1")" 200 "alice (provider session 1) signs in at corp"
sign_in corp alice "$T/alice2.jar"
A2=$SESSION
t_is "$(page "$A2")" 200 "alice (provider session 2, another browser) signs in at corp"
sign_in corp bob "$T/bob.jar"
B=$SESSION
t_is "$(page "$B")" 200 "bob signs in at corp"

log_mark
out=$(end_session "$T/alice1.jar")
t_like "$out" '^30[23] ' "alice signs out at the provider (session 1)"
for _ in $(seq 1 30); do
    grep -q 'backchannel\.' "$IDP_LOG" && break
    sleep 0.1
done
t_like "$(grep 'backchannel\.' "$IDP_LOG")" 'backchannel\.success bc-sid' \
    "the provider's back-channel logout POST was taken (200)"
refused_within "$A1" "alice's session 1 after the back-channel logout (sid)"
t_log 'provider corp: back-channel logout: provider session revoked' "... logged"
t_is "$(page "$A2")" 200 "alice's other provider session still works"
t_is "$(page "$B")" 200 "bob still works"

# ---- sub only: every session of the user so far ---------------------------------

sign_in corp-sub alice "$T/sub1.jar"
S1=$SESSION
t_is "$(page "$S1")" 200 "alice signs in at corp-sub (no sid in its tokens)"
sign_in corp-sub alice "$T/sub2.jar"
S2=$SESSION
t_is "$(page "$S2")" 200 "alice signs in at corp-sub again (another provider session)"
sleep 1.1 # the token's iat is the cutoff, to the second
log_mark
out=$(end_session "$T/sub1.jar")
t_like "$out" '^30[23] ' "alice signs out at the provider (the corp-sub session)"
refused_within "$S1" "corp-sub session 1 after a sub-only logout token"
refused_within "$S2" "corp-sub session 2 (sealed before the token) too"
t_log 'provider corp-sub: back-channel logout: user revoked' "... logged"
t_is "$(page "$A2")" 200 "alice's corp session is not corp-sub's user: still works"
sign_in corp-sub alice "$T/sub3.jar"
t_is "$(page "$SESSION")" 200 "a new corp-sub sign-in after the logout works"

# ---- forged, malformed and replayed tokens --------------------------------------

# token CLAIMS-OVERRIDES [sign.js options]: a logout token for corp (valid
# unless overridden: jq-like merge done by node).
token() {
    local over=$1 now claims
    shift
    now=$(date +%s)
    claims=$(node -e '
        const c = {iss: process.argv[1], aud: "bc-sid", iat: Number(process.argv[2]),
                   exp: Number(process.argv[2]) + 120, jti: "j-" + Math.random().toString(36).slice(2),
                   sid: "sid-" + Math.random().toString(36).slice(2),
                   events: {"http://schemas.openid.net/event/backchannel-logout": {}}};
        for (const [k, v] of Object.entries(JSON.parse(process.argv[3]))) {
            if (v === null) delete c[k]; else c[k] = v;
        }
        console.log(JSON.stringify(c));' "$IDP" "$now" "$over")
    node "$top_srcdir/tests/idp/sign.js" --keys "$OIDC_SIGNING_KEYS_FILE" "$@" "$claims"
}

# post TOKEN: POSTs logout_token=TOKEN to corp's endpoint.
post() {
    SEEN+=("$1")
    http_req "$CB/corp/backchannel-logout" -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-raw "logout_token=$1"
}

# refused DESC ERE TOKEN: 400 invalid_request, exactly one log line naming ERE.
refused() {
    log_mark
    post "$3"
    t_is "$HTTP_STATUS" 400 "$1: 400"
    t_is "$HTTP_BODY" '{"error":"invalid_request"}' "$1: invalid_request"
    t_log "back-channel logout refused: .*$2" "$1: logged ($2)"
    t_is "$(log_new | grep -c 'back-channel logout')" 1 "$1: one log line"
}

good=$(token '{}' --typ logout+jwt)
post "$good"
t_is "$HTTP_STATUS" 200 "a token signed with the provider's key: 200"
t_is "$HTTP_BODY" "" "... empty body"
t_like "$HTTP_HEADERS" '[Cc]ache-[Cc]ontrol: no-store' "... no-store"
refused "the same token again (replayed jti)" 'jti already used' "$good"
refused "a foreign key under the provider's kid" 'bad signature' "$(token '{}' --foreign)"
refused "alg none" 'alg|malformed' "$(token '{}' --alg none)"
refused "alg none with a signature" 'alg not allowed' "$(token '{}' --alg none)AAAA"
refused "a nonce" 'nonce' "$(token '{"nonce":"n-1"}')"
refused "no events" 'events' "$(token '{"events":null}')"
refused "wrong aud" 'aud' "$(token '{"aud":"bc-sub"}')"
refused "another issuer" 'iss' "$(token '{"iss":"https://evil.example"}')"
refused "neither sub nor sid" 'neither sub nor sid' "$(token '{"sid":null}')"
refused "typ at+jwt" 'typ' "$(token '{}' --typ at+jwt)"
refused "an old token" 'iat too old' "$(token '{"iat":1000000000,"exp":null}')"
log_mark
http_req "$CB/corp/backchannel-logout" -H 'Content-Type: application/json' \
    --data-raw "{\"logout_token\":\"$good\"}"
t_is "$HTTP_STATUS" 400 "a JSON body: 400"
http_req "$CB/corp/backchannel-logout?logout_token=$good"
t_is "$HTTP_STATUS" 405 "a GET: 405"

# ---- logs -----------------------------------------------------------------------

t_no_secrets "no log holds a session cookie, code or logout token" "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted"

t_done
