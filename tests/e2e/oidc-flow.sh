#!/usr/bin/env bash
# oidc-flow.sh - the whole sign-in through a real lighttpd running
# oauth2-fcgi (authorizer on /app, responder on /oauth) and a real,
# certified OpenID provider: panva's oidc-provider (tests/idp/provider.js,
# https on 127.0.0.1 with a throwaway CA that oauth2-fcgi trusts through
# http.ca_file). The provider's login and consent forms are posted the way
# a browser posts them (tests/idp/login.js). For each provider:
#   protected URL -> 302 to sign in -> /oauth/<p>/login -> 302 to the
#   provider -> login + consent -> callback (code exchanged, id_token
#   checked against the JWKS, UserInfo) -> session cookie -> the protected
#   URL answers 200 and the backend sees REMOTE_USER and OAUTH2_EMAIL.
# Providers, all pointed at the one local oidc-provider:
#   corp            any OpenID provider, by `issuer` (discovery)
#   google-oauth2   built-in; `issuer` replaces https://accounts.google.com
#                   (discovery from the local provider; client_secret_post)
#   huggingface     built-in; `issuer` replaces https://huggingface.co; scope
#                   with `email` added (Hugging Face's default, "openid
#                   profile", gets no email from oidc-provider either)
#   amazon-cognito  built-in with `domain` and every endpoint given, and
#                   `issuer` (a real pool's issuer is cognito-idp.<region>...,
#                   never the domain: it must be given to check id_tokens)
#   apple-id        built-in with its endpoints, `issuer` and `jwks_uri`
#                   given; response_mode=form_post, so the callback is a POST.
#                   Its scope gets `openid` added: Apple mints an id_token for
#                   "name email", oidc-provider (rightly, by the spec) only
#                   with openid - and refuses a nonce without it.
# Then: bob (email not verified), refusals (replayed state, another
# issuer's iss, the user cancelling at the provider), and RP-initiated
# logout accepted by the provider. No secret, code, token or cookie in
# any log. Everything on 127.0.0.1.
. "$(dirname "$0")/flowlib.sh"

flow_init
need_oidc_provider

CB=$BASE/oauth
BASIC_SECRET='e2e basic secret&=+%'
POST_SECRET='e2e-post-secret-3f9a'
export OIDC_REDIRECT_URIS="$CB/corp/callback $CB/google-oauth2/callback $CB/huggingface/callback \
$CB/amazon-cognito/callback $CB/apple-id/callback"
export OIDC_POST_LOGOUT_URIS="$BASE/bye"
export OIDC_CLIENTS='[
 {"client_id": "e2e-basic", "client_secret": "e2e basic secret&=+%",
  "token_endpoint_auth_method": "client_secret_basic", "id_token_signed_response_alg": "RS256"},
 {"client_id": "e2e-post", "client_secret": "e2e-post-secret-3f9a",
  "token_endpoint_auth_method": "client_secret_post", "id_token_signed_response_alg": "ES256"}]'
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    display_name: "Corp SSO"
    issuer: $IDP
    client_id: e2e-basic
    client_secret: "$BASIC_SECRET"
    scope: "openid email profile groups"
  - name: google-oauth2
    issuer: $IDP
    client_id: e2e-post
    client_secret: "$POST_SECRET"
  - name: huggingface
    issuer: $IDP
    scope: "openid profile email"
    client_id: e2e-basic
    client_secret: "$BASIC_SECRET"
  - name: amazon-cognito
    domain: $IDP
    issuer: $IDP
    authorize_url: $IDP/auth
    token_url: $IDP/token
    userinfo_url: $IDP/me
    jwks_uri: $IDP/jwks
    client_id: e2e-basic
    client_secret: "$BASIC_SECRET"
  - name: apple-id
    issuer: $IDP
    authorize_url: $IDP/auth
    token_url: $IDP/token
    jwks_uri: $IDP/jwks
    scope: "openid name email"
    client_id: e2e-post
    client_secret: "$POST_SECRET"
# every group the provider sends, as the test reads them all (roles-map.sh: the trimming)
keep_groups: ["*"]
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 1h
http:
  ca_file: $T/tls/ca.pem
  timeout: 10s
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF
flow_lighttpd

idp_curl() { curl -sS --max-time 20 --cacert "$T/tls/ca.pem" "$@"; }
APPLE_USER=
SEEN=() # codes, states and cookies: none may reach a log

# browser_login USER [--abort]: the provider's pages for $AUTHZ; sets
# CALLBACK (and POST_BODY for form_post).
browser_login() {
    local out
    # shellcheck disable=SC2086 # ${2:-}: an option or nothing at all
    out=$(node "$top_srcdir/tests/idp/login.js" --ca "$T/tls/ca.pem" --user "$1" ${2:-} "$AUTHZ" \
        2>"$T/login.err")
    CALLBACK=$(printf '%s\n' "$out" | sed -n 1p)
    POST_BODY=$(printf '%s\n' "$out" | sed -n 2p)
    [ -n "$CALLBACK" ] || t_diag "login.js: $(cat "$T/login.err")"
    SEEN+=("$(param code "$CALLBACK$POST_BODY")" "$(param state "$AUTHZ")" "${STATE_COOKIE#*=}")
}

# sign_in PROVIDER USER AUTHZ-ERE: login, the provider's pages, callback.
sign_in() {
    local p=$1 user=$2
    oa_login "$p"
    t_is "$HTTP_STATUS" 302 "$p: /oauth/$p/login answers 302"
    t_like "$AUTHZ" "$3" "$p: to the provider's authorization endpoint"
    t_like "$STATE_COOKIE" '^oauth2_fcgi_state_[A-Za-z0-9_-]{8}=.' "$p: a state cookie"
    t_like "$STATE_ATTRS" '; *HttpOnly' "$p: the state cookie is HttpOnly"
    browser_login "$user"
    if [ -n "$POST_BODY" ]; then
        http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html' \
            -H 'Content-Type: application/x-www-form-urlencoded' --data-raw "$POST_BODY$APPLE_USER"
        SESSION=$(set_cookie 'oauth2_fcgi=')
    else
        callback "$CALLBACK"
    fi
    SEEN+=("${SESSION#*=}")
}

# protected_ok PROVIDER EMAIL: the page with $SESSION answers 200 with the identity.
protected_ok() {
    http_req "$BASE/app/page?x=1" -H "Cookie: $SESSION" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "$1: with the session, the protected URL answers 200"
    t_is "$(body_var REMOTE_USER)" "$2" "$1: the backend sees REMOTE_USER"
    t_is "$(body_var OAUTH2_EMAIL)" "$2" "$1: the backend sees OAUTH2_EMAIL"
    t_is "$(body_var OAUTH2_PROVIDER)" "$1" "$1: the backend sees OAUTH2_PROVIDER"
}

# ---- the protected URL sends the browser to sign in ------------------------

http_req "$BASE/app/page?x=1" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "no session: the protected URL answers 302"
t_like "$(http_header Location)" '^(http://127\.0\.0\.1:[0-9]+)?/oauth/(sign_in)?\?rd=' \
    "no session: to the sign-in page, with rd"
http_req "$BASE$(http_header Location | sed 's|^http://[^/]*||')" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "the sign-in page answers 200"
for name in 'Corp SSO' Google 'Hugging Face' 'Amazon Cognito' Apple; do
    t_like "$HTTP_BODY" "$name" "the sign-in page has a button for $name"
done
t_like "$HTTP_BODY" '/oauth/corp/login\?rd=[^"]*app' "the buttons carry rd"

# ---- corp: by issuer (discovery) ----------------------------------------------

sign_in corp alice "^$IDP/auth\\?"
t_like "$AUTHZ" 'code_challenge_method=S256' "corp: PKCE S256"
t_like "$AUTHZ" '[?&]nonce=[A-Za-z0-9_-]{43}' "corp: a nonce"
t_like "$AUTHZ" "redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A$PORT%2Foauth%2Fcorp%2Fcallback" \
    "corp: redirect_uri derived from the request"
t_like "$CALLBACK" "^$CB/corp/callback\\?.*code=" "corp: the provider sends the browser back with a code"
t_like "$CALLBACK" 'iss=https%3A%2F%2F127' "corp: ... and RFC 9207 iss"
t_is "$HTTP_STATUS" 302 "corp: the callback answers 302"
t_is "$(http_header Location)" "/app/page?x=1" "corp: back to rd"
t_like "$SESSION" '^oauth2_fcgi=.' "corp: a session cookie"
t_like "$(printf '%s\n' "$HTTP_HEADERS" | grep -i "^set-cookie: ${STATE_COOKIE%%=*}=;")" \
    'Max-Age=0' "corp: the state cookie is deleted"
CORP_SESSION=$SESSION
CORP_CALLBACK=$CALLBACK
CORP_STATE_COOKIE=$STATE_COOKIE
protected_ok corp alice@example.com
t_is "$(body_var OAUTH2_USER)" alice "corp: OAUTH2_USER is preferred_username"
t_is "$(body_var OAUTH2_NAME)" 'Alice Example' "corp: OAUTH2_NAME"
t_is "$(body_var OAUTH2_GROUPS)" 'admins,staff' "corp: OAUTH2_GROUPS from the groups claim"
t_is "$(body_var OAUTH2_SUB)" alice "corp: OAUTH2_SUB"

# ---- the built-ins -------------------------------------------------------------

sign_in google-oauth2 alice "^$IDP/auth\\?"
t_like "$AUTHZ" 'scope=openid%20email%20profile' "google-oauth2: its default scope"
t_is "$HTTP_STATUS" 302 "google-oauth2: the callback answers 302 (client_secret_post, ES256)"
protected_ok google-oauth2 alice@example.com

sign_in huggingface alice "^$IDP/auth\\?"
t_is "$HTTP_STATUS" 302 "huggingface: the callback answers 302"
protected_ok huggingface alice@example.com
# Hugging Face sends orgs as objects: {"name": "Acme Research" (display
# name), "preferred_username": "acme" (the org's handle, as in its URL)}.
t_is "$(body_var OAUTH2_GROUPS)" acme "huggingface: OAUTH2_GROUPS is the org's handle (preferred_username)"

sign_in amazon-cognito alice "^$IDP/auth\\?"
t_is "$HTTP_STATUS" 302 "amazon-cognito: the callback answers 302 (client_secret_basic)"
protected_ok amazon-cognito alice@example.com
t_is "$(body_var OAUTH2_USER)" alice.cognito "amazon-cognito: OAUTH2_USER is cognito:username"
t_is "$(body_var OAUTH2_GROUPS)" cognito-admins "amazon-cognito: OAUTH2_GROUPS is cognito:groups"
COGNITO_SESSION=$SESSION

# Apple posts the name once, in the form's `user` field (JSON): added here
# as Apple's page adds it on the first sign-in.
APPLE_USER="&user=$(urlencode '{"name":{"firstName":"Alice","lastName":"Apple"},"email":"alice@example.com"}')"
sign_in apple-id alice "^$IDP/auth\\?"
APPLE_USER=
t_like "$AUTHZ" 'response_mode=form_post' "apple-id: response_mode=form_post"
t_like "$STATE_ATTRS" '; *SameSite=None' "apple-id: its state cookie is SameSite=None (form_post is a cross-site POST)"
t_like "$CALLBACK" "^$CB/apple-id/callback\$" "apple-id: the provider's page posts to the callback"
t_like "$POST_BODY" '(^|&)code=' "apple-id: ... with the code in the body"
t_is "$HTTP_STATUS" 302 "apple-id: the POST callback answers 302"
protected_ok apple-id alice@example.com
t_is "$(body_var OAUTH2_NAME)" 'Alice Apple' "apple-id: OAUTH2_NAME from the posted user field"

# ---- bob: his email is not verified ---------------------------------------------

sign_in corp bob "^$IDP/auth\\?"
t_is "$HTTP_STATUS" 302 "bob (email not verified) signs in"
BOB=$SESSION
http_req "$BASE/oauth/userinfo" -H "Cookie: $BOB" -H 'Accept: application/json'
t_unlike "$HTTP_BODY" 'bob@example\.org' "bob: the unverified email is not in the session"
http_req "$BASE/app/page" -H "Cookie: $BOB" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "bob: the access rules (email_domains) refuse him: 403"
t_unlike "$HTTP_BODY" 'REMOTE_USER=' "bob: the backend did not run"

# ---- refusals -------------------------------------------------------------------

log_mark
http_req "$CORP_CALLBACK" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "the same callback again, without the (deleted) state cookie: 400"
t_like "$HTTP_BODY" 'expired or was already used' "... says the link expired or was used"
t_log 'callback: no state cookie' "... logged"
t_unlike "$(log_new)" 'token endpoint' "... and no token request"

log_mark
http_req "$CORP_CALLBACK" -H "Cookie: $CORP_STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "replaying the state cookie too: 400 (a state works once)"
t_like "$HTTP_BODY" 'already used' "... says the link was already used"
t_unlike "$HTTP_HEADERS" 'oauth2_fcgi=[^;]' "... and no session"
t_log 'state already used \(a replay' "... logged as a replay"
t_unlike "$(log_new)" 'token endpoint' "... refused before any token request"

oa_login corp
browser_login alice
log_mark
callback "$(printf '%s' "$CALLBACK" | sed 's/iss=[^&]*/iss=https%3A%2F%2Fevil.example/')"
t_is "$HTTP_STATUS" 400 "an iss parameter of another issuer (mix-up): 400"
t_log 'iss parameter is not the issuer' "... logged"
t_unlike "$(log_new)" 'token endpoint' "... and no token request"

oa_login corp
browser_login alice --abort
t_like "$CALLBACK" 'error=access_denied' "the user cancels at the provider: error=access_denied"
log_mark
callback "$CALLBACK"
t_is "$HTTP_STATUS" 403 "error=access_denied with a valid state: 403"
t_like "$HTTP_BODY" 'aborted' "... the page gives the provider's description"
t_log 'provider answered error=access_denied' "... logged"

# ---- logout ---------------------------------------------------------------------

http_req "$BASE/oauth/logout?rd=%2Fbye" -H "Cookie: $CORP_SESSION" -H 'Accept: text/html' \
    -H 'Sec-Fetch-Site: same-origin'
t_is "$HTTP_STATUS" 302 "corp logout: 302"
loc=$(http_header Location)
t_like "$loc" "^$IDP/session/end\\?.*post_logout_redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A$PORT%2Fbye" \
    "corp logout: to the provider's end_session_endpoint with post_logout_redirect_uri"
t_like "$HTTP_HEADERS" "[Ss]et-[Cc]ookie: oauth2_fcgi=;" "corp logout: the session cookie is cleared"
t_is "$(idp_curl -o /dev/null -w '%{http_code}' "$loc")" 200 \
    "corp logout: oidc-provider accepts the logout request (its confirmation page)"

http_req "$BASE/oauth/logout?rd=%2Fbye" -H "Cookie: $COGNITO_SESSION" -H 'Accept: text/html' \
    -H "Referer: $BASE/app/page"
t_like "$(http_header Location)" "^$IDP/logout\\?client_id=e2e-basic&logout_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A$PORT%2Fbye" \
    "amazon-cognito logout: to <domain>/logout with client_id and logout_uri"

# ---- logs -----------------------------------------------------------------------

t_log_all() { t_like "$(cat "$OA_LOG")" "$1" "$2"; }
for p in corp google-oauth2 huggingface amazon-cognito apple-id; do
    t_log_all "provider $p: signed in subject alice" "the log says alice signed in with $p"
done
t_no_secrets "no log holds a client secret, code, state, cookie or token" \
    "$BASIC_SECRET" "$POST_SECRET" "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted"

t_done
