#!/usr/bin/env bash
# claims-keycloak.sh - groups from Keycloak-shaped claims,
# through a real lighttpd running oauth2-fcgi and a real OpenID provider
# (tests/idp/provider.js, panva's oidc-provider) that serves, with
# OIDC_EXTRA_CLAIMS, Keycloak's own claim shapes in the id_token and
# UserInfo:
#   realm_access:    {"roles": [...]}                  the realm's roles
#   resource_access: {"<client>": {"roles": [...]}}     each client's roles
# The provider's groups_claim lists both paths (one client's roles only);
# the backend must see their union as OAUTH2_GROUPS, and a `groups:` access
# rule must use them. Then the bad claims: a number where the roles go, an
# array holding an object, more groups than a session carries: each gets a
# sign-in error page naming the claim, no session, and oauth2-fcgi keeps
# serving. Everything on 127.0.0.1.
. "$(dirname "$0")/flowlib.sh"

flow_init
need_oidc_provider

CB=$BASE/oauth
SECRET='e2e-kc-secret-7c1d'
export OIDC_REDIRECT_URIS="$CB/keycloak/callback"
export OIDC_CLIENTS='[{"client_id": "e2e-app", "client_secret": "e2e-kc-secret-7c1d",
  "token_endpoint_auth_method": "client_secret_basic", "id_token_signed_response_alg": "RS256"}]'
MANY=$(seq 1 3000 | sed 's/.*/"g&"/' | paste -sd, -)
export OIDC_EXTRA_CLAIMS='{
 "alice": {"realm_access": {"roles": ["offline_access", "realm-admin", "staff"]},
           "resource_access": {"e2e-app": {"roles": ["editor", "staff"]},
                               "account": {"roles": ["manage-account"]}}},
 "carol": {"email": "carol@example.com", "email_verified": true,
           "realm_access": {"roles": ["viewer"]}},
 "dave":  {"email": "dave@example.com", "email_verified": true,
           "realm_access": {"roles": 7}},
 "erin":  {"email": "erin@example.com", "email_verified": true,
           "resource_access": {"e2e-app": {"roles": ["ok", {"name": "x"}]}}},
 "frank": {"email": "frank@example.com", "email_verified": true,
           "realm_access": {"roles": '"[$MANY]"'}}
}'
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: keycloak
    display_name: "Keycloak"
    issuer: $IDP
    client_id: e2e-app
    client_secret: "$SECRET"
    scope: "openid email profile"
    groups_claim: [realm_access.roles, resource_access.e2e-app.roles]
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
  - path: /app/editors/
    groups: [editor]
  - path: /app/
    providers: [keycloak]
log: stderr
log_level: debug
EOF
flow_lighttpd
t_like "$(cat "$T/check.out")" 'groups_claim: realm_access\.roles, resource_access\.e2e-app\.roles' \
    "--check-config lists the groups_claim paths"

# sign_in USER: login, the provider's pages, callback (sets SESSION, HTTP_*).
sign_in() {
    local out
    oa_login keycloak "/app/page"
    out=$(node "$top_srcdir/tests/idp/login.js" --ca "$T/tls/ca.pem" --user "$1" "$AUTHZ" \
        2>"$T/login.err")
    CALLBACK=$(printf '%s\n' "$out" | sed -n 1p)
    [ -n "$CALLBACK" ] || t_diag "login.js: $(cat "$T/login.err")"
    callback "$CALLBACK"
}

# ---- alice: realm roles + this client's roles ------------------------------------

sign_in alice
t_is "$HTTP_STATUS" 302 "alice: the callback answers 302"
t_like "$SESSION" '^oauth2_fcgi=.' "alice: a session cookie"
http_req "$BASE/app/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "alice: /app/page answers 200"
t_is "$(body_var OAUTH2_GROUPS)" 'offline_access,realm-admin,staff,editor' \
    "alice: OAUTH2_GROUPS is realm_access.roles then resource_access.e2e-app.roles, each once"
t_unlike "$(body_var OAUTH2_GROUPS)" 'manage-account' "alice: another client's roles are not hers here"
http_req "$BASE/app/editors/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "alice: the groups: [editor] rule lets her in (a client role)"

# ---- carol: a realm role only ----------------------------------------------------

sign_in carol
t_is "$HTTP_STATUS" 302 "carol: the callback answers 302"
http_req "$BASE/app/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "carol: /app/page answers 200"
t_is "$(body_var OAUTH2_GROUPS)" viewer "carol: OAUTH2_GROUPS is her realm role"
http_req "$BASE/app/editors/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "carol: the groups: [editor] rule refuses her"

# ---- bad claims: a clear page, no session ---------------------------------------

# bad_claim USER STATUS WHAT: the callback answers STATUS with a page
# saying WHAT (an ERE), sets no session, and the log names the claim.
bad_claim() {
    log_mark
    sign_in "$1"
    t_is "$HTTP_STATUS" "$2" "$1: the callback answers $2"
    t_is "$SESSION" '' "$1: no session cookie"
    t_like "$HTTP_BODY" "$3" "$1: the page says what was wrong with which claim"
    sleep 0.2
    t_like "$(log_new)" "groups: claim '" "$1: the log line names the claim"
}
bad_claim dave 502 "claim &#39;realm_access\\.roles&#39; is a number|claim 'realm_access\\.roles' is a number"
bad_claim erin 502 "resource_access\\.e2e-app\\.roles.{1,12} holds an object"
bad_claim frank 403 "more than 2048 groups"

# ---- still serving ---------------------------------------------------------------

sign_in carol
t_is "$HTTP_STATUS" 302 "after the bad claims, carol still signs in"
t_no_secrets "no log holds the client secret or a token" "$SECRET"
t_one_process_each "oauth2-fcgi never restarted (no crash on the bad claims)"
t_done
