#!/bin/sh
# spawn-fcgi.sh - oauth2-fcgi as a FastCGI server: on the socket inherited
# from spawn-fcgi (fd 0), on its own TCP socket (-b) and unix socket (-s),
# with several threads (-t), in the responder and the authorizer role, and
# its graceful stop on SIGTERM. Requests come from cgi-fcgi (libfcgi-bin)
# and, for the authorizer role cgi-fcgi cannot ask for, tests/fcgi-request.py.
# Everything listens on 127.0.0.1 or in a temporary directory. Prints TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${OA_BIN:=$top_srcdir/oauth2-fcgi}"

for tool in spawn-fcgi cgi-fcgi python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "1..0 # SKIP $tool not installed"
        exit 0
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oa-spawn.XXXXXX") || exit 99
pids=
# shellcheck disable=SC2317 # run by the trap
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
n=0
failed=0

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
    n=$((n + 1)); failed=1; echo "not ok $n - $1"
    [ -s "$tmp/out" ] && sed -n '1,10s/^/#   /p' "$tmp/out"
    return 0
}
check() { d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }

status_line() { head -n 1 "${1:-$tmp/out}" | tr -d '\r'; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# get TARGET PATH_INFO [VAR=value...]: a responder GET through cgi-fcgi.
get() {
    target=$1 p=$2; shift 2
    env -i PATH="$PATH" REQUEST_METHOD=GET SCRIPT_NAME=/oauth PATH_INFO="$p" \
        REQUEST_URI="/oauth$p" QUERY_STRING= HTTP_HOST=app.example.com HTTPS=on \
        SERVER_PORT=443 REMOTE_ADDR=127.0.0.1 HTTP_ACCEPT=text/html "$@" \
        cgi-fcgi -bind -connect "$target" </dev/null >"${out:-$tmp/out}" 2>/dev/null
}

# authorize TARGET [NAME=VALUE...]: an AUTHORIZER request with no stdin at
# all, from a browser's page load without a session (expects a redirect to
# sign in), with the extra params given.
authorize() {
    target=$1
    shift
    timeout 20 python3 "$top_srcdir/tests/fcgi-request.py" --role authorizer --no-stdin "$target" \
        REQUEST_METHOD=GET REQUEST_URI=/app/page HTTP_HOST=app.example.com HTTPS=on \
        HTTP_ACCEPT=text/html HTTP_SEC_FETCH_MODE=navigate CONTENT_LENGTH=100 "$@" \
        >"$tmp/out" 2>/dev/null
}

# wait_ready TARGET: until the health endpoint answers (at most ~10 s).
wait_ready() {
    i=0
    while [ $i -lt 100 ]; do
        get "$1" /health && [ "$(status_line)" = "Status: 200 OK" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# alive PID: the process exists and is not a zombie waiting for its parent.
# shellcheck disable=SC2317 # called through wait_gone, run by check
alive() {
    [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# wait_gone PID: until the process has ended (at most ~10 s).
# shellcheck disable=SC2317 # run by check
wait_gone() {
    i=0
    while alive "$1" && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    ! alive "$1"
}

# serves TARGET WHAT: the responder endpoints and the authorizer role.
serves() {
    get "$1" /health
    check "$2: health 200" [ "$(status_line)" = "Status: 200 OK" ]
    check "$2: health body ok" sh -c "tr -d '\r' <'$tmp/out' | sed '1,/^\$/d' | grep -qx ok"
    get "$1" /sign_in
    check "$2: sign-in page 200" [ "$(status_line)" = "Status: 200 OK" ]
    check "$2: sign-in page has the github button" grep -q '/oauth/github/login' "$tmp/out"
    get "$1" /no-such-endpoint
    check "$2: unknown endpoint 404" [ "$(status_line)" = "Status: 404 Not Found" ]
    authorize "$1"
    check "$2: authorizer role without stdin: 302 to sign in" \
        [ "$(status_line)" = "Status: 302 Found" ]
    check "$2: the authorizer's refusal carries its security headers" \
        grep -q '^X-Frame-Options: DENY' "$tmp/out"
    # mod_fcgid's access checker merges a refusal's headers into the
    # ErrorDocument's answer (two copies): it gets the bare status
    authorize "$1" FCGI_APACHE_ROLE=ACCESS_CHECKER
    check "$2: mod_fcgid access checker's refusal: the status alone" \
        [ "$(od -An -c "$tmp/out" | tr -d ' \n')" = 'Status:302Found\r\n\r\n' ]
    authorize "$1" FCGI_APACHE_ROLE=AUTHENTICATOR
    check "$2: mod_authnz_fcgi's refusal (FCGI_APACHE_ROLE=AUTHENTICATOR) keeps its headers" \
        grep -q '^X-Frame-Options: DENY' "$tmp/out"
}

key="$tmp/session.key"
"$OA_BIN" --gen-key "$key" 2>/dev/null
cfg="$tmp/oauth.yml"
cat >"$cfg" <<YAML
providers:
  - name: github
    client_id: gh-id
    client_secret: gh-secret
public_url: https://app.example.com
session:
  key_file: $key
log: stderr
log_level: debug
YAML

# 1. spawn-fcgi: the program accepts on the socket it inherits on fd 0.
port=$(free_port)
spawn-fcgi -a 127.0.0.1 -p "$port" -P "$tmp/spawn.pid" -- "$OA_BIN" -c "$cfg" \
    >"$tmp/spawn.log" 2>&1
check "spawn-fcgi starts the program" [ -s "$tmp/spawn.pid" ]
pid=$(cat "$tmp/spawn.pid" 2>/dev/null || echo 0)
pids="$pids $pid"
check "spawn-fcgi: ready" wait_ready "127.0.0.1:$port"
serves "127.0.0.1:$port" "spawn-fcgi"
# libcurl (and the ~25 libraries it pulls in) is loaded at the first
# provider request, never for the authorizer or the pages (bench/: RSS).
check "spawn-fcgi: the authorizer and the pages leave libcurl unloaded" \
    sh -c "[ -r /proc/$pid/maps ] && ! grep -q libcurl /proc/$pid/maps"
get "127.0.0.1:$port" /github/login QUERY_STRING=rd=https://app.example.com/x
check "spawn-fcgi: a login with an absolute rd: 302 to the provider" \
    sh -c "[ '$(status_line)' = 'Status: 302 Found' ] && grep -q '^Location: https://github.com/login/oauth/authorize?' '$tmp/out'"
check "spawn-fcgi: ... which loaded libcurl (the validator's second opinion)" \
    grep -q libcurl "/proc/$pid/maps"
kill -TERM "$pid" 2>/dev/null
check "spawn-fcgi: SIGTERM stops the program" wait_gone "$pid"

# 1b. OAUTH2_FCGI_THREADS=1 (contrib/apache's mod_fcgid file: one request
# at a time per process): three threads fewer than the default four, it
# serves, and the -t 1 warning (meant for a process shared by many
# requests) is not logged.
port=$(free_port)
tasks() { find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
spawn-fcgi -a 127.0.0.1 -p "$port" -P "$tmp/spawn4.pid" -- "$OA_BIN" -c "$cfg" >/dev/null 2>&1
pid4=$(cat "$tmp/spawn4.pid" 2>/dev/null || echo 0)
pids="$pids $pid4"
wait_ready "127.0.0.1:$port"
port1=$(free_port)
OAUTH2_FCGI_THREADS=1 spawn-fcgi -a 127.0.0.1 -p "$port1" -P "$tmp/spawn1.pid" -- \
    "$OA_BIN" -c "$cfg" >"$tmp/spawn1.log" 2>&1
pid1=$(cat "$tmp/spawn1.pid" 2>/dev/null || echo 0)
pids="$pids $pid1"
check "OAUTH2_FCGI_THREADS=1: ready" wait_ready "127.0.0.1:$port1"
serves "127.0.0.1:$port1" "OAUTH2_FCGI_THREADS=1"
n4=$(tasks "$pid4") n1=$(tasks "$pid1")
check "OAUTH2_FCGI_THREADS=1: three threads fewer than the default (got $n1 and $n4)" \
    [ "$n4" -gt 3 ] && [ "$n1" -eq $((n4 - 3)) ]
check "OAUTH2_FCGI_THREADS=1: no warning about one thread" \
    sh -c "! grep -q 'delays every authorizer answer' '$tmp/spawn1.log'"
kill -TERM "$pid4" "$pid1" 2>/dev/null
check "OAUTH2_FCGI_THREADS=1: SIGTERM stops it" wait_gone "$pid1"
wait_gone "$pid4"

# 2. -b: a TCP socket of its own, 4 threads, several requests at once.
port=$(free_port)
"$OA_BIN" -c "$cfg" -b "127.0.0.1:$port" -t 4 2>"$tmp/b.log" &
pid=$!
pids="$pids $pid"
check "-b: ready" wait_ready "127.0.0.1:$port"
serves "127.0.0.1:$port" "-b -t 4"
j=0
while [ $j -lt 16 ]; do
    out="$tmp/par.$j" get "127.0.0.1:$port" /health &
    j=$((j + 1))
done
for p in $(jobs -p); do [ "$p" = "$pid" ] || wait "$p"; done
ok200=0
j=0
while [ $j -lt 16 ]; do
    [ "$(status_line "$tmp/par.$j")" = "Status: 200 OK" ] && ok200=$((ok200 + 1))
    j=$((j + 1))
done
check "-t 4: 16 requests at once all answered 200 (got $ok200)" [ "$ok200" -eq 16 ]
"$OA_BIN" -c "$cfg" -b "127.0.0.1:$port" 2>"$tmp/busy.log" </dev/null
check "-b on a port in use: exit 1" [ $? -eq 1 ]
kill -TERM "$pid"
wait "$pid"
rc=$?
check "-b: SIGTERM stops it with exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "-b: the stop is logged" grep -q 'stopping' "$tmp/b.log"
check "-b: no error logged" sh -c "! grep -q ': error: ' '$tmp/b.log'"

# 3. -s: a unix socket, mode 0660, a stale one replaced, a live one kept.
sock="$tmp/oa.sock"
"$OA_BIN" -c "$cfg" -s "$sock" -t 2 2>"$tmp/s.log" &
pid=$!
pids="$pids $pid"
check "-s: ready" wait_ready "$sock"
check "-s: the socket is mode 0660" [ "$(stat -c %a "$sock")" = 660 ]
serves "$sock" "-s"
"$OA_BIN" -c "$cfg" -s "$sock" 2>"$tmp/s2.log" </dev/null
check "-s on a socket another process serves: exit 1" [ $? -eq 1 ]
check "-s: the first process still serves" wait_ready "$sock"
kill -TERM "$pid"
wait "$pid"
rc=$?
check "-s: SIGTERM stops it with exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "-s: the socket file is removed at the stop" [ ! -e "$sock" ]

"$OA_BIN" -c "$cfg" -s "$sock" 2>"$tmp/s3.log" &
pid=$!
pids="$pids $pid"
wait_ready "$sock"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$OA_BIN" -c "$cfg" -s "$sock" 2>"$tmp/s4.log" &
pid=$!
pids="$pids $pid"
check "-s: a stale socket file is replaced" wait_ready "$sock"
kill -TERM "$pid"
wait "$pid"

echo "not a socket" >"$tmp/file"
"$OA_BIN" -c "$cfg" -s "$tmp/file" 2>"$tmp/s5.log" </dev/null
check "-s on a regular file: exit 1" [ $? -eq 1 ]
check "-s on a regular file: the file is left alone" grep -q 'not a socket' "$tmp/file"

echo "1..$n"
exit $failed
