#!/usr/bin/env bash
# lighttpd-authorizer.sh - oauth2-fcgi behind a real lighttpd (Debian's
# package): the shipped contrib/lighttpd/oauth2-fcgi.conf with only its
# paths substituted, "mode" => "authorizer" on /app, the responder on
# /oauth, and the echo backend (tests/e2e/backend, mod_cgi) behind /app.
# lighttpd runs in the foreground on 127.0.0.1 on a free port with its own
# config in a temporary directory; it is stopped at exit.
. "$(dirname "$0")/lib.sh"

need_tool lighttpd curl
need_oa
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
e2e_oa_config
route_rules_add "$E2E_CONFIG"

lighttpd_start "$PORT" "$E2E_CONFIG"

BASE=http://127.0.0.1:$PORT
authorizer_checks "$BASE"
route_checks "$BASE"

http_req "$BASE/app" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "/app itself (no trailing slash) is behind the authorizer"

c=$(mint --user alice --email alice@example.com)
http_req "$BASE/app/logged" -H "Cookie: $COOKIE_NAME=$c"
# mod_accesslog buffers its lines and writes them out about once a second
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    grep -q ' alice@example\.com \[' "$T/lighttpd-access.log" 2>/dev/null && break
    sleep 0.2
done
t_like "$(cat "$T/lighttpd-access.log" 2>/dev/null)" ' alice@example\.com \[' \
    "lighttpd's access log names the user (%u)"

t_done
