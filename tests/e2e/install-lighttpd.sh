#!/usr/bin/env bash
# install-lighttpd.sh - contrib/lighttpd/oauth2-fcgi.conf's install lines,
# run as written (installlib.sh) in a Debian-style tree: the config and key
# made readable by www-data, the file in conf-available as
# 00-oauth2-fcgi.conf and enabled. Then Debian's own lighttpd.conf
# (server.username www-data; only paths rooted, the port moved and the IPv6
# listener left out) starts the program itself and serves requests that
# reach the authorizer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/installlib.sh"

il_need
need_tool lighttpd
[ -f /etc/lighttpd/lighttpd.conf ] || skip_all "Debian's /etc/lighttpd/lighttpd.conf is missing"
e2e_init
PORT=$(free_port) || bail "no free port"
il_init

# /etc/lighttpd and the directories Debian's lighttpd package makes
# (www-data's: /run/lighttpd holds the program's sockets).
L=$R/etc/lighttpd
mkdir -p "$L/conf-available" "$L/conf-enabled" "$R/var/log/lighttpd" \
    "$R/var/cache/lighttpd/uploads" "$R/run/lighttpd" "$R/var/www/html/app"
chown www-data:www-data "$R/var/log/lighttpd" "$R/var/cache/lighttpd/uploads" "$R/run/lighttpd"
cp /etc/lighttpd/conf-available/*.conf "$L/conf-available/"
il_root_sed -e "s|^server.port .*|server.port = $PORT\nserver.bind = \"127.0.0.1\"|" \
    -e '/use-ipv6.pl/d' /etc/lighttpd/lighttpd.conf >"$L/lighttpd.conf"
grep -q '^server.username *= *"www-data"' "$L/lighttpd.conf" ||
    bail "Debian's lighttpd.conf does not run as www-data"
echo "a protected page" >"$R/var/www/html/app/page.html"
chmod -R a+rX "$R/var/www"

il_run "$top_srcdir/contrib/lighttpd/oauth2-fcgi.conf"
il_files_checks
t_ok "the file is enabled as conf-enabled/00-oauth2-fcgi.conf" \
    test -e "$L/conf-enabled/00-oauth2-fcgi.conf"

e2e_log "$R/var/log/lighttpd/error.log"
lighttpd -tt -f "$L/lighttpd.conf" >"$E2E_TMP/lighttpd-test.log" 2>&1 ||
    bail "lighttpd rejects the installed tree: $(cat "$E2E_TMP/lighttpd-test.log")"
e2e_bg lighttpd lighttpd -D -f "$L/lighttpd.conf"
wait_port "$PORT" 15 || bail "lighttpd did not start on 127.0.0.1:$PORT"
il_http_checks "http://127.0.0.1:$PORT"
t_like "$(ps -o user= -p "$(il_program_pids | paste -sd,)" 2>/dev/null | sort -u | tr -d ' ')" \
    '^www-data$' "lighttpd runs the program as www-data"
t_done
