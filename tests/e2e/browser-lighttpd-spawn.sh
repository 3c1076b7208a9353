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

# lighttpd as lib.sh sets it up, the contrib file's entries moved to the
# socket above and its "bin-path"/"bin-environment" lines dropped.
LIGHTTPD_SED=(-e 's|var.oauth2_fcgi_sockets + "/oauth2-fcgi[-a-z]*\.sock"|"'"$SOCK"'"|'
    -e '/^ *"bin-path" *=>/d' -e '/^ *"bin-environment" *=>/d')
lighttpd_start "$PORT" "$T/oauth.yml"
n=$(grep -c "\"socket\" *=> \"$SOCK\"" "$T/oauth2-fcgi.conf")
t_is "$n" 2 "the contrib config's two entries now use the spawn-fcgi socket"
t_unlike "$(grep -v '^ *#' "$T/oauth2-fcgi.conf")" '"bin-(path|environment)"' "... and no bin-path"

browser_run lighttpd-spawn "$BASE"
t_done
