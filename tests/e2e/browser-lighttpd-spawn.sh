#!/usr/bin/env bash
# browser-lighttpd-spawn.sh - a real browser signs in through lighttpd with
# the program started on its own by spawn-fcgi on a unix socket: the
# shipped contrib/lighttpd/oauth2-fcgi.conf with its paths substituted and,
# as its closing comment says for this set-up, "bin-path"/"bin-environment"
# left out and both entries on the spawn-fcgi socket. The provider is
# tests/idp's, the application the echo backend on /app; the walk is
# tests/e2e/browser.js. Everything on 127.0.0.1 and in a temporary directory.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool lighttpd spawn-fcgi
browser_need
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
browser_idp "$BASE"
browser_config "$T/oauth.yml" "$BASE"

# The program on a unix socket, as contrib/spawn-fcgi says (-n: in the
# foreground, so its stderr is this test's log; -F 1: one process).
SOCK=$T/oauth2-fcgi.sock
e2e_bg oauth2-fcgi spawn-fcgi -n -s "$SOCK" -M 0660 -- "$OA_BIN" -c "$T/oauth.yml" -t 4
wait_file "$SOCK" 15 || bail "spawn-fcgi did not make $SOCK"

mkdir -p "$T/www"
cp "$top_srcdir/tests/e2e/backend" "$T/www/app"
chmod 755 "$T/www/app"
sed -e "s|^var.oauth2_fcgi_bin .*|var.oauth2_fcgi_bin = \"$OA_BIN\"|" \
    -e "s|^var.oauth2_fcgi_config .*|var.oauth2_fcgi_config = \"$T/oauth.yml\"|" \
    -e "s|^var.oauth2_fcgi_sockets .*|var.oauth2_fcgi_sockets = \"$T\"|" \
    -e 's|var.oauth2_fcgi_sockets + "/oauth2-fcgi[-a-z]*\.sock"|"'"$SOCK"'"|' \
    -e '/^ *"bin-path" *=>/d' -e '/^ *"bin-environment" *=>/d' \
    "$top_srcdir/contrib/lighttpd/oauth2-fcgi.conf" >"$T/oauth2-fcgi.conf"
n=$(grep -c "\"socket\" *=> \"$SOCK\"" "$T/oauth2-fcgi.conf")
t_is "$n" 2 "the contrib config's two entries now use the spawn-fcgi socket"
t_unlike "$(grep -v '^ *#' "$T/oauth2-fcgi.conf")" '"bin-(path|environment)"' "... and no bin-path"
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

browser_run lighttpd-spawn "$BASE"
t_done
