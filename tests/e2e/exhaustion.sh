#!/usr/bin/env bash
# exhaustion.sh - oauth2-fcgi short of a resource: it keeps
# answering authorizer requests or fails closed (no answer), logs once
# (not a line per retry), recovers when the resource is back, and never
# lets a request in without a valid session.
#   (a) file descriptors: the soft RLIMIT_NOFILE lowered on the running
#       process (prlimit) to one free fd (-t 4: three threads cannot
#       accept), then to none, then raised again;
#   (b) a full disk for the log: stderr is /dev/full (every write ENOSPC);
#   (c) memory: an address-space limit (ulimit -v) too small to start the
#       threads refuses to start (exit 1, said why); one lowered to the
#       running process's size under load, then raised.
# Load: tests/load/gateload.py straight to the FastCGI socket (AUTHORIZER
# requests, one connection each, as a web server makes them). Figures go to
# tests/load/RESULTS.md. 127.0.0.1 only. Prints TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gatelib.sh"

need_tool python3 prlimit
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config
sed -i 's/^log_level: debug/log_level: info/' "$E2E_CONFIG"
mint --user alice --email alice@example.com >"$T/good"
{ mint --user alice --email alice@example.com --other-key; echo garbage; } >"$T/bad"
LINES=()

# lowest_free PID: the lowest fd number the process has free (the next
# fd it opens gets it; RLIMIT_NOFILE caps that number).
lowest_free() {
    local n=0
    while [ -e "/proc/$1/fd/$n" ]; do n=$((n + 1)); done
    echo "$n"
}

# no_wrong NAME WHAT: a load run in which failures are allowed (a resource
# is missing) but nothing is let in and no valid session is refused.
no_wrong() {
    t_diag "$2: $(head -c 600 "$T/$1.json")"
    t_is "$(gate_json "$1" wrongly_passed)" 0 "$2: no bad cookie let in"
    t_is "$(gate_json "$1" refused_valid)" 0 "$2: no valid session refused"
    LINES+=("| $2 | $(gate_json "$1" failed)/$(gate_json "$1" total) | $(gate_json "$1" longest_gap_ms) ms | $(gate_json "$1" refused_valid) | $(gate_json "$1" wrongly_passed) |")
}

# ---- (a) file descriptors ----------------------------------------------------------
PORT=$(free_port) || bail "no free port"
e2e_bg fds "$OA_BIN" -c "$E2E_CONFIG" -b "127.0.0.1:$PORT" -t 4
P=$E2E_LAST_PID
wait_port "$PORT" 10 || bail "oauth2-fcgi did not start"
sleep 0.3
L=$(lowest_free "$P")
prlimit --pid "$P" --nofile="$((L + 1)):" || bail "prlimit failed"
gate_load fd1 --fcgi "127.0.0.1:$PORT" --good "$T/good" --bad "$T/bad" --conns 8 --seconds 3
wait "$GATE_LOAD_PID"
gate_load_checks fd1 "one free fd, -t 4, 8 clients" 0 5000
LINES+=("$GATE_LINE")
n=$(grep -c 'accept failed: Too many open files' "$T/fds.log")
t_in "$n" "1" "one free fd: EMFILE logged once, not per retry (got $n lines)"
prlimit --pid "$P" --nofile="$L:"
gate_load fd0 --fcgi "127.0.0.1:$PORT" --good "$T/good" --bad "$T/bad" --conns 4 --seconds 2 \
    --timeout 0.5
wait "$GATE_LOAD_PID"
no_wrong fd0 "no free fd: fails closed"
n=$(gate_json fd0 ok)
t_ok "no free fd: (almost) nothing is answered: the connections wait in the queue (got $n)" \
    test "${n:-9}" -le 2
prlimit --pid "$P" --nofile=1024:
gate_load fd2 --fcgi "127.0.0.1:$PORT" --good "$T/good" --bad "$T/bad" --conns 8 --seconds 2
wait "$GATE_LOAD_PID"
gate_load_checks fd2 "fds back: recovered" 0 3000
LINES+=("$GATE_LINE")
t_like "$(cat "$T/fds.log")" "accept works again" "fds back: the recovery is logged"
n=$(grep -c 'accept' "$T/fds.log")
t_ok "the whole episode took at most 3 log lines about accept (got $n)" test "$n" -le 3
t_ok "the same process throughout" kill -0 "$P"
kill -TERM "$P"

# ---- (b) the log on a full disk -----------------------------------------------------
PORT=$(free_port) || bail "no free port"
"$OA_BIN" -c "$E2E_CONFIG" -b "127.0.0.1:$PORT" -t 2 2>/dev/full &
P=$!
E2E_PIDS+=("$P")
wait_port "$PORT" 10 || bail "oauth2-fcgi did not start with stderr on /dev/full"
gate_load full --fcgi "127.0.0.1:$PORT" --good "$T/good" --bad "$T/bad" --conns 4 --seconds 2
wait "$GATE_LOAD_PID"
gate_load_checks full "log on a full disk (/dev/full)" 0 3000
LINES+=("$GATE_LINE")
t_ok "log on a full disk: the process still runs" kill -0 "$P"
kill -TERM "$P"
wait "$P"
t_is "$?" 0 "log on a full disk: SIGTERM still drains and exits 0"

# ---- (c) memory -----------------------------------------------------------------
PORT=$(free_port) || bail "no free port"
if ldd "$OA_BIN" 2>/dev/null | grep -q libasan; then
    # ASan maps terabytes of shadow memory: no address-space limit fits it
    t_skip "ulimit -v: not with a sanitizer build"
else
    (ulimit -v 30000 && exec "$OA_BIN" -c "$E2E_CONFIG" -b "127.0.0.1:$PORT" -t 4) >"$T/mem0.log" 2>&1
    rc=$?
    t_is "$rc" 1 "ulimit -v 30 MB, -t 4: refuses to start (exit 1)"
    t_like "$(cat "$T/mem0.log")" "cannot start thread" "... and says why"
    t_unlike "$(cat "$T/mem0.log")" "AddressSanitizer|Segmentation|Aborted" "... without a crash"
fi

e2e_bg mem "$OA_BIN" -c "$E2E_CONFIG" -b "127.0.0.1:$PORT" -t 4
P=$E2E_LAST_PID
wait_port "$PORT" 10 || bail "oauth2-fcgi did not start"
gate_load mem1 --fcgi "127.0.0.1:$PORT" --good "$T/good" --bad "$T/bad" --conns 8 --seconds 2
sleep 0.5
vsz=$(awk '/^VmSize:/ { print $2 }' "/proc/$P/status")
prlimit --pid "$P" --as="$((vsz * 1024)):" || bail "prlimit --as failed"
wait "$GATE_LOAD_PID"
no_wrong mem1 "address space capped at the process's size"
prlimit --pid "$P" --as=unlimited:
gate_load mem2 --fcgi "127.0.0.1:$PORT" --good "$T/good" --bad "$T/bad" --conns 8 --seconds 2
wait "$GATE_LOAD_PID"
gate_load_checks mem2 "address space back: recovered" 0 3000
LINES+=("$GATE_LINE")
t_ok "memory: the same process throughout" kill -0 "$P"

{
    echo "## Resource exhaustion (tests/e2e/exhaustion.sh)"
    echo
    echo "Written by the last run of tests/e2e/exhaustion.sh ($(date -u +%Y-%m-%dT%H:%MZ))."
    echo "tests/load/gateload.py straight to oauth2-fcgi -b (AUTHORIZER requests, one"
    echo "connection each). \"no free fd\" fails closed by design: the connections wait in"
    echo "the kernel's queue, nothing is answered, nothing let in."
    echo
    echo "| run | failed/total | longest gap | valid refused | wrongly passed |"
    echo "|---|---:|---:|---:|---:|"
    printf '%s\n' "${LINES[@]}"
} >"$T/results.md"
gate_results exhaustion "$T/results.md"
t_done
