#!/usr/bin/env bash
# reload.sh - the config read again while serving (oauth2-fcgi(8) SIGNALS,
# DESIGN.md section 10), without a restart and without a failed request.
#   (a) lighttpd starts the contrib file's oauth2-fcgi processes itself
#       (bin-path, max-procs 2 + 4) and sends them no signal: the access
#       rules are changed (the file renamed over) under wrk load; 0 failed
#       requests (every answer is what the old or the new rule says), the
#       old rule's last answer within 1 s of the change, and every process
#       logs its reload within 1 s;
#   (b) a YAML syntax error and (c) an unknown key (in a file that would
#       also change the rules): nothing changes, each process logs
#       FILE:LINE:COL once (not at every poll);
#   (d) key rotation (the new key first in the key file, written in place):
#       a cookie sealed with the new key passes, the old key's still does;
#   (e) a spawn-fcgi process told with SIGHUP: the new rule, a broken file
#       refused, a rotated key; (f) -w 2: the master passes SIGHUP on to
#       both workers; (g) mod_fcgid's processes (no signal) take new rules;
#   (e), (g) an idle process sleeps (inotify, not a 250 ms tick), and still
#       reads a change within 1 s.
# 127.0.0.1 only; the load runs a few seconds. Prints TAP.
. "$(dirname "$0")/lib.sh"

need_tool lighttpd wrk curl python3 spawn-fcgi
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config
sed -i 's/^log_level: debug/log_level: info/' "$E2E_CONFIG"
cp "$E2E_KEY" "$T/k1.key"
make_key "$T/k2.key"

# rules FILE ADMINS KEYFILE [EXTRA-LINE]: the e2e config whose /app/admin/
# rule lets ADMINS in, written beside FILE and renamed over it (as editors
# and configuration tools do).
rules() {
    write_e2e_config "$1.new" "$3"
    sed -i -e "s/emails: \[admin@example.com\]/emails: [$2]/" \
        -e 's/^log_level: debug/log_level: info/' "$1.new"
    [ -z "${4:-}" ] || printf '%s\n' "$4" >>"$1.new"
    chmod 600 "$1.new" # (0644 is logged as a warning at every load)
    mv "$1.new" "$1"
}

ALICE=$(mint --user alice --email alice@example.com)
rules "$T/k2.yml" admin@example.com "$T/k2.key"
ALICE_K2=$("$MINT" -c "$T/k2.yml" --user alice --email alice@example.com)

# ---- (a) lighttpd's own processes, rules changed under load -----------------------
PORT=$(free_port) || bail "no free port"
lighttpd_start "$PORT" "$E2E_CONFIG"
LPID=$E2E_LAST_PID
LOG=$T/lighttpd.log
oa_children() { oa_children_of "$LPID"; }
# web PATH [COOKIE]: the status lighttpd answers (JSON, so a refusal is a
# status, not a sign-in page).
web() {
    curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Accept: application/json' \
        ${2:+-H "Cookie: $COOKIE_NAME=$2"} "http://127.0.0.1:$PORT$1" || echo 000
}
# mark: the log's length now; since PATTERN: the log lines after the mark
# that match (extended regex).
mark() { MARK=$(wc -l <"$LOG"); }
since() { tail -n +"$((MARK + 1))" "$LOG" | grep -E "$1"; }
# pids_since PATTERN: how many processes logged such a line after the mark.
pids_since() { since "$1" | sed -n 's/^oauth2-fcgi\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l; }

for _ in $(seq 1 50); do [ "$(web /oauth/health)" = 200 ] && break; sleep 0.1; done
t_is "$(web /app/page "$ALICE")" 200 "before: alice may see /app/page"
t_is "$(web /app/admin/x "$ALICE")" 403 "before: the /app/admin/ rule refuses alice (403)"
t_is "$(web /app/page)" 401 "before: no cookie, 401"
NPROCS=$(grep -v '^ *#' "$T/oauth2-fcgi.conf" |
    sed -n 's/.*"max-procs" *=> *\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s }')
KIDS=$(oa_children)
t_is "$(echo "$KIDS" | wc -w)" "$NPROCS" "lighttpd started $NPROCS oauth2-fcgi processes itself"

mark
RELOAD_COOKIE="$COOKIE_NAME=$ALICE" RELOAD_USER=/app/page RELOAD_RULED=/app/admin/x \
    RELOAD_ANON=/app/page wrk -t4 -c4 -d5s --timeout 5s \
    -s "$top_srcdir/tests/e2e/reload.lua" "http://127.0.0.1:$PORT" >"$T/wrk.out" 2>&1 &
WRK=$!
E2E_PIDS+=("$WRK")
e2e_log "$T/wrk.out"
sleep 2
CHANGED=$(date +%s.%N)
rules "$E2E_CONFIG" "admin@example.com, alice@example.com" "$E2E_KEY"
sleep 1
NRELOADED=$(pids_since 'info: reloaded ')
wait "$WRK"
fig() { sed -n "s/^reload $1 //p" "$T/wrk.out"; }
t_diag "wrk: $(grep '^reload ' "$T/wrk.out" | tr '\n' ';')"
t_is "$NRELOADED" "$NPROCS" "within 1 s of the change, every process ($NPROCS) logged its reload"
ANSWERS=$(fig answers)
t_ok "the load got answers (${ANSWERS:-none})" [ "${ANSWERS:-0}" -ge 50 ]
t_is "$(fig failed)" 0 "0 failed requests under load while the rules changed"
t_ok "the ruled page got the old rule's 403 before the change" [ -n "$(fig 'got ruled 403')" ]
t_ok "and the new rule's 200 after it" [ -n "$(fig 'got ruled 200')" ]
LAST403=$(fig last_403)
t_ok "the old rule's last answer came within 1 s of the change ($LAST403 vs $CHANGED)" \
    awk -v a="${LAST403:-0}" -v c="$CHANGED" 'BEGIN { exit !(a > 0 && a <= c + 1.0) }'
t_is "$(web /app/admin/x "$ALICE")" 200 "after: the new rule lets alice in"
t_is "$(oa_children)" "$KIDS" "the same processes: nothing was restarted"
t_unlike "$(since 'error|warn')" . "no warning or error logged by the reload"

# ---- (b), (c) a broken file changes nothing ---------------------------------------
broken() {
    local what=$1 pattern=$2
    sleep 1.5
    t_is "$(web /app/admin/x "$ALICE")" 200 "$what: the rules stay (alice on /app/admin/)"
    t_is "$(web /app/page "$ALICE")" 200 "$what: alice on /app/page"
    t_is "$(web /app/page)" 401 "$what: no cookie, 401"
    t_is "$(pids_since "error: $E2E_CONFIG:[0-9]+:[0-9]+: $pattern.*reload refused")" "$NPROCS" \
        "$what: every process logged FILE:LINE:COL and that the reload was refused"
    t_is "$(since 'reload refused' | wc -l)" "$NPROCS" "$what: once per process"
    sleep 1
    t_is "$(since 'reload refused' | wc -l)" "$NPROCS" "$what: not again at the next polls"
    t_unlike "$(since 'info: reloaded ')" . "$what: nothing reloaded"
    t_is "$(oa_children)" "$KIDS" "$what: the same processes"
}
mark
printf 'providers: [\n  - name: corp\naccess: {\n' >"$T/broken.yml"
mv "$T/broken.yml" "$E2E_CONFIG"
broken "a YAML syntax error" "YAML syntax error"
mark
rules "$E2E_CONFIG" admin@example.com "$E2E_KEY" "no_such_option: 1"
broken "an unknown key (with a rule change)" "unknown key 'no_such_option'"

# ---- (d) key rotation -------------------------------------------------------------
mark
rules "$E2E_CONFIG" "admin@example.com, alice@example.com" "$E2E_KEY"
sleep 1.5
t_is "$(pids_since 'info: reloaded ')" "$NPROCS" "the fixed file is reloaded by every process"
t_is "$(web /app/page "$ALICE_K2")" 401 "before the rotation: a cookie of the new key is refused"
mark
cat "$T/k2.key" "$T/k1.key" >"$E2E_KEY" # in place: the mode stays 0600
sleep 1
t_is "$(pids_since 'info: reloaded ')" "$NPROCS" \
    "the key file changed: every process reloaded within 1 s"
ok_all=yes
for _ in $(seq 1 12); do
    [ "$(web /app/page "$ALICE_K2")" = 200 ] && [ "$(web /app/page "$ALICE")" = 200 ] ||
        ok_all=no
done
t_is "$ok_all" yes "after the rotation: the new key's cookie passes, the old key's still does (12 each)"
# the old key leaves the file: its cookie, just opened by every thread
# (each keeps the texts it opened: src/gate/seal_cache.c), is refused at once
mark
cat "$T/k2.key" >"$E2E_KEY"
sleep 1
t_is "$(pids_since 'info: reloaded ')" "$NPROCS" "the old key left the file: every process reloaded"
refused_all=yes
for _ in $(seq 1 12); do
    [ "$(web /app/page "$ALICE_K2")" = 200 ] && [ "$(web /app/page "$ALICE")" = 401 ] ||
        refused_all=no
done
t_is "$refused_all" yes "the old key gone: its cookie is refused, the new key's passes (12 each)"

# ---- (e) spawn-fcgi and SIGHUP ----------------------------------------------------
SP=$(free_port) || bail "no free port"
SCFG=$T/spawn.yml
cp "$T/k1.key" "$T/spawn.key"
rules "$SCFG" admin@example.com "$T/spawn.key"
# -n: spawn-fcgi execs the program in its place, its stderr kept (forking,
# spawn-fcgi sends the child's stderr to /dev/null)
e2e_bg spawn spawn-fcgi -n -a 127.0.0.1 -p "$SP" -- "$OA_BIN" -c "$SCFG"
SPID=$E2E_LAST_PID
LOG=$T/spawn.log
# ask ADDR PATH [COOKIE]: the authorizer's status through FastCGI.
ask() {
    local out
    out=$(timeout 10 python3 "$top_srcdir/tests/fcgi-request.py" --role authorizer --no-stdin "$1" \
        REQUEST_METHOD=GET REQUEST_URI="$2" HTTP_HOST=127.0.0.1 HTTP_ACCEPT=application/json \
        HTTP_COOKIE="$COOKIE_NAME=${3:-}" 2>/dev/null) || { echo 000; return; }
    out=$(printf '%s' "$out" | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n 1)
    echo "${out:-200}"
}
for _ in $(seq 1 50); do [ "$(ask "127.0.0.1:$SP" /app/page "$ALICE")" = 200 ] && break; sleep 0.1; done
t_is "$(ask "127.0.0.1:$SP" /app/admin/x "$ALICE")" 403 "spawn-fcgi: before, 403 on /app/admin/"
mark
rules "$SCFG" "admin@example.com, alice@example.com" "$T/spawn.key"
kill -HUP "$SPID"
sleep 1
t_is "$(ask "127.0.0.1:$SP" /app/admin/x "$ALICE")" 200 "spawn-fcgi: SIGHUP, the new rule within 1 s"
t_like "$(since 'info: SIGHUP')" 'reading .*spawn\.yml again' "spawn-fcgi: the SIGHUP is logged"
t_like "$(since 'info: reloaded ')" 'reloaded' "spawn-fcgi: and the reload"
mark
rules "$SCFG" admin@example.com "$T/spawn.key" "bogus: {"
kill -HUP "$SPID"
sleep 1
t_ok "spawn-fcgi: a broken file and SIGHUP: the process goes on" kill -0 "$SPID"
t_is "$(ask "127.0.0.1:$SP" /app/admin/x "$ALICE")" 200 "spawn-fcgi: the broken file changed nothing"
t_like "$(since 'reload refused')" "error: $SCFG:[0-9]+:[0-9]+: " "spawn-fcgi: logged with FILE:LINE:COL"
mark
rules "$SCFG" "admin@example.com, alice@example.com" "$T/spawn.key"
cat "$T/k2.key" "$T/k1.key" >"$T/spawn.key"
kill -HUP "$SPID"
sleep 1
t_is "$(ask "127.0.0.1:$SP" /app/page "$ALICE_K2")" 200 "spawn-fcgi: SIGHUP, the rotated key opens the new key's cookie"
t_is "$(ask "127.0.0.1:$SP" /app/page "$ALICE")" 200 "spawn-fcgi: and the old key's"

# An idle process sleeps: its main thread wakes for a change in the
# directory of its files (inotify, fcgi/file_watch.c) and every 5 s, not
# every 250 ms; the bearer keys' thread, without api_audiences, sleeps too.
# A pool of 48 mod_fcgid processes spent ~15 ms of CPU a second on those
# ticks.
switches() { # switches PID: the context switches of all its threads so far
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}
s0=$(switches "$SPID")
sleep 3
s1=$(switches "$SPID")
t_ok "spawn-fcgi: idle for 3 s, its threads woke $((s1 - s0)) times (at most 4; a 250 ms tick made 24)" \
    [ $((s1 - s0)) -le 4 ]
mark
rules "$SCFG" admin@example.com "$T/spawn.key"
sleep 1
t_is "$(ask "127.0.0.1:$SP" /app/admin/x "$ALICE")" 403 \
    "spawn-fcgi: asleep, a renamed-over file (no signal) is read within 1 s"
t_like "$(since 'info: reloaded ')" 'reloaded' "spawn-fcgi: and logged"
# a busy directory (a file made and removed every 10 ms or so beside the
# config) wakes it at most every tick (250 ms), not at every event
s0=$(switches "$SPID")
t0=$(date +%s%N)
for i in $(seq 1 200); do
    : >"$T/churn.$i"
    rm -f "$T/churn.$i"
    sleep 0.01
done
ms=$((($(date +%s%N) - t0) / 1000000))
s1=$(switches "$SPID")
t_ok "spawn-fcgi: 600 events beside its config in $ms ms woke it $((s1 - s0)) times (at most one a tick: $((ms / 250 + 8)))" \
    [ $((s1 - s0)) -le $((ms / 250 + 8)) ]

# ---- (f) -w 2: the master passes SIGHUP on -----------------------------------------
WP=$(free_port) || bail "no free port"
e2e_bg spawnw spawn-fcgi -n -a 127.0.0.1 -p "$WP" -- "$OA_BIN" -c "$SCFG" -w 2 -t 2
MPID=$E2E_LAST_PID
LOG=$T/spawnw.log
for _ in $(seq 1 50); do [ "$(ask "127.0.0.1:$WP" /app/page "$ALICE")" = 200 ] && break; sleep 0.1; done
for _ in $(seq 1 30); do [ "$(pgrep -P "$MPID" | wc -l)" = 2 ] && break; sleep 0.1; done
mark
rules "$SCFG" admin@example.com "$T/spawn.key"
kill -HUP "$MPID"
sleep 1
t_like "$(since 'SIGHUP: passed on')" . "-w 2: the master logs that it passed SIGHUP on"
t_is "$(pids_since 'info: SIGHUP: reopening')" 3 "-w 2: both workers got it (and the master)"
t_is "$(pids_since 'info: reloaded ')" 3 "-w 2: both workers reloaded (and the master)"
ok_all=yes
for _ in $(seq 1 8); do [ "$(ask "127.0.0.1:$WP" /app/admin/x "$ALICE")" = 403 ] || ok_all=no; done
t_is "$ok_all" yes "-w 2: the new rule answers (8 requests)"
# a worker started after reloads (a crash) serves what the others serve, even
# when the file is broken by then: the master reloaded with them
rules "$SCFG" "admin@example.com, alice@example.com" "$T/spawn.key"
sleep 1
rules "$SCFG" admin@example.com "$T/spawn.key" "bogus: {"
sleep 1
OLDW=$(pgrep -P "$MPID" | head -n 1)
kill -KILL "$OLDW"
for _ in $(seq 1 30); do
    [ "$(pgrep -P "$MPID" | wc -l)" = 2 ] && ! pgrep -P "$MPID" | grep -qx "$OLDW" && break
    sleep 0.1
done
sleep 0.5
ok_all=yes
for _ in $(seq 1 12); do [ "$(ask "127.0.0.1:$WP" /app/admin/x "$ALICE")" = 200 ] || ok_all=no; done
t_is "$ok_all" yes "-w 2: a worker restarted after a crash serves the last good rules, not the first"

# ---- (g) mod_fcgid's processes, no signal -----------------------------------------
fcgid_section() {
    local ap fcfg=$T/fcgid.yml fkey=$T/fcgid.key pids pid n
    ap=$(free_port) || bail "no free port"
    cp "$T/k1.key" "$fkey"
    # rules_fcgid ADMINS: the config, readable by Apache's user (the program runs as it)
    rules_fcgid() {
        rules "$fcfg" "$1" "$fkey"
        [ "$(id -u)" != 0 ] || chown "$(apache_user)" "$fcfg"
    }
    rules_fcgid admin@example.com
    apache_fcgid_start "$ap" "$fcfg" "$fkey"
    PORT=$ap # for web()
    for _ in $(seq 1 50); do [ "$(web /app/page "$ALICE")" = 200 ] && break; sleep 0.2; done
    t_is "$(web /app/admin/x "$ALICE")" 403 "mod_fcgid: before, 403 on /app/admin/"
    # mod_fcgid's processes: the program with this config in its environment
    pids=$(for pid in $(pgrep -f "$OA_BIN"); do
        grep -qa "$fcfg" "/proc/$pid/environ" 2>/dev/null && echo "$pid"
    done | tr '\n' ' ')
    LOG=$T/apache-error.log
    mark
    rules_fcgid "admin@example.com, alice@example.com"
    sleep 1
    t_is "$(web /app/admin/x "$ALICE")" 200 "mod_fcgid: within 1 s, the new rule (no signal sent)"
    n=0
    for pid in $pids; do
        since "oauth2-fcgi\\[$pid\\]: info: reloaded " >/dev/null && n=$((n + 1))
    done
    t_ok "mod_fcgid: it runs oauth2-fcgi processes ($pids)" [ -n "$pids" ]
    t_is "$n" "$(echo "$pids" | wc -w)" "mod_fcgid: each of them reloaded itself"
    s0=0
    for pid in $pids; do s0=$((s0 + $(switches "$pid"))); done
    sleep 3
    s1=0
    for pid in $pids; do s1=$((s1 + $(switches "$pid"))); done
    n=$(echo "$pids" | wc -w)
    t_ok "mod_fcgid: idle for 3 s, its $n processes woke $((s1 - s0)) times (at most $((4 * n)))" \
        [ $((s1 - s0)) -le $((4 * n)) ]
}
if command -v apache2 >/dev/null && [ -f "$APACHE_MODS/mod_fcgid.so" ]; then
    fcgid_section
else
    for _ in 1 2 3 4 5; do t_skip "mod_fcgid is not installed"; done
fi

t_done
