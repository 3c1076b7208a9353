#!/usr/bin/env bash
# demo-app.sh - the demo's protected page (scripts/demo-app.py, the CGI
# application scripts/demo.sh puts behind lighttpd's authorizer) shows who
# is signed in - name, email, provider, groups, workspaces, each escaped -
# and a sign-out button whose form the logout endpoint accepts without a
# confirmation; it never shows the request's Cookie (the session). Driven
# through lighttpd with the shipped config (lib.sh) and a session cookie.
. "$(dirname "$0")/lib.sh"

need_tool lighttpd curl python3
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
lighttpd_start "$PORT" "$E2E_CONFIG"
cp "$top_srcdir/scripts/demo-app.py" "$T/www/app" # as scripts/demo.sh does
chmod 755 "$T/www/app"
# shellcheck disable=SC2016 # a literal $top and $T in an ERE
t_like "$(cat "$top_srcdir/scripts/demo.sh")" 'cp "\$top/scripts/demo-app.py" "\$T/www/app"' \
    "scripts/demo.sh serves this page as /app"

c=$(mint --user alice --email alice@example.com --name 'Alice <b>Example</b> & Co' \
    --provider corp --groups 'admins,dev<x>' --workspaces 'argilla,team-a')
http_req "$BASE/app/" -H 'Accept: text/html' -H "Cookie: $COOKIE_NAME=$c"
t_is "$HTTP_STATUS" 200 "signed in: the demo page"
t_like "$(http_header Content-Type)" '^text/html' "... is HTML"
b=$HTTP_BODY
t_like "$b" '<h1>Signed in as <span id="name">Alice &lt;b&gt;Example&lt;/b&gt; &amp; Co</span></h1>' \
    "it names the user (escaped)"
t_unlike "$b" '<b>Example' "... never as markup"
t_like "$b" '<dd id="email">alice@example.com</dd>' "it shows the email"
t_like "$b" '<dd id="provider">corp</dd>' "it shows the provider"
t_like "$b" '<dd id="groups"><ul><li>admins</li><li>dev&lt;x&gt;</li></ul></dd>' "it lists the groups"
t_like "$b" '<dd id="workspaces"><ul><li>argilla</li><li>team-a</li></ul></dd>' "it lists the workspaces"
t_like "$b" '<form method="post" action="/oauth/logout">' "a sign-out form posts to the logout endpoint"
t_like "$b" '<button type="submit" id="sign-out">Sign out</button>' "... with a Sign out button"
t_unlike "$b" "$c|HTTP_COOKIE" "the page never shows the Cookie header (the session)"

# The button, as a browser sends it from this page.
http_req "$BASE/oauth/logout" -H 'Accept: text/html' -H "Cookie: $COOKIE_NAME=$c" \
    -H "Origin: $BASE" -H "Referer: $BASE/app/" -H 'Sec-Fetch-Site: same-origin' --data 'rd=/'
t_in "$HTTP_STATUS" "302 303" "sign-out: the logout endpoint redirects ($HTTP_STATUS), no confirmation page"
t_like "$(printf '%s\n' "$HTTP_HEADERS" | grep -i '^set-cookie:' | grep -i "$COOKIE_NAME=")" \
    '(Max-Age=0|expires=Thu, 01 Jan 1970)' "... and clears the session cookie"

# Without a session the page is never reached.
http_req "$BASE/app/" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "no session: the authorizer's redirect, not the page"
t_done
