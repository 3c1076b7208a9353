#!/usr/bin/env bash
# revoke-cli.sh - `oauth2-fcgi --revoke WHO` against a running service: a
# real lighttpd with oauth2-fcgi (the shipped config: 2 responder and 4
# authorizer processes) sharing session.revocation_file, sessions made by
# real sign-ins at the real oidc-provider. Each form of WHO is refused by
# every process within a second:
#   alice@example.com  every session of that email so far (a later sign-in lives)
#   corp:bob           every session of that provider's user so far
#   <session id>       that session (from /oauth/userinfo), for good
# /logout revokes the session it ends: a copy of the cookie is refused too.
# And the command's errors: no store configured (2), a WHO of no form (2,
# the three forms listed), a store that cannot be written (1).
. "$(dirname "$0")/flowlib.sh"

flow_init
need_oidc_provider

CB=$BASE/oauth
export OIDC_REDIRECT_URIS="$CB/corp/callback"
export OIDC_CLIENTS='[{"client_id": "rv-client", "client_secret": "rv-secret-77ab"}]'
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1

make_key "$T/session.key"
config() { # config REVOCATION-LINE: the config, with that session line
    cat <<EOF
providers:
  - name: corp
    issuer: $IDP
    client_id: rv-client
    client_secret: rv-secret-77ab
    scope: "openid email profile groups"
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 1h
$1
http:
  ca_file: $T/tls/ca.pem
  timeout: 10s
log: stderr
log_level: debug
EOF
}
config "  revocation_file: $T/revocations" >"$T/oauth.yml"
flow_lighttpd

SEEN=()

# sign_in USER: a whole sign-in at corp in a fresh browser; sets SESSION.
sign_in() {
    local cb
    oa_login corp
    cb=$(node "$top_srcdir/tests/idp/login.js" --ca "$T/tls/ca.pem" --user "$1" "$AUTHZ" \
        2>"$T/login.err")
    [ -n "$cb" ] || t_diag "login.js: $(cat "$T/login.err")"
    callback "$cb"
    SEEN+=("${SESSION#*=}")
}

# page and refused_within: flowlib.sh.

# revoke WHO [CONFIG]: runs --revoke; sets RC, OUT (stdout), ERR (stderr).
revoke() {
    OUT=$("$OA_BIN" -c "${2:-$T/oauth.yml}" --revoke "$1" 2>"$T/revoke.err")
    RC=$?
    ERR=$(cat "$T/revoke.err")
}

# ---- the command's errors ---------------------------------------------------

config "" >"$T/nostore.yml"
revoke alice@example.com "$T/nostore.yml"
t_is "$RC" 2 "no revocation_file nor store: exit 2"
t_like "$ERR" 'session\.revocation_file or session\.store' "... saying what is missing"
for who in alice nope:alice corp: @example.com 'a b@example.com' AAAAAAAAAAAAAAAAAAAAA; do
    revoke "$who"
    t_is "$RC" 2 "--revoke '$who': exit 2"
    t_like "$ERR" 'PROVIDER:SUBJECT.*22 base64url' "--revoke '$who': the three forms listed"
done
"$OA_BIN" --revoke x --check-config >/dev/null 2>&1
t_is "$?" 2 "--revoke with --check-config: a usage error"
mkdir "$T/revdir"
config "  revocation_file: $T/revdir" >"$T/baddir.yml"
revoke alice@example.com "$T/baddir.yml"
t_is "$RC" 1 "a store that cannot be written (a directory): exit 1"
t_like "$ERR" "$T/revdir" "... naming it"

# ---- an email: every session of it so far ----------------------------------

sign_in alice
A1=$SESSION
sign_in alice
A2=$SESSION
sign_in bob
B1=$SESSION
t_is "$(page "$A1")$(page "$A2")$(page "$B1")" 200200200 "alice (twice) and bob signed in"
revoke alice@example.com
t_is "$RC" 0 "--revoke alice@example.com: exit 0"
t_is "$OUT" "revoked alice@example.com (email) in $T/revocations" "... says what and where"
refused_within "$A1" "alice's first session"
refused_within "$A2" "alice's second session"
t_is "$(page "$B1")" 200 "bob still works"
sleep 1.1 # the cutoff is the revocation's second
sign_in alice
t_is "$(page "$SESSION")" 200 "alice signs in again afterwards: works"
A3=$SESSION

# ---- a provider's user --------------------------------------------------------

revoke corp:bob
t_is "$RC" 0 "--revoke corp:bob: exit 0"
t_is "$OUT" "revoked corp:bob (user) in $T/revocations" "... says what and where"
refused_within "$B1" "bob's session"
t_is "$(page "$A3")" 200 "alice's new session still works"

# ---- a session id -------------------------------------------------------------

http_req "$BASE/oauth/userinfo" -H "Cookie: $A3" -H 'Accept: application/json'
sid=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"session": *"\([A-Za-z0-9_-]\{22\}\)".*/\1/p')
t_like "$sid" '^[A-Za-z0-9_-]{22}$' "/oauth/userinfo gives the session's id"
sleep 1.1
sign_in alice
A4=$SESSION
revoke "$sid"
t_is "$RC" 0 "--revoke <session id>: exit 0"
t_is "$OUT" "revoked $sid (session) in $T/revocations" "... says what and where"
refused_within "$A3" "that session"
t_is "$(page "$A4")" 200 "alice's other session (signed in later) still works"

# ---- /logout revokes the session it ends ----------------------------------------

copy=$A4
http_req "$BASE/oauth/logout" -H "Cookie: $A4" -H 'Accept: text/html' \
    -H "Origin: $BASE" -H 'Sec-Fetch-Site: same-origin' \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-raw 'rd=%2F'
t_is "$HTTP_STATUS" 302 "logout: 302"
t_like "$HTTP_HEADERS" '[Ss]et-[Cc]ookie: oauth2_fcgi=;' "logout: the cookie is cleared"
refused_within "$copy" "a copy of the signed-out session's cookie"

# ---- logs -----------------------------------------------------------------------

t_no_secrets "no log holds a session cookie" "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted"

t_done
