#!/usr/bin/env bash
# nginx-debian.sh - no way around the gate with the shipped
# contrib/nginx/oauth2-fcgi.conf laid out as Debian lays out nginx: a copy
# of Debian's own /etc/nginx/nginx.conf (only paths changed) that includes
# conf.d/*.conf and sites-enabled/*, the contrib file in sites-available
# with a symlink in sites-enabled (its EDIT lines filled in, plus what a
# site adds: a rewrite into the protected prefix and a static directory
# inside it), Debian's fastcgi_params, and the application behind
# proxy_pass: a real backend process (tests/e2e/echo-backend.py) that
# logs every request it receives. conf.d turns underscores_in_headers on
# for the whole http block (as another site may need): the shipped server
# must still drop them.
#
# Without a session the backend sees nothing at all; with one, it gets
# the session's identity in every header of the family apps trust
# (X-Forwarded-*, X-Auth-Request-*, Remote-*, X-Remote-User,
# X-WEBAUTH-USER) and never a client's value, in any "-"/"_" spelling.
# (SECURITY.md, "No way around the gate"; DESIGN.md section 4.4.)
. "$(dirname "$0")/lib.sh"

need_tool nginx curl python3
need_oa
DEB=/etc/nginx
for f in nginx.conf fastcgi_params mime.types; do
    [ -f "$DEB/$f" ] || skip_all "Debian's $DEB/$f is missing"
done
e2e_init

T=$E2E_TMP
e2e_oa_config
PORT=$(free_port) || bail "no free port"
BPORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
echo_backend_start "$BPORT"

# The program on a unix socket, as the shipped config expects; its audit
# lines in its log, to see the request id nginx passes (REQUEST_ID).
echo "audit: log" >>"$E2E_CONFIG"
e2e_bg oauth2-fcgi "$OA_BIN" -s "$T/oa.sock" -c "$E2E_CONFIG" -t 2
wait_file "$T/oa.sock" 15 || bail "oauth2-fcgi did not make its socket $T/oa.sock"

mkdir -p "$T/www/app/static"
echo "static: hello" >"$T/www/app/static/hello.txt"
echo "static: logo" >"$T/www/app/static/logo.png"

# /etc/nginx as Debian has it, under $T/etc/nginx.
N=$T/etc/nginx
mkdir -p "$N/conf.d" "$N/sites-available" "$N/sites-enabled" "$T/run" "$T/temp"
cp "$DEB/fastcgi_params" "$DEB/mime.types" "$N/"
user_line=
[ "$(id -u)" = 0 ] && user_line='user root;'
sed -e "s|^user .*|$user_line|" \
    -e "s|^pid .*|pid $T/run/nginx.pid;|" \
    -e "s|^error_log .*|error_log $T/nginx-error.log notice;|" \
    -e "s|access_log /var/log/nginx/access.log;|access_log $T/nginx-access.log;|" \
    -e "s|include /etc/nginx/mime.types;|include $N/mime.types;|" \
    -e "s|include /etc/nginx/conf.d/\*.conf;|include $N/conf.d/*.conf;|" \
    -e "s|include /etc/nginx/sites-enabled/\*;|include $N/sites-enabled/*;|" \
    "$DEB/nginx.conf" >"$N/nginx.conf"
grep -q "include $N/sites-enabled/\*;" "$N/nginx.conf" ||
    bail "Debian's nginx.conf does not include sites-enabled/* as expected"
cat >"$N/conf.d/e2e.conf" <<EOF
# Paths of this test, and a setting another site on this nginx may need.
client_body_temp_path $T/temp/body;
fastcgi_temp_path $T/temp/fastcgi;
proxy_temp_path $T/temp/proxy;
scgi_temp_path $T/temp/scgi;
uwsgi_temp_path $T/temp/uwsgi;
underscores_in_headers on;
EOF
# The shipped file: its EDIT lines, then what a site adds: a rewrite into
# the protected prefix; static files inside it, repeating the `set` line
# as the file says; and, beside it, regex locations as sites have them
# (long-lived static files, PHP behind another server).
sed -e "s|unix:/run/oauth2-fcgi\.sock|unix:$T/oa.sock|g" \
    -e "s|server 127\.0\.0\.1:8080;|server 127.0.0.1:$BPORT;|" \
    -e "s|listen 127\.0\.0\.1:80;|listen 127.0.0.1:$PORT;|" \
    -e "s|^\( *\)server_name _;|&\n\1rewrite ^/dash/(.*)\$ /app/admin/\$1 last;|" \
    -e "s|^\( *\)location [~^ ]*/app/ {.*|&\n\1\1location /app/static/ { set \$oauth2_fcgi_path \$uri; root $T/www; }|" \
    -e "s|^\( *\)location = /app {.*|\1location ~* \\\\.(png\|css\|js)\$ { root $T/www; expires 1d; }\n\1location ~ \\\\.php\$ { proxy_pass http://127.0.0.1:$BPORT; }\n&|" \
    "$top_srcdir/contrib/nginx/oauth2-fcgi.conf" >"$N/sites-available/oauth2-fcgi.conf"
grep -q 'location /app/static/' "$N/sites-available/oauth2-fcgi.conf" ||
    bail "could not add the static location"
ln -s ../sites-available/oauth2-fcgi.conf "$N/sites-enabled/oauth2-fcgi.conf"
e2e_log "$T/nginx-error.log"
nginx -t -e "$T/nginx-error.log" -c "$N/nginx.conf" >"$T/nginx-test.log" 2>&1 ||
    bail "nginx rejects the Debian layout: $(cat "$T/nginx-test.log")"
e2e_bg nginx nginx -e "$T/nginx-error.log" -c "$N/nginx.conf" -g 'daemon off;'
wait_port "$PORT" 15 || bail "nginx did not start on 127.0.0.1:$PORT"

# unreached DESC COMMAND...: the command's request left no trace in the
# backend's own log.
unreached() {
    local desc=$1 before
    shift
    before=$(backend_seen)
    "$@"
    t_is "$(backend_seen)" "$before" "$desc: the backend saw nothing"
}

# No session: nothing reaches the backend.
for u in /app/page /app/ /dash/x /app/admin/x '/app/%61dmin/x' '/app/x/../y' /app/index.php; do
    unreached "no session, page load $u" http_req "$BASE$u" --path-as-is -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "no session, page load $u: 302"
done
t_like "$(http_header Location)" '/oauth/' "... to the sign-in under /oauth"
unreached "no session, API call" http_req "$BASE/app/api" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 401 "no session, API call: 401"
unreached "no session, POST" http_req "$BASE/app/form" -d 'a=1' -H 'Accept: text/html'
t_in "$HTTP_STATUS" "302 401" "no session, POST: refused ($HTTP_STATUS)"
http_req "$BASE/app/static/hello.txt" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "no session, static file: 302"
t_unlike "$HTTP_BODY" 'static: hello' "no session: the static file is not served"
http_req "$BASE/app/static/logo.png" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "no session, a file a regex location serves: 302"
t_unlike "$HTTP_BODY" 'static: logo' "no session: the regex location does not serve it"
forged_identity_args forged-evil
unreached "no session + every forged identity header" \
    http_req "$BASE/app/page" -H 'Accept: text/html' "${FORGED[@]}"
t_is "$HTTP_STATUS" 302 "no session + forged identity headers: 302"

# A session: the session's identity in the whole family, nothing forged.
c=$(mint --user alice --email alice@example.com --groups 'ops,dev')
http_req "$BASE/app/page" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html' "${FORGED[@]}"
t_is "$HTTP_STATUS" 200 "session: 200 from the proxied backend"
t_like "$(backend_headers)" '^Host: ' "session: the backend's own answer"
t_is "$(backend_headers | grep evil | head -n 8)" "" \
    "session: no forged identity header reaches the backend (any spelling)"
t_is "$(backend_headers | cut -d: -f1 | grep -c '_')" 0 "session: no header with '_' in its name reaches the backend"
for h in X-Forwarded-User X-Auth-Request-User Remote-User X-Remote-User X-WEBAUTH-USER; do
    t_is "$(backend_header "$h")" alice@example.com "session: $h is the session's user"
done
for h in X-Forwarded-Email X-Auth-Request-Email Remote-Email; do
    t_is "$(backend_header "$h")" alice@example.com "session: $h is the session's email"
done
for h in X-Forwarded-Groups X-Auth-Request-Groups Remote-Groups; do
    t_is "$(backend_header "$h")" ops,dev "session: $h is the session's groups"
done
for h in X-Forwarded-Preferred-Username X-Auth-Request-Preferred-Username; do
    t_is "$(backend_header "$h")" alice "session: $h is the session's user name"
done
for h in X-Forwarded-Access-Token X-Auth-Request-Access-Token Remote-Name; do
    t_is "$(backend_header "$h")" "" "session: $h (no value here) is cleared"
done

# No groups in the session: the client's groups are not kept either.
c2=$(mint --user carol --email carol@example.com)
http_req "$BASE/app/page" -H "Cookie: $COOKIE_NAME=$c2" -H 'Accept: text/html' "${FORGED[@]}"
t_is "$HTTP_STATUS" 200 "session without groups: 200"
t_is "$(backend_headers | grep -i groups)" "" "session without groups: no *Groups header at all"
t_is "$(backend_headers | grep evil | head -n 8)" "" "session without groups: nothing forged"

http_req "$BASE/app/static/hello.txt" -H "Cookie: $COOKIE_NAME=$c"
t_is "$HTTP_BODY" 'static: hello' "session: the static file is served"

# Signed in, not allowed: 403 and nothing reaches the backend.
unreached "non-admin, /app/admin/x" \
    http_req "$BASE/app/admin/x" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "non-admin, /app/admin/x: 403"
v=$(mint --user admin --email admin@example.com)
http_req "$BASE/dash/x" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "admin, /dash/x (rewritten to /app/admin/x): 200"
t_like "$(printf '%s' "$HTTP_BODY" | grep request_line)" 'GET /app/admin/x ' \
    "... the backend serves /app/admin/x"
# The rules must also see the URI nginx serves (OAUTH2_FCGI_PATH).
unreached "non-admin, /dash/x (rewritten to /app/admin/x)" \
    http_req "$BASE/dash/x" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "non-admin, /dash/x (rewritten to /app/admin/x): 403"

# The session lifecycle through the shipped file: /auth's 401 for a stale
# session goes through error_page to the program, which redirects to
# /oauth/refresh; /oauth/refresh and backchannel-logout reach the responder.
lifecycle_route_checks "$BASE"

# The audit log's request id is nginx's $request_id (32 hex digits), which
# the shipped file passes as REQUEST_ID, not one the program makes.
t_like "$(grep -m1 'audit: .*"event": "denied", "status": 403' "$T/oauth2-fcgi.log")" \
    '"client": "127\.0\.0\.1", "request_id": "[0-9a-f]{32}"\}$' \
    "an audited denial carries nginx's \$request_id (fastcgi_param REQUEST_ID)"

t_done
