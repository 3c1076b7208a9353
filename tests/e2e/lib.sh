# lib.sh - shared helpers for the end-to-end tests (sourced, never run).
#
# The e2e tests start real web servers (lighttpd, Apache) on 127.0.0.1 on
# free ports, with their own config files in a temporary directory, and
# drive them with curl. This file gives them: TAP output with counters, a
# temporary directory and servers that are always stopped (trap EXIT),
# free ports, waiting for a port, curl helpers, and skipping when a tool is
# missing. Nothing here talks to any address but 127.0.0.1.
#
# Environment (from Makefile.am's AM_TESTS_ENVIRONMENT, or set by hand):
#   top_srcdir, top_builddir, OA_BIN (the built oauth2-fcgi program).

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${OA_BIN:=$top_builddir/oauth2-fcgi}"

E2E_NAME=$(basename "$0" .sh)
E2E_TMP=
E2E_PIDS=()
E2E_PIDFILES=()
E2E_LOGS=()
t_n=0
t_failed=0

# ---- TAP -----------------------------------------------------------------

t_pass() {
    t_n=$((t_n + 1))
    echo "ok $t_n - $*"
}

# T_TODO=reason: a failure is reported as a TODO (a known bug, counted as
# an expected failure) instead of failing the run; a pass stays a pass.
T_TODO=
t_fail() {
    t_n=$((t_n + 1))
    if [ -n "$T_TODO" ]; then
        echo "not ok $t_n - $* # TODO $T_TODO"
        return
    fi
    t_failed=$((t_failed + 1))
    echo "not ok $t_n - $*"
}

t_skip() {
    t_n=$((t_n + 1))
    echo "ok $t_n # SKIP $*"
}

t_diag() {
    local line
    while IFS= read -r line; do echo "# $line"; done <<<"$*"
}

# t_ok DESC COMMAND...: passes when the command succeeds.
t_ok() {
    local desc=$1
    shift
    if "$@"; then t_pass "$desc"; else t_fail "$desc"; fi
}

# t_is GOT WANT DESC
t_is() {
    if [ "$1" = "$2" ]; then
        t_pass "$3"
    else
        t_fail "$3"
        t_diag "got: '$1'"$'\n'"expected: '$2'"
    fi
}

# t_isnt GOT UNWANTED DESC
t_isnt() {
    if [ "$1" != "$2" ]; then
        t_pass "$3"
    else
        t_fail "$3"
        t_diag "got the unwanted value: '$1'"
    fi
}

# t_in GOT "A B C" DESC: GOT is one of the words.
t_in() {
    local w
    for w in $2; do
        if [ "$1" = "$w" ]; then
            t_pass "$3"
            return
        fi
    done
    t_fail "$3"
    t_diag "got: '$1'"$'\n'"expected one of: $2"
}

# t_like GOT ERE DESC
t_like() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        t_pass "$3"
    else
        t_fail "$3"
        t_diag "got: '$(printf '%s' "$1" | head -c 400)'"$'\n'"expected to match: $2"
    fi
}

# t_unlike GOT ERE DESC
# grep matches line by line: a pattern is anchored with ^ per line, never
# with a newline (grep refuses one, and a refusal must not count as "no match").
t_unlike() {
    local rc=0
    printf '%s' "$1" | grep -Eq -- "$2" || rc=$?
    if [ "$rc" -eq 1 ]; then
        t_pass "$3"
    else
        t_fail "$3"
        if [ "$rc" -eq 0 ]; then
            t_diag "got: '$(printf '%s' "$1" | head -c 400)'"$'\n'"expected not to match: $2"
        else
            t_diag "grep refused the pattern: $2"
        fi
    fi
}

# Ends the test: plan line, server logs on failure, exit status.
t_done() {
    echo "1..$t_n"
    if [ "$t_failed" -gt 0 ]; then
        e2e_dump_logs
        exit 1
    fi
    exit 0
}

# skip_all REASON: the whole script is skipped (TAP "1..0 # SKIP").
skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

# bail REASON: the setup failed; the run is an error, not a skip.
bail() {
    echo "Bail out! $*"
    e2e_dump_logs
    exit 1
}

# need_tool NAME...: skips the whole script when a tool is missing.
need_tool() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed"
    done
}

# node_modules_dir PKG...: the first of OA_NODE_MODULES, the source tree's
# and the build tree's node_modules that holds every PKG (npm ci), as an
# absolute path; nothing when none does.
node_modules_dir() {
    local d p
    for d in ${OA_NODE_MODULES:-} "$top_srcdir/node_modules" "$top_builddir/node_modules"; do
        for p in "$@"; do
            [ -f "$d/$p/package.json" ] || continue 2
        done
        (cd "$d" && pwd)
        return 0
    done
}

# idp_copy DIR MODULES: a copy of tests/idp/provider.js (and peer.js, which
# it requires) in DIR next to a link to MODULES; prints the copy's path. An
# ESM import() resolves oidc-provider from the file's own directory up, so
# this works from a read-only tarball too (make distcheck) and with
# OA_NODE_MODULES.
idp_copy() {
    mkdir -p "$1" &&
        cp "$top_srcdir/tests/idp/provider.js" "$1/provider.js" &&
        cp "$top_srcdir/tests/idp/peer.js" "$1/peer.js" &&
        ln -sfn "$2" "$1/node_modules" &&
        echo "$1/provider.js"
}

# peer_url LOG PID: waits up to 15 s for the "READY <url>" line a Node peer
# (tests/idp/peer.js) writes into LOG once it listens, and prints the url;
# fails, printing nothing, when PID ends first or the time runs out.
peer_url() {
    local url
    for _ in $(seq 1 150); do
        url=$(sed -n 's/^READY //p' "$1" 2>/dev/null | head -n 1)
        [ -n "$url" ] && { printf '%s\n' "$url"; return 0; }
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# ---- temporary directory, processes, cleanup -------------------------------

e2e_cleanup() {
    local pid f
    set +e # a caller's set -e must not cut the cleanup short
    # pid files, and *.peer-pid of processes started inside a $(...), whose
    # additions to E2E_PIDS the subshell kept to itself (flowlib's start_peer)
    for f in "${E2E_PIDFILES[@]+"${E2E_PIDFILES[@]}"}" "$E2E_TMP"/*.peer-pid; do
        [ -s "$f" ] && E2E_PIDS+=("$(cat "$f")")
    done
    for pid in "${E2E_PIDS[@]+"${E2E_PIDS[@]}"}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${E2E_PIDS[@]+"${E2E_PIDS[@]}"}"; do
        e2e_wait_gone "$pid" || kill -KILL "$pid" 2>/dev/null
    done
    if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ] && [ -z "${E2E_KEEP:-}" ]; then
        rm -rf "$E2E_TMP"
    fi
}

# e2e_wait_gone PID: waits up to ~5 s for a process to end.
e2e_wait_gone() {
    local i
    for i in $(seq 1 50); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# e2e_init: makes $E2E_TMP (readable by a server that drops root) and sets
# the trap that stops every server and removes it.
e2e_init() {
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/oa-$E2E_NAME.XXXXXX") || bail "mktemp failed"
    chmod 755 "$E2E_TMP"
    trap e2e_cleanup EXIT
    trap 'exit 130' INT TERM
}

# e2e_log FILE: a log shown (as TAP comments) when a test fails.
e2e_log() {
    E2E_LOGS+=("$1")
}

e2e_dump_logs() {
    local f
    for f in "${E2E_LOGS[@]+"${E2E_LOGS[@]}"}"; do
        [ -s "$f" ] || continue
        echo "# ---- $(basename "$f") (last 40 lines)"
        tail -n 40 "$f" | sed 's/^/# /'
    done
}

# e2e_bg NAME CMD...: starts CMD in the background, output to $E2E_TMP/NAME.log;
# it is stopped at exit. Sets E2E_LAST_PID.
e2e_bg() {
    local name=$1
    shift
    "$@" >"$E2E_TMP/$name.log" 2>&1 &
    E2E_LAST_PID=$!
    E2E_PIDS+=("$E2E_LAST_PID")
    e2e_log "$E2E_TMP/$name.log"
}

# e2e_pidfile FILE: a daemon's pid file, read and stopped at exit.
e2e_pidfile() {
    E2E_PIDFILES+=("$1")
}

# ---- ports -----------------------------------------------------------------

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on, below
# the ephemeral range (so no outgoing connection takes it meanwhile), and
# not handed out before in this test (a server may not listen yet). Pure
# bash: starting an interpreter per port is slow on a busy machine.
free_port() {
    local p i used=${E2E_TMP:+$E2E_TMP/.ports}
    for i in $(seq 1 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        port_in_use "$p" && continue
        if [ -n "$used" ]; then
            grep -qx "$p" "$used" 2>/dev/null && continue
            echo "$p" >>"$used"
        fi
        echo "$p"
        return 0
    done
    return 1
}

# wait_port PORT [SECONDS]: waits until something accepts on 127.0.0.1:PORT.
wait_port() {
    local i n=$(( ${2:-10} * 10 ))
    for i in $(seq 1 "$n"); do
        port_in_use "$1" && return 0
        sleep 0.1
    done
    return 1
}

# wait_file PATH [SECONDS]: waits until a file (a socket, a pid file) exists.
wait_file() {
    local i n=$(( ${2:-10} * 10 ))
    for i in $(seq 1 "$n"); do
        [ -e "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# ---- HTTP --------------------------------------------------------------------

# http_req URL [CURL-ARGS...]: one request, no redirects followed. Sets
# HTTP_STATUS, HTTP_HEADERS (raw, CR removed), HTTP_BODY, HTTP_STATUS_LINE.
http_req() {
    local url=$1
    shift
    local h="$E2E_TMP/last.headers" b="$E2E_TMP/last.body"
    : >"$h"
    : >"$b"
    HTTP_STATUS=$(curl -sS --max-time 20 -D "$h" -o "$b" -w '%{http_code}' "$@" "$url" 2>"$E2E_TMP/last.curl") ||
        HTTP_STATUS=000
    HTTP_HEADERS=$(tr -d '\r' <"$h")
    HTTP_BODY=$(cat "$b")
    HTTP_STATUS_LINE=$(printf '%s\n' "$HTTP_HEADERS" | head -n 1)
}

# http_header NAME: the value of the first response header NAME of the last
# request (case-insensitive), or empty.
http_header() {
    printf '%s\n' "$HTTP_HEADERS" | awk -v n="$1" 'BEGIN { n = tolower(n) ":" }
        tolower(substr($0, 1, length(n))) == n { sub(/^[^:]*:[ \t]*/, ""); print; exit }'
}

# http_has_header NAME: the last response had header NAME.
http_has_header() {
    printf '%s\n' "$HTTP_HEADERS" | grep -qi "^$1:"
}

# body_var NAME: the value of NAME=... in the echo backend's body, or empty.
body_var() {
    printf '%s\n' "$HTTP_BODY" | sed -n "s/^$1=//p" | head -n 1
}

# urlencode STRING
urlencode() {
    local s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

# ---- oauth2-fcgi test fixtures ---------------------------------------------------

# need_oa: the program and mint_cookie are built (else the script is skipped).
need_oa() {
    [ -x "$OA_BIN" ] || skip_all "oauth2-fcgi is not built ($OA_BIN)"
    MINT=$top_builddir/tests/tools/mint_cookie
    [ -x "$MINT" ] || skip_all "tests/tools/mint_cookie is not built"
}

# make_key FILE: a new random 32-byte session key, 64 hex digits.
make_key() {
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$1" && echo >>"$1")
}

# write_e2e_config FILE KEYFILE: the config the e2e tests share. Two
# providers with made-up endpoints on 127.0.0.1:9 (the authorizer never
# calls them), http allowed (the tests run over plain http), revocation
# time in the past, and access rules: /app/admin/ only for
# admin@example.com, the rest of /app/ for example.com addresses.
write_e2e_config() {
    cat >"$1" <<EOF
# oauth2-fcgi config written by tests/e2e/lib.sh
providers:
  - name: corp
    display_name: "Corp SSO"
    client_id: e2e-client
    client_secret: e2e-secret
    authorize_url: http://127.0.0.1:9/authorize
    token_url: http://127.0.0.1:9/token
    userinfo_url: http://127.0.0.1:9/userinfo
  - name: other
    client_id: e2e-client-2
    client_secret: e2e-secret-2
    authorize_url: http://127.0.0.1:9/authorize2
    token_url: http://127.0.0.1:9/token2
    userinfo_url: http://127.0.0.1:9/userinfo2
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $2
  cookie_name: oauth2_fcgi
  lifetime: 1h
  not_before: 2020-01-01T00:00:00Z
access:
  - path: /app/admin/
    emails: [admin@example.com]
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF
}

# e2e_oa_config: a key and the shared config in $E2E_TMP (E2E_KEY,
# E2E_CONFIG, COOKIE_NAME), and a first test: --check-config accepts it.
e2e_oa_config() {
    E2E_KEY=$E2E_TMP/session.key
    E2E_CONFIG=$E2E_TMP/oauth.yml
    COOKIE_NAME=oauth2_fcgi
    make_key "$E2E_KEY"
    write_e2e_config "$E2E_CONFIG" "$E2E_KEY"
    if "$OA_BIN" --check-config -c "$E2E_CONFIG" >"$E2E_TMP/check-config.out" 2>&1; then
        t_pass "oauth2-fcgi --check-config accepts the e2e config"
    else
        t_fail "oauth2-fcgi --check-config accepts the e2e config"
        t_diag "$(cat "$E2E_TMP/check-config.out")"
    fi
}

# mint ARGS...: a session cookie value from mint_cookie with the e2e config.
mint() {
    "$MINT" -c "$E2E_CONFIG" "$@"
}

# lighttpd_start PORT OA_CONFIG [EXTRA-LINE...]: the standard lighttpd set-up
# in $E2E_TMP, started on 127.0.0.1:PORT: the shipped
# contrib/lighttpd/oauth2-fcgi.conf with only its paths substituted (the
# authorizer on /app, the responder on /oauth, oauth2-fcgi started by
# lighttpd from $OA_BIN with OA_CONFIG), the echo backend as www/app
# (mod_cgi, /app/... reaches it with PATH_INFO), an access log with %u.
# Each EXTRA-LINE is added to lighttpd.conf. LIGHTTPD_SED, an array of sed
# arguments (-e EXPR ...), is applied to the contrib file after the paths
# (for a set-up the contrib file's comments describe, e.g. spawn-fcgi);
# the result is $E2E_TMP/oauth2-fcgi.conf.
LIGHTTPD_SED=()
lighttpd_start() {
    local port=$1 config=$2 line
    shift 2
    mkdir -p "$E2E_TMP/www"
    cp "$top_srcdir/tests/e2e/backend" "$E2E_TMP/www/app"
    chmod 755 "$E2E_TMP/www/app"
    sed -e "s|^var.oauth2_fcgi_bin .*|var.oauth2_fcgi_bin = \"$OA_BIN\"|" \
        -e "s|^var.oauth2_fcgi_config .*|var.oauth2_fcgi_config = \"$config\"|" \
        -e "s|^var.oauth2_fcgi_sockets .*|var.oauth2_fcgi_sockets = \"$E2E_TMP\"|" \
        "${LIGHTTPD_SED[@]+"${LIGHTTPD_SED[@]}"}" \
        "$top_srcdir/contrib/lighttpd/oauth2-fcgi.conf" >"$E2E_TMP/oauth2-fcgi.conf"
    {
        echo "server.document-root = \"$E2E_TMP/www\""
        echo "server.bind          = \"127.0.0.1\""
        echo "server.port          = $port"
        echo "server.errorlog      = \"$E2E_TMP/lighttpd-error.log\""
        echo "server.upload-dirs   = ( \"$E2E_TMP\" )"
        echo "server.modules       = ( \"mod_access\", \"mod_accesslog\", \"mod_cgi\" )"
        echo "accesslog.filename   = \"$E2E_TMP/lighttpd-access.log\""
        echo "accesslog.format     = \"%h %l %u %t \\\"%r\\\" %>s %b\""
        echo "cgi.assign           = ( \"/app\" => \"\" )"
        for line in "$@"; do echo "$line"; done
        echo "include \"$E2E_TMP/oauth2-fcgi.conf\""
    } >"$E2E_TMP/lighttpd.conf"
    e2e_log "$E2E_TMP/lighttpd-error.log"
    lighttpd -tt -f "$E2E_TMP/lighttpd.conf" >"$E2E_TMP/lighttpd-test.log" 2>&1 ||
        bail "lighttpd rejects the config: $(cat "$E2E_TMP/lighttpd-test.log")"
    e2e_bg lighttpd lighttpd -D -f "$E2E_TMP/lighttpd.conf"
    wait_port "$port" 15 || bail "lighttpd did not start on 127.0.0.1:$port"
}

# need_apache_mods MODULE...: skips the whole script when one of Apache's
# modules is not installed in $APACHE_MODS.
need_apache_mods() {
    local m
    for m in "$@"; do
        [ -f "$APACHE_MODS/mod_$m.so" ] || skip_all "$APACHE_MODS/mod_$m.so is missing"
    done
}

# apache_conf FILE PORT DOCROOT MODULE...: the start of an Apache 2.4 config
# of its own (ServerRoot, logs and pid in $E2E_TMP, 127.0.0.1:PORT,
# prefork, the modules named, www-data when started as root, %u logged).
APACHE_MODS=/usr/lib/apache2/modules
apache_conf() {
    local file=$1 port=$2 docroot=$3 m
    shift 3
    {
        echo "ServerRoot \"$E2E_TMP\""
        echo "ServerName 127.0.0.1"
        echo "Listen 127.0.0.1:$port"
        echo "PidFile \"$E2E_TMP/apache2.pid\""
        echo "ErrorLog \"$E2E_TMP/apache-error.log\""
        echo "LogLevel info"
        if [ "$(id -u)" = 0 ]; then
            echo "User $(apache_user)"
            echo "Group $(apache_group)"
        fi
        echo "LoadModule mpm_prefork_module $APACHE_MODS/mod_mpm_prefork.so"
        for m in "$@"; do
            echo "LoadModule ${m}_module $APACHE_MODS/mod_$m.so"
        done
        echo "StartServers 2"
        echo "MinSpareServers 1"
        echo "MaxSpareServers 4"
        echo "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common"
        echo "CustomLog \"$E2E_TMP/apache-access.log\" common"
        echo "DocumentRoot \"$docroot\""
    } >"$file"
    e2e_log "$E2E_TMP/apache-error.log"
}

# The user Apache's children run as when started as root.
apache_user() {
    if getent passwd www-data >/dev/null; then echo www-data; else echo nobody; fi
}
apache_group() {
    if getent group www-data >/dev/null; then echo www-data; else echo nogroup; fi
}

# apache_start CONF PORT: checks and starts Apache in the foreground, in a
# session of its own (at shutdown Apache signals its whole process group,
# which would otherwise include this script and make).
apache_start() {
    apache2 -t -f "$1" >"$E2E_TMP/apache-test.log" 2>&1 ||
        bail "apache2 rejects the config: $(cat "$E2E_TMP/apache-test.log")"
    e2e_pidfile "$E2E_TMP/apache2.pid"
    e2e_bg apache2 setsid apache2 -f "$1" -DFOREGROUND
    wait_port "$2" 15 || bail "apache2 did not start on 127.0.0.1:$2"
}

# apache_site_start PORT SNIPPET "MODULE..." [EXTRA-LINE...]: the Apache
# set-up the e2e tests share, started on 127.0.0.1:PORT: apache_conf with
# the modules named and DocumentRoot $E2E_TMP/cgi, each EXTRA-LINE, the
# echo backend as $E2E_TMP/cgi/app answering everything under /app
# (mod_cgi), then Include SNIPPET (a contrib file with its paths substituted).
apache_site_start() {
    local port=$1 snippet=$2 mods=$3 line
    shift 3
    mkdir -p "$E2E_TMP/cgi"
    cp "$top_srcdir/tests/e2e/backend" "$E2E_TMP/cgi/app"
    chmod 755 "$E2E_TMP/cgi/app"
    # shellcheck disable=SC2086 # one word per module
    apache_conf "$E2E_TMP/apache2.conf" "$port" "$E2E_TMP/cgi" $mods
    {
        for line in "$@"; do echo "$line"; done
        echo "# The echo backend answers everything under /app."
        echo "ScriptAliasMatch \"^/app(/.*)?\$\" \"$E2E_TMP/cgi/app\""
        echo "Include \"$snippet\""
    } >>"$E2E_TMP/apache2.conf"
    apache_start "$E2E_TMP/apache2.conf" "$port"
}

# apache_fcgid_start PORT OA_CONFIG KEYFILE: Apache with mod_fcgid on
# 127.0.0.1:PORT: the shipped contrib/apache/oauth2-fcgi-fcgid.conf with
# only its paths substituted (mod_fcgid starts $OA_BIN with OA_CONFIG:
# FcgidAccessChecker on /app, the responder on /oauth), in apache_site_start.
apache_fcgid_start() {
    local port=$1 config=$2 key=$3
    mkdir -p "$E2E_TMP/fcgid"
    # mod_fcgid runs the program as Apache's user: it must read the key, and
    # the process manager must write its sockets.
    if [ "$(id -u)" = 0 ]; then
        chown "$(apache_user):$(apache_group)" "$key" "$E2E_TMP/fcgid"
    fi
    sed -e "s|^Define OAUTH2_FCGI_DIR .*|Define OAUTH2_FCGI_DIR $(dirname "$OA_BIN")|" \
        -e "s|^Define OAUTH2_FCGI_BIN .*|Define OAUTH2_FCGI_BIN $OA_BIN|" \
        -e "s|^Define OAUTH2_FCGI_CONFIG .*|Define OAUTH2_FCGI_CONFIG $config|" \
        "$top_srcdir/contrib/apache/oauth2-fcgi-fcgid.conf" >"$E2E_TMP/oauth2-fcgi-fcgid.conf"
    apache_site_start "$port" "$E2E_TMP/oauth2-fcgi-fcgid.conf" \
        "authn_core authz_core fcgid alias cgi headers setenvif" \
        "FcgidIPCDir \"$E2E_TMP/fcgid\"" \
        "FcgidProcessTableFile \"$E2E_TMP/fcgid/shm\"" \
        "FcgidMaxProcessesPerClass 2"
}

# apache_authnz_start PORT FCGI_ADDR: Apache with mod_authnz_fcgi on
# 127.0.0.1:PORT: the shipped contrib/apache/oauth2-fcgi-authnz.conf with
# only its address substituted (the program, started by the caller, listens
# on FCGI_ADDR, host:port), in apache_site_start.
apache_authnz_start() {
    local port=$1 addr=$2
    sed -e "s|^Define OAUTH2_FCGI_ADDR .*|Define OAUTH2_FCGI_ADDR $addr|" \
        "$top_srcdir/contrib/apache/oauth2-fcgi-authnz.conf" >"$E2E_TMP/oauth2-fcgi-authnz.conf"
    apache_site_start "$port" "$E2E_TMP/oauth2-fcgi-authnz.conf" \
        "authn_core authz_core authz_user authnz_fcgi proxy proxy_fcgi alias cgi headers setenvif"
}

# authorizer_checks BASE_URL: the checks every server runs the same way
# through its authorizer set-up, with /app/ protected and the echo backend
# behind it. Needs E2E_CONFIG, E2E_KEY, MINT, COOKIE_NAME.
authorizer_checks() {
    local base=$1 c v

    # No cookie, a page load: 302 to sign in, with rd.
    http_req "$base/app/page?x=1" -H 'Accept: text/html,application/xhtml+xml'
    t_is "$HTTP_STATUS" 302 "no cookie, page load: 302"
    t_like "$HTTP_STATUS_LINE" '^HTTP/[0-9.]+ 302 Found$' \
        "no cookie: the status line is '302 Found' (Status: came first, with its reason)"
    v=$(http_header Location)
    t_like "$v" '/oauth/' "no cookie: Location goes to the sign-in under /oauth"
    t_like "$v" '[?&]rd=' "no cookie: Location carries rd"
    t_like "$v" "rd=[^&]*(%2F|/)app(%2F|/)page" "no cookie: rd is the original URL"
    t_unlike "$HTTP_HEADERS" '^(Status|Variable-[A-Za-z_]*):' \
        "no cookie: no Status or Variable-* header leaks to the client"
    t_unlike "$HTTP_BODY" 'REMOTE_USER=' "no cookie: the backend did not run"

    # Valid cookie: the backend runs and sees the identity.
    c=$(mint --user alice --email alice@example.com --name 'Alice Example' --groups 'ops,dev')
    t_isnt "$c" "" "mint_cookie made a session cookie"
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "valid cookie: 200"
    # REMOTE_USER is the verified email (else provider:subject).
    t_is "$(body_var REMOTE_USER)" alice@example.com "valid cookie: the backend sees REMOTE_USER"
    t_is "$(body_var OAUTH2_USER)" alice "valid cookie: the backend sees OAUTH2_USER"
    t_is "$(body_var OAUTH2_NAME)" 'Alice Example' "valid cookie: the backend sees OAUTH2_NAME"
    t_is "$(body_var OAUTH2_GROUPS)" 'ops,dev' "valid cookie: the backend sees OAUTH2_GROUPS"
    t_is "$(body_var OAUTH2_EMAIL)" alice@example.com "valid cookie: the backend sees OAUTH2_EMAIL"
    t_is "$(body_var OAUTH2_PROVIDER)" corp "valid cookie: the backend sees OAUTH2_PROVIDER"
    t_unlike "$HTTP_HEADERS" '^Variable-' "valid cookie: no Variable-* header reaches the client"

    # JSON / XHR clients never get a redirect.
    http_req "$base/app/api" -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 401 "no cookie, Accept: application/json: 401"
    http_req "$base/app/api" -H 'X-Requested-With: XMLHttpRequest' -H 'Accept: */*'
    t_is "$HTTP_STATUS" 401 "no cookie, X-Requested-With: 401"
    t_is "$(http_header Location)" "" "no cookie, XHR: no Location"

    # Cookies that must not pass.
    # (not the very last character: its low bits may be padding)
    v="${c:0:${#c}-3}$( [ "${c: -3:1}" = A ] && echo B || echo A )${c: -2}"
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "302 401" "tampered cookie (a character of the tag changed): refused"
    v="${c:0:20}$( [ "${c:20:1}" = x ] && echo y || echo x )${c:21}"
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "302 401" "tampered cookie (a middle character changed): refused"
    v=$(mint --user alice --email alice@example.com --expired)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "302 401" "expired cookie: refused"
    v=$(mint --user alice --email alice@example.com --revoked)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "302 401" "cookie issued before session.not_before: refused"
    v=$(mint --user alice --email alice@example.com --other-key)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "302 401" "cookie sealed with another key: refused"
    v=$(mint --user alice --email alice@example.com --purpose state)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "302 401" "a value sealed as state, sent as the session: refused"
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "302 401" "empty cookie: refused"

    # Access rules.
    v=$(mint --user bob --email bob@elsewhere.org)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 403 "valid session, email domain not allowed: 403"
    t_unlike "$HTTP_BODY" 'REMOTE_USER=' "403: the backend did not run"
    http_req "$base/app/admin/" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 403 "valid session, /app/admin/ only for admin@: 403"
    v=$(mint --user admin --email admin@example.com)
    http_req "$base/app/admin/" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "admin@example.com may see /app/admin/: 200"
    http_req "$base/app/%61dmin/" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "400 403 404" "/app/%61dmin/ is /app/admin/ for the rules: not 200"
    http_req "$base/app/x/../admin/" --path-as-is -H "Cookie: $COOKIE_NAME=$c" \
        -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "400 403 404" "/app/x/../admin/ is /app/admin/ for the rules: not 200"

    # Identity headers from the client are never identity.
    http_req "$base/app/page" -H 'Accept: text/html' -H 'X-Auth-Request-User: mallory' \
        -H 'Variable-REMOTE_USER: mallory' -H 'Remote-User: mallory'
    t_is "$HTTP_STATUS" 302 "no cookie + client identity headers: still 302"
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html' \
        -H 'X-Auth-Request-User: mallory' -H 'Variable-REMOTE_USER: mallory' \
        -H 'Variable-OAUTH2_EMAIL: mallory@example.com' -H 'Remote-User: mallory'
    t_is "$(body_var REMOTE_USER)" alice@example.com \
        "client identity headers: REMOTE_USER is still the session's"
    t_is "$(body_var OAUTH2_USER)" alice "client identity headers: OAUTH2_USER is still the session's"
    t_is "$(body_var OAUTH2_EMAIL)" alice@example.com \
        "client identity headers: OAUTH2_EMAIL is still the session's"

    # The responder beside it.
    http_req "$base/oauth/health"
    t_is "$HTTP_STATUS" 200 "/oauth/health: 200"
    t_like "$HTTP_BODY" '^ok' "/oauth/health: ok"
    http_req "$base/oauth/userinfo" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 200 "/oauth/userinfo with the session: 200"
    t_like "$HTTP_BODY" 'alice@example.com' "/oauth/userinfo: the session's email"
    http_req "$base/oauth/userinfo" -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 401 "/oauth/userinfo without a session: 401"
    http_req "$base/oauth/sign_in?rd=/app/page" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "/oauth/sign_in: 200"
    t_like "$HTTP_BODY" 'Corp SSO' "/oauth/sign_in: a button per provider"
    http_req "$base/oauth/corp/login?rd=/app/page" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "/oauth/corp/login: 302 to the provider"
    t_like "$(http_header Location)" '^http://127\.0\.0\.1:9/authorize\?' \
        "/oauth/corp/login: Location is the provider's authorize URL"
    http_req "$base/oauth/nosuch/login" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 404 "/oauth/nosuch/login: 404"
    lifecycle_route_checks "$base"
}

# ---- a proxied application and the identity headers it may trust -----------

# echo_backend_start PORT: tests/e2e/echo-backend.py, a real HTTP server on
# 127.0.0.1:PORT that answers with the request it received as JSON and logs
# every request to $E2E_TMP/backend-requests.log (stopped at exit).
echo_backend_start() {
    need_tool python3
    e2e_bg echo-backend python3 "$top_srcdir/tests/e2e/echo-backend.py" "$1" \
        "$E2E_TMP/backend-requests.log"
    wait_port "$1" 15 || bail "echo-backend.py did not start on 127.0.0.1:$1"
}

# backend_seen: how many requests the echo backend has received so far.
backend_seen() {
    if [ -f "$E2E_TMP/backend-requests.log" ]; then
        wc -l <"$E2E_TMP/backend-requests.log" | tr -d ' '
    else
        echo 0
    fi
}

# backend_headers: the headers the echo backend received in the last
# request (HTTP_BODY), one "Name: value" a line; nothing when the body is
# not the backend's JSON.
backend_headers() {
    printf '%s' "$HTTP_BODY" | python3 -c '
import json, sys
try:
    seen = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
for k, v in seen.get("headers", []):
    print("%s: %s" % (k, v))'
}

# backend_header NAME: the value(s) of header NAME (case-insensitive, exact
# spelling otherwise) the echo backend received in the last request.
backend_header() {
    backend_headers | awk -v n="$1" 'BEGIN { n = tolower(n) ": " }
        tolower(substr($0, 1, length(n))) == n { print substr($0, length(n) + 1) }'
}

# The identity headers that applications built for oauth2-proxy, vouch,
# Authelia and Grafana's auth.proxy trust.
IDENTITY_HEADERS="X-Forwarded-User X-Forwarded-Email X-Forwarded-Groups
X-Forwarded-Preferred-Username X-Forwarded-Access-Token X-Auth-Request-User
X-Auth-Request-Email X-Auth-Request-Groups X-Auth-Request-Preferred-Username
X-Auth-Request-Access-Token Remote-User Remote-Groups Remote-Email Remote-Name
X-Remote-User X-WEBAUTH-USER"

# header_spellings NAME: NAME with every choice of "-" or "_" at each dash
# (CGI-style backends fold them all into one HTTP_* variable).
header_spellings() {
    local spellings=("${1%%-*}") parts part o longer
    IFS=- read -ra parts <<<"${1#*-}"
    [ "$1" = "${1#*-}" ] && parts=()
    for part in "${parts[@]+"${parts[@]}"}"; do
        longer=()
        for o in "${spellings[@]}"; do longer+=("$o-$part" "${o}_$part"); done
        spellings=("${longer[@]}")
    done
    printf '%s\n' "${spellings[@]}"
}

# forged_identity_args VALUE: curl -H arguments that send every identity
# header in every spelling with VALUE, and two case variants.
forged_identity_args() {
    local n s
    FORGED=()
    for n in $IDENTITY_HEADERS; do
        while IFS= read -r s; do FORGED+=(-H "$s: $1"); done < <(header_spellings "$n")
    done
    FORGED+=(-H "x-forwarded-user: $1" -H "REMOTE-USER: $1")
}

# oa_children_of PID: the oauth2-fcgi processes ($OA_BIN's program) that
# PID (a web server) started, sorted, on one line.
oa_children_of() {
    local p real
    real=$(readlink -f "$OA_BIN")
    for p in $(ps -o pid= --ppid "$1"); do
        [ "$(readlink "/proc/$p/exe" 2>/dev/null | sed 's/ (deleted)$//')" = "$real" ] &&
            echo "$p"
    done | sort | tr '\n' ' '
}

# ---- the session lifecycle (DESIGN.md 14.3) ----------------------------------

# lifecycle_route_checks BASE_URL: through the server's shipped set-up, a
# session past its refresh_at sends a page load to /oauth/refresh (an API
# call passes), a version-1 cookie still works, and /oauth/refresh and
# /oauth/<p>/backchannel-logout reach the responder (its 405 and Allow, its
# no-store). Needs E2E_CONFIG, MINT, COOKIE_NAME, the corp provider and /app/.
lifecycle_route_checks() {
    local base=$1 s
    s=$(mint --user alice --email alice@example.com --refresh-at -5)
    http_req "$base/app/page?x=1" -H "Cookie: $COOKIE_NAME=$s" \
        -H 'Accept: text/html,application/xhtml+xml'
    t_is "$HTTP_STATUS" 302 "stale session, page load: 302"
    t_like "$(http_header Location)" '/oauth/refresh\?rd=[^&]*app(%2F|/)page' \
        "stale session, page load: to /oauth/refresh with rd = the page"
    t_unlike "$HTTP_BODY" 'REMOTE_USER=' "stale session, page load: the backend did not run"
    http_req "$base/app/api" -H "Cookie: $COOKIE_NAME=$s" -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 200 "stale session, API call: 200 (until exp)"
    s=$(mint --user alice --email alice@example.com --v1)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$s" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "a version-1 session cookie (sealed before the upgrade): 200"
    s=$(mint --user alice --email alice@example.com --sid 000102030405060708090a0b0c0d0e0f)
    http_req "$base/oauth/userinfo" -H "Cookie: $COOKIE_NAME=$s" -H 'Accept: application/json'
    t_like "$HTTP_BODY" '"session": "AAECAwQFBgcICQoLDA0ODw", "refresh_at": [0-9]+' \
        "/oauth/userinfo: the session id (22 base64url) and refresh_at"
    http_req "$base/oauth/refresh" -X PUT
    t_is "$HTTP_STATUS" 405 "PUT /oauth/refresh reaches the responder: 405"
    t_is "$(http_header Allow)" "GET, HEAD, POST" "/oauth/refresh: Allow: GET, HEAD, POST"
    http_req "$base/oauth/corp/backchannel-logout" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 405 "GET /oauth/corp/backchannel-logout reaches the responder: 405"
    t_is "$(http_header Allow)" "POST" "/oauth/corp/backchannel-logout: Allow: POST"
    http_req "$base/oauth/corp/backchannel-logout" -d 'logout_token=x.y.z' \
        -H 'Content-Type: application/x-www-form-urlencoded'
    t_isnt "$HTTP_STATUS" 405 "POST /oauth/corp/backchannel-logout: taken"
    t_is "$(http_header Cache-Control)" no-store "POST backchannel-logout: answered by the responder"
}

# ---- public rules, methods, hosts ------------------------------------------

# route_rules_add CONFIG: puts three rules in front of the shared config's
# (the rules the shared config has keep their order): /app/public/ public,
# /app/api/ public for OPTIONS only, /app/vhost/ public on host open.test.
route_rules_add() {
    local rules='  - path: /app/public/\n    public: true\n  - path: /app/api/\n    methods: [OPTIONS]\n    public: true\n  - path: /app/vhost/\n    hosts: [open.test]\n    public: true'
    sed -i "s|^access:\$|access:\n$rules|" "$1"
    "$OA_BIN" --check-config -c "$1" >/dev/null 2>&1 || bail "the route rules do not load"
}

# route_checks BASE_URL: public, methods and hosts through the server at
# BASE_URL, whose config had route_rules_add: the server passes the
# original method and host, and no path reading opens the public rule.
# ROUTE_ANON_SKIP=reason: the server cannot let a request without a user
# through its authorizer (Apache's mod_authnz_fcgi authn provider insists on
# a REMOTE_USER): those checks are skipped with that reason.
ROUTE_ANON_SKIP=
route_anon() { # route_anon STATUS DESC: a public pass without a session
    if [ -n "$ROUTE_ANON_SKIP" ]; then t_skip "$2: $ROUTE_ANON_SKIP"; else t_is "$HTTP_STATUS" "$1" "$2"; fi
}
route_checks() {
    local base=$1 c port=${1##*:} s
    http_req "$base/app/public/x" -H 'Accept: text/html'
    route_anon 200 "routes: public path, no cookie: 200"
    t_unlike "$HTTP_BODY" '(REMOTE_USER=.|X-Auth-Request-User|alice@)' \
        "routes: public, no cookie: the backend gets no identity"
    c=$(mint --user alice --email alice@example.com)
    http_req "$base/app/public/x" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "routes: public path with a session: 200"
    t_like "$HTTP_BODY" 'alice@example\.com' "routes: public with a session: the identity still goes along"
    for s in '/app/public/../admin/' '/app/public/%2e%2e/admin/' '/app/public/..%2fadmin/' \
        '/app/public/..;/admin/' '/app/public//..//admin/' '/app/PUBLIC/x' '/app/public/%252e%252e/admin/'; do
        http_req "$base$s" --path-as-is -H 'Accept: application/json'
        t_in "$HTTP_STATUS" "400 401 404" "routes: no public pass for $s, no cookie (not 200)"
    done
    http_req "$base/app/api/items" -X OPTIONS -H 'Origin: http://other.test' \
        -H 'Access-Control-Request-Method: PUT'
    route_anon 200 "routes: OPTIONS preflight on /app/api/, no cookie: 200"
    http_req "$base/app/api/items" -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 401 "routes: GET /app/api/ (JSON), no cookie: 401 (the method reached the rules)"
    http_req "$base/app/api/items" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "routes: GET /app/api/ page load, no cookie: 302 to sign in"
    http_req "$base/app/api/items" -X POST -H 'Accept: application/json' -d 'x=1'
    t_is "$HTTP_STATUS" 401 "routes: POST /app/api/, no cookie: 401"
    http_req "$base/app/vhost/x" -H 'Host: open.test' -H 'Accept: application/json'
    route_anon 200 "routes: /app/vhost/ on host open.test: public"
    http_req "http://open.test:$port/app/vhost/x" --resolve "open.test:$port:127.0.0.1" \
        -H 'Accept: application/json'
    route_anon 200 "routes: /app/vhost/ on open.test:PORT (curl --resolve): public"
    http_req "$base/app/vhost/x" -H 'Host: OPEN.test' -H 'Accept: application/json'
    route_anon 200 "routes: host compared without case"
    http_req "$base/app/vhost/x" -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 401 "routes: /app/vhost/ on 127.0.0.1: the rule does not apply (401)"
    http_req "$base/app/vhost/x" -H 'Host: open.test.evil' -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 401 "routes: open.test.evil is not open.test (401)"
    # absolute-form: a request line naming another host than Host never
    # makes the host-restricted public rule apply on 127.0.0.1's site
    # (nginx passes the request line's host as HTTP_HOST, lighttpd refuses
    # the mismatch with 400)
    http_req "http://127.0.0.1/app/vhost/x" -x "$base" -H 'Host: open.test' \
        -H 'Accept: application/json'
    t_in "$HTTP_STATUS" "400 401" "routes: absolute-form URI of 127.0.0.1, Host open.test: not public"
}

# nginx_contrib_start SOCKET APP_PORT PORT: nginx on 127.0.0.1:PORT (in $T)
# with the shipped contrib/nginx/oauth2-fcgi.conf as is but for its
# addresses (the lines marked EDIT): the program's socket SOCKET, the
# application upstream 127.0.0.1:APP_PORT. Bails when the file's lines
# changed so that the substitution misses, when nginx refuses the config,
# or when it does not start.
nginx_contrib_start() {
    local sock=$1 aport=$2 port=$3
    sed -e "s|unix:/run/oauth2-fcgi\.sock|unix:$sock|g" \
        -e "s|server 127\.0\.0\.1:8080;|server 127.0.0.1:$aport;|" \
        -e "s|listen 127\.0\.0\.1:80;|listen 127.0.0.1:$port;|" \
        "$top_srcdir/contrib/nginx/oauth2-fcgi.conf" >"$T/nginx-oauth2-fcgi.conf"
    if ! grep -q "unix:$sock" "$T/nginx-oauth2-fcgi.conf" || ! grep -q "127.0.0.1:$port;" "$T/nginx-oauth2-fcgi.conf"; then
        bail "contrib/nginx/oauth2-fcgi.conf: its EDIT lines changed, fix nginx_contrib_start"
    fi
    cp /etc/nginx/fastcgi_params "$T/fastcgi_params"
    mkdir -p "$T/temp"
    cat >"$T/nginx.conf" <<CONF
$([ "$(id -u)" = 0 ] && echo 'user root;')
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log info;
daemon off;
events { worker_connections 256; }
http {
    access_log $T/nginx-access.log;
    client_body_temp_path $T/temp/body;
    fastcgi_temp_path $T/temp/fastcgi;
    proxy_temp_path $T/temp/proxy;
    scgi_temp_path $T/temp/scgi;
    uwsgi_temp_path $T/temp/uwsgi;
    include $T/nginx-oauth2-fcgi.conf;
}
CONF
    e2e_log "$T/nginx-error.log"
    nginx -t -p "$T" -c "$T/nginx.conf" >"$T/nginx-test.log" 2>&1 ||
        bail "nginx rejects the config: $(cat "$T/nginx-test.log")"
    e2e_bg nginx nginx -p "$T" -c "$T/nginx.conf"
    wait_port "$port" 15 || bail "nginx did not start on 127.0.0.1:$port"
}
