#!/usr/bin/env bash
# claims-entra.sh - "Sign in with Microsoft" (the microsoft-entra kind)
# through a real lighttpd running oauth2-fcgi and the Entra stand-in
# (tests/standin/entra.js: discovery with the {tenantid} issuer template,
# the code flow, signed id_tokens with Entra's claims, Microsoft Graph's
# paginated /me/transitiveMemberOf). tenant: organizations with
# allowed_tenants; what the backend receives is checked (OAUTH2_GROUPS,
# OAUTH2_SUB, OAUTH2_EMAIL, OAUTH2_USER):
#   alice    groups + app roles from the id_token, a verified email
#   bob      group overage: 60 groups from Graph over three pages, at
#            sign-in and again at /refresh after they changed
#   zed      250 groups from Graph: all of them or a clear 403, never part
#   mallory  a valid token of another tenant: 403 naming the tenant
#   carol, dan, eve, frank  Graph 500, Graph garbage, a nextLink to another
#            origin, no access token: a sign-in error page, no session,
#            nothing sent elsewhere
# Everything on 127.0.0.1.
. "$(dirname "$0")/flowlib.sh"

flow_init

SECRET='entra-e2e-secret-3f9a'
TID_A=72f988bf-86f1-41af-91ab-2d7cd011db47
G1=aaaaaaaa-0000-4000-8000-000000000001
export ENTRA_CLIENT_ID=entra-e2e ENTRA_CLIENT_SECRET=$SECRET
ENTRA=$(start_peer entra node tests/standin/entra.js --tls "$T/tls") || exit 1
# the client's credentials as the environment gives them (config_env.c)
export OAUTH2_MICROSOFT_ENTRA_CLIENT_ID=entra-e2e OAUTH2_MICROSOFT_ENTRA_CLIENT_SECRET=$SECRET

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: microsoft-entra
    tenant: organizations
    allowed_tenants: [$TID_A]
    base_url: $ENTRA
    graph_url: $ENTRA/graph
    offline_access: true
  - name: contoso
    kind: microsoft-entra
    tenant: contoso.example
    base_url: $ENTRA
    graph_url: $ENTRA/graph
    client_id: entra-e2e
    client_secret: "$SECRET"
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 1h
  refresh_after: 2s
http:
  ca_file: $T/tls/ca.pem
  timeout: 5s
access:
  - path: /app/g1/
    groups: [$G1]
  - path: /app/
    providers: [microsoft-entra, contoso]
log: stderr
log_level: debug
EOF
flow_lighttpd
CHECK=$(cat "$T/check.out")
t_like "$CHECK" 'kind microsoft-entra' "--check-config names the kind"
t_like "$CHECK" 'tenant: organizations' "--check-config names the tenant"
t_like "$CHECK" "graph_url \\(group overage\\): $ENTRA/graph" "--check-config names Graph"
t_like "$CHECK" "allowed_tenants: $TID_A" "--check-config lists allowed_tenants"
t_like "$CHECK" 'scope: openid profile email User.Read' "the kind's default scope asks for User.Read"
t_like "$CHECK" 'client_id: entra-e2e \(from OAUTH2_MICROSOFT_ENTRA_CLIENT_ID\)' \
    "client_id from OAUTH2_MICROSOFT_ENTRA_CLIENT_ID"

SEEN=()
# sign_in USER [PROVIDER]: login, the stand-in's authorize as USER,
# callback; sets SESSION, TOK (the refresh token cookie) and HTTP_*.
sign_in() {
    local cb
    oa_login "${2:-microsoft-entra}" /app/page
    cb=$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -o /dev/null -w '%{redirect_url}' \
        "$AUTHZ&login=$1")
    callback "$cb"
    TOK=$(set_cookie 'oauth2_fcgi_tok=')
    SEEN+=("$(param code "$cb")" "${SESSION#*=}" "${TOK#*=}")
}
# backend [PATH]: PATH (default /app/page) with the session.
backend() {
    http_req "$BASE${1:-/app/page}" -H "Cookie: $SESSION" -H 'Accept: text/html'
}
ngroups() { body_var OAUTH2_GROUPS | tr ',' '\n' | grep -c .; }
graph_gets() { grep -c '^GET /graph/v1.0/me/transitiveMemberOf 200' "$T/entra.log"; }

# ---- alice: groups and roles in the id_token -------------------------------------

oa_login microsoft-entra /app/page
t_like "$AUTHZ" "^$ENTRA/organizations/oauth2/v2.0/authorize\\?response_type=code&client_id=entra-e2e&" \
    "login: to the authorize endpoint of the organizations discovery document"
t_like "$AUTHZ" 'scope=openid%20profile%20email%20User.Read%20offline_access' \
    "offline_access: added to the scope (no consent prompt of ours)"
log_mark
sign_in alice
t_is "$HTTP_STATUS" 302 "alice: the callback answers 302"
t_log "signed in subject [A-Za-z0-9_-]{43} \\(alice@contoso.example\\)" "alice: signed in, pairwise sub"
backend
t_is "$HTTP_STATUS" 200 "alice: /app/page answers 200"
t_is "$(body_var OAUTH2_GROUPS)" "$G1,aaaaaaaa-0000-4000-8000-000000000002,Writer" \
    "alice: OAUTH2_GROUPS holds the groups claim, then the app roles"
t_is "$(body_var OAUTH2_USER)" alice@contoso.example "alice: OAUTH2_USER is preferred_username"
t_is "$(body_var OAUTH2_EMAIL)" alice@contoso.example "alice: email kept (xms_edov: verified)"
t_like "$(body_var OAUTH2_SUB)" '^[A-Za-z0-9_-]{43}$' "alice: OAUTH2_SUB is the pairwise sub, not the oid"
t_is "$(body_var OAUTH2_NAME)" 'Alice Example' "alice: OAUTH2_NAME"
backend /app/g1/x
t_is "$HTTP_STATUS" 200 "alice: the groups: [G1] rule lets her in"
t_is "$(graph_gets)" 0 "alice: no Graph call (no overage)"

# ---- bob: overage, Graph over three pages -----------------------------------------

log_mark
sign_in bob
t_is "$HTTP_STATUS" 302 "bob (overage): the callback answers 302"
t_is "$(graph_gets)" 3 "bob: three Graph pages read (60 groups, 25 a page)"
t_unlike "$(cat "$T/entra.log")" 'graph.windows.net' "bob: _claim_sources' old endpoint never called"
backend
t_is "$HTTP_STATUS" 200 "bob: /app/page answers 200"
t_is "$(ngroups)" 60 "bob: OAUTH2_GROUPS has his 60 groups"
t_like "$(body_var OAUTH2_GROUPS)" 'bbbbbbbb-0000-4000-8000-000000000060' "bob: ... the last page's too"
t_unlike "$(body_var OAUTH2_GROUPS)" 'role-0001' "bob: a directory role is not a group"
t_is "$(body_var OAUTH2_EMAIL)" '' "bob: no xms_edov, no email (Entra's email is not verified)"
BOB_SESSION=$SESSION
BOB_TOK=$TOK
t_like "$BOB_TOK" '^oauth2_fcgi_tok=.' "bob: a refresh token kept"

# bob's groups change; once refresh_after has passed, /refresh reads Graph
# again with the new access token
sleep 2.5
curl -sS --max-time 10 --cacert "$T/tls/ca.pem" "$ENTRA/test/groups?user=bob&count=7" >/dev/null
http_req "$BASE/oauth/refresh" --data-raw "" -H "Cookie: $BOB_SESSION; $BOB_TOK" -H "Origin: $BASE" \
    -H 'Accept: application/json'
t_is "$HTTP_STATUS" 204 "bob: POST /oauth/refresh answers 204"
SESSION=$(set_cookie 'oauth2_fcgi=')
SEEN+=("${SESSION#*=}")
t_is "$(grep -c '^POST /organizations/oauth2/v2.0/token 200' "$T/entra.log")" 3 \
    "bob: a refresh_token grant at the token endpoint"
backend
t_is "$(ngroups)" 7 "bob: after the refresh OAUTH2_GROUPS has his 7 groups of now"
t_is "$(graph_gets)" 4 "bob: Graph read again at the refresh"

# ---- zed: 250 groups ------------------------------------------------------------

sign_in zed
if [ "$HTTP_STATUS" = 302 ]; then
    backend
    t_is "$(ngroups)" 250 "zed: 250 groups from Graph, all of them reach the backend"
else
    t_is "$HTTP_STATUS" 403 "zed: 250 groups over the session's bound: 403"
    t_like "$HTTP_BODY" 'cannot be used' "zed: the page says the groups cannot be used (never a part)"
    t_is "$SESSION" '' "zed: no session"
fi

# ---- refusals: a page, no session -----------------------------------------------

# refused USER STATUS ERE DESC: the callback answers STATUS with a page
# matching ERE, and sets no session.
refused() {
    log_mark
    sign_in "$1"
    t_is "$HTTP_STATUS" "$2" "$1: $4: the callback answers $2"
    t_like "$HTTP_BODY" "$3" "$1: the page says why"
    t_is "$SESSION" '' "$1: no session cookie"
}
refused mallory 403 'tenant' "a valid token of a tenant not in allowed_tenants"
t_log 'microsoft-entra: tenant 11111111-2222-3333-4444-555555555555 is not in allowed_tenants' \
    "mallory: the log names the tenant"
refused carol 502 'Microsoft Graph' "Graph answers 500"
t_log 'graph transitiveMemberOf .*: HTTP 500' "carol: the log says Graph's 500"
refused dan 502 'Microsoft Graph' "Graph answers garbage"
refused eve 502 'next page is not on' "Graph's nextLink goes to another origin"
t_unlike "$(cat "$T/entra.log")" 'GET /evil' "eve: nothing was sent to the other origin"
refused frank 502 'provider' "the token answer has no access token"

# ---- a tenant given by its domain: the document names its GUID issuer ---------------

sign_in alice contoso
t_is "$HTTP_STATUS" 302 "contoso (tenant by domain): alice signs in (iss is the tenant's GUID issuer)"
backend
t_is "$(body_var OAUTH2_PROVIDER)" contoso "contoso: OAUTH2_PROVIDER"
log_mark
sign_in mallory contoso
t_is "$HTTP_STATUS" 502 "contoso: another tenant's valid token: refused (its iss is not this tenant's)"
t_is "$SESSION" '' "contoso: mallory gets no session"
t_log 'id_token refused: id_token: iss is not the provider' "contoso: the log says the issuer"

# ---- still serving ---------------------------------------------------------------

sign_in alice
t_is "$HTTP_STATUS" 302 "after the refusals, alice still signs in"
t_no_secrets "no log holds the client secret, a code, a cookie or a token" "$SECRET" "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted"
t_done
