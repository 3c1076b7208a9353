#!/usr/bin/env bash
# apache-authnz-proxy.sh - the shipped contrib/apache/oauth2-fcgi-authnz.conf
# in Apache laid out as Debian lays it out (apachelib.sh: a2enmod, a2enconf,
# a2ensite in a temporary /etc/apache2), with the application behind
# mod_proxy (ProxyPass /app/ to a real HTTP backend that logs what it
# receives), a CGI program and static files under the protected /app, and a
# RewriteRule from /dash/ into /app/admin/. The program runs under
# spawn-fcgi on 127.0.0.1, as the file's Install section says.
#
# Without a session the backend receives nothing; no identity header a
# client sends (every spelling of the family, '-' or '_') reaches it; with
# a session the identity arrives once, and an unset variable sends no
# header rather than "(null)"; refusals carry one copy of each security
# header (gate_checks in apachelib.sh).
# leak_checks (apachelib.sh): a signed-in, allowed request answered 200,
# 304, 404, 403, 500, a down backend's 503, through ErrorDocument, or HEAD:
# no Variable-* header (the identity, the signed token) reaches the browser,
# and the application still gets its variables.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apachelib.sh"

need_debian_apache
need_tool spawn-fcgi
need_oa
need_apache_mods authnz_fcgi proxy proxy_fcgi proxy_http headers setenvif rewrite cgid
e2e_init

PORT=$(free_port) || bail "no free port"
FPORT=$(free_port) || bail "no free port"
BPORT=$(free_port) || bail "no free port"
DPORT=$(free_port) || bail "no free port" # nothing listens: a backend down
e2e_oa_config
leak_config_add "$E2E_CONFIG" "http://127.0.0.1:$PORT"

e2e_bg oauth2-fcgi spawn-fcgi -n -a 127.0.0.1 -p "$FPORT" -- "$OA_BIN" -c "$E2E_CONFIG"
wait_port "$FPORT" 15 || bail "oauth2-fcgi did not start on 127.0.0.1:$FPORT"
proxy_backend_start "$BPORT"

# a2enmod: the file's Install line, then what the site uses.
apache_debian_tree "$PORT" authnz_fcgi proxy_fcgi headers setenvif proxy_http rewrite cgi
sed -e "s|^Define OAUTH2_FCGI_ADDR .*|Define OAUTH2_FCGI_ADDR 127.0.0.1:$FPORT|" \
    "$top_srcdir/contrib/apache/oauth2-fcgi-authnz.conf" >"$E2E_TMP/oauth2-fcgi-authnz.conf"
apache_debian_enconf "$E2E_TMP/oauth2-fcgi-authnz.conf"
mapfile -t LEAK_LINES < <(leak_site_lines "$DPORT")
apache_debian_site "$PORT" "$BPORT" "${LEAK_LINES[@]}"
leak_site_files
apache_debian_start "$PORT"

gate_checks "http://127.0.0.1:$PORT"
leak_checks "http://127.0.0.1:$PORT"

t_done
