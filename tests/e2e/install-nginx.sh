#!/usr/bin/env bash
# install-nginx.sh - contrib/nginx/oauth2-fcgi.conf's install lines, run as
# written (installlib.sh) in a Debian-style tree: the config and key made
# readable by www-data, the program started by spawn-fcgi on
# /run/oauth2-fcgi.sock for www-data, the file in sites-available with its
# link in sites-enabled. Then Debian's own nginx.conf (user www-data, only
# paths rooted and the port moved) serves a request that reaches the
# authorizer: no 502 (the old start command made a root:root 0660 socket
# that nginx's workers could not open). A key the program cannot read: the
# reason is in /var/log/oauth2-fcgi.log, where the file says to look.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/installlib.sh"

il_need
need_tool nginx spawn-fcgi python3
for f in nginx.conf fastcgi_params mime.types; do
    [ -f "/etc/nginx/$f" ] || skip_all "Debian's /etc/nginx/$f is missing"
done
e2e_init
PORT=$(free_port) || bail "no free port"
BPORT=$(free_port) || bail "no free port"
IL_SED=(-e "s|listen 127\\.0\\.0\\.1:80;|listen 127.0.0.1:$PORT;|"
    -e "s|server 127\\.0\\.0\\.1:8080;|server 127.0.0.1:$BPORT;|")
il_init
echo_backend_start "$BPORT"

il_nginx_tree

il_run "$top_srcdir/contrib/nginx/oauth2-fcgi.conf"
il_files_checks
wait_file "$R/run/oauth2-fcgi.sock" 15 || t_diag "no socket: $(cat "$R/var/log/oauth2-fcgi.log" 2>&1)"
t_is "$(stat -c '%U:%G %a' "$R/run/oauth2-fcgi.sock" 2>&1)" "www-data:www-data 660" \
    "the socket is www-data's, mode 0660"
pids=$(il_program_pids)
t_isnt "$pids" "" "the program runs"
t_is "$(ps -o user= -p "$(echo "$pids" | paste -sd,)" 2>/dev/null | sort -u | tr -d ' ')" www-data \
    "... as www-data"
e2e_log "$R/var/log/oauth2-fcgi.log"

il_nginx_start "$PORT"
il_http_checks "http://127.0.0.1:$PORT"
t_unlike "$(cat "$R/var/log/nginx/error.log")" 'Permission denied' "nginx logged no 'Permission denied'"

il_bad_key_checks "$top_srcdir/contrib/nginx/oauth2-fcgi.conf"
t_done
