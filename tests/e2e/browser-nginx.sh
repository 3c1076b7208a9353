#!/usr/bin/env bash
# browser-nginx.sh - a real browser signs in through nginx: the shipped
# contrib/nginx/oauth2-fcgi.conf (auth_request to /oauth/auth, error_page
# 401 to the program's sign-in redirect, /oauth/ to the responder) with
# only its addresses substituted; the program under spawn-fcgi on
# 127.0.0.1; the provider of tests/idp; an echo application behind
# proxy_pass (tests/e2e/browser/echo-app.js) that shows the identity
# headers nginx set. The walk is tests/e2e/browser.js; before it, curl
# checks that identity headers sent by a client never reach the application.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool nginx spawn-fcgi
browser_need
[ -f /etc/nginx/fastcgi_params ] || skip_all "/etc/nginx/fastcgi_params is missing"
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
APORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
browser_idp "$BASE"
browser_config "$T/oauth.yml" "$BASE"

# A unix socket, as the shipped config recommends.
e2e_bg oauth2-fcgi "$OA_BIN" -s "$T/oa.sock" -c "$T/oauth.yml" -t 4
for _ in $(seq 150); do [ -S "$T/oa.sock" ] && break; sleep 0.1; done
[ -S "$T/oa.sock" ] || bail "oauth2-fcgi did not make its socket $T/oa.sock"
browser_backend_http "$APORT"

# The shipped file, addresses substituted (lib.sh).
nginx_contrib_start "$T/oa.sock" "$APORT" "$PORT"

# curl first: the answers nginx gives without a session.
http_req "$BASE/app/page?x=1" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "no session, page load: 302"
t_like "$(http_header Location)" '/oauth/(sign_in)?\?rd=%2Fapp%2Fpage%3Fx%3D1$|rd=/app/page%3Fx%3D1' \
    "no session: to the sign-in page with rd = the page asked for"
http_req "$BASE/app/api" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 401 "no session, an API call: 401, no redirect"
t_is "$(http_header Location)" "" "... and no Location"
http_req "$BASE/app/page" -H 'Accept: text/html' -H 'X-Auth-Request-User: mallory' \
    -H 'X-Auth-Request-Email: mallory@example.com'
t_is "$HTTP_STATUS" 302 "no session + client X-Auth-Request-* headers: still 302"
http_req "$BASE/oauth/health"
t_is "$HTTP_STATUS" 200 "/oauth/health through nginx: 200"
http_req "$BASE/oauth/sign_in?rd=/app/" -H 'Accept: text/html'
t_like "$HTTP_BODY" 'Corp SSO' "/oauth/sign_in through nginx: the sign-in page"

# The browser walk: the application sees nginx's headers.
browser_run nginx "$BASE" HTTP_X_AUTH_REQUEST_USER HTTP_X_AUTH_REQUEST_EMAIL

# A real session (minted with the test's key) and forged identity headers:
# the application sees the session's identity only.
if [ -x "$top_builddir/tests/tools/mint_cookie" ]; then
    c=$("$top_builddir/tests/tools/mint_cookie" -c "$T/oauth.yml" --user alice \
        --email alice@example.com)
    http_req "$BASE/app/page" -H "Cookie: oauth2_fcgi=$c" -H 'Accept: text/html' \
        -H 'X-Auth-Request-User: mallory' -H 'X-Auth-Request-Email: mallory@example.com' \
        -H 'X-Auth-Request-Preferred-Username: mallory' -H 'X-Forwarded-User: mallory'
    t_is "$HTTP_STATUS" 200 "a session: 200"
    t_is "$(body_var HTTP_X_AUTH_REQUEST_USER)" alice@example.com \
        "client X-Auth-Request-User is replaced by the session's"
    t_is "$(body_var HTTP_X_AUTH_REQUEST_EMAIL)" alice@example.com \
        "client X-Auth-Request-Email is replaced by the session's"
    t_is "$(body_var HTTP_X_AUTH_REQUEST_PREFERRED_USERNAME)" alice \
        "client X-Auth-Request-Preferred-Username is replaced"
    t_is "$(body_var HTTP_X_FORWARDED_USER)" alice@example.com "client X-Forwarded-User is replaced"
    t_unlike "$HTTP_BODY" mallory "nothing the client claimed reaches the application"
    c=$("$top_builddir/tests/tools/mint_cookie" -c "$T/oauth.yml" --user bob \
        --email bob@elsewhere.org)
    http_req "$BASE/app/page" -H "Cookie: oauth2_fcgi=$c" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 403 "a session the access rules refuse: 403"
    t_unlike "$HTTP_BODY" 'backend: ok' "403: the application did not run"
fi
t_done
