#!/usr/bin/env bash
# browser-apache-fcgid.sh - a real browser signs in through Apache 2.4 with
# mod_fcgid: the shipped contrib/apache/oauth2-fcgi-fcgid.conf with only
# its paths substituted (mod_fcgid starts the program: FcgidAccessChecker
# on /app, ErrorDocument 401 to the sign-in endpoint, the responder on
# /oauth), the provider of tests/idp, and the echo backend
# (tests/e2e/backend, mod_cgi) on /app. The walk is tests/e2e/browser.js.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool apache2 setsid
browser_need
for m in fcgid cgi alias mpm_prefork authn_core authz_core; do
    [ -f "$APACHE_MODS/mod_$m.so" ] || skip_all "$APACHE_MODS/mod_$m.so is missing"
done
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
browser_idp "$BASE"
browser_config "$T/oauth.yml" "$BASE"

mkdir -p "$T/cgi" "$T/fcgid"
cp "$top_srcdir/tests/e2e/backend" "$T/cgi/app"
chmod 755 "$T/cgi/app"
# mod_fcgid runs the program as Apache's user: it reads the key, and the
# process manager writes its sockets.
if [ "$(id -u)" = 0 ]; then
    chown "$(apache_user):$(apache_group)" "$BROWSER_KEY" "$T/fcgid"
fi
sed -e "s|^Define OAUTH2_FCGI_DIR .*|Define OAUTH2_FCGI_DIR $(dirname "$OA_BIN")|" \
    -e "s|^Define OAUTH2_FCGI_BIN .*|Define OAUTH2_FCGI_BIN $OA_BIN|" \
    -e "s|^Define OAUTH2_FCGI_CONFIG .*|Define OAUTH2_FCGI_CONFIG $T/oauth.yml|" \
    "$top_srcdir/contrib/apache/oauth2-fcgi-fcgid.conf" >"$T/oauth2-fcgi-fcgid.conf"
apache_conf "$T/apache2.conf" "$PORT" "$T/cgi" authn_core authz_core fcgid alias cgi headers
cat >>"$T/apache2.conf" <<CONF
FcgidIPCDir "$T/fcgid"
FcgidProcessTableFile "$T/fcgid/shm"
FcgidMaxProcessesPerClass 2
# The echo backend answers everything under /app.
ScriptAliasMatch "^/app(/.*)?\$" "$T/cgi/app"
Include "$T/oauth2-fcgi-fcgid.conf"
CONF
apache_start "$T/apache2.conf" "$PORT"

browser_run apache-fcgid "$BASE"
t_done
