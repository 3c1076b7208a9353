#!/usr/bin/env bash
# apache-fcgid-proxy.sh - the shipped contrib/apache/oauth2-fcgi-fcgid.conf
# in Apache laid out as Debian lays it out (apachelib.sh: a2enmod, a2enconf,
# a2ensite in a temporary /etc/apache2), with the application behind
# mod_proxy (ProxyPass /app/ to a real HTTP backend that logs what it
# receives), a CGI program and static files under the protected /app, and a
# RewriteRule from /dash/ into /app/admin/. mod_fcgid starts the program
# (access checker on /app, responder on /oauth, ErrorDocument 401 to the
# sign-in).
#
# Without a session the backend receives nothing; no identity header a
# client sends (every spelling of the family, '-' or '_') reaches it; with
# a session the identity arrives once, and an unset variable sends no
# header rather than "(null)"; the sign-in, 401 and 403 answers carry one
# copy of each security header, not the access checker's merged in
# (gate_checks in apachelib.sh).
# leak_checks (apachelib.sh): a signed-in, allowed request answered 200,
# 304, 404, 403, 500, a down backend's 503, through ErrorDocument, or HEAD:
# no Variable-* header (the identity, the signed token) reaches the browser,
# and the application still gets its variables.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apachelib.sh"

need_debian_apache
need_oa
need_apache_mods fcgid alias proxy proxy_http headers setenvif rewrite cgid
e2e_init

PORT=$(free_port) || bail "no free port"
BPORT=$(free_port) || bail "no free port"
DPORT=$(free_port) || bail "no free port" # nothing listens: a backend down
e2e_oa_config
leak_config_add "$E2E_CONFIG" "http://127.0.0.1:$PORT"
proxy_backend_start "$BPORT"

# a2enmod: the file's Install line, then what the site uses.
apache_debian_tree "$PORT" fcgid alias headers setenvif proxy_http rewrite cgi
# mod_fcgid runs the program as Apache's user: it reads the key, and the
# process manager writes its sockets (kept in the test's directory).
mkdir -p "$E2E_TMP/fcgid"
if [ "$(id -u)" = 0 ]; then
    chown "$(apache_user):$(apache_group)" "$E2E_KEY" "$E2E_TMP/fcgid"
fi
{
    echo "FcgidIPCDir \"$E2E_TMP/fcgid\""
    echo "FcgidProcessTableFile \"$E2E_TMP/fcgid/shm\""
    echo "FcgidMaxProcessesPerClass 2"
} >"$E2E_TMP/e2e-fcgid-paths.conf"
apache_debian_enconf "$E2E_TMP/e2e-fcgid-paths.conf"
sed -e "s|^Define OAUTH2_FCGI_DIR .*|Define OAUTH2_FCGI_DIR $(dirname "$OA_BIN")|" \
    -e "s|^Define OAUTH2_FCGI_BIN .*|Define OAUTH2_FCGI_BIN $OA_BIN|" \
    -e "s|^Define OAUTH2_FCGI_CONFIG .*|Define OAUTH2_FCGI_CONFIG $E2E_CONFIG|" \
    "$top_srcdir/contrib/apache/oauth2-fcgi-fcgid.conf" >"$E2E_TMP/oauth2-fcgi-fcgid.conf"
apache_debian_enconf "$E2E_TMP/oauth2-fcgi-fcgid.conf"
mapfile -t LEAK_LINES < <(leak_site_lines "$DPORT")
apache_debian_site "$PORT" "$BPORT" "${LEAK_LINES[@]}"
leak_site_files
apache_debian_start "$PORT"

gate_checks "http://127.0.0.1:$PORT"
leak_checks "http://127.0.0.1:$PORT"

t_done
