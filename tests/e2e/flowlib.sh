# flowlib.sh - what the sign-in e2e tests (oidc-flow.sh, github-flow.sh,
# faults.sh) share, on top of lib.sh (sourced, never run): a throwaway CA,
# Node peers started on free ports that print "READY <url>", oauth2-fcgi
# behind a real lighttpd (the shipped contrib/lighttpd/oauth2-fcgi.conf:
# authorizer on /app, responder on /oauth, the echo backend behind /app),
# the login and callback steps as a browser makes them, and the log
# checks (the line for a failure, no secret in any log).
#
# Order of use: flow_init (PORT, BASE, the CA in $T/tls), start the peers
# (their redirect URIs need PORT), write $T/oauth.yml, flow_lighttpd.
. "$(dirname "$0")/lib.sh"

# flow_init: tools, $T, PORT/BASE for lighttpd, the CA ($T/tls/ca.pem).
flow_init() {
    need_tool lighttpd curl node openssl
    need_oa
    e2e_init
    T=$E2E_TMP
    PORT=$(free_port) || bail "no free port"
    BASE=http://127.0.0.1:$PORT
    sh "$top_srcdir/tests/idp/ca.sh" "$T/tls" || bail "ca.sh failed"
    OA_LOG=$T/lighttpd.log
}

# need_oidc_provider: panva's oidc-provider is installed (lib.sh's
# node_modules_dir), else the script is skipped; sets IDP_JS to a runnable
# copy of tests/idp/provider.js (idp_copy).
need_oidc_provider() {
    local mods
    mods=$(node_modules_dir oidc-provider)
    [ -n "$mods" ] ||
        skip_all "oidc-provider is not installed (npm ci in $top_srcdir, or OA_NODE_MODULES)"
    # shellcheck disable=SC2034 # read by the scripts that source this file
    IDP_JS=$(idp_copy "$T/idp" "$mods") || bail "cannot copy tests/idp/provider.js"
}

# start_peer NAME CMD...: starts a Node peer (cwd: the source tree, so it
# finds node_modules), waits for its "READY <url>" line and prints the url.
# Called as URL=$(start_peer ...), a subshell: the pid goes into
# $T/NAME.peer-pid, which lib.sh's cleanup reads.
start_peer() {
    local name=$1
    shift
    (cd "$top_srcdir" && exec "$@") >"$T/$name.log" 2>&1 &
    E2E_PIDS+=("$!")
    echo "$!" >"$T/$name.peer-pid"
    e2e_log "$T/$name.log"
    peer_url "$T/$name.log" "$!" || bail "$name did not start: $(tail -n 5 "$T/$name.log")"
}

# flow_lighttpd: checks $T/oauth.yml with --check-config, then runs
# lighttpd with oauth2-fcgi on 127.0.0.1:$PORT (lib.sh's lighttpd_start).
# oauth2-fcgi's log lines (its stderr) land in $OA_LOG.
flow_lighttpd() {
    "$OA_BIN" --check-config -c "$T/oauth.yml" >"$T/check.out" 2>&1 ||
        bail "--check-config refuses the config: $(cat "$T/check.out")"
    lighttpd_start "$PORT" "$T/oauth.yml"
}

# set_cookie PREFIX: "name=value" of the last response's first Set-Cookie
# whose name starts with PREFIX and whose value is not empty.
set_cookie() {
    printf '%s\n' "$HTTP_HEADERS" | sed -n "s/^[Ss]et-[Cc]ookie: *\($1[^;]*\).*/\1/p" |
        grep -v '=$' | head -n 1
}

# oa_login PROVIDER [RD]: GET /oauth/PROVIDER/login; sets STATE_COOKIE
# (name=value; __Host- in front over https), STATE_ATTRS (its whole
# Set-Cookie line) and AUTHZ (the provider's URL from Location).
# shellcheck disable=SC2034 # STATE_ATTRS, AUTHZ: read by the scripts that source this file
oa_login() {
    http_req "$BASE/oauth/$1/login?rd=$(urlencode "${2:-/app/page?x=1}")" -H 'Accept: text/html'
    STATE_COOKIE=$(set_cookie '\(__Host-\)\{0,1\}oauth2_fcgi_state_')
    STATE_ATTRS=$(printf '%s\n' "$HTTP_HEADERS" | grep -i "^set-cookie: ${STATE_COOKIE%%=*}=" | head -n 1)
    AUTHZ=$(http_header Location)
}

# param NAME URL-OR-QUERY: the (still encoded) value of a query parameter.
param() {
    printf '%s\n' "$2" | sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p" | head -n 1
}

# callback URL: the browser comes back with the state cookie; sets
# SESSION (name=value or empty) from the answer.
callback() {
    http_req "$1" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
    # shellcheck disable=SC2034 # read by the scripts that source this file
    SESSION=$(set_cookie 'oauth2_fcgi=')
}

# ---- logs ----------------------------------------------------------------

# log_mark: remembers how long oauth2-fcgi's log is; log_new prints what
# came after (a line may take a moment to be written).
log_mark() {
    LOG_AT=$(wc -c <"$OA_LOG" 2>/dev/null || echo 0)
}
log_new() {
    tail -c +"$((LOG_AT + 1))" "$OA_LOG" 2>/dev/null
}

# t_log ERE DESC: a line oauth2-fcgi logged since log_mark matches ERE.
t_log() {
    local i got
    for i in $(seq 1 20); do
        got=$(log_new)
        printf '%s' "$got" | grep -Eq -- "$1" && break
        sleep 0.1
    done
    t_like "$got" "$1" "$2"
}

# t_no_secrets DESC WORD...: no log of the run (oauth2-fcgi's and
# lighttpd's) holds any of the words, nor anything shaped like a JWT.
t_no_secrets() {
    local desc=$1 w bad=
    shift
    for w in "$@"; do
        [ -n "$w" ] || continue
        if grep -qF -- "$w" "$OA_LOG" "$T/lighttpd-error.log" 2>/dev/null; then
            bad="$bad '${w:0:12}...'"
        fi
    done
    if grep -Eq 'eyJ[A-Za-z0-9_-]{8,}\.' "$OA_LOG" "$T/lighttpd-error.log" 2>/dev/null; then
        bad="$bad (a JWT)"
    fi
    if [ -z "$bad" ]; then t_pass "$desc"; else t_fail "$desc"; t_diag "found:$bad"; fi
}

# t_one_process_each DESC: lighttpd never had to restart oauth2-fcgi (a
# crash would be hidden by the respawn): one "ready" line per process the
# contrib file asks for (max-procs of the responder and of the authorizer).
t_one_process_each() {
    local n
    n=$(grep -v '^ *#' "$E2E_TMP/oauth2-fcgi.conf" |
        sed -n 's/.*"max-procs" *=> *\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s }')
    t_is "$(grep -c 'info: ready' "$OA_LOG")" "$n" "$1"
}

# page SESSION: the status of $BASE/app/page with that session cookie (a
# page load: Accept text/html, so a refusal is the 302 to sign in).
page() {
    http_req "$BASE/app/page" -H "Cookie: $1" -H 'Accept: text/html'
    echo "$HTTP_STATUS"
}

# refused_within SESSION DESC: within 1 s (10 x 100 ms) the protected page
# no longer takes the cookie (302 to sign in), and then 10 requests in a
# row (spread over the authorizer processes) all refuse it: a revocation
# reached every process.
refused_within() {
    local s i ok200=0
    for i in $(seq 1 10); do
        s=$(page "$1")
        [ "$s" = 302 ] && break
        sleep 0.1
    done
    t_is "$s" 302 "$2: refused (302 to sign in) within 1 s"
    for i in $(seq 1 10); do
        [ "$(page "$1")" = 200 ] && ok200=$((ok200 + 1))
    done
    t_is "$ok200" 0 "$2: ... and by every process (10 requests in a row)"
}
