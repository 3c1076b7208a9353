#!/usr/bin/env bash
# path-readings.sh - one path, many readings, through a real lighttpd (the
# shipped contrib/lighttpd/oauth2-fcgi.conf, the echo backend behind the
# authorizer on /app): with the e2e rules (/app/admin/ for
# admin@example.com only, then /app/ for example.com), a signed-in
# example.com user who is not the admin never reaches the admin area by a
# path that some backend reads as /app/admin/... (encoded slashes, case,
# Java path parameters, backslashes, Windows trailing dots, double
# encoding), nor through a url.rewrite into it; the admin still does, and
# the plain paths still pass. doc/oauth2-fcgi.yml.5, "Path readings".
. "$(dirname "$0")/lib.sh"

need_tool lighttpd curl
need_oa
e2e_init

PORT=$(free_port) || bail "no free port"
e2e_oa_config

# shellcheck disable=SC2016 # lighttpd's $1, not the shell's
lighttpd_start "$PORT" "$E2E_CONFIG" \
    'server.modules += ( "mod_rewrite" )' \
    'url.rewrite-once = ( "^/dash/(.*)" => "/app/admin/$1", "^/open/(.*)" => "/app/$1" )'
BASE=http://127.0.0.1:$PORT

bob=$(mint --user bob --email bob@example.com)
admin=$(mint --user admin --email admin@example.com)

# get COOKIE PATH: the status of PATH (sent as it is) as an API call.
get() {
    http_req "$BASE$2" --path-as-is -H "Cookie: $COOKIE_NAME=$1" -H 'Accept: application/json'
}

ADMIN_READINGS=(
    '/app/admin/x'
    '/app/admin/x%2F..%2F..%2Fy'
    '/app/admin/x%2f..%2f..%2fy'
    '/app/ADMIN/x'
    '/app/Admin'
    '/app/admin;jsessionid=1/x'
    '/app/x/..;/admin/'
    '/app/admin%3Bx/y'
    '/app/admin%5Cx'
    '/app/x%5C..%5Cadmin%5Cy'
    '/app/%2561dmin/x'
    '/app/x%252F..%252Fadmin/y'
    '/app/admin./x'
    '/app/admin%20/x'
    '/app/%61dmin/x'
    '/app/x/../admin/x'
    '/dash/x'
    '/open/admin/x'
    '/open/ADMIN/x'
)

for p in "${ADMIN_READINGS[@]}"; do
    get "$bob" "$p"
    if [ "$HTTP_STATUS" != 200 ] && ! printf '%s' "$HTTP_BODY" | grep -q 'REMOTE_USER='; then
        t_pass "non-admin kept out: $p ($HTTP_STATUS)"
    else
        t_fail "non-admin kept out: $p"
        t_diag "status $HTTP_STATUS"
    fi
done

for p in '/app/admin/x' '/app/ADMIN/x' '/app/admin;jsessionid=1/x' '/dash/x'; do
    get "$admin" "$p"
    t_is "$HTTP_STATUS" 200 "the admin passes: $p"
done

for p in '/app/page' '/app/page;v=1' '/app/a%2Fb' '/app/caf%C3%A9' '/open/page'; do
    get "$bob" "$p"
    t_is "$HTTP_STATUS" 200 "a plain path still passes: $p"
done

t_done
