#!/usr/bin/env bash
# soak.sh - the load and soak test, run by `make soak`,
# never by `make check`: a real lighttpd with the shipped
# contrib/lighttpd/oauth2-fcgi.conf (oauth2-fcgi spawned by lighttpd with
# bin-path, authorizer on /app over a unix socket, one process, -t 1), and
# wrk with tests/load/soak.lua checking every answer:
#   phase 1: N requests with a valid session cookie for a static file under
#            /app: every answer must be 200;
#   phase 2: N requests cycling through refused cookies (garbage, binary
#            junk, truncated, oversized 8 KiB single and chunked, tampered,
#            expired, revoked, another key, a state value, empty, none, ...)
#            as page loads (each must get the sign-in 302 naming its own
#            path) and as API / XHR calls (each must get 401): never 200.
# Meanwhile oauth2-fcgi's RSS (VmRSS of the authorizer process) is sampled
# every few seconds. Checks: 0 wrong answers, 0 socket errors, the same
# authorizer PID from start to end (a crash would hide behind lighttpd's
# respawn), its fd count not grown, and flat memory: the last RSS sample is
# less than 256 KiB above the first sample taken after the warm-up (the
# first 30 s of phase 1: allocator arenas, libcurl, page faults of code).
# Prints a summary and TAP. Everything listens on 127.0.0.1 or in a
# temporary directory, and is stopped at exit.
#
#   tests/load/soak.sh [-B BUILDDIR] [-n REQUESTS] [-c CONNECTIONS] [-i SECONDS] [-k]
set -u

LOAD_SRC=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$LOAD_SRC/../.." && pwd)
BUILD=${top_builddir:-$PWD}
N=1000000
CONNS=16
EVERY=5
WARMUP=30
FLAT_KIB=256
KEEP=

usage() {
    cat <<EOF
usage: tests/load/soak.sh [-B BUILDDIR] [-n REQUESTS] [-c CONNECTIONS] [-i SECONDS] [-k]
  -B DIR   the build directory with oauth2-fcgi and tests/tools/mint_cookie
           (default: \$top_builddir or the current directory)
  -n N     requests per phase (default $N)
  -c N     wrk connections (default $CONNS; one wrk thread)
  -i S     seconds between RSS samples (default $EVERY)
  -k       keep the temporary directory (configs, logs, wrk output)
EOF
}

while getopts "B:n:c:i:kh" opt; do
    case $opt in
        B) BUILD=$(cd "$OPTARG" && pwd) ;;
        n) N=$OPTARG ;;
        c) CONNS=$OPTARG ;;
        i) EVERY=$OPTARG ;;
        k) KEEP=1 ;;
        h) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
case "$N$CONNS$EVERY" in
    *[!0-9]*) usage >&2; exit 2 ;;
esac

top_builddir=$BUILD
OA_BIN=$BUILD/oauth2-fcgi
. "$top_srcdir/tests/e2e/lib.sh"
[ -n "$KEEP" ] && E2E_KEEP=1

need_tool wrk lighttpd curl
need_oa
e2e_init
T=$E2E_TMP
OA_REAL=$(readlink -f "$OA_BIN")

# ---- config, cookies, lighttpd -----------------------------------------------

E2E_KEY=$T/session.key
E2E_CONFIG=$T/oauth.yml
make_key "$E2E_KEY"
# The e2e config, logging at info (debug would write a line per request).
write_e2e_config "$E2E_CONFIG.in" "$E2E_KEY"
sed 's/^log_level: .*/log_level: info/' "$E2E_CONFIG.in" >"$E2E_CONFIG"
if "$OA_BIN" --check-config -c "$E2E_CONFIG" >"$T/check-config.out" 2>&1; then
    t_pass "oauth2-fcgi --check-config accepts the soak config"
else
    bail "oauth2-fcgi rejects the soak config: $(cat "$T/check-config.out")"
fi

VALID=$(mint --user alice --email alice@example.com --name 'Alice Example' --groups 'ops,dev') ||
    bail "mint_cookie failed"
EXPIRED=$(mint --user alice --email alice@example.com --expired) || bail "mint --expired failed"
REVOKED=$(mint --user alice --email alice@example.com --revoked) || bail "mint --revoked failed"
OTHERKEY=$(mint --user alice --email alice@example.com --other-key) || bail "mint --other-key failed"
STATEVAL=$(mint --user alice --email alice@example.com --purpose state) || bail "mint --purpose failed"

# rnd BYTES: URL-safe base64 of that many characters.
rnd() {
    head -c $(($1 + 16)) /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=' | head -c "$1"
}
# flip S I: S with the character at I changed.
flip() {
    local c=${1:$2:1}
    printf '%s' "${1:0:$2}$([ "$c" = A ] && echo B || echo A)${1:$2+1}"
}
L=${#VALID}
C=oauth2_fcgi
# shellcheck disable=SC2016 # a literal $x: junk for the cookie header
JUNK=$(printf '%s' 'a"b\c;d=e,f%00%ff %zz{}[]<>'"'"'|`$x' && printf '\303\251\342\202\254\377\376')

PAGE='text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
JSON='application/json'
LIST=$T/requests.tsv
# row KIND EXPECT ACCEPT COOKIE-HEADER
row() {
    printf '%s\t%s\t/app/soak/%s?q=1\t%s\t%s\n' "$1" "$2" "$1" "$3" "$4" >>"$LIST"
}
: >"$LIST"
row none 302 "$PAGE" ""
row empty 302 "$PAGE" "$C="
row othercookies 302 "$PAGE" "_ga=GA1.2.3.4; theme=dark; ${C}x=$VALID"
row garbage 302 "$PAGE" "$C=$(rnd "$L")"
row junk 302 "$PAGE" "theme=dark; $C=$JUNK; x=y"
row truncone 302 "$PAGE" "$C=${VALID:0:L-1}"
row trunchalf 302 "$PAGE" "$C=${VALID:0:L/2}"
row truncten 302 "$PAGE" "$C=${VALID:0:10}"
row oversized 302 "$PAGE" "$C=$(rnd 8192)"
row oversizedvalid 302 "$PAGE" "$C=$VALID$(rnd 8000)"
row chunks 302 "$PAGE" "${C}_0=$(rnd 3800); ${C}_1=$(rnd 3800); ${C}_2=$(rnd 600)"
row chunksmany 302 "$PAGE" \
    "$(for i in 0 1 2 3 4 5; do printf '%s_%d=%s; ' "$C" "$i" "$(rnd 1200)"; done)$C=$(rnd 40)"
row tamperedtag 302 "$PAGE" "$C=$(flip "$VALID" $((L - 3)))"
row tamperedmid 302 "$PAGE" "$C=$(flip "$VALID" $((L / 2)))"
row tamperedhead 302 "$PAGE" "$C=$(flip "$VALID" 2)"
row badalphabet 302 "$PAGE" "$C=$(printf '%s' "$VALID" | tr -- '-_' '+/')"
row expired 302 "$PAGE" "$C=$EXPIRED"
row revoked 302 "$PAGE" "$C=$REVOKED"
row otherkey 302 "$PAGE" "$C=$OTHERKEY"
row statevalue 302 "$PAGE" "$C=$STATEVAL"
row twobad 302 "$PAGE" "$C=$(rnd "$L"); $C=$EXPIRED"
row apinone 401 "$JSON" ""
row apigarbage 401 "$JSON" "$C=$(rnd "$L")"
row apioversized 401 "$JSON" "$C=$(rnd 8192)"
row apiexpired 401 "$JSON" "$C=$EXPIRED"
row apitampered 401 "$JSON" "$C=$(flip "$VALID" $((L / 2)))"
row xhrnone 401 '*/*' ""
row xhrtruncated 401 '*/*' "$C=${VALID:0:L/2}"
VALID_LIST=$T/valid.tsv
printf 'valid\t200\t/app/1k.html\t%s\t%s\n' "$PAGE" "$C=$VALID" >"$VALID_LIST"

# lighttpd: the shipped config with its paths filled in (as lib.sh's
# lighttpd_start does) and one process per entry (max-procs 1: the soak
# follows one authorizer process's memory and PID; the shipped file runs
# several, for crashes - tests/load/kill-lighttpd.sh), a static file under
# /app, no access log and no CGI
# (millions of requests), and request headers up to 64 KiB so the 8 KiB
# cookies reach the authorizer instead of lighttpd's 431.
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
mkdir -p "$T/www/app"
head -c 1024 /dev/zero | tr '\0' 'x' >"$T/www/app/1k.html"
sed -e "s|^var.oauth2_fcgi_bin .*|var.oauth2_fcgi_bin = \"$OA_BIN\"|" \
    -e "s|^var.oauth2_fcgi_config .*|var.oauth2_fcgi_config = \"$E2E_CONFIG\"|" \
    -e "s|^var.oauth2_fcgi_sockets .*|var.oauth2_fcgi_sockets = \"$T\"|" \
    -e 's|"max-procs" *=> *[0-9]*|"max-procs"       => 1|' \
    "$top_srcdir/contrib/lighttpd/oauth2-fcgi.conf" >"$T/oauth2-fcgi.conf"
cat >"$T/lighttpd.conf" <<EOF
server.document-root = "$T/www"
server.bind          = "127.0.0.1"
server.port          = $PORT
server.errorlog      = "$T/lighttpd-error.log"
server.max-request-field-size = 65535
server.modules       = ( "mod_access" )
include "$T/oauth2-fcgi.conf"
EOF
e2e_log "$T/lighttpd-error.log"
lighttpd -tt -f "$T/lighttpd.conf" >"$T/lighttpd-test.log" 2>&1 ||
    bail "lighttpd rejects the config: $(cat "$T/lighttpd-test.log")"
e2e_bg lighttpd lighttpd -D -f "$T/lighttpd.conf"
LPID=$E2E_LAST_PID
wait_port "$PORT" 15 || bail "lighttpd did not start on 127.0.0.1:$PORT"

# authz_pid: the oauth2-fcgi child of lighttpd whose fd 0 is the
# authorizer's socket (oauth2-fcgi-authz.sock-0).
authz_pid() {
    local p ino
    for p in $(ps -o pid= --ppid "$LPID"); do
        # (" (deleted)" when the program was rebuilt meanwhile)
        [ "$(readlink "/proc/$p/exe" 2>/dev/null | sed 's/ (deleted)$//')" = "$OA_REAL" ] ||
            continue
        ino=$(readlink "/proc/$p/fd/0" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
        [ -n "$ino" ] || continue
        awk -v i="$ino" '$7 == i { print $8 }' /proc/net/unix | grep -q 'authz' && echo "$p"
    done
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

http_req "$BASE/app/1k.html" -H "Cookie: $C=$VALID" -H "Accept: $PAGE"
t_is "$HTTP_STATUS" 200 "a valid cookie through lighttpd: 200 (before the soak)"
http_req "$BASE/app/soak/none?q=1" -H "Accept: $PAGE"
t_is "$HTTP_STATUS" 302 "no cookie through lighttpd: 302 (before the soak)"
P=$(authz_pid)
# shellcheck disable=SC2015 # both, or bail
[ -n "$P" ] && [ "$(echo "$P" | wc -l)" = 1 ] || bail "cannot find the authorizer process"
FDS0=$(nfds "$P")
t_diag "lighttpd $LPID, authorizer oauth2-fcgi $P (RSS $(rss_kib "$P") KiB, $FDS0 fds)"

# ---- the RSS sampler -----------------------------------------------------------------

START=$(date +%s)
echo 1 >"$T/phase"
(
    while kill -0 "$P" 2>/dev/null; do
        echo "$(($(date +%s) - START)) $(cat "$T/phase") $(rss_kib "$P")"
        sleep "$EVERY"
    done
) >"$T/rss.txt" 2>/dev/null &
E2E_PIDS+=("$!")

# soak PHASE LIST: N requests from LIST through wrk; its output in
# $T/wrk-PHASE.out, the summary lines in $T/soak-PHASE.txt. soak.lua
# writes $T/done-PHASE after N answers; wrk is then interrupted (it would
# otherwise sleep out its -d) and prints its summary.
soak() {
    local t0 t1 wpid
    echo "$1" >"$T/phase"
    rm -f "$T/done-$1"
    t0=$(date +%s.%N)
    SOAK_LIST=$2 SOAK_N=$N SOAK_DONE=$T/done-$1 wrk -t1 -c"$CONNS" -d3600s --timeout 30s \
        -s "$LOAD_SRC/soak.lua" "$BASE/" >"$T/wrk-$1.out" 2>&1 &
    wpid=$!
    E2E_PIDS+=("$wpid")
    while [ ! -e "$T/done-$1" ] && kill -0 "$wpid" 2>/dev/null; do
        sleep 0.2
    done
    t1=$(date +%s.%N)
    kill -INT "$wpid" 2>/dev/null
    wait "$wpid"
    grep '^soak ' "$T/wrk-$1.out" >"$T/soak-$1.txt"
    echo "soak seconds $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')" \
        >>"$T/soak-$1.txt"
}
# val PHASE KEY...: a figure of the phase's summary (0 when absent).
val() {
    local f=$T/soak-$1.txt
    shift
    awk -v k="soak $*" 'index($0, k " ") == 1 { v = $NF } END { print v + 0 }' "$f"
}
# sum_sent PHASE EXPECT: requests sent of the kinds that expect EXPECT.
sum_sent() {
    local k s=0
    # shellcheck disable=SC2013 # the kinds are single words
    for k in $(awk -F'\t' -v e="$2" '$2 == e { print $1 }' "$([ "$1" = 1 ] && echo "$VALID_LIST" || echo "$LIST")"); do
        s=$((s + $(val "$1" sent "$k")))
    done
    echo "$s"
}
# errors PHASE: wrk's socket errors.
errors() {
    awk '/^soak errors/ { print $4 + $6 + $8 + $12 }' "$T/soak-$1.txt"
}

# ---- phase 1: valid cookies ---------------------------------------------------------

echo "# phase 1: $N requests with a valid session cookie ($CONNS connections)..."
soak 1 "$VALID_LIST"
A1=$(val 1 answers)
OK1=$(val 1 got valid 200)
W1=$(val 1 wrong)
E1=$(errors 1)
S1=$(val 1 seconds)
t_ok "phase 1: $N answers ($A1)" [ "$A1" -ge "$N" ]
t_is "$OK1 $W1" "$A1 0" "phase 1: every answer 200 (wrong: $W1)"
t_is "$E1" 0 "phase 1: no socket error or timeout"
[ "$W1" = 0 ] || t_diag "$(grep '^soak sample' "$T/soak-1.txt")"

# ---- phase 2: refused cookies ---------------------------------------------------------

echo "# phase 2: $N requests cycling through $(wc -l <"$LIST") kinds of refused cookies..."
soak 2 "$LIST"
A2=$(val 2 answers)
W2=$(val 2 wrong)
E2=$(errors 2)
S2=$(val 2 seconds)
G302=$(awk '/^soak got / && $4 == 302 { s += $5 } END { print s + 0 }' "$T/soak-2.txt")
G401=$(val 2 got api 401)
SENT302=$(sum_sent 2 302)
SENT401=$(sum_sent 2 401)
t_ok "phase 2: $N answers ($A2)" [ "$A2" -ge "$N" ]
t_is "$W2" 0 "phase 2: no wrong answer (never 200; 302 naming its own page, 401 for API calls)"
[ "$W2" = 0 ] || t_diag "$(grep '^soak sample' "$T/soak-2.txt")"
t_is "$((G302 + G401))" "$A2" "phase 2: every answer is 302 or 401"
# At the stop up to CONNS requests are still in flight: the answers of
# each class are what was sent of it, less at most CONNS.
if [ "$G302" -le "$SENT302" ] && [ "$G401" -le "$SENT401" ] &&
    [ $((SENT302 + SENT401 - G302 - G401)) -le "$CONNS" ]; then
    t_pass "phase 2: 302s match the page loads ($G302/$SENT302), 401s the API calls ($G401/$SENT401)"
else
    t_fail "phase 2: 302s match the page loads ($G302/$SENT302), 401s the API calls ($G401/$SENT401)"
fi
t_is "$E2" 0 "phase 2: no socket error or timeout"
echo 3 >"$T/phase"

# ---- afterwards ------------------------------------------------------------------------

P_END=$(authz_pid)
t_is "$P_END" "$P" "the authorizer is the same process from start to end (no crash, no respawn)"
FDS1=$(nfds "$P")
t_ok "its open fds did not grow ($FDS0 -> $FDS1)" [ "$FDS1" -le "$FDS0" ]
http_req "$BASE/app/1k.html" -H "Cookie: $C=$VALID" -H "Accept: $PAGE"
t_is "$HTTP_STATUS" 200 "a valid cookie after the soak: 200"
http_req "$BASE/oauth/health"
t_is "$HTTP_STATUS" 200 "/oauth/health after the soak: 200"
sleep 1
echo "$(($(date +%s) - START)) 3 $(rss_kib "$P")" >>"$T/rss.txt"

# RSS: the first sample at or after the warm-up, the last, the largest.
RSS_FIRST=$(awk 'NR == 1 { print $3 }' "$T/rss.txt")
RSS_WARM=$(awk -v w="$WARMUP" '$1 >= w && $3 != "" { print $3; exit }' "$T/rss.txt")
[ -n "$RSS_WARM" ] || RSS_WARM=$RSS_FIRST
RSS_LAST=$(awk '$3 != "" { v = $3 } END { print v }' "$T/rss.txt")
RSS_MAX=$(awk '$3 > m { m = $3 } END { print m }' "$T/rss.txt")
RSS_P2=$(awk '$2 == 2 && $3 != "" { print $3; exit }' "$T/rss.txt")
NSAMPLES=$(wc -l <"$T/rss.txt")
GROWTH=$((RSS_LAST - RSS_WARM))
if ldd "$OA_BIN" 2>/dev/null | grep -q libasan; then
    # ASan's quarantine keeps freed memory (up to 256 MiB) on purpose
    t_skip "RSS flat: not measurable under AddressSanitizer (its quarantine holds freed" \
        "memory); run make soak in a build without --enable-sanitizers"
else
    t_ok "RSS flat: last sample - sample after ${WARMUP}s warm-up = $GROWTH KiB < $FLAT_KIB KiB" \
        [ "$GROWTH" -lt "$FLAT_KIB" ]
fi

rate() { [ "$2" -gt 0 ] && echo $(($1 / $2)) || echo "$1"; }
cat <<EOF
# ---- summary ---------------------------------------------------------------
# phase 1 (valid cookie):    $A1 answers in ${S1}s ($(rate "$A1" "$S1") req/s): $OK1 x 200, $W1 wrong, $E1 socket errors
# phase 2 (refused cookies): $A2 answers in ${S2}s ($(rate "$A2" "$S2") req/s): $G302 x 302 (page loads), $G401 x 401 (API), $W2 wrong, $E2 socket errors
# authorizer PID $P at start, $P_END at end; fds $FDS0 -> $FDS1
# RSS (KiB): first $RSS_FIRST, after warm-up $RSS_WARM, start of phase 2 ${RSS_P2:-?}, last $RSS_LAST, max $RSS_MAX ($NSAMPLES samples every ${EVERY}s)
# RSS samples (seconds phase KiB): $(awk '{ printf "%s:%s:%s ", $1, $2, $3 }' "$T/rss.txt")
EOF
t_done
