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
MODS=/usr/lib/apache2/modules
for m in mod_authnz_fcgi mod_proxy mod_proxy_fcgi mod_cgi mod_alias mod_mpm_prefork \
    mod_authn_core mod_authz_core mod_authz_user; do
    [ -f "$MODS/$m.so" ] || skip_all "$MODS/$m.so is missing"
done
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
FPORT=$(free_port) || bail "no free port"
e2e_oa_config

mkdir -p "$T/cgi"
cp "$top_srcdir/tests/e2e/backend" "$T/cgi/app"
chmod 755 "$T/cgi/app"

# The program, as an operator would start it: spawn-fcgi on 127.0.0.1
# (-n: stay in the foreground, so its stderr is this test's log).
e2e_bg oauth2-fcgi spawn-fcgi -n -a 127.0.0.1 -p "$FPORT" -- "$OA_BIN" -c "$E2E_CONFIG"
wait_port "$FPORT" 15 || bail "oauth2-fcgi did not start on 127.0.0.1:$FPORT"

# The shipped snippet, address substituted.
sed -e "s|^Define OAUTH2_FCGI_ADDR .*|Define OAUTH2_FCGI_ADDR 127.0.0.1:$FPORT|" \
    "$top_srcdir/contrib/apache/oauth2-fcgi-authnz.conf" >"$T/oauth2-fcgi-authnz.conf"

user_lines=
if [ "$(id -u)" = 0 ]; then
    if getent passwd www-data >/dev/null; then
        user_lines=$'User www-data\nGroup www-data'
    else
        user_lines=$'User nobody\nGroup nogroup'
    fi
fi

cat >"$T/apache2.conf" <<CONF
ServerRoot "$T"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile "$T/apache2.pid"
ErrorLog "$T/apache-error.log"
LogLevel info
$user_lines
LoadModule mpm_prefork_module $MODS/mod_mpm_prefork.so
LoadModule authn_core_module $MODS/mod_authn_core.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule authz_user_module $MODS/mod_authz_user.so
LoadModule authnz_fcgi_module $MODS/mod_authnz_fcgi.so
LoadModule proxy_module $MODS/mod_proxy.so
LoadModule proxy_fcgi_module $MODS/mod_proxy_fcgi.so
LoadModule alias_module $MODS/mod_alias.so
LoadModule cgi_module $MODS/mod_cgi.so
StartServers 2
MinSpareServers 1
MaxSpareServers 4
LogFormat "%h %l %u %t \"%r\" %>s %b" common
CustomLog "$T/apache-access.log" common
DocumentRoot "$T/cgi"
# The echo backend answers everything under /app.
ScriptAliasMatch "^/app(/.*)?\$" "$T/cgi/app"
Include "$T/oauth2-fcgi-authnz.conf"
CONF
e2e_log "$T/apache-error.log"

apache2 -t -f "$T/apache2.conf" >"$T/apache-test.log" 2>&1 ||
    bail "apache2 rejects the config: $(cat "$T/apache-test.log")"
e2e_pidfile "$T/apache2.pid"
# In a session of its own: at shutdown Apache signals its whole process
# group, which would otherwise include this script and make.
e2e_bg apache2 setsid apache2 -f "$T/apache2.conf" -DFOREGROUND
wait_port "$PORT" 15 || bail "apache2 did not start on 127.0.0.1:$PORT"

BASE=http://127.0.0.1:$PORT
authorizer_checks "$BASE"

http_req "$BASE/app" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "/app itself (no trailing slash) is behind the authorizer"

c=$(mint --user alice --email alice@example.com)
http_req "$BASE/app/logged" -H "Cookie: $COOKIE_NAME=$c"
t_like "$(cat "$T/apache-access.log" 2>/dev/null)" ' alice@example\.com \[' \
    "Apache's access log names the user (%u)"

t_done
