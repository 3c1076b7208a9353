#!/usr/bin/env bash
# apache-authnz.sh - oauth2-fcgi behind a real Apache 2.4 (Debian's
# package) with mod_authnz_fcgi: the shipped
# contrib/apache/oauth2-fcgi-authnz.conf with only its address substituted,
# AuthnzFcgiCheckAuthnProvider on /app (UserExpr REMOTE_USER), the
# responder on /oauth/ through mod_proxy_fcgi, and the echo backend
# (tests/e2e/backend, mod_cgi) behind /app. The program is started by
# spawn-fcgi on 127.0.0.1. Apache runs in the foreground with ServerRoot in
# a temporary directory, on a free port; everything is stopped at exit.
. "$(dirname "$0")/lib.sh"

need_tool apache2 spawn-fcgi curl setsid
need_oa
need_apache_mods authnz_fcgi proxy proxy_fcgi cgi alias mpm_prefork authn_core authz_core authz_user headers setenvif
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
FPORT=$(free_port) || bail "no free port"
e2e_oa_config
route_rules_add "$E2E_CONFIG"

# The program, as an operator would start it: spawn-fcgi on 127.0.0.1
# (-n: stay in the foreground, so its stderr is this test's log).
e2e_bg oauth2-fcgi spawn-fcgi -n -a 127.0.0.1 -p "$FPORT" -- "$OA_BIN" -c "$E2E_CONFIG"
wait_port "$FPORT" 15 || bail "oauth2-fcgi did not start on 127.0.0.1:$FPORT"

# Apache with the shipped snippet, address substituted (lib.sh).
apache_authnz_start "$PORT" "127.0.0.1:$FPORT"

BASE=http://127.0.0.1:$PORT
authorizer_checks "$BASE"
ROUTE_ANON_SKIP="mod_authnz_fcgi needs a REMOTE_USER (exempt public paths in Apache)" route_checks "$BASE"

http_req "$BASE/app" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "/app itself (no trailing slash) is behind the authorizer"

c=$(mint --user alice --email alice@example.com)
http_req "$BASE/app/logged" -H "Cookie: $COOKIE_NAME=$c"
t_like "$(cat "$T/apache-access.log" 2>/dev/null)" ' alice@example\.com \[' \
    "Apache's access log names the user (%u)"

t_done
