#!/usr/bin/env bash
# install-apache-authnz.sh - contrib/apache/oauth2-fcgi-authnz.conf's
# install lines, run as written (installlib.sh) in Apache laid out as Debian
# lays it out (apachelib.sh, Debian's a2enmod/a2enconf on the tree): the
# config and key made readable by www-data (the old lines left --gen-key's
# root-only key, and `spawn-fcgi -u www-data` died with only "child exited
# with: 2"), the program started by spawn-fcgi -n as www-data on
# 127.0.0.1 (the port moved to a free one), the modules and the file
# enabled. Apache (children as www-data) then serves requests that reach
# the authorizer; a key the program cannot read leaves the reason in
# /var/log/oauth2-fcgi.log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apachelib.sh"
. "$(dirname "$0")/installlib.sh"

il_need
need_debian_apache
need_tool spawn-fcgi
need_apache_mods authnz_fcgi proxy proxy_fcgi proxy_http headers setenvif rewrite cgid
e2e_init
PORT=$(free_port) || bail "no free port"
FPORT=$(free_port) || bail "no free port"
BPORT=$(free_port) || bail "no free port"
IL_SED=(-e "s|127\\.0\\.0\\.1 -p 9000|127.0.0.1 -p $FPORT|" -e "s|127\\.0\\.0\\.1:9000|127.0.0.1:$FPORT|")
il_apache_tree "$PORT" "$BPORT"

il_run "$top_srcdir/contrib/apache/oauth2-fcgi-authnz.conf"
il_files_checks
wait_port "$FPORT" 15 || t_diag "not listening: $(cat "$R/var/log/oauth2-fcgi.log" 2>&1)"
pids=$(il_program_pids)
t_isnt "$pids" "" "the program runs"
t_is "$(ps -o user= -p "$(echo "$pids" | paste -sd,)" 2>/dev/null | sort -u | tr -d ' ')" www-data \
    "... as www-data"
e2e_log "$R/var/log/oauth2-fcgi.log"
t_ok "a2enconf enabled the file" test -L "$APACHE_CONFDIR/conf-enabled/oauth2-fcgi-authnz.conf"
t_ok "a2enmod enabled mod_authnz_fcgi" test -L "$APACHE_CONFDIR/mods-enabled/authnz_fcgi.load"

apache_debian_site "$PORT" "$BPORT"
apache_debian_start "$PORT"
il_http_checks "http://127.0.0.1:$PORT"

il_bad_key_checks "$top_srcdir/contrib/apache/oauth2-fcgi-authnz.conf"
t_done
