#!/usr/bin/env bash
# peers.sh - the Node peers (tests/idp/peer.js and every stand-in built on
# it: tests/standin/github.js, cognito.js, fault-idp.js, tests/idp/provider.js,
# httpd.js, login.js) keep the protocol the shell side relies on
# (flowlib.sh's start_peer, lib.sh's browser_idp, http.sh, scripts/demo.sh,
# bench/run):
#   - no --tls: "usage: ..." on stderr, exit status 2, nothing on stdout;
#   - "READY https://127.0.0.1:PORT" as the first stdout line; --port N binds N;
#   - one stderr line per request, "METHOD /path STATUS", never the query
#     string (codes and state travel in it);
#   - a request that makes a handler throw gets a 500, and the peer goes on
#     answering (it used to die, and the test after it saw a refused port);
#   - SIGTERM and SIGINT end it with exit status 0.
# Everything on 127.0.0.1, stopped at exit. Prints TAP.
. "$(dirname "$0")/lib.sh"

need_tool node openssl curl
e2e_init
T=$E2E_TMP
sh "$top_srcdir/tests/idp/ca.sh" "$T/tls" || bail "ca.sh failed"
CA=$T/tls/ca.pem

# run_peer NAME CMD...: starts CMD (stdout $T/NAME.out, stderr $T/NAME.err),
# waits up to 15 s for its READY line (lib.sh's peer_url); sets PID and URL
# (empty: no READY).
run_peer() {
    local name=$1
    shift
    (cd "$top_srcdir" && exec "$@") >"$T/$name.out" 2>"$T/$name.err" &
    PID=$!
    E2E_PIDS+=("$PID")
    e2e_log "$T/$name.err"
    URL=$(peer_url "$T/$name.out" "$PID")
}

# stop_peer SIG: sends SIG to the peer of run_peer, waits up to 5 s for it
# to end (SIGKILL after that) and sets STOP_RC to its exit status. Polled,
# not a background watchdog: a subshell killed here would run the EXIT trap.
stop_peer() {
    local n
    kill -"$1" "$PID" 2>/dev/null
    for n in $(seq 1 50); do
        gone "$PID" && break
        sleep 0.1
    done
    gone "$PID" || kill -KILL "$PID" 2>/dev/null
    STOP_RC=0
    wait "$PID" || STOP_RC=$?
}

# gone PID: the process has ended (a zombie not yet waited for counts).
gone() {
    case $(ps -o stat= -p "$1" 2>/dev/null) in
    Z* | '') return 0 ;;
    *) return 1 ;;
    esac
}

# get URL [CURL-ARGS]: the HTTP status of a GET (000: no answer).
get() {
    local url=$1
    shift
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CA" -A peers.sh "$@" "$url"
}

# usage_checks NAME CMD...: the peer started without its required option.
usage_checks() {
    local name=$1 rc=0
    shift
    (cd "$top_srcdir" && exec "$@") >"$T/$name-usage.out" 2>"$T/$name-usage.err" || rc=$?
    t_is "$rc" 2 "$name: without its required option: exit status 2"
    t_like "$(cat "$T/$name-usage.err")" '^usage: node [a-z-]+\.js ' "$name: ... and its usage line"
    t_is "$(cat "$T/$name-usage.out")" "" "$name: ... and nothing on stdout"
}

# serve_checks NAME PATH STATUS THROWS SIG CMD...: the peer CMD on a fixed
# port (--tls and --port added); GET PATH answers STATUS, GET THROWS (a path
# and a query) makes its handler throw (empty: not checked); SIG stops it.
serve_checks() {
    local name=$1 path=$2 status=$3 throws=$4 sig=$5 port
    shift 5
    port=$(free_port) || bail "no free port"
    run_peer "$name" "$@" --tls "$T/tls" --port "$port"
    t_is "$URL" "https://127.0.0.1:$port" "$name: READY https://127.0.0.1:PORT, on the --port asked for"
    t_is "$(head -n 1 "$T/$name.out")" "READY $URL" "$name: ... as its first line on stdout"
    t_is "$(get "$URL$path?code=SECRET-CODE&state=SECRET-STATE")" "$status" "$name: GET $path: $status"
    if [ -n "$throws" ]; then
        t_is "$(get "$URL$throws")" 500 "$name: a request its handler throws on: 500"
        t_is "$(get "$URL$path")" "$status" "$name: ... and it goes on answering"
    fi
    for _ in $(seq 1 20); do grep -q "^GET $path " "$T/$name.err" && break; sleep 0.1; done
    t_like "$(cat "$T/$name.err")" "^GET $path $status\$" "$name: the request is logged as 'GET $path $status'"
    [ -z "$throws" ] ||
        t_like "$(cat "$T/$name.err")" "^GET ${throws%%\?*} 500\$" "$name: ... and the 500"
    t_unlike "$(cat "$T/$name.err" "$T/$name.out")" 'SECRET-' "$name: no query string in its output"
    stop_peer "$sig"
    t_is "$STOP_RC" 0 "$name: SIG$sig: exit status 0"
}

# ---- the stand-ins (tests/standin) ------------------------------------------
usage_checks github node tests/standin/github.js
serve_checks github /api/v3/user 401 \
    '/login/oauth/authorize?client_id=gh-client&redirect_uri=not-a-url' TERM \
    node tests/standin/github.js
usage_checks cognito node tests/standin/cognito.js
serve_checks cognito /oauth2/userInfo 401 \
    '/oauth2/authorize?client_id=cog-client&response_type=code&redirect_uri=not-a-url' INT \
    node tests/standin/cognito.js
usage_checks fault-idp node tests/standin/fault-idp.js
serve_checks fault-idp /ok/.well-known/openid-configuration 200 /ok/authorize TERM \
    node tests/standin/fault-idp.js

# ---- the OpenID provider and the tools of tests/idp ---------------------------
usage_checks provider node tests/idp/provider.js
mods=$(node_modules_dir oidc-provider)
if [ -n "$mods" ]; then
    idp_js=$(idp_copy "$T/idp" "$mods") || bail "cannot copy tests/idp/provider.js"
    OIDC_REDIRECT_URIS=https://127.0.0.1/cb \
        serve_checks provider /.well-known/openid-configuration 200 '' TERM node "$idp_js"
else
    t_skip "provider: oidc-provider is not installed (npm ci)"
fi
usage_checks httpd node tests/idp/httpd.js
run_peer httpd node tests/idp/httpd.js "$T/tls"
t_like "$(head -n 1 "$T/httpd.out")" '^READY [0-9]+ [0-9]+$' "httpd: READY <https port> <http port>"
t_is "$(get "https://127.0.0.1:$(cut -d' ' -f2 "$T/httpd.out")/json")" 200 "httpd: https answers"
t_is "$(get "http://127.0.0.1:$(cut -d' ' -f3 "$T/httpd.out")/json")" 200 "httpd: http answers"
stop_peer TERM
t_is "$STOP_RC" 0 "httpd: SIGTERM: exit status 0"
usage_checks login node tests/idp/login.js https://127.0.0.1:1/auth

t_done
