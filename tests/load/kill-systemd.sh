#!/usr/bin/env bash
# kill-systemd.sh - the program killed (SIGKILL) three times under load
# when systemd runs it from the shipped units, contrib/systemd/oauth2-fcgi.socket
# and .service (the socket held by "systemd": tests/load/socket-unit.py does
# what systemd does - the socket on fd 0, the group stopped and the service
# restarted after RestartSec when the main process dies), behind lighttpd
# with contrib/lighttpd/oauth2-fcgi.conf in its socket-only form. Two
# workers, then the master (systemd restarts the service). Criteria and
# figures: killlib.sh.
. "$(dirname "$0")/../e2e/lib.sh"
. "$top_srcdir/tests/load/killlib.sh"

need_tool lighttpd python3
kill_setup
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
SOCK=$T/oauth2-fcgi.sock
kill_unit_start "$SOCK"
LIGHTTPD_SED=(-e 's|var.oauth2_fcgi_sockets + "/oauth2-fcgi[-a-z]*\.sock"|"'"$SOCK"'"|'
    -e '/^ *"bin-path" *=>/d' -e '/^ *"bin-environment" *=>/d')
kill_lighttpd_start "$PORT"
EXEC=$(sed -n 's|^ExecStart=[^ ]*/||p' "$T/oauth2-fcgi.service" | sed "s|$E2E_CONFIG|CONFIG|")
kill_run systemd "contrib/systemd/oauth2-fcgi.socket + .service (\`$EXEC\`, $(grep -E '^Restart(Sec)?=' "$T/oauth2-fcgi.service" | paste -sd ' '); run by tests/load/socket-unit.py as systemd would), behind lighttpd $(lighttpd -v 2>&1 | sed -n 's|^lighttpd/\([^ ]*\).*|\1|p') with contrib/lighttpd/oauth2-fcgi.conf in its socket-only form. Kills: two workers, then the main process (systemd stops the rest of the unit and starts it again; the socket stays open)." unit_pick
t_done
