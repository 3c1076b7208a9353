#!/usr/bin/env bash
# cognito-flow.sh - "Sign in with Amazon Cognito" configured exactly as CVAT
# documents it: the provider entry names amazon-cognito and nothing else;
# SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN, _CLIENT_ID and _CLIENT_SECRET come from
# the environment. No issuer, no user pool id: the id_token cannot be
# checked, so the identity is Cognito's userInfo, called with the access
# token of the token endpoint (as CVAT / social-core do). Through a real
# lighttpd running oauth2-fcgi (authorizer on /app, responder on /oauth) and
# the Cognito stand-in (tests/standin/cognito.js: /oauth2/authorize,
# /oauth2/token, /oauth2/userInfo, /logout; https with a throwaway CA).
#   dave  email_verified "true": signed in with his email, passes the
#         email_domains rule
#   erin  email_verified "false" (a string, as Cognito's userInfo sends it):
#         signed in WITHOUT an email, so the email_domains rule refuses her
. "$(dirname "$0")/flowlib.sh"

flow_init

COG_SECRET='cog-secret-e2e-5d21'
export COGNITO_CLIENT_ID=cog-e2e-client COGNITO_CLIENT_SECRET=$COG_SECRET
export COGNITO_REDIRECT_URI=$BASE/oauth/amazon-cognito/callback
COG=$(start_peer cognito node tests/standin/cognito.js --tls "$T/tls") || exit 1
# CVAT's variables, inherited by lighttpd and the oauth2-fcgi it spawns
export SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN=$COG
export SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID=cog-e2e-client
export SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET=$COG_SECRET

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: amazon-cognito
allow_http_redirect: true
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
http:
  ca_file: $T/tls/ca.pem
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF
flow_lighttpd
t_like "$(cat "$T/check.out")" 'identity: userInfo with the access token' \
    "--check-config says the identity comes from userInfo (no issuer)"
t_like "$(cat "$T/check.out")" "userinfo_url: $COG/oauth2/userInfo" \
    "--check-config: userInfo at <domain>/oauth2/userInfo"

SEEN=()
# cog_sign_in USER: login, the stand-in's authorize as USER, callback.
cog_sign_in() {
    oa_login amazon-cognito
    local cb
    cb=$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -o /dev/null -w '%{redirect_url}' \
        "$AUTHZ&login=$1")
    CALLBACK=$cb
    callback "$cb"
    SEEN+=("$(param code "$cb")" "$(param state "$AUTHZ")" "${STATE_COOKIE#*=}" "${SESSION#*=}")
}

# ---- dave --------------------------------------------------------------------------

http_req "$BASE/app/page" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "no session: the protected URL answers 302"
t_like "$(http_header Location)" '/oauth/amazon-cognito/login\?rd=' "to the only provider's login"

oa_login amazon-cognito
t_is "$HTTP_STATUS" 302 "/oauth/amazon-cognito/login answers 302"
t_like "$AUTHZ" "^$COG/oauth2/authorize\\?response_type=code&client_id=cog-e2e-client&" \
    "to <domain>/oauth2/authorize with the client id from SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID"
t_like "$AUTHZ" 'code_challenge_method=S256' "PKCE S256"

log_mark
cog_sign_in dave
t_like "$CALLBACK" "^$BASE/oauth/amazon-cognito/callback\\?code=" "the stand-in sends the browser back with a code"
t_is "$HTTP_STATUS" 302 "dave: the callback answers 302 (signed in)"
t_is "$(http_header Location)" /app/page?x=1 "dave: back to rd"
t_like "$SESSION" '^oauth2_fcgi=.' "dave: a session cookie"
t_log 'provider amazon-cognito: signed in subject 5f1c0d2e-0000-4000-8000-00000000000d \(dave\)' \
    "dave: the log says he signed in"
t_unlike "$(log_new)" 'no issuer, JWKS' "no 'no issuer, JWKS' failure"
DAVE=$SESSION

http_req "$BASE/app/page?x=1" -H "Cookie: $DAVE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "dave: the authorizer lets the session through: 200"
t_is "$(body_var REMOTE_USER)" dave@example.com "dave: REMOTE_USER is the verified email"
t_is "$(body_var OAUTH2_EMAIL)" dave@example.com "dave: OAUTH2_EMAIL"
t_is "$(body_var OAUTH2_USER)" dave "dave: OAUTH2_USER is Cognito's username"
t_is "$(body_var OAUTH2_SUB)" 5f1c0d2e-0000-4000-8000-00000000000d "dave: OAUTH2_SUB is the sub"
t_is "$(body_var OAUTH2_NAME)" 'Dave Example' "dave: OAUTH2_NAME"
t_is "$(body_var OAUTH2_PROVIDER)" amazon-cognito "dave: OAUTH2_PROVIDER"

# ---- erin: email_verified "false" ------------------------------------------------------

log_mark
cog_sign_in erin
t_is "$HTTP_STATUS" 302 "erin: signed in"
ERIN=$SESSION
http_req "$BASE/oauth/userinfo" -H "Cookie: $ERIN" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 200 "erin: /oauth/userinfo answers 200"
t_like "$HTTP_BODY" '"email": ""' "erin: email_verified \"false\" (a string): no email in the session"
t_like "$HTTP_BODY" '"user": "erin"' "erin: the username"
http_req "$BASE/app/page" -H "Cookie: $ERIN" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "erin: no verified email, the email_domains rule refuses: 403"
t_unlike "$HTTP_BODY" 'REMOTE_USER=' "erin: the backend did not run"

# ---- replay, logout ----------------------------------------------------------------------

log_mark
http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "erin's callback replayed with its state cookie: 400, a state works once"
t_log 'callback: state already used \(a replay' "... logged as a replay"
t_unlike "$(log_new)" 'token endpoint' "... and no token request"
# erin's used code under a fresh state: Cognito itself refuses it
USED_CODE=$(param code "$CALLBACK")
oa_login amazon-cognito
log_mark
http_req "$BASE/oauth/amazon-cognito/callback?code=$USED_CODE&state=$(param state "$AUTHZ")" \
    -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 502 "the used code under a fresh state: Cognito refuses it (502)"
t_log 'token endpoint .*: HTTP 400, error invalid_grant' "... logged as invalid_grant"

http_req "$BASE/oauth/logout" -X POST -H "Cookie: $DAVE" -H "Origin: $BASE" \
    -H 'Content-Type: application/x-www-form-urlencoded' --data 'rd=%2Fbye'
t_is "$HTTP_STATUS" 302 "logout (a same-origin POST): 302"
t_like "$(http_header Location)" "^$COG/logout\\?client_id=cog-e2e-client&logout_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A$PORT%2Fbye" \
    "logout: to <domain>/logout with client_id and logout_uri"
t_like "$HTTP_HEADERS" "[Ss]et-[Cc]ookie: oauth2_fcgi=;" "logout: the session cookie is cleared"
loc=$(http_header Location)
t_is "$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -o /dev/null -w '%{http_code} %{redirect_url}' "$loc")" \
    "302 http://127.0.0.1:$PORT/bye" "the stand-in's /logout sends the browser back to logout_uri"

t_no_secrets "no log holds the client secret, a code, a state, a cookie or a token" \
    "$COG_SECRET" "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted"

t_done
