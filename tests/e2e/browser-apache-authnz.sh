#!/usr/bin/env bash
# browser-apache-authnz.sh - a real browser signs in through Apache 2.4
# with mod_authnz_fcgi: the shipped contrib/apache/oauth2-fcgi-authnz.conf
# with only its address substituted, the program under spawn-fcgi on
# 127.0.0.1, the provider of tests/idp, and the echo backend
# (tests/e2e/backend, mod_cgi) on /app. The walk is tests/e2e/browser.js.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool apache2 spawn-fcgi setsid
browser_need
need_apache_mods authnz_fcgi proxy proxy_fcgi cgi alias mpm_prefork authn_core authz_core authz_user headers setenvif
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
FPORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
browser_idp "$BASE"
browser_config "$T/oauth.yml" "$BASE"

e2e_bg oauth2-fcgi spawn-fcgi -n -a 127.0.0.1 -p "$FPORT" -- "$OA_BIN" -c "$T/oauth.yml" -t 4
wait_port "$FPORT" 15 || bail "oauth2-fcgi did not start on 127.0.0.1:$FPORT"

apache_authnz_start "$PORT" "127.0.0.1:$FPORT"

browser_run apache-authnz "$BASE"
t_like "$(cat "$T/apache-access.log" 2>/dev/null)" ' alice@example\.com \[[^]]*\] "GET /app/page' \
    "Apache's access log names the signed-in user (%u)"
t_done
