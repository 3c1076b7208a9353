#!/usr/bin/env bash
# supervise.sh - oauth2-fcgi -w N: a supervisor that keeps N
# worker processes on one listening socket.
#   (a) under load through nginx (unix socket), a worker is SIGKILLed three
#       times: each is restarted at once and logged once, the master and the
#       socket stay, failed answers at most 0.5%, never a bad cookie let in;
#   (b) a crash loop (a worker killed right after each start) is restarted
#       with a growing delay, then recovers;
#   (c) SIGTERM to the master: workers drain, exit 0, socket file removed;
#   (d) the master SIGKILLed: on a unix socket the workers keep serving
#       until a new instance owns the socket file, then leave; on TCP they
#       keep serving;
#   (e) a stopping instance never removes another instance's socket file;
#   (f) -w is checked; without -w there is one process and no supervisor.
# GATE_KILLS (default 3) sets how many workers are killed, one every 2 s
# (`make gate-soak` runs 30). Figures go to tests/load/RESULTS.md.
# 127.0.0.1 only. Prints TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gatelib.sh"

need_tool nginx python3 curl
[ -f /etc/nginx/fastcgi_params ] || skip_all "/etc/nginx/fastcgi_params is missing"
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config
sed -i 's/^log_level: debug/log_level: info/' "$E2E_CONFIG"
mint --user alice --email alice@example.com >"$T/good"
{ mint --user alice --email alice@example.com --other-key
  mint --user alice --email alice@example.com --expired
  echo garbage; } >"$T/bad"
GOODC=$(head -n 1 "$T/good")

# ask ADDR [COOKIE]: the status of one authorizer request (000: no answer).
ask() {
    local out
    out=$(timeout 10 python3 "$top_srcdir/tests/fcgi-request.py" --role authorizer --no-stdin "$1" \
        REQUEST_METHOD=GET REQUEST_URI=/app/page HTTP_HOST=127.0.0.1 HTTP_ACCEPT=application/json \
        HTTP_COOKIE="oauth2_fcgi=${2:-}" 2>/dev/null) || { echo 000; return; }
    out=$(printf '%s' "$out" | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n 1)
    echo "${out:-200}"
}

# wait_workers MASTER N: until the master has N children (~5 s).
wait_workers() {
    local i
    for i in $(seq 50); do
        [ "$(pgrep -P "$1" | wc -l)" -eq "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# ---- (f) the option -------------------------------------------------------------
for bad in 0 65 x ""; do
    "$OA_BIN" -c "$E2E_CONFIG" -w "$bad" -s "$T/never.sock" >"$T/opt.out" 2>&1
    rc=$?
    t_is "$rc" 2 "-w '$bad': usage error (exit 2)"
done
t_like "$(cat "$T/opt.out")" "-w|option" "-w error: says what is wrong"
# shellcheck disable=SC2015 # t_pass always returns 0
"$OA_BIN" --help | grep -q -- '--workers' && t_pass "--help lists -w, --workers" ||
    t_fail "--help lists -w, --workers"

e2e_bg single "$OA_BIN" -c "$E2E_CONFIG" -s "$T/single.sock" -t 2
SINGLE=$E2E_LAST_PID
wait_file "$T/single.sock" 10 || bail "no socket"
t_is "$(ask "$T/single.sock" "$GOODC")" 200 "without -w: answers"
t_is "$(pgrep -P "$SINGLE" | wc -l)" 0 "without -w: one process, no supervisor"
kill -TERM "$SINGLE"

# ---- (a) SIGKILL a worker under load ------------------------------------------------
e2e_bg master "$OA_BIN" -c "$E2E_CONFIG" -s "$T/oa.sock" -w 2 -t 2
MASTER=$E2E_LAST_PID
wait_file "$T/oa.sock" 10 || bail "oauth2-fcgi -w 2 made no socket"
wait_workers "$MASTER" 2 || bail "the master did not start 2 workers"
t_pass "-w 2: the master runs 2 workers"
t_like "$(cat "$T/master.log")" "supervising 2 worker processes of 2 threads each" \
    "the master logs what it supervises"
PORT=$(free_port) || bail "no free port"
gate_nginx_start "$PORT" "unix:$T/oa.sock"
curl -s -o /dev/null -w '%{http_code}' -H "Cookie: oauth2_fcgi=$GOODC" "http://127.0.0.1:$PORT/check" \
    >"$T/first"
t_is "$(cat "$T/first")" 200 "through nginx: a valid session gets 200"

KILLS=${GATE_KILLS:-3}
gate_load kill --url "http://127.0.0.1:$PORT/check" --good "$T/good" --bad "$T/bad" \
    --conns 8 --seconds $((KILLS * 2 + 3))
restarted=0
for _ in $(seq "$KILLS"); do
    sleep 2
    victim=$(pgrep -P "$MASTER" | head -n 1)
    kill -KILL "$victim"
    # replaced: the victim is gone (reaped, not a zombie) and 2 workers run
    for _ in $(seq 100); do
        if ! pgrep -P "$MASTER" | grep -qx "$victim" && [ "$(pgrep -P "$MASTER" | wc -l)" -eq 2 ]; then
            restarted=$((restarted + 1))
            break
        fi
        sleep 0.05
    done
done
wait "$GATE_LOAD_PID"
t_is "$restarted" "$KILLS" "each SIGKILLed worker was replaced by a new one"
t_ok "the master outlived the kills" kill -0 "$MASTER"
t_ok "the socket file is still there" test -S "$T/oa.sock"
t_is "$(grep -c 'was killed by signal 9 (Killed): restarting it$' "$T/master.log")" "$KILLS" \
    "each death is logged once, with its restart"
gate_load_checks kill "-w 2 -t 2, nginx, $KILLS workers SIGKILLed in $((KILLS * 2 + 3)) s" 5 3000
KILL_LINE=$GATE_LINE

# ---- (b) a crash loop ------------------------------------------------------------------
: >"$T/loop.pids"
# six kills, each as soon as the new worker shows (the delay grows from
# the second quick death on; a busy machine may let one live past 1 s)
for _ in 1 2 3 4 5 6; do
    for _ in $(seq 300); do
        victim=$(pgrep -P "$MASTER" | sort -n | tail -n 1)
        [ -n "$victim" ] && ! grep -qx "$victim" "$T/loop.pids" && break
        sleep 0.02
    done
    echo "$victim" >>"$T/loop.pids"
    kill -KILL "$victim"
done
t_like "$(cat "$T/master.log")" "times in a row within 1000 ms of its start: restarting it in [0-9]+ ms" \
    "a crash loop is restarted with a delay, and says so"
wait_workers "$MASTER" 2
t_is "$(pgrep -P "$MASTER" | wc -l)" 2 "after the crash loop: 2 workers again"
t_is "$(ask "$T/oa.sock" "$GOODC")" 200 "after the crash loop: a valid session gets 200"

# ---- (c) SIGTERM drains -------------------------------------------------------------------
WORKERS=$(pgrep -P "$MASTER" | tr '\n' ' ')
kill -TERM "$MASTER"
wait "$MASTER"
t_is "$?" 0 "SIGTERM: the master exits 0 once the workers have drained"
gone=1
for w in $WORKERS; do kill -0 "$w" 2>/dev/null && gone=0; done
t_is "$gone" 1 "SIGTERM: no worker is left behind"
t_ok "SIGTERM: the socket file is removed" test ! -e "$T/oa.sock"
t_like "$(cat "$T/master.log")" "stopping: the workers finish the requests in hand" \
    "SIGTERM: the master logs the stop"

# ---- (d) the master SIGKILLed ---------------------------------------------------------------
e2e_bg orphan "$OA_BIN" -c "$E2E_CONFIG" -s "$T/o.sock" -w 2
M2=$E2E_LAST_PID
# shellcheck disable=SC2015 # both, or bail
wait_file "$T/o.sock" 10 && wait_workers "$M2" 2 || bail "no -w 2 on $T/o.sock"
OW=$(pgrep -P "$M2" | tr '\n' ' ')
kill -KILL "$M2"; wait "$M2" 2>/dev/null
sleep 1
t_is "$(ask "$T/o.sock" "$GOODC")" 200 "master SIGKILLed: its workers still answer on the unix socket"
t_is "$(ask "$T/o.sock" garbage)" 401 "master SIGKILLed: and still refuse a bad cookie"
t_like "$(cat "$T/orphan.log")" "the supervisor \(pid $M2\) is gone: this worker keeps serving" \
    "master SIGKILLed: the workers log it"
t_is "$(grep -c 'the supervisor .* is gone' "$T/orphan.log")" 2 "... once per worker"
rm -f "$T/o.sock"
e2e_bg orphan2 "$OA_BIN" -c "$E2E_CONFIG" -s "$T/o.sock" -w 1
wait_file "$T/o.sock" 10 || bail "no new instance on $T/o.sock"
left=
for _ in $(seq 50); do
    left=
    for w in $OW; do kill -0 "$w" 2>/dev/null && left="$left $w"; done
    [ -z "$left" ] && break
    sleep 0.1
done
t_is "$left" "" "a new instance owns the socket file: the old workers left"
t_like "$(cat "$T/orphan.log")" "is now another instance's socket: finishing the requests in hand" \
    "... and said why"
t_is "$(ask "$T/o.sock" "$GOODC")" 200 "the new instance answers"

TPORT=$(free_port) || bail "no free port"
e2e_bg orphan-tcp "$OA_BIN" -c "$E2E_CONFIG" -b "127.0.0.1:$TPORT" -w 2
M3=$E2E_LAST_PID
# shellcheck disable=SC2015 # both, or bail
wait_port "$TPORT" 10 && wait_workers "$M3" 2 || bail "no -w 2 on port $TPORT"
TW=$(pgrep -P "$M3" | tr '\n' ' ')
read -ra TWS <<<"$TW"
E2E_PIDS+=("${TWS[@]}")
kill -KILL "$M3"; wait "$M3" 2>/dev/null
sleep 1
t_is "$(ask "127.0.0.1:$TPORT" "$GOODC")" 200 "TCP, master SIGKILLed: the workers keep serving"
alive=0
for w in $TW; do kill -0 "$w" 2>/dev/null && alive=$((alive + 1)); done
t_is "$alive" 2 "TCP, master SIGKILLed: both workers still run"
kill -TERM "${TWS[@]}"

# ---- (e) never another instance's socket file ------------------------------------------------
e2e_bg old "$OA_BIN" -c "$E2E_CONFIG" -s "$T/p.sock"
OLD=$E2E_LAST_PID
wait_file "$T/p.sock" 10 || bail "no socket"
mv "$T/p.sock" "$T/p.sock.moved"
e2e_bg new "$OA_BIN" -c "$E2E_CONFIG" -s "$T/p.sock"
wait_file "$T/p.sock" 10 || bail "no socket for the new instance"
kill -TERM "$OLD"
wait "$OLD"
t_ok "an old instance stopping leaves the new instance's socket file alone" test -S "$T/p.sock"
t_is "$(ask "$T/p.sock" "$GOODC")" 200 "the new instance still answers on it"

{
    echo "## Supervisor (-w): $KILLS workers SIGKILLed under load (tests/e2e/supervise.sh)"
    echo
    echo "Written by the last run of tests/e2e/supervise.sh ($(date -u +%Y-%m-%dT%H:%MZ))."
    echo "python load generator (tests/load/gateload.py, 8 keep-alive connections, 3 valid"
    echo "cookies to 1 refused one) through nginx to oauth2-fcgi on a unix socket."
    echo
    echo "| run | failed/total | longest gap | valid refused | wrongly passed |"
    echo "|---|---:|---:|---:|---:|"
    echo "$KILL_LINE"
} >"$T/results.md"
gate_results "supervise-$KILLS" "$T/results.md"
t_done
