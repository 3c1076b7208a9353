#!/usr/bin/env bash
# key-rotation.sh - the documented session key rotation across hosts
# (README "Deployment", oauth2-fcgi(8) "KEY ROTATION") under load.
# Two "hosts": two oauth2-fcgi -w 2 instances under spawn-fcgi, each with
# its own config and key file, behind one nginx upstream (round robin), so
# a cookie minted by one host is checked by either. Clients keep cookies
# minted by both hosts at every step. The steps, each host in turn, each a
# restart (SIGUSR2: the program re-execs on its socket and reads the key
# file anew):
#   1. add the new key SECOND in the key file (both keys open, the old seals);
#   2. move the new key FIRST (the new seals, the old still opens);
#   3. after the session lifetime, drop the old key.
# Checks: 0 valid sessions refused, 0 failed, 0 bad cookies let in, during
# the whole run; afterwards old-key cookies are refused by both hosts and
# new-key ones pass. And why the order matters: a host that skipped step 1
# refuses the cookies of a host already at step 2.
# Figures go to tests/load/RESULTS.md. 127.0.0.1 only. Prints TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gatelib.sh"

need_tool nginx python3 spawn-fcgi
[ -f /etc/nginx/fastcgi_params ] || skip_all "/etc/nginx/fastcgi_params is missing"
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config
K1=$(cat "$E2E_KEY")
make_key "$T/k2"
K2=$(cat "$T/k2")

# set_keys HOST LINE...: writes HOST's key file (a new file renamed over
# the old one, so a restart never reads half a file).
set_keys() {
    local host=$1
    shift
    (umask 077 && printf '%s\n' "$@" >"$T/$host.key.new") && mv "$T/$host.key.new" "$T/$host.key"
}

# mint_as HOST: a session cookie as HOST would seal it now.
mint_as() {
    "$MINT" -c "$T/$1.yml" --user alice --email alice@example.com
}

# restart HOST: SIGUSR2, then waits until the new program serves.
restart() {
    local n i
    n=$(grep -c 'upgraded: serving the socket' "$T/$1.log")
    kill -USR2 "$(cat "$T/$1.pid")"
    for i in $(seq 100); do
        [ "$(grep -c 'upgraded: serving the socket' "$T/$1.log")" -gt "$n" ] && return 0
        sleep 0.05
    done
    t_fail "$1 restarted with its new key file"
    return 1
}

# ask SOCKET COOKIE: the status of one authorizer request.
ask() {
    timeout 10 python3 "$top_srcdir/tests/fcgi-request.py" --role authorizer --no-stdin "$1" \
        REQUEST_METHOD=GET REQUEST_URI=/app/page HTTP_HOST=127.0.0.1 HTTP_ACCEPT=application/json \
        HTTP_COOKIE="oauth2_fcgi=$2" 2>/dev/null | tr -d '\r' | sed -n 's/^Status: //p' | cut -c1-3
}
for h in a b; do
    set_keys "$h" "$K1"
    write_e2e_config "$T/$h.yml" "$T/$h.key"
    sed -i 's/^log_level: debug/log_level: info/' "$T/$h.yml"
    spawn-fcgi -n -s "$T/$h.sock" -- "$OA_BIN" -c "$T/$h.yml" -w 2 -t 2 >/dev/null 2>"$T/$h.log" &
    echo $! >"$T/$h.pid"
    E2E_PIDS+=("$!")
    e2e_log "$T/$h.log"
done
# shellcheck disable=SC2015 # both, or bail
wait_file "$T/a.sock" 10 && wait_file "$T/b.sock" 10 || bail "the hosts did not start"
PORT=$(free_port) || bail "no free port"
gate_nginx_start "$PORT" "unix:$T/a.sock" "unix:$T/b.sock"

{ mint_as a; mint_as b; } >"$T/good"
cp "$T/good" "$T/k1-cookies"
{ mint --user alice --email alice@example.com --expired; echo garbage; } >"$T/bad"
# add_good HOST: a new cookie of HOST joins the clients' pool.
add_good() {
    mint_as "$1" >>"$T/good.new"
    cat "$T/good" "$T/good.new" >"$T/good.tmp" && mv "$T/good.tmp" "$T/good"
    rm -f "$T/good.new"
}

gate_load rotate --url "http://127.0.0.1:$PORT/check" --good "$T/good" --bad "$T/bad" \
    --conns 8 --seconds 60 --stop-file "$T/stop"
sleep 1
# step 1: the new key second, everywhere
for h in a b; do
    set_keys "$h" "$K1" "$K2"
    restart "$h"
    add_good "$h"
    sleep 0.5
done
# why step 1 comes first: a host with only the old key refuses a cookie
# sealed with the new one
set_keys skipped "$K2"
write_e2e_config "$T/skipped.yml" "$T/skipped.key"
SKIPPED=$("$MINT" -c "$T/skipped.yml" --user alice --email alice@example.com)
t_is "$(ask "$T/a.sock" "$SKIPPED")" 200 "a host at step 1 opens a cookie sealed with the new key"
# step 2: the new key first, everywhere
for h in a b; do
    set_keys "$h" "$K2" "$K1"
    restart "$h"
    add_good "$h"
    sleep 0.5
done
# step 3, once the old key's sessions have expired: they leave the pool
# (in real life they are expired), then the old key goes
for h in a b; do mint_as "$h"; done >"$T/good.tmp" && mv "$T/good.tmp" "$T/good"
sleep 0.5
for h in a b; do
    set_keys "$h" "$K2"
    restart "$h"
    add_good "$h"
    sleep 0.5
done
: >"$T/stop"
wait "$GATE_LOAD_PID"
gate_load_checks rotate "2 hosts, nginx upstream, 3 steps x 2 restarts" 0 3000

# afterwards: old-key cookies refused by both hosts, new ones pass
old=$(head -n 1 "$T/k1-cookies")
new=$(tail -n 1 "$T/good")
for h in a b; do
    t_is "$(ask "$T/$h.sock" "$old")" 401 "after the rotation, host $h refuses an old-key cookie"
    t_is "$(ask "$T/$h.sock" "$new")" 200 "after the rotation, host $h lets a new-key cookie in (200)"
done

# the negative control: without step 1, host b (old key only) refuses
# what host a seals with the new key first
set_keys b "$K1"
restart b
t_is "$(ask "$T/b.sock" "$SKIPPED")" 401 \
    "control: a host without the new key refuses its cookies (why step 1 comes first)"

{
    echo "## Key rotation across two hosts under load (tests/e2e/key-rotation.sh)"
    echo
    echo "Written by the last run of tests/e2e/key-rotation.sh ($(date -u +%Y-%m-%dT%H:%MZ))."
    echo "Two oauth2-fcgi -w 2 instances (spawn-fcgi, own key files) behind one nginx"
    echo "upstream; tests/load/gateload.py with 8 connections and cookies minted by both"
    echo "hosts at every step; 6 restarts (SIGUSR2) through the three steps."
    echo
    echo "| run | failed/total | longest gap | valid refused | wrongly passed |"
    echo "|---|---:|---:|---:|---:|"
    echo "$GATE_LINE"
} >"$T/results.md"
gate_results key-rotation "$T/results.md"
t_done
