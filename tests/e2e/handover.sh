#!/usr/bin/env bash
# handover.sh - restarts and upgrades under load lose no request.
#   (a) systemd's socket unit, tested directly: a holder process owns the
#       listening unix socket (as systemd does with contrib/systemd's
#       oauth2-fcgi.socket) and starts oauth2-fcgi with it on fd 0
#       (StandardInput=socket); "systemctl restart" is SIGTERM, wait for the
#       exit, start the NEW binary (a copy) on the same socket. Under load
#       through nginx, with -w 2 and without -w: 0 failed, 0 let in.
#   (b) spawn-fcgi (nothing else holds the socket): the binary file is
#       replaced and SIGUSR2 makes oauth2-fcgi exec it in place on the same
#       socket (same pid); a binary or a config that fails --check-config
#       is refused and the old one keeps serving (a reload with a bad
#       config keeps the old one). Under load: 0 failed, 0 let in.
#   (c) a process in its SIGTERM drain closes the listening socket at once
#       (while a request is still in hand), so new connections go to the
#       new instance.
#   (d) systemd's other way to pass the socket (LISTEN_FDS, fd 3), with
#       systemd-socket-activate: served, upgraded by SIGUSR2, stopped.
# Figures go to tests/load/RESULTS.md. 127.0.0.1 only. Prints TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gatelib.sh"

need_tool nginx python3 curl spawn-fcgi
[ -f /etc/nginx/fastcgi_params ] || skip_all "/etc/nginx/fastcgi_params is missing"
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config
sed -i 's/^log_level: debug/log_level: info/' "$E2E_CONFIG"
mint --user alice --email alice@example.com >"$T/good"
{ mint --user alice --email alice@example.com --other-key; echo garbage; } >"$T/bad"
mkdir -p "$T/bin"
cp "$OA_BIN" "$T/bin/v1"
cp "$OA_BIN" "$T/bin/v2"
SOCK=$T/oa.sock

# The holder: systemd's part. Listens on SOCK, starts the command in
# $T/cmd (one argument a line) with the socket on fd 0; SIGUSR1 restarts
# it like systemctl restart (SIGTERM, wait, start anew), writing the
# child's pid to $T/child.pid and each exit status to $T/exits.
cat >"$T/holder.py" <<'PY'
import os, signal, socket, subprocess, sys, time
path, tmp = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4096)                       # systemd's Backlog= default (SOMAXCONN)
want = []
def start():
    cmd = [l.rstrip("\n") for l in open(os.path.join(tmp, "cmd")) if l.strip()]
    p = subprocess.Popen(cmd, stdin=s.fileno(), stderr=open(os.path.join(tmp, "oa.log"), "a"))
    open(os.path.join(tmp, "child.pid.tmp"), "w").write(str(p.pid))
    os.replace(os.path.join(tmp, "child.pid.tmp"), os.path.join(tmp, "child.pid"))
    return p
signal.signal(signal.SIGUSR1, lambda *a: want.append("restart"))
signal.signal(signal.SIGTERM, lambda *a: want.append("stop"))
p = start()
while True:
    while not want:
        time.sleep(0.01)
    w = want.pop(0)
    p.send_signal(signal.SIGTERM)
    rc = p.wait()
    open(os.path.join(tmp, "exits"), "a").write("%d\n" % rc)
    if w == "stop":
        break
    p = start()
PY

# restart_run NAME ARGS...: the holder runs $T/bin/v1 ARGS; under load two
# restarts, to v2 and back to v1.
restart_run() {
    local name=$1 p0 p1 p2 exe
    shift
    printf '%s\n' "$T/bin/v1" -c "$E2E_CONFIG" "$@" >"$T/cmd"
    rm -f "$SOCK" "$T/child.pid" "$T/exits"
    python3 "$T/holder.py" "$SOCK" "$T" &
    HOLDER=$!
    E2E_PIDS+=("$HOLDER")
    wait_file "$T/child.pid" 10 || bail "the holder did not start oauth2-fcgi"
    p0=$(cat "$T/child.pid")
    gate_load "$name" --url "http://127.0.0.1:$PORT/check" --good "$T/good" --bad "$T/bad" \
        --conns 8 --seconds 5
    sleep 2
    printf '%s\n' "$T/bin/v2" -c "$E2E_CONFIG" "$@" >"$T/cmd"
    kill -USR1 "$HOLDER"
    sleep 2
    p1=$(cat "$T/child.pid")
    exe=$(readlink "/proc/$p1/exe")
    printf '%s\n' "$T/bin/v1" -c "$E2E_CONFIG" "$@" >"$T/cmd"
    kill -USR1 "$HOLDER"
    wait "$GATE_LOAD_PID"
    p2=$(cat "$T/child.pid")
    kill -TERM "$HOLDER"
    wait "$HOLDER"
    t_isnt "$p1" "$p0" "$name: restarted: a new process"
    t_is "$exe" "$T/bin/v2" "$name: the new process runs the new binary"
    t_isnt "$p2" "$p1" "$name: restarted again"
    t_is "$(tr '\n' ' ' <"$T/exits")" "0 0 0 " "$name: every stopped process drained and exited 0"
    gate_load_checks "$name" "$name" 0 3000
    LINES+=("$GATE_LINE")
}

# The shipped set-ups' arguments: contrib/systemd's ExecStart and
# contrib/spawn-fcgi's command, less the program and its -c.
UNIT_ARGS=$(sed -n 's|^ExecStart=[^ ]*oauth2-fcgi -c [^ ]* *||p' "$top_srcdir/contrib/systemd/oauth2-fcgi.service")
SPAWN_ARGS=$(sed -n 's|^ *-- [^ ]*oauth2-fcgi -c [^ ]* *||p' "$top_srcdir/contrib/spawn-fcgi/oauth2-fcgi.sh")
t_like "$UNIT_ARGS" '-w [0-9]' "contrib/systemd runs a supervisor (-w): $UNIT_ARGS"
t_like "$SPAWN_ARGS" '-w [0-9]' "contrib/spawn-fcgi runs a supervisor (-w): $SPAWN_ARGS"
# shellcheck disable=SC2016 # a literal $MAINPID in an ERE
t_like "$(cat "$top_srcdir/contrib/systemd/oauth2-fcgi.service")" 'ExecReload=/bin/kill -HUP \$MAINPID' \
    "contrib/systemd: reload is SIGHUP (config and key file read again in place; tests/e2e/reload.sh)"

LINES=()
PORT=$(free_port) || bail "no free port"
gate_nginx_start "$PORT" "unix:$SOCK"

# ---- (a) the systemd socket unit ------------------------------------------------
# shellcheck disable=SC2086 # the unit's arguments, one word each
restart_run "socket unit ($UNIT_ARGS), restart twice" $UNIT_ARGS
restart_run "socket unit, one process -t 4, restart twice" -t 4

# ---- (b) spawn-fcgi and SIGUSR2 --------------------------------------------------
# upgrade_run NAME ARGS...: spawn-fcgi starts $T/bin/oauth2-fcgi ARGS; under
# load the file is replaced and SIGUSR2 sent, then a broken binary is
# refused.
upgrade_run() {
    local name=$1 pid exe1 ino0 ino1 ino2
    shift
    cp "$T/bin/v1" "$T/bin/oauth2-fcgi"
    rm -f "$SOCK"
    : >"$T/sp.log"
    # -n: spawn-fcgi execs the program itself (same pid), stderr kept
    spawn-fcgi -n -s "$SOCK" -- "$T/bin/oauth2-fcgi" -c "$E2E_CONFIG" "$@" \
        >/dev/null 2>>"$T/sp.log" &
    pid=$!
    E2E_PIDS+=("$pid")
    e2e_log "$T/sp.log"
    wait_file "$SOCK" 10 || bail "spawn-fcgi made no socket"
    sleep 0.3
    ino0=$(stat -L -c %i "/proc/$pid/exe")
    gate_load "$name" --url "http://127.0.0.1:$PORT/check" --good "$T/good" --bad "$T/bad" \
        --conns 8 --seconds 5
    sleep 2
    cp "$T/bin/v2" "$T/bin/oauth2-fcgi.new" && mv "$T/bin/oauth2-fcgi.new" "$T/bin/oauth2-fcgi"
    kill -USR2 "$pid"
    sleep 2
    ino1=$(stat -L -c %i "/proc/$pid/exe" 2>/dev/null)
    exe1=$(readlink "/proc/$pid/exe")
    printf '#!/bin/sh\necho broken >&2\nexit 3\n' >"$T/bin/oauth2-fcgi.new"
    chmod 755 "$T/bin/oauth2-fcgi.new" && mv "$T/bin/oauth2-fcgi.new" "$T/bin/oauth2-fcgi"
    kill -USR2 "$pid"
    wait "$GATE_LOAD_PID"
    ino2=$(stat -L -c %i "/proc/$pid/exe" 2>/dev/null)
    t_ok "$name: the same pid serves after the upgrade" kill -0 "$pid"
    t_isnt "$ino1" "$ino0" "$name: after SIGUSR2 it runs the new binary file"
    t_is "$exe1" "$T/bin/oauth2-fcgi" "$name: ... at the same path"
    t_like "$(cat "$T/sp.log")" "upgraded: serving the socket of the program before" \
        "$name: the new program logs the handover"
    t_like "$(cat "$T/sp.log")" "upgrade refused: .* --check-config failed \(exit status 3\)" \
        "$name: a broken binary is refused, and the log says why"
    t_is "$ino2" "$ino1" "$name: ... and the working one keeps running"
    # an upgrade with a bad config keeps the old program
    cp "$T/bin/v2" "$T/bin/oauth2-fcgi.new" && mv "$T/bin/oauth2-fcgi.new" "$T/bin/oauth2-fcgi"
    cp "$E2E_CONFIG" "$T/config.good"
    echo "no_such_key: 1" >>"$E2E_CONFIG"
    n=$(grep -c 'upgrade refused' "$T/sp.log")
    kill -USR2 "$pid"
    for _ in $(seq 100); do
        [ "$(grep -c 'upgrade refused' "$T/sp.log")" -gt "$n" ] && break
        sleep 0.1
    done
    cp "$T/config.good" "$E2E_CONFIG"
    t_like "$(cat "$T/sp.log")" "upgrade refused: .* --check-config failed \(exit status 2\)" \
        "$name: SIGUSR2 with a bad config is refused (exit status 2 of the check)"
    t_like "$(cat "$T/sp.log")" "no_such_key" "$name: ... and the config error is in the log"
    t_is "$(stat -L -c %i "/proc/$pid/exe" 2>/dev/null)" "$ino1" "$name: ... the old program serves on"
    gate_load_checks "$name" "$name" 0 3000
    LINES+=("$GATE_LINE")
    kill -TERM "$pid"
    wait "$pid"
    t_is "$?" 0 "$name: SIGTERM after the upgrade: drained, exit 0"
}
# shellcheck disable=SC2086
upgrade_run "spawn-fcgi ($SPAWN_ARGS), SIGUSR2 upgrade + a refused one" $SPAWN_ARGS
upgrade_run "spawn-fcgi, one process -t 4, SIGUSR2 upgrade + a refused one" -t 4

# ---- (c) the drain closes the listening socket at once ------------------------------
rm -f "$SOCK"
spawn-fcgi -s "$SOCK" -P "$T/sp.pid" -- "$OA_BIN" -c "$E2E_CONFIG" -t 2 >/dev/null 2>>"$T/sp.log" ||
    bail "spawn-fcgi failed"
pid=$(cat "$T/sp.pid")
E2E_PIDS+=("$pid")
before=$(readlink "/proc/$pid/fd/0")
# a request in hand: a POST whose body is not all there yet
python3 - "$SOCK" "$top_srcdir/tests/fcgi-request.py" "$T/slow.out" "$T/slow.go" <<'PY' &
import importlib.util, os, socket, struct, sys, time
spec = importlib.util.spec_from_file_location("fr", sys.argv[2]); fr = importlib.util.module_from_spec(spec); spec.loader.exec_module(fr)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(30)
p = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "/oauth", "PATH_INFO": "/corp/callback", "REQUEST_URI": "/oauth/corp/callback",
     "CONTENT_LENGTH": "10", "CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_HOST": "127.0.0.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80"}
body = b"".join(fr.pair(k.encode(), v.encode()) for k, v in p.items())
s.sendall(fr.record(1, struct.pack(">HB5x", 1, 0)) + fr.record(4, body) + fr.record(4, b"") + fr.record(5, b"12345"))
while not os.path.exists(sys.argv[4]):
    time.sleep(0.02)
s.sendall(fr.record(5, b"67890") + fr.record(5, b""))
out = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    out += c
    if b"\x01\x03" in out:
        break
open(sys.argv[3], "wb").write(out)
PY
SLOW=$!
# the request is in hand once the process holds a connection (a socket
# other than its listening one on fd 0)
inhand=
for _ in $(seq 100); do
    for f in /proc/"$pid"/fd/*; do
        [ "${f##*/}" != 0 ] && readlink "$f" 2>/dev/null | grep -q '^socket:' && inhand=1
    done
    [ -n "$inhand" ] && break
    sleep 0.1
done
[ -n "$inhand" ] || bail "the slow request never reached the process"
sleep 0.3
kill -TERM "$pid"
sleep 0.5
during=$(readlink "/proc/$pid/fd/0")
t_like "$before" '^socket:' "before the stop, fd 0 is the listening socket"
t_ok "during the drain the process still runs (a request in hand)" \
    grep -Eq "^State:[[:space:]]+[RSD]" "/proc/$pid/status"
t_is "$during" /dev/null "during the drain the listening socket is already closed"
: >"$T/slow.go"
wait "$SLOW"
t_like "$(tr -d '\0' <"$T/slow.out" | tr -c '[:print:]\n' ' ')" "Status: [0-9]{3}" \
    "the request in hand still got its answer"
e2e_wait_gone "$pid"
t_ok "then the process exits" test ! -d "/proc/$pid"

# ---- (d) LISTEN_FDS (systemd-socket-activate) ----------------------------------------
if command -v systemd-socket-activate >/dev/null 2>&1; then
    rm -f "$T/sa.sock"
    # shellcheck disable=SC2086
    systemd-socket-activate -l "$T/sa.sock" -- "$OA_BIN" -c "$E2E_CONFIG" $UNIT_ARGS 2>"$T/sa.log" &
    SA=$!
    E2E_PIDS+=("$SA")
    e2e_log "$T/sa.log"
    wait_file "$T/sa.sock" 10 || bail "systemd-socket-activate made no socket"
    sa_ask() {
        timeout 10 python3 "$top_srcdir/tests/fcgi-request.py" --role authorizer --no-stdin \
            "$T/sa.sock" REQUEST_METHOD=GET REQUEST_URI=/app/page HTTP_HOST=127.0.0.1 \
            HTTP_COOKIE="oauth2_fcgi=$(head -n 1 "$T/good")" 2>/dev/null | tr -d '\r' |
            sed -n 's/^Status: \([0-9]*\).*/\1/p'
    }
    t_is "$(sa_ask)" 200 "LISTEN_FDS (systemd-socket-activate): a valid session gets 200"
    t_like "$(cat "$T/sa.log")" "serving the socket passed by systemd" "LISTEN_FDS: logged"
    kill -USR2 "$SA"
    for _ in $(seq 50); do grep -q 'upgraded: serving' "$T/sa.log" && break; sleep 0.1; done
    t_like "$(cat "$T/sa.log")" "upgraded: serving the socket" "LISTEN_FDS: SIGUSR2 upgrades in place"
    t_is "$(sa_ask)" 200 "LISTEN_FDS: after the upgrade a valid session gets 200"
    kill -TERM "$SA"
    wait "$SA"
    t_is "$?" 0 "LISTEN_FDS: SIGTERM drains and exits 0"
else
    t_skip "systemd-socket-activate is not installed"
fi

{
    echo "## Restart and upgrade under load (tests/e2e/handover.sh)"
    echo
    echo "Written by the last run of tests/e2e/handover.sh ($(date -u +%Y-%m-%dT%H:%MZ))."
    echo "tests/load/gateload.py (8 keep-alive connections) through nginx to a unix socket;"
    echo "each run 5 s with two restarts or upgrades in it. Socket unit: a holder keeps"
    echo "the socket as systemd does and restarts the program (SIGTERM, wait, start a new"
    echo "binary). spawn-fcgi: the binary file replaced, then SIGUSR2 (exec in place), then"
    echo "a broken binary refused by SIGUSR2's --check-config."
    echo
    echo "| run | failed/total | longest gap | valid refused | wrongly passed |"
    echo "|---|---:|---:|---:|---:|"
    printf '%s\n' "${LINES[@]}"
} >"$T/results.md"
gate_results handover "$T/results.md"
t_done
