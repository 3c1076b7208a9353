#!/bin/sh
# cgi.sh - oauth2-fcgi run as a plain CGI program (one request from the
# environment, stdin and stdout), and its command line: --version, --help,
# --check-config, --gen-key, usage errors and their exit codes (DESIGN.md 1).
# Prints TAP. Needs OA_BIN and top_srcdir (set by make check).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${OA_BIN:=$top_srcdir/oauth2-fcgi}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oa-cgi.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
    n=$((n + 1)); failed=1; echo "not ok $n - $1"
    for f in "$tmp/out" "$tmp/err"; do
        [ -s "$f" ] && sed -n '1,15s/^/#   /p' "$f"
    done
    return 0
}
# check DESC COMMAND...: passes when the command succeeds.
check() { d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }

# The status line, the headers and the body of $tmp/out, without CRs.
status_line() { head -n 1 "$tmp/out" | tr -d '\r'; }
body() { tr -d '\r' <"$tmp/out" | sed '1,/^$/d'; }
header() { tr -d '\r' <"$tmp/out" | sed '/^$/q' | grep -i "^$1: " | head -n 1 | cut -d' ' -f2-; }

# cgi PATH_INFO [VAR=value...]: one CGI GET request into $tmp/out, $tmp/err.
cgi() {
    p=$1; shift
    env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET \
        SCRIPT_NAME=/oauth PATH_INFO="$p" REQUEST_URI="/oauth$p" QUERY_STRING= \
        HTTP_HOST=app.example.com HTTPS=on SERVER_PORT=443 REMOTE_ADDR=127.0.0.1 \
        HTTP_ACCEPT=text/html "$@" "$OA_BIN" -c "$cfg" <"${stdin:-/dev/null}" \
        >"$tmp/out" 2>"$tmp/err"
}

# A config of our own: two providers that need no network for the sign-in
# page, a key file made by --gen-key, logs to stderr.
key="$tmp/session.key"
"$OA_BIN" --gen-key "$key" 2>"$tmp/err"
rc=$?
check "--gen-key exits 0" [ "$rc" -eq 0 ]
check "--gen-key makes a mode 0600 file" [ "$(stat -c %a "$key" 2>/dev/null)" = 600 ]
check "--gen-key writes one key line" [ "$(grep -c . "$key" 2>/dev/null)" = 1 ]
cp "$key" "$tmp/key.orig" 2>/dev/null
"$OA_BIN" --gen-key "$key" 2>"$tmp/err"
rc=$?
check "--gen-key refuses to overwrite (exit 1)" [ "$rc" -eq 1 ]
check "--gen-key leaves the existing key alone" cmp -s "$key" "$tmp/key.orig"

cfg="$tmp/oauth.yml"
cat >"$cfg" <<YAML
providers:
  - name: github
    client_id: gh-id
    client_secret: gh-secret
  - name: corp
    display_name: Corp SSO
    client_id: corp-id
    client_secret: corp-secret
    authorize_url: https://sso.example.com/authorize
    token_url: https://sso.example.com/token
    userinfo_url: https://sso.example.com/userinfo
public_url: https://app.example.com
session:
  key_file: $key
log: stderr
log_level: debug
YAML

cgi /health
check "health: exit 0" [ $? -eq 0 ]
check "health: first line is Status: 200 OK" [ "$(status_line)" = "Status: 200 OK" ]
check "health: body ok" [ "$(body | tr -d '\n')" = ok ]

cgi /sign_in
check "sign-in page: Status: 200 OK" [ "$(status_line)" = "Status: 200 OK" ]
check "sign-in page: text/html" sh -c "printf '%s' '$(header Content-Type)' | grep -q '^text/html'"
check "sign-in page: a button for github" sh -c "grep -q '/oauth/github/login' '$tmp/out'"
check "sign-in page: a button for corp" sh -c "grep -q '/oauth/corp/login' '$tmp/out'"
check "sign-in page: the display name" sh -c "grep -q 'Corp SSO' '$tmp/out'"

cgi /no-such-endpoint
check "unknown endpoint: Status: 404 Not Found" [ "$(status_line)" = "Status: 404 Not Found" ]
cgi /nobody/login
check "unknown provider: Status: 404 Not Found" [ "$(status_line)" = "Status: 404 Not Found" ]

# A responder POST body: over the cap -> 413 without reading; short -> 400.
cgi /logout REQUEST_METHOD=POST CONTENT_TYPE=application/x-www-form-urlencoded \
    CONTENT_LENGTH=10000000
check "POST over the body cap: 413" [ "$(status_line)" = "Status: 413 Payload Too Large" ]
printf 'abc' >"$tmp/short"
stdin="$tmp/short"
cgi /logout REQUEST_METHOD=POST CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=10
stdin=
check "POST body shorter than CONTENT_LENGTH: 400" \
    [ "$(status_line)" = "Status: 400 Bad Request" ]
cgi /logout REQUEST_METHOD=POST CONTENT_LENGTH=12x
check "POST with a malformed CONTENT_LENGTH: 400" \
    [ "$(status_line)" = "Status: 400 Bad Request" ]
check "the operator's line on stderr: 'oauth2-fcgi[PID]: info: ...'" \
    grep -Eq '^oauth2-fcgi\[[0-9]+\]: info: POST /oauth/logout .*400' "$tmp/err"
sed 's/^log_level: debug/log_level: error/' "$cfg" >"$tmp/quiet.yml"
cfg="$tmp/quiet.yml" cgi /logout REQUEST_METHOD=POST CONTENT_LENGTH=12x
check "log_level error: the info line is not written" [ ! -s "$tmp/err" ]
cfg="$tmp/oauth.yml"

# An authorizer never reads stdin: give it a stdin that would block forever
# (a FIFO we hold open) and a CONTENT_LENGTH; it must answer anyway.
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
stdin=/dev/fd/3
cgi "" FCGI_ROLE=AUTHORIZER SCRIPT_NAME= PATH_INFO= REQUEST_URI=/app/page \
    REQUEST_METHOD=POST CONTENT_LENGTH=100 HTTP_SEC_FETCH_MODE=navigate &
apid=$!
stdin=
i=0
while kill -0 "$apid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$apid" 2>/dev/null; then
    kill "$apid" 2>/dev/null
    fail "authorizer answers without reading stdin (it blocked on stdin)"
else
    wait "$apid"
    case $(status_line) in
    "Status: 302 Found" | "Status: 401 Unauthorized") pass "authorizer answers without reading stdin" ;;
    *) fail "authorizer answers without reading stdin (got '$(status_line)')" ;;
    esac
fi
exec 3>&-

# Not started by a web server: no socket on fd 0 and no CGI environment.
env -i PATH="$PATH" "$OA_BIN" -c "$cfg" </dev/null >"$tmp/out" 2>"$tmp/err"
check "no socket and no CGI environment: exit 2" [ $? -eq 2 ]

# The command line.
"$OA_BIN" --version >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--version exits 0" [ $rc -eq 0 ]
check "--version prints 'oauth2-fcgi VERSION'" grep -Eq '^oauth2-fcgi [0-9]+\.[0-9]+' "$tmp/out"
"$OA_BIN" --help >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--help exits 0" [ $rc -eq 0 ]
check "--help prints the usage" grep -q '^Usage: oauth2-fcgi' "$tmp/out"
for args in "--no-such-option" "-x" "-t 0" "-t many" "-t 100000" "-b 127.0.0.1" "-b :9000" \
    "-b 127.0.0.1:0" "-b 127.0.0.1:9000 -s $tmp/s.sock" "-c" "stray-argument"; do
    # shellcheck disable=SC2086 # the words are the options
    "$OA_BIN" $args >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "usage error '$args': exit 2 with a message" \
        sh -c "[ $rc -eq 2 ] && grep -q '^oauth2-fcgi: ' '$tmp/err'"
done

# $OAUTH2_FCGI_THREADS: the same rules as -t, and -t wins.
for v in 0 many 100000 ""; do
    OAUTH2_FCGI_THREADS=$v "$OA_BIN" -c "$cfg" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "OAUTH2_FCGI_THREADS='$v': exit 2 with a message naming it" \
        sh -c "[ $rc -eq 2 ] && grep -q '^oauth2-fcgi: OAUTH2_FCGI_THREADS wants' '$tmp/err'"
done
OAUTH2_FCGI_THREADS=many "$OA_BIN" -c "$cfg" -t 0 >"$tmp/out" 2>"$tmp/err"
check "OAUTH2_FCGI_THREADS and a bad -t: the error is the environment's first" \
    grep -q 'OAUTH2_FCGI_THREADS wants' "$tmp/err"
env -i PATH="$PATH" OAUTH2_FCGI_THREADS=2 "$OA_BIN" --check-config -c "$cfg" \
    -t 3 >"$tmp/out" 2>"$tmp/err"
check "OAUTH2_FCGI_THREADS=2 with -t 3: accepted" [ $? -eq 0 ]

# --check-config on the Argilla example: exit 0 and the three callback URLs.
c=$top_srcdir/tests/cases/config/good/argilla/oauth.yml
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$c" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--check-config argilla.oauth.yml: exit 0" [ $rc -eq 0 ]
for p in huggingface google-oauth2 github; do
    check "--check-config prints the $p callback URL" grep -q "/oauth/$p/callback" "$tmp/out"
done
check "--check-config shows no secret" sh -c "! grep -q 'client_secret>' '$tmp/out'"
check "--check-config warns about the missing key file" grep -q 'key_file' "$tmp/err"
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$cfg" >"$tmp/out" 2>"$tmp/err"
check "--check-config own config: no secret in the summary" \
    sh -c "! grep -Eq 'gh-secret|corp-secret' '$tmp/out'"

# The config found through the environment.
env -i PATH="$PATH" OAUTH2_FCGI_CONFIG="$c" "$OA_BIN" --check-config >"$tmp/out" 2>"$tmp/err"
check "--check-config finds \$OAUTH2_FCGI_CONFIG" [ $? -eq 0 ]

# A bad config: exit 2 and FILE:LINE:COL: message on stderr.
cat >"$tmp/bad.yml" <<'YAML'
providers:
  - name: github
    client_id: a
    client_secret: b
    no_such_key: 1
YAML
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$tmp/bad.yml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "bad config: exit 2" [ $rc -eq 2 ]
check "bad config: FILE:LINE:COL: message" grep -Eq "^$tmp/bad.yml:[0-9]+:[0-9]+: ." "$tmp/err"
env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/health \
    "$OA_BIN" -c "$tmp/bad.yml" </dev/null >"$tmp/out" 2>"$tmp/err"
check "bad config when serving: exit 2" [ $? -eq 2 ]
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$tmp/missing.yml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "missing config file: exit 2 naming the file" \
    sh -c "[ $rc -eq 2 ] && grep -q '$tmp/missing.yml' '$tmp/err'"

# Logout CSRF: only a logout the browser says is ours signs out at once;
# any other (another site's link, image or form, or no origin header at
# all) gets the confirmation page, whose form POSTs back from our origin.
cgi /logout QUERY_STRING=rd=%2Fbye
check "logout GET without Sec-Fetch-Site/Origin/Referer: 200 confirmation" \
    [ "$(status_line)" = "Status: 200 OK" ]
check "... a form that POSTs to /oauth/logout with rd" \
    sh -c "grep -q '<form method=\"post\" action=\"/oauth/logout\">' '$tmp/out' &&
           grep -q 'name=\"rd\" value=\"/bye\"' '$tmp/out'"
check "... and clears nothing" sh -c "! grep -qi '^set-cookie:' '$tmp/out'"
cgi /logout QUERY_STRING=rd=%2Fbye HTTP_SEC_FETCH_SITE=cross-site HTTP_REFERER=https://evil.example.net/
check "logout GET from another site (Sec-Fetch-Site cross-site): confirmation" \
    [ "$(status_line)" = "Status: 200 OK" ]
cgi /logout QUERY_STRING=rd=%2Fbye HTTP_REFERER=https://evil.example.net/x
check "logout GET with a foreign Referer: confirmation" [ "$(status_line)" = "Status: 200 OK" ]
cgi /logout QUERY_STRING=rd=%2Fbye HTTP_SEC_FETCH_SITE=same-origin
check "logout GET, Sec-Fetch-Site same-origin: 302 and the session cleared" \
    sh -c "[ \"\$(head -n 1 '$tmp/out' | tr -d '\r')\" = 'Status: 302 Found' ] &&
           grep -qi '^set-cookie: __Host-oauth2_fcgi=;' '$tmp/out'"
cgi /logout QUERY_STRING=rd=%2Fbye HTTP_REFERER=https://app.example.com/app/
check "logout GET with our Referer (no Sec-Fetch-Site): 302" [ "$(status_line)" = "Status: 302 Found" ]
printf 'rd=%%2Fbye' >"$tmp/post"
stdin="$tmp/post"
cgi /logout REQUEST_METHOD=POST CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=9 \
    HTTP_ORIGIN=https://app.example.com
check "logout POST with our Origin: 302 to rd" \
    sh -c "[ \"\$(head -n 1 '$tmp/out' | tr -d '\r')\" = 'Status: 302 Found' ] &&
           grep -qi '^location: /bye' '$tmp/out'"
cgi /logout REQUEST_METHOD=POST CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=9 \
    HTTP_ORIGIN=https://evil.example.net
check "logout POST with a foreign Origin: confirmation, nothing cleared" \
    sh -c "[ \"\$(head -n 1 '$tmp/out' | tr -d '\r')\" = 'Status: 200 OK' ] &&
           ! grep -qi '^set-cookie:' '$tmp/out'"
stdin=

# A session sealed for a provider that is then taken out of the config is
# refused (mint_cookie is built with the e2e tests).
mint="${top_builddir:-.}/tests/tools/mint_cookie"
if [ -x "$mint" ]; then
    sess=$("$mint" -c "$cfg" --provider corp --email a@example.com --pair 2>"$tmp/err")
    cgi /userinfo HTTP_COOKIE="$sess" HTTP_ACCEPT=application/json
    check "session for corp, corp configured: /userinfo 200" [ "$(status_line)" = "Status: 200 OK" ]
    sed '/^  - name: corp/,/^    userinfo_url:/d' "$cfg" >"$tmp/no-corp.yml"
    cfg="$tmp/no-corp.yml" cgi /userinfo HTTP_COOKIE="$sess" HTTP_ACCEPT=application/json
    check "corp taken out of the config: the same session gets 401" \
        [ "$(status_line)" = "Status: 401 Unauthorized" ]
    cfg="$tmp/oauth.yml"
else
    pass "# SKIP mint_cookie not built"
    pass "# SKIP mint_cookie not built"
fi

# Files that decide who gets in: writable by group or others -> refused at
# start-up (exit 2, the file and its mode named); readable by others -> a
# warning (--check-config and the start-up log). Modes set here: git keeps
# none but 644/755.
cp "$cfg" "$tmp/mode.yml"
chmod 0664 "$tmp/mode.yml"
env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/health \
    "$OA_BIN" -c "$tmp/mode.yml" </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
check "config writable by its group: serving refuses to start (exit 2)" [ $rc -eq 2 ]
check "... naming the file and its mode" \
    grep -q "^$tmp/mode.yml: the config file is writable by its group (mode 0664)" "$tmp/err"
chmod 0602 "$tmp/mode.yml"
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$tmp/mode.yml" >"$tmp/out" 2>"$tmp/err"
check "config writable by others: --check-config exits 2" [ $? -eq 2 ]
chmod 0600 "$tmp/mode.yml"
chmod 0666 "$key"
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$tmp/mode.yml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "key file writable by group and others: exit 2 at the key_file line" \
    sh -c "[ $rc -eq 2 ] && grep -Eq '^$tmp/mode.yml:[0-9]+:[0-9]+: session key_file .*writable by group and others \(mode 0666\)' '$tmp/err'"
chmod 0604 "$key"
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$tmp/mode.yml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "key file readable by others: --check-config exits 0 with a warning" \
    sh -c "[ $rc -eq 0 ] && grep -q 'warning: session key_file .* is readable by others (mode 0604)' '$tmp/err'"
chmod 0644 "$tmp/mode.yml"
chmod 0600 "$key"
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$tmp/mode.yml" >"$tmp/out" 2>"$tmp/err"
check "config readable by others: --check-config warns" \
    grep -q "^oauth2-fcgi: $tmp/mode.yml: warning: readable by others (mode 0644)" "$tmp/err"
cfg="$tmp/mode.yml" cgi /health
check "... and serving logs the warning at start-up, then answers" \
    sh -c "grep -q 'warn: $tmp/mode.yml: warning: readable by others' '$tmp/err' &&
           [ \"\$(head -n 1 '$tmp/out' | tr -d '\r')\" = 'Status: 200 OK' ]"
cfg="$tmp/oauth.yml"
chmod 0600 "$tmp/mode.yml"
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$tmp/mode.yml" >"$tmp/out" 2>"$tmp/err"
check "config and key private: no warning" sh -c "! grep -q 'warning' '$tmp/err'"

# --check-config warns about rules any GitHub user can meet, and about
# email_domains through Google without hosted_domain (naming the rule).
cat >"$tmp/warn.yml" <<YAML
providers:
  - name: github
    client_id: gh-id
    client_secret: gh-secret
  - name: google-oauth2
    client_id: g-id
    client_secret: g-secret
session:
  key_file: $key
access:
  - path: /admin/
    groups: [admins]
  - path: /
    email_domains: [example.com]
YAML
chmod 0600 "$tmp/warn.yml"
env -i PATH="$PATH" "$OA_BIN" --check-config -c "$tmp/warn.yml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "risky rules: --check-config still exits 0" [ $rc -eq 0 ]
check "... warns about groups without providers at the rule's line" \
    grep -q "^oauth2-fcgi: $tmp/warn.yml:12:13: warning: access rule '/admin/' checks groups without 'providers'" "$tmp/err"
check "... warns about email_domains through google-oauth2 without hosted_domain" \
    grep -q "^oauth2-fcgi: $tmp/warn.yml:14:20: warning: access rule '/' allows email_domains through provider 'google-oauth2', which has no hosted_domain" "$tmp/err"

echo "1..$n"
exit $failed
