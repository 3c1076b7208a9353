#!/usr/bin/env bash
# kill-spawn-fcgi.sh - the program killed (SIGKILL) three times under load
# when it runs under spawn-fcgi as contrib/spawn-fcgi/oauth2-fcgi.sh starts
# it (-w: a master and workers on one socket; here a unix socket, as the
# script's comment shows for lighttpd/nginx on the same host), behind
# lighttpd with contrib/lighttpd/oauth2-fcgi.conf in its socket-only form
# (its closing comment; as tests/e2e/browser-lighttpd-spawn.sh). Two
# workers, then the master. Criteria and figures: killlib.sh.
. "$(dirname "$0")/../e2e/lib.sh"
. "$top_srcdir/tests/load/killlib.sh"

need_tool lighttpd spawn-fcgi
kill_setup
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
SOCK=$T/oauth2-fcgi.sock
kill_spawn_start -s "$SOCK" -M 0660
wait_file "$SOCK" 15 || bail "spawn-fcgi did not make $SOCK"
LIGHTTPD_SED=(-e 's|var.oauth2_fcgi_sockets + "/oauth2-fcgi[-a-z]*\.sock"|"'"$SOCK"'"|'
    -e '/^ *"bin-path" *=>/d' -e '/^ *"bin-environment" *=>/d')
kill_lighttpd_start "$PORT"
t_is "$(grep -c "\"socket\" *=> \"$SOCK\"" "$T/oauth2-fcgi.conf")" 2 \
    "the contrib lighttpd config's two entries use the spawn-fcgi socket"
# shellcheck disable=SC2317 # called by kill_run
pick() { master_pick "$SPAWN_PID" "$1"; }
EXEC=$(sed -n 's|^exec spawn-fcgi \(.*\) \\$|spawn-fcgi \1|p' "$T/spawn-fcgi.sh")
ARGS=$(sed -n 's|^ *-- [^ ]*/oauth2-fcgi -c [^ ]* ||p' "$T/spawn-fcgi.sh")
kill_run spawn-fcgi "contrib/spawn-fcgi/oauth2-fcgi.sh (\`${EXEC//"$T/"/} -- oauth2-fcgi -c CONFIG $ARGS\`), behind lighttpd $(lighttpd -v 2>&1 | sed -n 's|^lighttpd/\([^ ]*\).*|\1|p') with contrib/lighttpd/oauth2-fcgi.conf in its socket-only form. Kills: two workers, then the master (its workers keep serving the socket)." pick spawn_reset
t_done
