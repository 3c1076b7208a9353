#!/usr/bin/env bash
# kill-authnz.sh - the program killed (SIGKILL) three times under load
# behind Apache with mod_authnz_fcgi and the shipped
# contrib/apache/oauth2-fcgi-authnz.conf (its address substituted, as
# lib.sh's apache_authnz_start does), the program run as that file's
# install note says: contrib/spawn-fcgi/oauth2-fcgi.sh on 127.0.0.1 (-w: a
# master and workers on one socket). Two workers, then the master.
# Criteria and figures: killlib.sh.
. "$(dirname "$0")/../e2e/lib.sh"
. "$top_srcdir/tests/load/killlib.sh"

need_tool apache2 spawn-fcgi
need_apache_mods authnz_fcgi proxy proxy_fcgi alias headers setenvif authn_core authz_core authz_user
kill_setup
PORT=$(free_port) || bail "no free port"
FPORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
kill_spawn_start -a 127.0.0.1 -p "$FPORT"
wait_port "$FPORT" 15 || bail "spawn-fcgi did not listen on 127.0.0.1:$FPORT"
sed -e "s|^Define OAUTH2_FCGI_ADDR .*|Define OAUTH2_FCGI_ADDR 127.0.0.1:$FPORT|" \
    "$top_srcdir/contrib/apache/oauth2-fcgi-authnz.conf" >"$T/oauth2-fcgi-authnz.conf"
kill_apache_start "$PORT" "$T/oauth2-fcgi-authnz.conf" \
    "authn_core authz_core authz_user authnz_fcgi proxy proxy_fcgi alias headers setenvif"
# shellcheck disable=SC2317 # called by kill_run
pick() { master_pick "$SPAWN_PID" "$1"; }
ARGS=$(sed -n 's|^ *-- [^ ]*/oauth2-fcgi -c [^ ]* ||p' "$T/spawn-fcgi.sh")
kill_run authnz "Apache $(apache2 -v | sed -n 's|^Server version: Apache/\([^ ]*\).*|\1|p') prefork, mod_authnz_fcgi, contrib/apache/oauth2-fcgi-authnz.conf; the program from contrib/spawn-fcgi/oauth2-fcgi.sh on 127.0.0.1 TCP (\`oauth2-fcgi $ARGS\`). Kills: two workers, then the master (its workers keep serving the socket)." pick spawn_reset
t_done
