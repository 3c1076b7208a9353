#!/usr/bin/env bash
# revoke-redis.sh - session.store: redis:// shares revocations between
# hosts (DESIGN.md section 14.6). A real redis-server (appendonly, on
# 127.0.0.1 and a free port) and two "hosts": two lighttpd, each in front of
# its own oauth2-fcgi -b (same key_file and store, different ports; host 2
# with two -w workers, each following Redis on its own thread). A
# revocation made on host 1 is enforced by host 2 within a second; under
# wrk on both hosts Redis is killed (-9) and started again: no error and no
# non-2xx answer, the old revocation still enforced during and after, a new
# one after the restart propagates, and each process logs one
# "unreachable" and one "reachable again" line; a sign-out on host 1 (the
# serving process's own writer) is refused by host 2. --check-config says
# whether the store answers (a warning, exit 0, when not); a process whose
# Redis never answered serves but /health is 503. 127.0.0.1 only.
. "$(dirname "$0")/lib.sh"

need_tool redis-server redis-cli lighttpd curl wrk base64
need_oa
e2e_init
T=$E2E_TMP
RPORT=$(free_port) || bail "no free port"
DEAD=$(free_port) || bail "no free port"

# the config with the store: a build without hiredis refuses it (skipped,
# before any test line)
store_config() { # store_config FILE KEYFILE
    write_e2e_config "$1" "$2"
    sed -i -e 's/^log_level: debug/log_level: info/' \
        -e "s|^  not_before: .*|&\n  store: redis://127.0.0.1:$RPORT/0|" "$1"
    grep -q "store: redis://127.0.0.1:$RPORT/0" "$1" || bail "store not in the config"
}
make_key "$T/probe.key"
store_config "$T/probe.yml" "$T/probe.key"
if "$OA_BIN" --check-config -c "$T/probe.yml" 2>&1 | grep -q 'built without Redis support'; then
    skip_all "oauth2-fcgi is built without hiredis (apt-get install libhiredis-dev, configure)"
fi
e2e_oa_config
store_config "$E2E_CONFIG" "$E2E_KEY"

# ---- Redis ---------------------------------------------------------------------

mkdir -p "$T/redis"
redis_start() {
    e2e_bg redis redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$T/redis" \
        --appendonly yes --save '' --daemonize no
    REDIS_PID=$E2E_LAST_PID
    wait_port "$RPORT" 10 || bail "redis-server did not start on 127.0.0.1:$RPORT"
}
rcli() { redis-cli -h 127.0.0.1 -p "$RPORT" "$@"; }

out=$("$OA_BIN" --check-config -c "$E2E_CONFIG" 2>&1)
rc=$?
t_is "$rc" 0 "--check-config with Redis down: exit 0 (the service runs offline)"
t_like "$out" "store redis://127.0.0.1:$RPORT/0: unreachable" "... and it says the store is unreachable"
redis_start
out=$("$OA_BIN" --check-config -c "$E2E_CONFIG" 2>&1)
t_like "$out" "store redis://127.0.0.1:$RPORT/0: reachable, 0 revocations" \
    "--check-config with Redis up: reachable"

# ---- two hosts ------------------------------------------------------------------

# host N: oauth2-fcgi -b on FPORT[N] (its log: $T/hN/oauth2-fcgi.log), and
# lighttpd on HPORT[N] as lib.sh sets it up, the contrib file's entries
# moved to that address; the protected prefix is /p (a static file: wrk
# measures the gate, not a CGI's fork).
declare -a HPORT
host_start() { # host_start N CONFIG [ARGS...]: ARGS added to oauth2-fcgi's
    local n=$1 cfg=$2 fp hp
    shift 2
    fp=$(free_port) || bail "no free port"
    hp=$(free_port) || bail "no free port"
    HPORT[n]=$hp
    mkdir -p "$T/h$n/www/p"
    echo ok >"$T/h$n/www/p/index.html"
    E2E_TMP=$T/h$n e2e_bg oauth2-fcgi "$OA_BIN" -c "$cfg" -b "127.0.0.1:$fp" -t 4 "$@"
    wait_port "$fp" 10 || bail "oauth2-fcgi (host $n) did not listen on 127.0.0.1:$fp"
    LIGHTTPD_SED=(-e 's|"socket" *=> var.oauth2_fcgi_sockets + "/oauth2-fcgi[-a-z]*\.sock"|"host" => "127.0.0.1", "port" => '"$fp"'|'
        -e '/^ *"bin-path" *=>/d' -e '/^ *"bin-environment" *=>/d' -e '/^ *"max-procs" *=>/d'
        -e 's|^var.oauth2_fcgi_protect .*|var.oauth2_fcgi_protect = "/p"|')
    E2E_TMP=$T/h$n lighttpd_start "$hp" "$cfg"
}
host_start 1 "$E2E_CONFIG"
# host 2: two -w workers, each forked after the start: each must follow
# Redis with a thread of its own
host_start 2 "$E2E_CONFIG" -w 2

# status COOKIE N: the status of GET /p/index.html on host N with that session
status() {
    curl -s -o /dev/null --max-time 10 -w '%{http_code}' -H 'Accept: application/json' \
        -b "$COOKIE_NAME=$1" "http://127.0.0.1:${HPORT[$2]}/p/index.html" 2>/dev/null || echo 000
}
# refused_within COOKIE N MS: polls every 50 ms; prints the ms it took to
# be refused (401) by 8 requests in a row (whichever worker takes each),
# or "never"
refused_within() {
    local i k
    for ((i = 0; i <= $3 / 50; i++)); do
        for ((k = 0; k < 8; k++)); do
            [ "$(status "$1" "$2")" = 401 ] || break
        done
        [ "$k" = 8 ] && { echo $((i * 50)); return; }
        sleep 0.05
    done
    echo never
}
health() { # health N: "STATUS BODY" of host N's /oauth/health
    curl -s --max-time 10 -w ' %{http_code}' "http://127.0.0.1:${HPORT[$1]}/oauth/health" || echo 000
}
wait_health() { # wait_health N TEXT SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        health "$1" | grep -q "$2" && return 0
        sleep 0.1
    done
    return 1
}

for n in 1 2; do
    if wait_health "$n" ": connected" 10; then
        t_pass "host $n: /health says the store is connected"
    else
        t_fail "host $n: /health says the store is connected"
        t_diag "$(health "$n")"
    fi
done
t_like "$(health 1)" ' 200$' "host 1: /health is 200"

# ---- cookies: their session ids are the revocation keys -------------------------

if ! "$MINT" --help 2>&1 | grep -q -- '--sid'; then
    t_skip "the session cookie's id (tests/tools/mint_cookie --sid, session v2) is not built"
    t_done
fi
sid() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
SID_A=$(sid) SID_B=$(sid) SID_C=$(sid)
A=$(mint --email alice@example.com --sid "$SID_A")
B=$(mint --email bob@example.com --sid "$SID_B")
C=$(mint --email carol@example.com --sid "$SID_C")
for n in 1 2; do
    t_is "$(status "$A" "$n")$(status "$B" "$n")$(status "$C" "$n")" 200200200 \
        "host $n: the three sessions pass"
done

# revoke SID N: the session revoked on host N (--revoke, with host N's
# config); without --revoke in this build, the entry is written as the
# store writes it (SET EXAT + PUBLISH) and the test says so
REVOKE_CLI=no
"$OA_BIN" --help 2>&1 | grep -q -- '--revoke' && REVOKE_CLI=yes
revoke() {
    local now exp
    if [ "$REVOKE_CLI" = yes ]; then
        # a session is named by its id's 22 base64url characters
        # shellcheck disable=SC2059 # the hex made into \xHH escapes
        "$OA_BIN" -c "$E2E_CONFIG" --revoke "$(printf "$(printf '%s' "$1" | sed 's/../\\x&/g')" |
            base64 | tr '+/' '-_' | tr -d '=')" >"$T/revoke.out" 2>&1
        return
    fi
    now=$(date +%s)
    exp=$((now + 3600))
    rcli SET "oauth2-fcgi:rev:$1" "$((now + 1)) $exp" EXAT "$exp" >/dev/null &&
        rcli PUBLISH oauth2-fcgi:0:revocations "$1 $((now + 1)) $exp" >/dev/null
}
[ "$REVOKE_CLI" = yes ] || t_diag "no --revoke in this build: revocations written with redis-cli"

revoke "$SID_A" 1
t_ok "the revocation of A is written (by --revoke: $REVOKE_CLI)" test $? = 0
t_ok "the revocation of A is in Redis" test "$(rcli --scan --pattern "oauth2-fcgi:rev:$SID_A")" = "oauth2-fcgi:rev:$SID_A"
ms=$(refused_within "$A" 2 1000)
t_isnt "$ms" never "a revocation made on host 1 is enforced by host 2 within 1 s ($ms ms)"
t_is "$(status "$A" 1)" 401 "... and by host 1"
t_is "$(status "$B" 2)" 200 "... other sessions still pass"

# ---- Redis killed and restarted under load -----------------------------------------

for n in 1 2; do
    wrk -t1 -c8 -d8s --timeout 5s -H "Cookie: $COOKIE_NAME=$B" -H 'Accept: application/json' \
        "http://127.0.0.1:${HPORT[$n]}/p/index.html" >"$T/wrk$n.out" 2>&1 &
    WRK[n]=$!
done
sleep 2
kill -9 "$REDIS_PID"
{ wait "$REDIS_PID"; } 2>/dev/null
sleep 1
t_is "$(status "$A" 2)" 401 "Redis down: host 2 still refuses the revoked session"
t_like "$(health 2)" ' 200$' "Redis down: /health stays 200 (the list was loaded)"
t_like "$(health 2)" "unreachable since" "... and says the store is unreachable"
sleep 1
redis_start
wait "${WRK[1]}" "${WRK[2]}"
for n in 1 2; do
    w=$(cat "$T/wrk$n.out")
    reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk$n.out")
    t_ok "host $n: wrk ran ($reqs requests)" test "${reqs:-0}" -gt 0
    t_unlike "$w" 'Socket errors' "host $n: no socket error while Redis was down"
    t_unlike "$w" 'Non-2xx' "host $n: no non-2xx answer while Redis was down"
done
for n in 1 2; do
    if wait_health "$n" ": connected" 10; then
        t_pass "host $n: connected again after the restart"
    else
        t_fail "host $n: connected again after the restart"
        t_diag "$(health "$n")"
    fi
    t_is "$(status "$A" "$n")" 401 "host $n: the old revocation is still enforced"
done
revoke "$SID_C" 2
ms=$(refused_within "$C" 1 1000)
t_isnt "$ms" never "a revocation after the restart (host 2) reaches host 1 within 1 s ($ms ms)"
t_is "$(status "$B" 1)$(status "$B" 2)" 200200 "B still passes on both hosts"
# per process: the log's lines "oauth2-fcgi[PID]: ..." counted by PID
per_pid() { # per_pid LOG TEXT: the counts, per PID, of the lines holding TEXT
    grep -F "$2" "$1" | sed -n 's/^oauth2-fcgi\[\([0-9]*\)\].*/\1/p' | sort | uniq -c |
        awk '{ printf "%s%s", sep, $1; sep = " " }'
}
t_is "$(per_pid "$T/h1/oauth2-fcgi.log" ": connected, ")" 1 "host 1: one process connected"
t_is "$(per_pid "$T/h2/oauth2-fcgi.log" ": connected, ")" "1 1" \
    "host 2: each of its two workers connected on its own"
t_is "$(per_pid "$T/h1/oauth2-fcgi.log" "store redis://127.0.0.1:$RPORT/0 unreachable (")" 1 \
    "host 1: one 'unreachable' line for the outage"
t_is "$(per_pid "$T/h1/oauth2-fcgi.log" "store redis://127.0.0.1:$RPORT/0 reachable again")" 1 \
    "host 1: one 'reachable again' line"
t_is "$(per_pid "$T/h2/oauth2-fcgi.log" "store redis://127.0.0.1:$RPORT/0 unreachable (")" "1 1" \
    "host 2: one 'unreachable' line per worker"
t_is "$(per_pid "$T/h2/oauth2-fcgi.log" "store redis://127.0.0.1:$RPORT/0 reachable again")" "1 1" \
    "host 2: one 'reachable again' line per worker"

# a sign-out on host 1: the serving process's own writer (oa_revoke ->
# fcgi/store.c -> Redis) reaches host 2's workers
code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' -b "$COOKIE_NAME=$B" \
    -H 'Sec-Fetch-Site: same-origin' "http://127.0.0.1:${HPORT[1]}/oauth/logout")
t_in "$code" "302 303" "host 1: /oauth/logout with B (from the site itself) signs out ($code)"
ms=$(refused_within "$B" 2 1000)
t_isnt "$ms" never "B signed out on host 1: refused by host 2 within 1 s ($ms ms)"

# ---- a process whose Redis never answered -------------------------------------------

sed "s|store: redis://127.0.0.1:$RPORT/0|store: redis://127.0.0.1:$DEAD/0|" "$E2E_CONFIG" >"$T/dead.yml"
host_start 3 "$T/dead.yml"
sleep 0.5
h=$(health 3)
t_like "$h" ' 503$' "host 3 (its Redis never answered): /health is 503"
t_like "$h" "not loaded" "... and says the list is not loaded"
D=$(mint --email dave@example.com --sid "$(sid)")
t_is "$(status "$D" 3)" 200 "... but it serves"
t_done
