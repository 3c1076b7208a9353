#!/usr/bin/env bash
# install-apache-fcgid.sh - contrib/apache/oauth2-fcgi-fcgid.conf's install
# lines, run as written (installlib.sh) in Apache laid out as Debian lays it
# out (apachelib.sh): the config and key made readable by www-data, the
# modules and the file enabled. Apache (children as www-data) starts the
# program through mod_fcgid and serves requests that reach the authorizer;
# a key the program cannot read: the reason is in Apache's error log, where
# the file says to look.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apachelib.sh"
. "$(dirname "$0")/installlib.sh"

il_need
need_debian_apache
need_apache_mods fcgid alias proxy proxy_http headers setenvif rewrite cgid
e2e_init
PORT=$(free_port) || bail "no free port"
BPORT=$(free_port) || bail "no free port"
il_apache_tree "$PORT" "$BPORT"
# mod_fcgid's compiled-in directories (/var/lib/apache2/fcgid), in the tree,
# as Debian's package makes them (www-data's).
mkdir -p "$R/var/lib/apache2/fcgid"
chown www-data:www-data "$R/var/lib/apache2/fcgid"
{
    echo "FcgidIPCDir \"$R/var/lib/apache2/fcgid/sock\""
    echo "FcgidProcessTableFile \"$R/var/lib/apache2/fcgid/shm\""
} >"$APACHE_CONFDIR/conf-available/fcgid-paths.conf"
a2enconf -q fcgid-paths >/dev/null || bail "a2enconf fcgid-paths failed"

il_run "$top_srcdir/contrib/apache/oauth2-fcgi-fcgid.conf"
il_files_checks
t_ok "a2enconf enabled the file" test -L "$APACHE_CONFDIR/conf-enabled/oauth2-fcgi-fcgid.conf"

apache_debian_site "$PORT" "$BPORT"
apache_debian_start "$PORT"
il_http_checks "http://127.0.0.1:$PORT"
t_like "$(ps -o user= -p "$(il_program_pids | paste -sd,)" 2>/dev/null | sort -u | tr -d ' ')" \
    '^www-data$' "mod_fcgid runs the program as www-data"

# A key www-data cannot read: the next process mod_fcgid starts says why in
# Apache's error log.
chown root:root "$R/etc/oauth2-fcgi/session.key"
chmod 0600 "$R/etc/oauth2-fcgi/session.key"
kill -TERM "$(cat "$APACHE_PID_FILE")" 2>/dev/null
for i in $(seq 1 50); do port_in_use "$PORT" || break; sleep 0.1; done
il_stop_program
: >"$APACHE_LOG_DIR/error.log"
apache_debian_start "$PORT"
http_req "http://127.0.0.1:$PORT/app/page.html" -H 'Accept: text/html'
t_isnt "$HTTP_STATUS" 200 "a key the program cannot read: no 200 ($HTTP_STATUS)"
for i in $(seq 1 30); do
    grep -q 'key_file' "$APACHE_LOG_DIR/error.log" && break
    sleep 0.1
done
t_like "$(cat "$APACHE_LOG_DIR/error.log")" 'session key_file .*Permission denied' \
    "... and Apache's error log says why (the program's stderr)"
t_done
