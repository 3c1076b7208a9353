#!/usr/bin/env bash
# lighttpd-authorizer.sh - oauth2-fcgi behind a real lighttpd (Debian's
# package): the shipped contrib/lighttpd/oauth2-fcgi.conf with only its
# paths substituted, "mode" => "authorizer" on /app, the responder on
# /oauth, and the echo backend (tests/e2e/backend, mod_cgi) behind /app.
# lighttpd runs in the foreground on 127.0.0.1 on a free port with its own
# config in a temporary directory; it is stopped at exit.
. "$(dirname "$0")/lib.sh"

need_tool lighttpd curl
need_oa
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
e2e_oa_config

mkdir -p "$T/www"
cp "$top_srcdir/tests/e2e/backend" "$T/www/app"
chmod 755 "$T/www/app"

# The shipped snippet, paths substituted.
sed -e "s|^var.oauth2_fcgi_bin .*|var.oauth2_fcgi_bin = \"$OA_BIN\"|" \
    -e "s|^var.oauth2_fcgi_config .*|var.oauth2_fcgi_config = \"$E2E_CONFIG\"|" \
    -e "s|^var.oauth2_fcgi_sockets .*|var.oauth2_fcgi_sockets = \"$T\"|" \
    "$top_srcdir/contrib/lighttpd/oauth2-fcgi.conf" >"$T/oauth2-fcgi.conf"

cat >"$T/lighttpd.conf" <<CONF
server.document-root = "$T/www"
server.bind          = "127.0.0.1"
server.port          = $PORT
server.errorlog      = "$T/lighttpd-error.log"
server.upload-dirs   = ( "$T" )
server.modules       = ( "mod_access", "mod_accesslog", "mod_cgi" )
accesslog.filename   = "$T/lighttpd-access.log"
accesslog.format     = "%h %l %u %t \"%r\" %>s %b"
# The echo backend is the file www/app; /app/... reaches it with PATH_INFO.
cgi.assign           = ( "/app" => "" )
include "$T/oauth2-fcgi.conf"
CONF
e2e_log "$T/lighttpd-error.log"

lighttpd -tt -f "$T/lighttpd.conf" >"$T/lighttpd-test.log" 2>&1 ||
    bail "lighttpd rejects the config: $(cat "$T/lighttpd-test.log")"
e2e_bg lighttpd lighttpd -D -f "$T/lighttpd.conf"
wait_port "$PORT" 15 || bail "lighttpd did not start on 127.0.0.1:$PORT"

BASE=http://127.0.0.1:$PORT
authorizer_checks "$BASE"

http_req "$BASE/app" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "/app itself (no trailing slash) is behind the authorizer"

c=$(mint --user alice --email alice@example.com)
http_req "$BASE/app/logged" -H "Cookie: $COOKIE_NAME=$c"
t_like "$(cat "$T/lighttpd-access.log" 2>/dev/null)" ' alice@example\.com \[' \
    "lighttpd's access log names the user (%u)"

t_done
