#!/usr/bin/env bash
# browser-lighttpd.sh - a real browser signs in through lighttpd: the
# shipped contrib/lighttpd/oauth2-fcgi.conf (lighttpd starts the program
# itself with bin-path) with only its paths substituted, the OpenID
# provider of tests/idp, and the echo backend (tests/e2e/backend) on /app.
# The walk itself is tests/e2e/browser.js. Everything on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool lighttpd
browser_need
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
browser_idp "$BASE"
browser_config "$T/oauth.yml" "$BASE"

mkdir -p "$T/www"
cp "$top_srcdir/tests/e2e/backend" "$T/www/app"
chmod 755 "$T/www/app"
sed -e "s|^var.oauth2_fcgi_bin .*|var.oauth2_fcgi_bin = \"$OA_BIN\"|" \
    -e "s|^var.oauth2_fcgi_config .*|var.oauth2_fcgi_config = \"$T/oauth.yml\"|" \
    -e "s|^var.oauth2_fcgi_sockets .*|var.oauth2_fcgi_sockets = \"$T\"|" \
    "$top_srcdir/contrib/lighttpd/oauth2-fcgi.conf" >"$T/oauth2-fcgi.conf"
cat >"$T/lighttpd.conf" <<CONF
server.document-root = "$T/www"
server.bind          = "127.0.0.1"
server.port          = $PORT
server.errorlog      = "$T/lighttpd-error.log"
server.upload-dirs   = ( "$T" )
server.modules       = ( "mod_access", "mod_cgi" )
cgi.assign           = ( "/app" => "" )
include "$T/oauth2-fcgi.conf"
CONF
e2e_log "$T/lighttpd-error.log"
lighttpd -tt -f "$T/lighttpd.conf" >"$T/lighttpd-test.log" 2>&1 ||
    bail "lighttpd rejects the config: $(cat "$T/lighttpd-test.log")"
e2e_bg lighttpd lighttpd -D -f "$T/lighttpd.conf"
wait_port "$PORT" 15 || bail "lighttpd did not start on 127.0.0.1:$PORT"

browser_run lighttpd "$BASE"
t_done
