#!/usr/bin/env bash
# demo.sh - oauth2-fcgi working on this machine in one command: installs
# what is missing (scripts/install-deps.sh), builds in build/demo, and
# starts on 127.0.0.1
#   - a local OpenID provider (tests/idp/provider.js: the oidc-provider
#     package, over https with a throwaway CA, users alice and bob),
#   - lighttpd with the shipped contrib/lighttpd/oauth2-fcgi.conf: /app is
#     protected (scripts/demo-app.py: who is signed in - name, email,
#     groups, workspaces - and a sign-out button),
#     the sign-in endpoints are under /oauth,
# then prints the URL and the demo user's credentials. Ctrl-C stops it all.
#
# Environment: PORT (default 8080, or a free port when 8080 is taken),
# OA_NO_INSTALL=1 to skip installing, E2E_KEEP=1 to keep the run directory,
# OA_DEMO_BIN=PATH to run that oauth2-fcgi instead of building one
# (tests/e2e/log-destination.sh).
#
# Logs: oauth2-fcgi writes its own file (log: $T/oauth2-fcgi.log, and the
# audit log in $T/audit.log). Under lighttpd its stderr would not be
# lighttpd's server.errorlog but lighttpd's own stderr (this script's
# terminal; the journal under Debian's lighttpd.service).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"

if [ -n "${OA_DEMO_BIN:-}" ]; then
    OA_BIN=$OA_DEMO_BIN
else
    if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ]; then
        echo "==> autoreconf -fi"
        autoreconf -fi
    fi
    echo "==> building in build/demo"
    mkdir -p "$top/build/demo"
    (cd "$top/build/demo" && { [ -f Makefile ] || "$top/configure" -q; } && make -s -j"$(nproc)" oauth2-fcgi)
    OA_BIN=$top/build/demo/oauth2-fcgi
fi

# The e2e helpers: free ports, background processes stopped at exit.
export top_srcdir=$top top_builddir=$top/build/demo OA_BIN
set +u
# shellcheck source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
set -u
e2e_init
T=$E2E_TMP
trap 'echo; echo "demo: stopping"; exit 0' INT TERM

PORT=${PORT:-8080}
if port_in_use "$PORT"; then PORT=$(free_port); fi
BASE=http://127.0.0.1:$PORT

# ---- the OpenID provider --------------------------------------------------
sh "$top/tests/idp/ca.sh" "$T/tls"
OIDC_CLIENT_ID=oauth2-fcgi-demo OIDC_CLIENT_SECRET=demo-secret \
    OIDC_REDIRECT_URIS="$BASE/oauth/demo/callback" OIDC_POST_LOGOUT_URIS="$BASE/" \
    e2e_bg provider node "$top/tests/idp/provider.js" --tls "$T/tls"
if ! ISSUER=$(peer_url "$T/provider.log" "$E2E_LAST_PID"); then
    echo "demo: the OpenID provider did not start:" >&2
    cat "$T/provider.log" >&2
    exit 1
fi

# ---- oauth2-fcgi's config -------------------------------------------------
make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
# The demo's config: one OpenID provider found by discovery.
providers:
  - name: demo
    display_name: "Demo OpenID provider"
    issuer: $ISSUER
    client_id: oauth2-fcgi-demo
    client_secret: demo-secret
    groups_claim: groups
    scope: "openid email profile groups"
public_url: $BASE
allow_http_redirect: true     # the demo runs over plain http on 127.0.0.1
session:
  key_file: $T/session.key
  lifetime: 1h
http:
  ca_file: $T/tls/ca.pem      # the provider's throwaway CA
access:
  - path: /app/admin/
    groups: [admins]
log: $T/oauth2-fcgi.log       # its own file: lighttpd's errorlog never gets a child's stderr
log_level: info
audit: $T/audit.log           # one JSON line per sign-in, sign-out and denial
EOF
"$OA_BIN" --check-config -c "$T/oauth.yml" >"$T/check-config.out" 2>&1 || {
    cat "$T/check-config.out" >&2
    exit 1
}

# ---- lighttpd ---------------------------------------------------------------
mkdir -p "$T/www"
cat >"$T/www/index.html" <<EOF
<!doctype html>
<html><head><meta charset="utf-8"><title>oauth2-fcgi demo</title></head>
<body>
<h1>oauth2-fcgi demo</h1>
<ul>
<li><a href="/app/">/app/</a> - protected: any signed-in user (shows who is signed in, with a sign-out button)</li>
<li><a href="/app/admin/">/app/admin/</a> - protected: only the group <code>admins</code> (alice)</li>
<li><a href="/oauth/userinfo">/oauth/userinfo</a> - your session as JSON</li>
<li><a href="/oauth/logout?rd=/">/oauth/logout</a> - sign out</li>
</ul>
</body></html>
EOF
lighttpd_start "$PORT" "$T/oauth.yml" 'index-file.names = ( "index.html" )' \
    'mimetype.assign = ( ".html" => "text/html; charset=utf-8" )'
# The protected application: the demo's page instead of lib.sh's echo
# program (a CGI run per request, so replacing the file is enough).
cp "$top/scripts/demo-app.py" "$T/www/app"
chmod 755 "$T/www/app"

cat <<EOF

  oauth2-fcgi demo is running.

  Open:      $BASE/app/
  Sign in:   user "alice" (any password; group admins)  or  "bob" (any password)
  Provider:  $ISSUER  (a throwaway certificate: accept the browser's
             warning once, or trust $T/tls/ca.pem)
  Logs:      oauth2-fcgi: $T/oauth2-fcgi.log
             audit:       $T/audit.log
             lighttpd:    $T/lighttpd-error.log
             provider:    $T/provider.log

  Ctrl-C stops everything.
EOF

# Until Ctrl-C: the trap above, or lighttpd's own clean stop on SIGINT.
rc=0
wait "$E2E_LAST_PID" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "demo: lighttpd failed ($rc); the logs stay in $T" >&2
    E2E_KEEP=1
    exit 1
fi
echo "demo: stopped"
