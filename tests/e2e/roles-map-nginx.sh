#!/usr/bin/env bash
# roles-map-nginx.sh - the session's roles and workspaces reach an
# application behind nginx: the shipped contrib/nginx/oauth2-fcgi.conf
# (auth_request to /oauth/auth, auth_request_set, proxy_set_header) with
# only its addresses substituted, oauth2-fcgi on a unix socket, and the echo
# application of tests/e2e/browser/echo-app.js behind proxy_pass. The
# sessions are minted with the config's key (tests/tools/mint_cookie), so no
# provider is needed: what is checked is the way from the session to the
# X-Auth-Request-Roles / X-Auth-Request-Workspaces headers, that a client's
# own such headers never reach the application, and that a rule requiring
# a role answers 403 to a session without it. Everything on 127.0.0.1.
. "$(dirname "$0")/lib.sh"

need_tool nginx node
need_oa
[ -f /etc/nginx/fastcgi_params ] || skip_all "/etc/nginx/fastcgi_params is missing"
MINT=$top_builddir/tests/tools/mint_cookie
[ -x "$MINT" ] || skip_all "tests/tools/mint_cookie is not built"
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
APORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    client_id: unused
    client_secret: unused-secret
    authorize_url: http://127.0.0.1:9/authorize
    token_url: http://127.0.0.1:9/token
    userinfo_url: http://127.0.0.1:9/userinfo
roles:
  admin: {groups: [admins]}
  annotator: {email_domains: [example.com]}
workspaces:
  team-a: {groups: [team-a]}
public_url: $BASE
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  lifetime: 1h
access:
  - path: /app/admin/
    roles: [admin]
log: stderr
EOF
chmod 600 "$T/oauth.yml"
"$OA_BIN" --check-config -c "$T/oauth.yml" >"$T/check.out" 2>&1
t_is "$?" 0 "--check-config accepts the maps and the roles rule"

e2e_bg oauth2-fcgi "$OA_BIN" -s "$T/oa.sock" -c "$T/oauth.yml" -t 2
for _ in $(seq 150); do [ -S "$T/oa.sock" ] && break; sleep 0.1; done
[ -S "$T/oa.sock" ] || bail "oauth2-fcgi did not make its socket $T/oa.sock"
e2e_bg app node "$top_srcdir/tests/e2e/browser/echo-app.js" "$APORT"
wait_port "$APORT" 15 || bail "the echo application did not start"

# The shipped file, addresses substituted (lib.sh).
nginx_contrib_start "$T/oa.sock" "$APORT" "$PORT"

# An admin's session (as a sign-in maps admins and example.com).
c=$("$MINT" -c "$T/oauth.yml" --user alice --email alice@example.com --groups admins,team-a \
    --workspaces argilla,team-a --roles admin,annotator --pair)
http_req "$BASE/app/page" -H "Cookie: $c" -H 'Accept: text/html' \
    -H 'X-Auth-Request-Roles: root' -H 'X-Auth-Request-Workspaces: everything'
t_is "$HTTP_STATUS" 200 "a session with roles: 200"
t_is "$(body_var HTTP_X_AUTH_REQUEST_ROLES)" admin,annotator \
    "X-Auth-Request-Roles is the session's roles (the client's is replaced)"
t_is "$(body_var HTTP_X_AUTH_REQUEST_WORKSPACES)" argilla,team-a \
    "X-Auth-Request-Workspaces is the session's workspaces"
t_unlike "$HTTP_BODY" 'root|everything' "nothing the client claimed reaches the application"
http_req "$BASE/app/admin/x" -H "Cookie: $c" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "roles: [admin] lets the admin in"

# A session without the role, with the client claiming it.
c=$("$MINT" -c "$T/oauth.yml" --user carol --email carol@example.com --workspaces argilla \
    --roles annotator --pair)
http_req "$BASE/app/admin/x" -H "Cookie: $c" -H 'Accept: text/html' -H 'X-Auth-Request-Roles: admin'
t_is "$HTTP_STATUS" 403 "roles: [admin] refuses a session without it (whatever the client sends)"
t_unlike "$HTTP_BODY" 'backend: ok' "403: the application did not run"
http_req "$BASE/app/page" -H "Cookie: $c" -H 'Accept: text/html' -H 'X-Auth-Request-Roles: admin'
t_is "$(body_var HTTP_X_AUTH_REQUEST_ROLES)" annotator "carol: her one role, not the client's"

# A version-2 session (sealed before roles): still a session, no roles.
c=$("$MINT" -c "$T/oauth.yml" --user dave --email dave@example.com --workspaces argilla --v2 --pair)
http_req "$BASE/app/page" -H "Cookie: $c" -H 'Accept: text/html' -H 'X-Auth-Request-Roles: admin'
t_is "$HTTP_STATUS" 200 "a version-2 session still opens"
t_is "$(body_var HTTP_X_AUTH_REQUEST_ROLES)" "" "... with no roles (the client's header is cleared)"
http_req "$BASE/app/admin/x" -H "Cookie: $c" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "... and roles: [admin] refuses it"
t_done
