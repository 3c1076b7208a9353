#!/usr/bin/env bash
# refresh-oidc.sh - <base_path>/refresh (DESIGN.md 14.4) through a real
# lighttpd running oauth2-fcgi and a real oidc-provider
# (tests/idp/provider.js with OIDC_REFRESH=1 OIDC_ROTATE=1: refresh tokens
# for offline_access, a new one at every refresh; OIDC_ACCOUNTS_FILE: the
# accounts' groups and "disabled", read at every lookup).
#   corp   offline_access: true  -> sign-in with prompt=consent gets a refresh
#          token, kept in the token cookie (Path=/oauth/); refresh_after 3s
#   corp2  a client without the refresh grant -> /refresh goes through the
#          browser with prompt=none (login.js --jar keeps the provider's cookies)
# Checked: a stale page load -> 302 /oauth/refresh?rd -> 302 rd with a new
# session and a rotated token cookie, the provider's login page not shown
# again; the old cookie still serves API calls; groups changed at the
# provider reach /userinfo and the access rules (admins-only now 403); POST
# from our origin -> 204, from elsewhere 403; prompt=none with the jar ->
# refreshed, with an empty jar -> login_required -> to the provider's
# login; alice disabled -> the sign-out page, both cookies deleted, the
# old cookie refused by the authorizer process (session.revocation_file); the
# provider stopped -> deferred (the page served, no loop). No secret in any log.
. "$(dirname "$0")/flowlib.sh"

flow_init
need_oidc_provider

CB=$BASE/oauth
SECRET='refresh-e2e-secret-51c2'
export OIDC_REDIRECT_URIS="$CB/corp/callback $CB/corp2/callback"
export OIDC_CLIENT_ID=rf-client OIDC_CLIENT_SECRET=$SECRET
export OIDC_CLIENTS='[{"client_id": "rf-nogrant", "client_secret": "refresh-e2e-secret-51c2",
  "grant_types": ["authorization_code"]}]'
export OIDC_REFRESH=1 OIDC_ROTATE=1 OIDC_ACCOUNTS_FILE=$T/accounts.json
echo '{}' >"$OIDC_ACCOUNTS_FILE"
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    issuer: $IDP
    client_id: rf-client
    client_secret: "$SECRET"
    scope: "openid email profile groups"
    offline_access: true
  - name: corp2
    issuer: $IDP
    client_id: rf-nogrant
    client_secret: "$SECRET"
    scope: "openid email profile groups"
# every group the provider sends, as the test reads them all (roles-map.sh: the trimming)
keep_groups: ["*"]
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 60s
  refresh_after: 3s
  revocation_file: $T/revocations
http:
  ca_file: $T/tls/ca.pem
  timeout: 3s
access:
  - path: /app/admin/
    groups: [admins]
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF
flow_lighttpd

SEEN=()
interactions() { grep -c '^GET /interaction/' "$T/provider.log"; }
tokens() { grep -c '^POST /token' "$T/provider.log"; }

# login_js JAR URL: the provider's pages (or none, prompt=none) for URL.
login_js() {
    node "$top_srcdir/tests/idp/login.js" --ca "$T/tls/ca.pem" --user alice --jar "$1" "$2" \
        2>"$T/login.err"
}

# sign_in PROVIDER JAR: a whole sign-in; sets SESSION and TOK.
sign_in() {
    oa_login "$1" /app/page
    CALLBACK=$(login_js "$2" "$AUTHZ")
    callback "$CALLBACK"
    TOK=$(set_cookie 'oauth2_fcgi_tok=')
    TOK_ATTRS=$(printf '%s\n' "$HTTP_HEADERS" | grep -i '^set-cookie: oauth2_fcgi_tok=' | head -n 1)
    SEEN+=("$(param code "$CALLBACK")" "${SESSION#*=}" "${TOK#*=}")
}

jar() { printf '%s' "$SESSION${TOK:+; $TOK}"; }

# refresh_get: GET /oauth/refresh?rd=/app/page with the browser's cookies;
# takes the new cookies (a deletion empties them).
refresh_get() {
    http_req "$CB/refresh?rd=%2Fapp%2Fpage" -H "Cookie: $(jar)" -H 'Accept: text/html' \
        -H 'Sec-Fetch-Mode: navigate' -H 'Sec-Fetch-Site: same-origin'
    take_cookies
}

take_cookies() {
    local s t
    s=$(printf '%s\n' "$HTTP_HEADERS" | sed -n 's/^[Ss]et-[Cc]ookie: *\(oauth2_fcgi=[^;]*\).*/\1/p' | head -n 1)
    t=$(printf '%s\n' "$HTTP_HEADERS" | sed -n 's/^[Ss]et-[Cc]ookie: *\(oauth2_fcgi_tok=[^;]*\).*/\1/p' | head -n 1)
    [ -z "$s" ] || SESSION=$s
    [ -z "$t" ] || TOK=$t
    [ "$SESSION" != "oauth2_fcgi=" ] || SESSION=
    [ "$TOK" != "oauth2_fcgi_tok=" ] || TOK=
    SEEN+=("${SESSION#*=}" "${TOK#*=}")
}

# page PATH: a page load with the session (the token cookie's Path keeps it
# away from the application: a browser would not send it here).
page() {
    http_req "$BASE$1" -H "Cookie: $SESSION" -H 'Accept: text/html' -H 'Sec-Fetch-Mode: navigate'
}

# ---- sign in with a refresh token ---------------------------------------
sign_in corp "$T/jar.json"
t_like "$AUTHZ" '[?&]prompt=consent' "offline_access: the sign-in asks for consent"
t_like "$AUTHZ" 'scope=[^&]*offline_access' "offline_access: the scope asks for it"
t_like "$SESSION" '^oauth2_fcgi=.' "signed in"
t_like "$TOK" '^oauth2_fcgi_tok=.' "the refresh token is kept in the token cookie"
t_like "$TOK_ATTRS" '; *Path=/oauth/' "the token cookie is under base_path (the application never gets it)"
t_like "$TOK_ATTRS" '; *HttpOnly' "the token cookie is HttpOnly"
page /app/page
t_is "$HTTP_STATUS" 200 "fresh session: the page answers 200"
OLD_SESSION=$SESSION
OLD_TOK=$TOK

# ---- stale: a page load goes through /refresh ----------------------------
sleep 4
page /app/page
t_is "$HTTP_STATUS" 302 "stale session, page load: 302"
t_like "$(http_header Location)" '/oauth/refresh\?rd=' "to /oauth/refresh with rd"
BEFORE_I=$(interactions)
BEFORE_T=$(tokens)
log_mark
refresh_get
t_is "$HTTP_STATUS" 302 "/oauth/refresh: 302"
t_like "$(http_header Location)" '/app/page$' "back to rd"
t_isnt "$SESSION" "$OLD_SESSION" "a new session cookie"
t_isnt "$TOK" "$OLD_TOK" "rotation: a new refresh token in the token cookie"
t_is "$(tokens)" "$((BEFORE_T + 1))" "one refresh_token grant at the provider"
t_is "$(interactions)" "$BEFORE_I" "the provider's login page not shown again"
t_log 'refreshed \(refresh token\)' "the log says refreshed"
page /app/page
t_is "$HTTP_STATUS" 200 "the refreshed session serves the page"

http_req "$BASE/app/page" -H "Cookie: $OLD_SESSION" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 200 "the old (stale) cookie still serves API calls until exp"

# ---- new groups reach the session and the rules ---------------------------
# (API calls: the rules apply to them whether or not the session is stale by now)
api() { http_req "$BASE$1" -H "Cookie: $SESSION" -H 'Accept: application/json'; }
api /app/admin/x
t_is "$HTTP_STATUS" 200 "alice is in admins: /app/admin/ 200"
echo '{"alice":{"groups":["staff","auditors"]}}' >"$OIDC_ACCOUNTS_FILE"
sleep 4
refresh_get
t_is "$HTTP_STATUS" 302 "second refresh (with the rotated token): 302"
http_req "$CB/userinfo" -H "Cookie: $SESSION" -H 'Accept: application/json'
t_like "$HTTP_BODY" '"auditors"' "/userinfo shows the provider's new groups"
t_unlike "$HTTP_BODY" '"admins"' "... and not the old ones"
api /app/admin/x
t_is "$HTTP_STATUS" 403 "no longer in admins: /app/admin/ 403"

# ---- POST from a script ----------------------------------------------------
sleep 4
http_req "$CB/refresh" --data-raw "" -H "Cookie: $(jar)" -H "Origin: http://evil.example" \
    -H 'Accept: application/json'
t_is "$HTTP_STATUS" 403 "POST /oauth/refresh from another origin: 403"
http_req "$CB/refresh" --data-raw "" -H "Cookie: $(jar)" -H "Origin: $BASE" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 204 "POST /oauth/refresh from our origin: 204"
t_like "$(set_cookie 'oauth2_fcgi=')" '^oauth2_fcgi=.' "... with the new session cookie"
take_cookies
http_req "$CB/refresh" --data-raw "" -H "Cookie: $SESSION" -H "Origin: $BASE" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 204 "POST when not stale: 204 without asking the provider"

# ---- a client without the refresh grant: prompt=none ------------------------
SAVED_SESSION=$SESSION SAVED_TOK=$TOK
TOK=
sign_in corp2 "$T/jar.json"
t_is "$TOK" "" "corp2 (no refresh grant): no token cookie"
sleep 4
BEFORE_I=$(interactions)
refresh_get
t_is "$HTTP_STATUS" 302 "corp2 stale: /oauth/refresh answers 302"
t_like "$(http_header Location)" '[?&]prompt=none' "to the provider with prompt=none"
AUTHZ=$(http_header Location)
STATE_COOKIE=$(set_cookie 'oauth2_fcgi_state_')
CALLBACK=$(login_js "$T/jar.json" "$AUTHZ")
t_like "$CALLBACK" '[?&]code=' "the provider answers at once (signed in there)"
http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE; $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "callback of the refresh: 302"
t_like "$(http_header Location)" '/app/page$' "... to rd"
take_cookies
t_is "$(interactions)" "$BEFORE_I" "no login page shown"
page /app/page
t_is "$HTTP_STATUS" 200 "the refreshed corp2 session serves the page"

sleep 4
refresh_get
AUTHZ=$(http_header Location)
STATE_COOKIE=$(set_cookie 'oauth2_fcgi_state_')
CALLBACK=$(login_js "$T/empty-jar.json" "$AUTHZ")
t_like "$CALLBACK" 'error=login_required' "an empty jar: the provider answers login_required"
http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE; $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "callback: 302"
t_like "$(http_header Location)" '^/oauth/corp2/login\?rd=' "to the provider's login, rd kept"
t_like "$(printf '%s\n' "$HTTP_HEADERS" | grep -i '^set-cookie: oauth2_fcgi=')" 'Max-Age=0' \
    "the session is cleared"

# ---- alice disabled: signed out ---------------------------------------------
SESSION=$SAVED_SESSION TOK=$SAVED_TOK
echo '{"alice":{"disabled":true}}' >"$OIDC_ACCOUNTS_FILE"
sleep 4
DISABLED_SESSION=$SESSION
log_mark
refresh_get
t_is "$HTTP_STATUS" 403 "alice disabled: 403"
t_like "$HTTP_BODY" 'You were signed out: corp no longer accepts this account' "the sign-out page"
t_like "$(printf '%s\n' "$HTTP_HEADERS" | grep -i '^set-cookie: oauth2_fcgi=')" 'Max-Age=0' \
    "session cookie deleted"
t_like "$(printf '%s\n' "$HTTP_HEADERS" | grep -i '^set-cookie: oauth2_fcgi_tok=')" 'Max-Age=0' \
    "token cookie deleted"
t_log 'no longer accepts subject alice' "the log says why"
# the authorizer is another process: the revocation reaches it through the file (< 1 s)
for _ in $(seq 1 20); do
    http_req "$BASE/app/page" -H "Cookie: $DISABLED_SESSION" -H 'Accept: application/json'
    [ "$HTTP_STATUS" != 401 ] || break
    sleep 0.1
done
t_is "$HTTP_STATUS" 401 "the old cookie is refused by the authorizer (its session id revoked)"

# ---- the provider down: deferred, no loop -------------------------------------
echo '{}' >"$OIDC_ACCOUNTS_FILE"
TOK=
sign_in corp "$T/jar.json"
sleep 4
kill "$(cat "$T/provider.peer-pid")" 2>/dev/null
sleep 0.5
log_mark
refresh_get
t_is "$HTTP_STATUS" 302 "provider down: /oauth/refresh still answers 302"
t_like "$(http_header Location)" '/app/page$' "... to rd (deferred)"
t_log 'deferred' "the log says deferred"
page /app/page
t_is "$HTTP_STATUS" 200 "the deferred session serves the page (no loop back to /refresh)"

t_no_secrets "no code, cookie or token in any log" "$SECRET" "${SEEN[@]}"
t_done
