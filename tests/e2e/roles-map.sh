#!/usr/bin/env bash
# roles-map.sh - the roles: and workspaces: maps and the groups a session
# keeps, through a real lighttpd running oauth2-fcgi and a real OpenID
# provider (tests/idp/provider.js, panva's oidc-provider; OIDC_EXTRA_CLAIMS
# gives alice 250 groups). What the backend receives after a real sign-in:
#   OAUTH2_ROLES       the roles the maps give (top level, then the provider's)
#   OAUTH2_WORKSPACES  allowed_workspaces, then the mapped workspaces
#   OAUTH2_GROUPS      only the groups a rule, a map or keep_groups names
# and a rule requiring a role lets its holders in and answers 403 to the
# others. The session cookie of a user in 250 groups stays small (250: the
# most claims.c reads from one sign-in is 256 groups, 4096 bytes).
# Everything on 127.0.0.1.
. "$(dirname "$0")/flowlib.sh"

flow_init
need_oidc_provider

CB=$BASE/oauth
SECRET='e2e-maps-secret-4b9e'
export OIDC_REDIRECT_URIS="$CB/corp/callback"
export OIDC_CLIENTS='[{"client_id": "e2e-maps", "client_secret": "e2e-maps-secret-4b9e",
  "token_endpoint_auth_method": "client_secret_basic", "id_token_signed_response_alg": "RS256"}]'
# alice: 250 groups, with admins, staff and team-a among them
FILL=$(seq 1 247 | sed 's/.*/"grp-&"/' | paste -sd, -)
export OIDC_EXTRA_CLAIMS='{
 "alice": {"groups": ['"$FILL"', "admins", "staff", "team-a"]},
 "carol": {"email": "carol@example.com", "email_verified": true, "groups": ["viewers"]}
}'
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    display_name: "Corp SSO"
    issuer: $IDP
    client_id: e2e-maps
    client_secret: "$SECRET"
    scope: "openid email profile groups"
    roles:
      reviewer: {emails: [carol@example.com]}
allowed_workspaces:
  - name: argilla
roles:
  admin: {groups: [admins], providers: [corp]}
  annotator: {email_domains: [example.com]}
workspaces:
  team-a: {groups: [team-a]}
keep_groups: [staff]
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
  - path: /app/admin/
    roles: [admin]
  - path: /app/
    providers: [corp]
log: stderr
log_level: debug
EOF
flow_lighttpd
check=$(cat "$T/check.out")
t_like "$check" 'roles admin: groups admins; providers corp' "--check-config shows the roles map"
t_like "$check" 'session groups \(kept [^)]*\): admins, staff, team-a' \
    "--check-config shows the groups a session keeps"
t_like "$check" 'largest session cookie: [0-9]+ bytes of the browsers. 4096 \(Set-Cookie: oauth2_fcgi=<sealed>; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax\)' \
    "--check-config prints the largest session cookie with its name and attributes"

# --explain maps --groups as a sign-in does
out=$("$OA_BIN" -c "$T/oauth.yml" --explain GET "$BASE/app/admin/x" --as boss@example.com \
    --groups x,admins,y 2>&1)
t_like "$out" 'mapped: roles admin,annotator; workspaces argilla; session groups admins' \
    "--explain shows the mapped roles, workspaces and kept groups"
t_like "$out" 'Variable-OAUTH2_ROLES: admin,annotator' "--explain: the answer's OAUTH2_ROLES"
t_like "$out" 'X-Auth-Request-Roles: admin,annotator' "--explain: nginx's X-Auth-Request-Roles"

# sign_in USER: login, the provider's pages, callback (sets SESSION, HTTP_*).
sign_in() {
    local out
    oa_login corp "/app/page"
    out=$(node "$top_srcdir/tests/idp/login.js" --ca "$T/tls/ca.pem" --user "$1" "$AUTHZ" \
        2>"$T/login.err")
    CALLBACK=$(printf '%s\n' "$out" | sed -n 1p)
    [ -n "$CALLBACK" ] || t_diag "login.js: $(cat "$T/login.err")"
    callback "$CALLBACK"
}

# ---- alice: in admins (and 249 other groups) --------------------------------------

sign_in alice
t_is "$HTTP_STATUS" 302 "alice: the callback answers 302"
t_like "$SESSION" '^oauth2_fcgi=.' "alice: a session cookie"
size=$(printf '%s' "$SESSION" | wc -c)
t_ok "alice: 250 groups, a session cookie under 1 KB ($size bytes)" [ "$size" -lt 1024 ]
http_req "$BASE/app/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "alice: /app/page answers 200"
t_is "$(body_var OAUTH2_ROLES)" 'admin,annotator' "alice: OAUTH2_ROLES from her group and her domain"
t_is "$(body_var OAUTH2_WORKSPACES)" 'argilla,team-a' \
    "alice: OAUTH2_WORKSPACES is allowed_workspaces then the mapped one"
t_is "$(body_var OAUTH2_GROUPS)" 'admins,staff,team-a' \
    "alice: OAUTH2_GROUPS keeps only the named groups, in the provider's order"
http_req "$BASE/app/admin/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "alice: the roles: [admin] rule lets her in"

# ---- carol: no admin role -------------------------------------------------------------

sign_in carol
t_is "$HTTP_STATUS" 302 "carol: the callback answers 302"
http_req "$BASE/app/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "carol: /app/page answers 200"
t_is "$(body_var OAUTH2_ROLES)" 'annotator,reviewer' \
    "carol: the top-level role, then her provider's"
t_is "$(body_var OAUTH2_WORKSPACES)" argilla "carol: OAUTH2_WORKSPACES is allowed_workspaces"
t_is "$(body_var OAUTH2_GROUPS)" '' "carol: no group of hers is named: OAUTH2_GROUPS is empty"
http_req "$BASE/app/admin/page" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "carol: the roles: [admin] rule refuses her"
t_unlike "$HTTP_BODY" 'backend: ok' "carol: 403, the backend did not run"
# a role sent by the client is no role
http_req "$BASE/app/admin/page" -H "Cookie: $SESSION" -H 'Accept: text/html' \
    -H 'X-Auth-Request-Roles: admin' -H 'OAUTH2_ROLES: admin'
t_is "$HTTP_STATUS" 403 "carol: roles in request headers do not count"

t_no_secrets "no log holds the client secret or a token" "$SECRET"
t_one_process_each "oauth2-fcgi never restarted"
t_done
