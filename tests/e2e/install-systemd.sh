#!/usr/bin/env bash
# install-systemd.sh - contrib/systemd/oauth2-fcgi.service's install lines,
# run as written (installlib.sh) in a Debian-style tree: the system user
# oauth2-fcgi (made when missing, removed at the end if this test made
# it), the config readable by its group (0640), the key its own (0600),
# the units in /etc/systemd/system. systemd-analyze verify accepts the
# installed units; then they run as systemd runs them
# (tests/load/socket-unit.py with SOCKET_UNIT_USERS=1: the socket
# root:www-data 0660, the service as User=oauth2-fcgi), and nginx from
# Debian's nginx.conf (workers as www-data) with the shipped site file
# reaches the authorizer through the socket. (systemctl is not run: no
# systemd here.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/installlib.sh"

il_need
need_tool nginx python3 adduser deluser
for f in nginx.conf fastcgi_params mime.types; do
    [ -f "/etc/nginx/$f" ] || skip_all "Debian's /etc/nginx/$f is missing"
done
e2e_init
PORT=$(free_port) || bail "no free port"
BPORT=$(free_port) || bail "no free port"
IL_SED=(-e "s|listen 127\\.0\\.0\\.1:80;|listen 127.0.0.1:$PORT;|"
    -e "s|server 127\\.0\\.0\\.1:8080;|server 127.0.0.1:$BPORT;|")
il_init
MADE_USER=
getent passwd oauth2-fcgi >/dev/null || MADE_USER=1
# shellcheck disable=SC2317 # run by the EXIT trap
systemd_cleanup() {
    il_stop_program
    if [ -n "$MADE_USER" ] && getent passwd oauth2-fcgi >/dev/null; then
        # userdel refuses a user that still has processes: the service's,
        # started by this test, are waited for (then killed)
        for _ in $(seq 1 50); do
            pgrep -u oauth2-fcgi >/dev/null || break
            sleep 0.1
        done
        for p in $(pgrep -u oauth2-fcgi); do kill -KILL "$p" 2>/dev/null; done
        sleep 0.2
        deluser --system --quiet oauth2-fcgi >/dev/null 2>&1 ||
            echo "# install-systemd: could not remove the user oauth2-fcgi it made" >&2
        getent group oauth2-fcgi >/dev/null && delgroup --system --quiet oauth2-fcgi >/dev/null 2>&1
    fi
}
trap 'e2e_cleanup_pids_first; systemd_cleanup; e2e_cleanup' EXIT
# the socket unit's helper first (it stops the service), then the rest
# shellcheck disable=SC2317 # run by the EXIT trap
e2e_cleanup_pids_first() {
    local p
    for p in "${E2E_PIDS[@]+"${E2E_PIDS[@]}"}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${E2E_PIDS[@]+"${E2E_PIDS[@]}"}"; do e2e_wait_gone "$p" || kill -KILL "$p" 2>/dev/null; done
}
echo_backend_start "$BPORT"

U=$R/etc/systemd/system
mkdir -p "$U"
il_run "$top_srcdir/contrib/systemd/oauth2-fcgi.service" \
    'chown oauth2-fcgi:oauth2-fcgi /etc/oauth2-fcgi/session.key' "the key made the user oauth2-fcgi's"
t_like "$(getent passwd oauth2-fcgi)" "^oauth2-fcgi:" "the system user oauth2-fcgi exists"
e=$R/etc/oauth2-fcgi
t_is "$(stat -c '%U:%G %a' "$e/oauth.yml" 2>&1)" "root:oauth2-fcgi 640" "the config: root:oauth2-fcgi 0640"
t_is "$(stat -c '%U:%G %a' "$e/session.key" 2>&1)" "oauth2-fcgi:oauth2-fcgi 600" "the key: oauth2-fcgi's, 0600"
rc=0
runuser -u oauth2-fcgi -- "$R/usr/sbin/oauth2-fcgi" --check-config -c "$e/oauth.yml" \
    >"$E2E_TMP/check.out" 2>"$E2E_TMP/check.err" || rc=$?
t_is "$rc" 0 "as oauth2-fcgi, --check-config accepts the installed config (as the file says)"
t_unlike "$(cat "$E2E_TMP/check.err")" 'cannot open|readable by others|no session.key_file' \
    "... with the key, and no warning about modes"
t_ok "the units are in /etc/systemd/system" test -f "$U/oauth2-fcgi.socket" -a -f "$U/oauth2-fcgi.service"

if systemd-analyze verify --man=no "$U/oauth2-fcgi.socket" >/dev/null 2>"$E2E_TMP/probe.err"; then
    rc=0
    systemd-analyze verify --man=no "$U/oauth2-fcgi.socket" "$U/oauth2-fcgi.service" \
        >"$E2E_TMP/verify.log" 2>&1 || rc=$?
    t_is "$rc" 0 "systemd-analyze verify accepts the installed units"
    [ "$rc" = 0 ] || t_diag "$(cat "$E2E_TMP/verify.log")"
else
    t_skip "systemd-analyze cannot run here: $(head -n 1 "$E2E_TMP/probe.err")"
fi

# The units, run as systemd runs them (users included).
SOCKET_UNIT_USERS=1 e2e_bg socket-unit python3 "$top_srcdir/tests/load/socket-unit.py" \
    "$U/oauth2-fcgi.socket" "$U/oauth2-fcgi.service" "$E2E_TMP/mainpid"
wait_file "$E2E_TMP/mainpid" 15 || bail "the socket unit did not start the service"
t_is "$(stat -c '%U:%G %a' "$R/run/oauth2-fcgi.sock" 2>&1)" "root:www-data 660" \
    "the socket: root:www-data 0660 (SocketUser, SocketGroup, SocketMode)"
sleep 0.5
t_is "$(ps -o user= -p "$(cat "$E2E_TMP/mainpid")" 2>/dev/null | tr -d ' ')" oauth2-fcgi \
    "the service runs as oauth2-fcgi"

il_nginx_tree
cp "$R/usr/share/doc/oauth2-fcgi/examples/nginx/oauth2-fcgi.conf" "$N/sites-available/"
ln -s ../sites-available/oauth2-fcgi.conf "$N/sites-enabled/oauth2-fcgi.conf"
il_nginx_start "$PORT"
il_http_checks "http://127.0.0.1:$PORT"
t_unlike "$(cat "$R/var/log/nginx/error.log")" 'Permission denied' "nginx logged no 'Permission denied'"
t_done
