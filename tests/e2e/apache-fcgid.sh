#!/usr/bin/env bash
# apache-fcgid.sh - oauth2-fcgi behind a real Apache 2.4 with mod_fcgid
# (Debian's libapache2-mod-fcgid): the shipped
# contrib/apache/oauth2-fcgi-fcgid.conf with only its paths substituted.
# mod_fcgid starts the program itself: FcgidAccessChecker on /app, the
# responder on /oauth, ErrorDocument 401 to the sign-in endpoint (mod_fcgid
# turns every refusal into a bare 401), and the echo backend
# (tests/e2e/backend, mod_cgi) behind /app. Apache runs in the foreground
# with ServerRoot in a temporary directory, on a free port.
. "$(dirname "$0")/lib.sh"

need_tool apache2 curl setsid
need_oa
for m in fcgid cgi alias mpm_prefork authn_core authz_core; do
    [ -f "$APACHE_MODS/mod_$m.so" ] || skip_all "$APACHE_MODS/mod_$m.so is missing"
done
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
e2e_oa_config

mkdir -p "$T/cgi" "$T/fcgid"
cp "$top_srcdir/tests/e2e/backend" "$T/cgi/app"
chmod 755 "$T/cgi/app"
# mod_fcgid runs the program as Apache's user: it must read the key, and
# the process manager must write its sockets.
if [ "$(id -u)" = 0 ]; then
    chown "$(apache_user):$(apache_group)" "$E2E_KEY" "$T/fcgid"
fi

sed -e "s|^Define OAUTH2_FCGI_DIR .*|Define OAUTH2_FCGI_DIR $(dirname "$OA_BIN")|" \
    -e "s|^Define OAUTH2_FCGI_BIN .*|Define OAUTH2_FCGI_BIN $OA_BIN|" \
    -e "s|^Define OAUTH2_FCGI_CONFIG .*|Define OAUTH2_FCGI_CONFIG $E2E_CONFIG|" \
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

BASE=http://127.0.0.1:$PORT
# mod_fcgid turns the access checker's 403 into 401 too; the sign-in
# endpoint tells "signed in but not allowed" from the session and
# REDIRECT_URL and answers 403 (the checks below).
authorizer_checks "$BASE"

http_req "$BASE/app" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "/app itself (no trailing slash) is behind the access checker"

t_done
