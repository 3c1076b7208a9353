#!/usr/bin/env bash
# kill-nginx.sh - the program killed (SIGKILL) three times under load
# behind nginx with the shipped contrib/nginx/oauth2-fcgi.conf as is
# (upstream settings, fastcgi_next_upstream for the decision only), the
# program run as the nginx file recommends: the shipped systemd socket unit
# and service (tests/load/socket-unit.py does what systemd does).
# Criteria and figures: killlib.sh.
. "$(dirname "$0")/../e2e/lib.sh"
. "$top_srcdir/tests/load/killlib.sh"

need_tool nginx python3
[ -f /etc/nginx/fastcgi_params ] || skip_all "/etc/nginx/fastcgi_params is missing"
kill_setup
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
kill_unit_start "$T/oauth2-fcgi.sock"
kill_nginx_start "$PORT" "$T/oauth2-fcgi.sock"
EXEC=$(sed -n 's|^ExecStart=[^ ]*/||p' "$T/oauth2-fcgi.service" | sed "s|$E2E_CONFIG|CONFIG|")
kill_run nginx "nginx $(nginx -v 2>&1 | sed -n 's|.*nginx/||p'), contrib/nginx/oauth2-fcgi.conf (upstream: $(grep -c '^ *server unix:' "$T/oauth2-fcgi.conf") entries for the socket, $(sed -n 's/^ *server unix:[^ ]* \(.*\);.*/\1/p' "$T/oauth2-fcgi.conf" | paste -sd '|' | sed 's/|/ \/ /')), the program under the shipped systemd units (\`$EXEC\`, $(grep -E '^Restart(Sec)?=' "$T/oauth2-fcgi.service" | paste -sd ' '))." unit_pick
t_done
