#!/usr/bin/env bash
# injection.sh - identity headers cannot be forged, through a real
# lighttpd (the shipped contrib/lighttpd/oauth2-fcgi.conf, "mode" =>
# "authorizer" on /app, the echo backend behind it), and in CGI mode:
#   - client headers that mimic the identity (X-Auth-Request-User,
#     X_Auth_Request_User, Variable-REMOTE_USER, variable-remote_user,
#     Remote-User, OAUTH2_USER ...) reach the backend only as HTTP_* (the
#     client's own headers), never as REMOTE_USER / OAUTH2_*; without a
#     session the backend does not run at all;
#   - a session whose name or groups hold CR/LF gives the backend no
#     injected variable (the value is left out);
#   - /oauth/auth and /oauth/userinfo run as CGI with look-alike variables
#     in the environment answer 401 with no identity.
# SECURITY.md checklist rows 21 and 22; tests/unit/test_injection.c covers
# the core.
. "$(dirname "$0")/lib.sh"

need_tool lighttpd curl
need_oa
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
e2e_oa_config

lighttpd_start "$PORT" "$E2E_CONFIG"
BASE=http://127.0.0.1:$PORT

# The backend's variables that carry the forged value but are not the
# client's own headers (HTTP_*): must be none.
forged() {
    printf '%s\n' "$HTTP_BODY" | grep 'evil' | grep -v '^HTTP_'
}

MIMIC=(-H 'X-Auth-Request-User: admin-evil' -H 'x-auth-request-email: admin-evil@example.com'
    -H 'X-AUTH-REQUEST-GROUPS: admins-evil' -H 'Variable-REMOTE_USER: admin-evil'
    -H 'variable-remote_user: admin-evil' -H 'Variable-OAUTH2_GROUPS: admins-evil'
    -H 'Remote-User: admin-evil' -H 'OAUTH2-USER: admin-evil' -H 'Authorization: Basic YWRtaW4tZXZpbDp4')

# 1. No session: the backend never runs, whatever the client claims.
http_req "$BASE/app/page" "${MIMIC[@]}" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "look-alike headers, no session: 302 to sign in"
t_unlike "$HTTP_BODY" 'backend: ok' "look-alike headers, no session: the backend did not run"
t_unlike "$HTTP_HEADERS" '^(Variable-|X-Auth-Request-)' \
    "look-alike headers, no session: no identity header in the answer"
http_req "$BASE/app/api" "${MIMIC[@]}" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 401 "look-alike headers, no session, JSON: 401"
http_req "$BASE/app/page" -H 'Cookie: REMOTE_USER=admin-evil; X-Auth-Request-User=admin-evil' \
    -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "look-alike cookies, no session: 302"

# 2. A real session with look-alike headers: identity is the session's.
c=$(mint --user alice --email alice@example.com --name 'Alice Example' --groups 'ops,dev')
http_req "$BASE/app/page" "${MIMIC[@]}" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "session + look-alike headers: 200"
t_is "$(body_var REMOTE_USER)" alice@example.com "session + look-alikes: REMOTE_USER is alice"
t_is "$(body_var OAUTH2_USER)" alice "session + look-alikes: OAUTH2_USER is alice"
t_is "$(body_var OAUTH2_GROUPS)" ops,dev "session + look-alikes: OAUTH2_GROUPS is the session's"
t_is "$(forged)" "" "session + look-alikes: no variable but HTTP_* carries the forged value"
t_unlike "$HTTP_HEADERS" '^(Variable-|Status:)' \
    "session: no Variable-* or Status header reaches the client"
t_is "$(body_var HTTP_X_AUTH_REQUEST_USER)$(body_var HTTP_REMOTE_USER)" "" \
    "the client's X-Auth-Request-User and Remote-User never reach the backend (the contrib deletes them)"

# Underscores in header names: lighttpd may refuse them (400) or pass them
# as HTTP_*; either way not as identity.
http_req "$BASE/app/page" -H 'X_Auth_Request_User: admin-evil' -H 'REMOTE_USER: admin-evil' \
    -H 'Variable_REMOTE_USER: admin-evil' -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
t_in "$HTTP_STATUS" "200 400" "underscore look-alikes: 200 or refused ($HTTP_STATUS)"
if [ "$HTTP_STATUS" = 200 ]; then
    t_is "$(body_var REMOTE_USER)" alice@example.com "underscore look-alikes: REMOTE_USER is alice"
    t_is "$(forged)" "" "underscore look-alikes: no variable but HTTP_* carries them"
else
    t_unlike "$HTTP_BODY" 'backend: ok' "underscore look-alikes: refused by lighttpd, the backend did not run"
    t_unlike "$HTTP_BODY" 'admin-evil' "underscore look-alikes: the refusal echoes no forged value"
fi

# 3. Claims with CR/LF in the session: left out, nothing injected.
c=$(mint --user alice --email alice@example.com \
    --name $'Eve\r\nREMOTE_USER: admin-evil' --groups $'ops\r\nX-Evil: admin-evil')
t_isnt "$c" "" "mint_cookie seals a session with CR/LF in name and groups"
http_req "$BASE/app/page" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "CR/LF claims: 200"
t_is "$(body_var REMOTE_USER)" alice@example.com "CR/LF claims: REMOTE_USER is alice"
t_is "$(body_var OAUTH2_NAME)" "" "CR/LF claims: OAUTH2_NAME left out"
t_is "$(forged)" "" "CR/LF claims: no variable carries the injected text"
t_unlike "$HTTP_HEADERS" 'evil' "CR/LF claims: nothing injected into the answer's headers"

# 4. CGI mode: /oauth/auth and /oauth/userinfo with look-alikes in the
# environment (as a server would pass client headers) and no session.
cgi() {
    env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET \
        SCRIPT_NAME=/oauth PATH_INFO="$1" REQUEST_URI="/oauth$1" QUERY_STRING= \
        HTTP_HOST=127.0.0.1 SERVER_PORT=80 REMOTE_ADDR=127.0.0.1 HTTP_ACCEPT=application/json \
        HTTP_X_AUTH_REQUEST_USER=admin-evil HTTP_VARIABLE_REMOTE_USER=admin-evil \
        HTTP_REMOTE_USER=admin-evil REMOTE_USER=admin-evil OAUTH2_USER=admin-evil \
        HTTP_COOKIE='X-Auth-Request-User=admin-evil' \
        "$OA_BIN" -c "$E2E_CONFIG" </dev/null 2>"$T/cgi.err" | tr -d '\r'
}
out=$(cgi /auth)
t_like "$out" '^Status: 401' "CGI /oauth/auth with look-alike variables: 401"
t_unlike "$out" 'evil' "CGI /oauth/auth: no forged identity in the answer"
out=$(cgi /userinfo)
t_like "$out" '^Status: 401' "CGI /oauth/userinfo with look-alike variables: 401"
t_unlike "$out" 'evil' "CGI /oauth/userinfo: no forged identity in the answer"

t_done
