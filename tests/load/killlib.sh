# killlib.sh - the kill-under-load harness ("one process dies"),
# sourced by tests/load/kill-*.sh after tests/e2e/lib.sh. Each of those
# starts one shipped set-up (the contrib file itself, paths substituted) on
# 127.0.0.1 and calls kill_run, which:
#   - runs wrk (KILL_THREADS threads, 16 connections, KILL_SECONDS seconds)
#     with tests/load/killload.lua: a signed-in user asking for a protected
#     static page whose body is known, and every 5th request without a
#     cookie (never to get 200);
#   - meanwhile kills an oauth2-fcgi process with SIGKILL 3 times, evenly
#     spread, chosen by the set-up's picker the way an operator would
#     (pgrep: a serving process, and the master when there is one);
#   - checks: failed <= 0.5% of all requests, no stretch longer than 100 ms
#     without a good answer, 0 wrongly passed; the set-up still answers
#     afterwards. The machine is shared (2 CPUs, other jobs): a baseline
#     run of the same load without kills, just before, measures its own
#     stalls, and the gap allowed is 100 ms plus what that baseline's
#     longest gap exceeds 50 ms by, at most 500 ms (kill_allowed). A run
#     that misses only the gap is run once more (baseline and kills), and
#     both are reported. A gap still over the allowance while the load
#     average is 4+ per CPU is reported as a TAP TODO (not judged: only the
#     scheduler is measured then) unless a gap that began within 0.5 s of
#     a kill lasted over 500 ms, which fails;
#   - writes its figures into tests/load/RESULTS.md (section per set-up,
#     replaced at each run; KILL_RESULTS=FILE elsewhere, KILL_RESULTS= not
#     at all; skipped when the file is not writable, as in make distcheck).
# Before the measured run a short warm-up (KILL_WARMUP seconds of the same
# load, no kill) lets a pool that grows on demand (mod_fcgid, Apache
# prefork) reach its working size, as it would have in production.

# shellcheck disable=SC2154 # top_srcdir: from lib.sh, sourced first
LOAD_SRC=$top_srcdir/tests/load
KILL_SECONDS=${KILL_SECONDS:-8}
KILL_WARMUP=${KILL_WARMUP:-2}
KILL_BASELINE=${KILL_BASELINE:-4}
KILL_THREADS=${KILL_THREADS:-1}
KILL_CONNS=${KILL_CONNS:-16}
KILL_MAX_FAILED_PERMILLE=5 # 0.5%
KILL_MAX_GAP_MS=${KILL_MAX_GAP_MS:-100} # (smaller only to try the retry path)
KILL_MAIN_GAP_MS=${KILL_MAIN_GAP_MS:-500} # a systemd unit's main process: its restart
: "${KILL_RESULTS=$top_srcdir/tests/load/RESULTS.md}"
OK_BODY="oauth2-fcgi kill test: the protected page"
ANON_BODY="oauth2-fcgi kill test: NEVER WITHOUT A SESSION"

# kill_setup: the e2e config at log_level info (debug writes a line per
# request), the user's cookie (KILL_COOKIE), the run's temporary directory.
kill_setup() {
    need_tool wrk curl pgrep
    need_oa
    e2e_init
    T=$E2E_TMP
    E2E_KEY=$T/session.key
    E2E_CONFIG=$T/oauth.yml
    COOKIE_NAME=oauth2_fcgi
    make_key "$E2E_KEY"
    write_e2e_config "$E2E_CONFIG.in" "$E2E_KEY"
    sed 's/^log_level: .*/log_level: info/' "$E2E_CONFIG.in" >"$E2E_CONFIG"
    "$OA_BIN" --check-config -c "$E2E_CONFIG" >"$T/check-config.out" 2>&1 ||
        bail "oauth2-fcgi rejects the config: $(cat "$T/check-config.out")"
    KILL_COOKIE="$COOKIE_NAME=$(mint --user alice --email alice@example.com)" ||
        bail "mint_cookie failed"
    OA_REAL=$(readlink -f "$OA_BIN")
}

# kill_pages DIR: the two static pages under DIR/app/ (DIR is a document root).
kill_pages() {
    mkdir -p "$1/app"
    echo "$OK_BODY" >"$1/app/ok.html"
    echo "$ANON_BODY" >"$1/app/anon.html"
}

# oa_pids: the running oauth2-fcgi processes of this build (their
# /proc/PID/exe is OA_BIN's file), one a line - what `pgrep oauth2-fcgi`
# shows an operator. No process is started for it: on a machine at a load
# of 20 every fork takes tens of ms, and the kills must happen on time.
oa_pids() {
    local d
    for d in /proc/[0-9]*; do
        [ "$d/exe" -ef "$OA_REAL" ] 2>/dev/null && echo "${d#/proc/}"
    done
    return 0
}

# ppid_of PID: its parent, from /proc/PID/stat (after the command name).
ppid_of() {
    local line
    read -r line <"/proc/$1/stat" 2>/dev/null || return 1
    line=${line##*) }
    # shellcheck disable=SC2086 # the fields
    set -- $line
    echo "$2"
}

# oa_pids_under PID: the oauth2-fcgi processes among PID's descendants
# (other tests may run the same binary meanwhile).
oa_pids_under() {
    local p q
    for p in $(oa_pids); do
        q=$p
        while [ -n "$q" ] && [ "$q" != "$1" ] && [ "$q" -gt 1 ]; do
            q=$(ppid_of "$q") || q=
        done
        [ "$q" = "$1" ] && echo "$p"
    done
    return 0
}

# oa_age_sorted PID...: the pids oldest first (by start time, not number).
oa_age_sorted() {
    [ $# -gt 0 ] || return 0
    ps -o etimes=,pid= -p "$(echo "$@" | tr ' ' ,)" 2>/dev/null | sort -k1,1nr -k2,2n |
        awk '{ print $2 }'
}

# kill_preflight BASE: the user gets the page, no cookie gets the sign-in.
kill_preflight() {
    http_req "$1/app/ok.html" -H "Cookie: $KILL_COOKIE" -H 'Accept: text/html'
    t_is "$HTTP_STATUS $HTTP_BODY" "200 $OK_BODY" "before the load: the user gets the page"
    http_req "$1/app/anon.html" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "before the load: no cookie gets the sign-in redirect"
}

# kill_wrk SECONDS OUT BASE: the load, in the background (KILL_WRK_PID).
kill_wrk() {
    KILL_OK_PATH=/app/ok.html KILL_ANON_PATH=/app/anon.html KILL_OK_BODY=$OK_BODY \
        KILL_ANON_BODY=$ANON_BODY KILL_COOKIE=$KILL_COOKIE KILL_SECONDS=$1 \
        wrk -t"$KILL_THREADS" -c"$KILL_CONNS" -d"$1"s --timeout 5s \
        -s "$LOAD_SRC/killload.lua" "$3/" >"$2" 2>&1 &
    KILL_WRK_PID=$!
    E2E_PIDS+=("$KILL_WRK_PID")
}

kv() { awk -v k="kill $2" 'index($0, k " ") == 1 { v = $NF } END { print (v == "" ? 0 : v) }' "$1"; }

# kill_once RUN PICKER: one measured run with 3 kills; figures in
# $T/run-RUN.out (wrk), the kills in $T/kills-RUN.txt ("TIME PID ROLE").
kill_once() {
    local run=$1 picker=$2 i at pid role t0 out=$T/run-$1.out
    : >"$T/kills-$run.txt"
    t0=$(date +%s.%N)
    kill_wrk "$KILL_SECONDS" "$out" "$BASE"
    for i in 1 2 3; do
        # pick first (ps and /proc take a while on a busy machine), then
        # kill at i/4 of the run
        sleep "$(awk -v d="$KILL_SECONDS" -v t0="$t0" -v i="$i" -v now="$(date +%s.%N)" \
            'BEGIN { w = t0 + i * d / 4 - 0.4 - now; printf "%.2f", (w > 0 ? w : 0) }')"
        read -r pid role <<<"$("$picker" "$i")"
        sleep "$(awk -v d="$KILL_SECONDS" -v t0="$t0" -v i="$i" -v now="$(date +%s.%N)" \
            'BEGIN { w = t0 + i * d / 4 - now; printf "%.2f", (w > 0 ? w : 0) }')"
        if [ -z "$pid" ]; then
            echo "$(date +%s.%N) none no-process" >>"$T/kills-$run.txt"
            continue
        fi
        at=$(date +%s.%N)
        if kill -KILL "$pid" 2>/dev/null; then
            echo "$at $pid $role" >>"$T/kills-$run.txt"
            [ "$role" = master ] && kill_adopt_orphans
        else
            echo "$at none gone:$pid" >>"$T/kills-$run.txt"
        fi
    done
    wait "$KILL_WRK_PID"
    cut -d' ' -f1 /proc/loadavg >"$T/load-$run.txt"
}

# kill_report RUN: one line of figures, and the gaps over 50 ms each
# labelled with the kill it followed (within 3 s).
kill_line() {
    local out=$T/run-$1.out f t g
    f=$(kv "$out" failed)
    t=$(kv "$out" total)
    g=$(kv "$out" gap_max_ms)
    printf 'failed %d/%d (%s%%), longest gap %d ms, wrongly passed %d, %s req/s' \
        "$f" "$t" "$(awk -v f="$f" -v t="$t" 'BEGIN { printf "%.3f", t ? 100 * f / t : 100 }')" \
        "$g" "$(kv "$out" wrongly)" \
        "$(awk -v t="$t" -v a="$(kv "$out" start)" -v b="$(kv "$out" stop)" \
            'BEGIN { printf "%.0f", (b > a) ? t / (b - a) : 0 }')"
}
kill_kills() {
    local run=$1 out=$T/run-$1.out
    awk -v s="$(kv "$out" start)" '{ printf "%s+%.2fs %s %s", sep, $1 - s, $3, $2; sep = ", " }' \
        "$T/kills-$run.txt"
}
kill_gaps() {
    local out=$T/run-$1.out
    awk -v s="$(kv "$out" start)" 'FNR == NR { k[++n] = $1; next }
        $1 == "kill" && $2 == "gap" {
            lab = "no kill before it"
            for (i = 1; i <= n; i++)
                if ($3 >= k[i] - 0.01 && $3 <= k[i] + 3) lab = "after kill " i
            printf "%s+%.2fs %d ms (%s)", sep, $3 - s, $4, lab; sep = ", "
        }
        END { if (sep == "") printf "none" }' "$T/kills-$1.txt" "$out"
}

# kill_baseline RUN: the same load for KILL_BASELINE seconds without a
# kill, just before the measured run: the longest gap the machine makes on
# its own (other jobs, the scheduler) - $T/base-RUN.out.
kill_baseline() {
    kill_wrk "$KILL_BASELINE" "$T/base-$1.out" "$BASE"
    wait "$KILL_WRK_PID"
}

# kill_allowed RUN: the gap allowed in that run: 100 ms, plus what the
# machine's own stalls in the baseline exceed 50 ms by, at most 400 ms more.
# On an idle machine (baseline gaps of 5-50 ms) that is exactly 100 ms; on
# a shared one whose baseline already stalls for 150 ms it is 200 ms; never
# over 500 ms, so a set-up whose kill costs an outage (one process: ~2 s)
# fails however busy the machine is.
kill_allowed() {
    local b
    b=$(kv "$T/base-$1.out" gap_max_ms)
    b=$((b > 50 ? b - 50 : 0))
    echo $((KILL_MAX_GAP_MS + (b > 400 ? 400 : b)))
}

# kill_overloaded RUN: the 1-minute load average at the end of the run was
# at least 4 per CPU.
kill_overloaded() {
    awk -v l="$(cat "$T/load-$1.txt" 2>/dev/null)" -v n="$(nproc)" 'BEGIN { exit !(l >= 4 * n) }'
}

# kill_near_gap RUN: the longest gap (over 50 ms) that began within 0.5 s
# after a kill (or just before it) - what a kill can have caused; 0 if none.
kill_near_gap() {
    awk 'FNR == NR { if ($2 != "none") k[++n] = $1; next }
        $1 == "kill" && $2 == "gap" {
            for (i = 1; i <= n; i++)
                if ($3 >= k[i] - 0.05 && $3 <= k[i] + 0.5 && $4 > m) m = $4
        }
        END { print m + 0 }' "$T/kills-$1.txt" "$T/run-$1.out"
}

# kill_unjudged RUN: the gap of a run that missed it is not judged when the
# machine was overloaded (load 4+ per CPU) and whatever began within 0.5 s
# of a kill stayed under 500 ms: the rest is the scheduler's. A stall right
# after a kill over 500 ms, or any miss on a machine not that busy, fails.
kill_unjudged() {
    kill_overloaded "$1" && [ "$(kill_near_gap "$1")" -le 500 ]
}

# kill_gap_split RUN: "G M": the longest gap over 50 ms that began within
# 0.5 s after a kill of a systemd unit's main process (M: systemd stops
# the unit's cgroup and starts it again, RestartSec=0 - its own restart,
# judged against KILL_MAIN_GAP_MS), and the longest other one (G: judged
# against the 100 ms). A worker's death, the case the goal is about, never
# gets the looser bound; 0 when there is none.
kill_gap_split() {
    awk 'FNR == NR { if ($3 == "main") k[++n] = $1; next }
        $1 == "kill" && $2 == "gap" {
            near = 0
            for (i = 1; i <= n; i++)
                if ($3 >= k[i] - 0.05 && $3 <= k[i] + 0.5) near = 1
            if (near) { if ($4 > mm) mm = $4 } else if ($4 > m) m = $4
        }
        END { print m + 0, mm + 0 }' "$T/kills-$1.txt" "$T/run-$1.out"
}

# kill_verdict RUN: 0 when the run meets all three criteria; sets
# KV_FAILED_OK KV_GAP_OK KV_WRONG_OK.
kill_verdict() {
    local out=$T/run-$1.out f t g m
    f=$(kv "$out" failed)
    t=$(kv "$out" total)
    KV_FAILED_OK=0
    KV_GAP_OK=0
    KV_WRONG_OK=0
    [ "$t" -gt 0 ] && [ $((f * 1000)) -le $((t * KILL_MAX_FAILED_PERMILLE)) ] && KV_FAILED_OK=1
    read -r g m <<<"$(kill_gap_split "$1")"
    [ "$g" -le "$(kill_allowed "$1")" ] && [ "$m" -le "$KILL_MAIN_GAP_MS" ] && KV_GAP_OK=1
    [ "$(kv "$out" wrongly)" = 0 ] && [ "$t" -gt 0 ] && [ "$(kv "$T/base-$1.out" wrongly)" = 0 ] &&
        KV_WRONG_OK=1
    [ $((KV_FAILED_OK + KV_GAP_OK + KV_WRONG_OK)) = 3 ]
}

# kill_run SETUP-NAME "DESCRIPTION" PICKER [RESET]: warm-up, baseline and
# the measured run (both again when only the gap was missed, after RESET,
# a function that puts the set-up back as it was), the checks, RESULTS.md.
# The kill tests take turns (a lock in TMPDIR): two of them at once under
# make -j2 would each measure the other's load.
kill_run() {
    local name=$1 desc=$2 picker=$3 reset=${4:-} runs=1 r k g m
    exec 8>>"${TMPDIR:-/tmp}/oauth2-fcgi-killload.lock"
    flock -w 600 8 || t_diag "the kill-test lock was not free after 600 s; running anyway"
    kill_preflight "$BASE"
    if [ "$KILL_WARMUP" != 0 ]; then
        kill_wrk "$KILL_WARMUP" "$T/warmup.out" "$BASE"
        wait "$KILL_WRK_PID"
    fi
    t_diag "$name: before the run: $(oa_pids | wc -l) oauth2-fcgi processes on the machine"
    kill_baseline 1
    kill_once 1 "$picker"
    if ! kill_verdict 1 && [ "$KV_FAILED_OK$KV_WRONG_OK" = 11 ]; then
        t_diag "run 1 missed only the gap ($(kill_line 1), allowed $(kill_allowed 1) ms);" \
            "once more"
        [ -n "$reset" ] && "$reset"
        kill_baseline 2
        kill_once 2 "$picker"
        runs=2
    fi
    r=$runs
    for k in $(seq 1 "$runs"); do
        t_diag "run $k: $(kill_line "$k"); baseline without kills: longest gap" \
            "$(kv "$T/base-$k.out" gap_max_ms) ms, allowed $(kill_allowed "$k") ms"
        t_diag "run $k kills: $(kill_kills "$k")"
        t_diag "run $k gaps over 50 ms: $(kill_gaps "$k")"
        grep '^kill sample' "$T/run-$k.out" | head -n 4 | sed "s/^/run $k: /" |
            while IFS= read -r l; do t_diag "$l"; done
    done
    kill_verdict "$r"
    t_is "$(awk -v e="$(kv "$T/run-$r.out" stop)" '$2 != "none" && $1 < e' "$T/kills-$r.txt" |
        wc -l)" 3 "$name: 3 oauth2-fcgi processes killed with SIGKILL during the run"
    t_ok "$name: failed <= 0.5% ($(kv "$T/run-$r.out" failed)/$(kv "$T/run-$r.out" total))" \
        [ "$KV_FAILED_OK" = 1 ]
    # A gap between the allowance and 500 ms on a machine at a load of 4+
    # per CPU is not judged (a TODO, reported, not failed): nothing there
    # is measured but the scheduler. Over 500 ms always fails.
    kill_unjudged "$r" &&
        T_TODO="not judged: the machine is overloaded (load $(cat "$T/load-$r.txt") on $(nproc) CPUs; longest gap within 0.5 s of a kill: $(kill_near_gap "$r") ms)"
    read -r g m <<<"$(kill_gap_split "$r")"
    t_ok "$name: longest time without a good answer $(kv "$T/run-$r.out" gap_max_ms) ms; outside a systemd unit restart ${g} ms <= $(kill_allowed "$r") ms (${KILL_MAX_GAP_MS} ms + the baseline's stalls over 50 ms: $(kv "$T/base-$r.out" gap_max_ms) ms); after the unit's main process was killed ${m} ms <= ${KILL_MAIN_GAP_MS} ms" \
        [ "$KV_GAP_OK" = 1 ]
    # shellcheck disable=SC2034 # lib.sh's t_ok reads it
    T_TODO=
    t_is "$(kv "$T/run-$r.out" wrongly) $(kv "$T/base-$r.out" wrongly)" "0 0" \
        "$name: no request without a session got 200"
    t_ok "$name: the anonymous requests were sent ($(kv "$T/run-$r.out" anon_sent))" \
        [ "$(kv "$T/run-$r.out" anon_sent)" -gt 0 ]
    sleep 1
    kill_preflight "$BASE"
    kill_results "$name" "$desc" "$runs"
    flock -u 8
}

# kill_results NAME DESCRIPTION RUNS: the set-up's section of RESULTS.md,
# between its two marker lines, replaced (or appended) under a lock.
kill_results() {
    local name=$1 desc=$2 runs=$3 f=$KILL_RESULTS sec k rev v
    [ -n "$f" ] && [ -w "$f" ] || return 0
    rev=$(git -C "$top_srcdir" rev-parse --short HEAD 2>/dev/null || echo "?")
    sec=$T/section.md
    {
        echo "<!-- kill:$name begin (written by tests/load/kill-$name.sh) -->"
        echo "### $name"
        echo
        echo "$desc"
        echo
        echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), commit $rev, $(nproc) CPUs, load average" \
            "$(cut -d' ' -f1-3 /proc/loadavg), wrk -t$KILL_THREADS -c$KILL_CONNS" \
            "-d${KILL_SECONDS}s after a ${KILL_WARMUP}s warm-up"
        for k in $(seq 1 "$runs"); do
            v=FAIL
            kill_verdict "$k" && v=pass
            [ $v = FAIL ] && [ "$KV_FAILED_OK$KV_WRONG_OK" = 11 ] && kill_unjudged "$k" &&
                v="gap not judged: load $(cat "$T/load-$k.txt") on $(nproc) CPUs"
            echo "- run $k ($v): $(kill_line "$k"); the machine without kills (a" \
                "${KILL_BASELINE}s baseline just before): longest gap" \
                "$(kv "$T/base-$k.out" gap_max_ms) ms, so $(kill_allowed "$k") ms allowed"
            echo "  - kills (time after start, role, pid): $(kill_kills "$k")"
            echo "  - gaps over 50 ms: $(kill_gaps "$k")"
        done
        echo "<!-- kill:$name end -->"
    } >"$sec"
    # shellcheck disable=SC2094 # under the lock: read whole, then written
    (
        flock 9
        awk -v b="<!-- kill:$name begin" -v e="<!-- kill:$name end -->" -v sec="$sec" '
            index($0, b) == 1 { skip = 1; while ((getline l < sec) > 0) print l; done = 1; next }
            skip && index($0, e) == 1 { skip = 0; next }
            skip { next }
            { print }
            END { if (!done) { print ""; while ((getline l < sec) > 0) print l } }' \
            "$f" >"$f.new.$$" && cat "$f.new.$$" >"$f"
        rm -f "$f.new.$$"
    ) 9>>"$f"
}

# ---- set-ups shared by several scripts -------------------------------------------

# kill_lighttpd_start PORT [EXTRA-LINE...]: lighttpd on 127.0.0.1:PORT with
# the shipped contrib/lighttpd/oauth2-fcgi.conf, its paths substituted as
# lib.sh's lighttpd_start does and LIGHTTPD_SED applied after them, in
# front of static pages (kill_pages), without access log or CGI.
kill_lighttpd_start() {
    local port=$1 line
    shift
    kill_pages "$T/www"
    # shellcheck disable=SC2153 # LIGHTTPD_SED: set (or not) by the calling script
    sed -e "s|^var.oauth2_fcgi_bin .*|var.oauth2_fcgi_bin = \"$OA_BIN\"|" \
        -e "s|^var.oauth2_fcgi_config .*|var.oauth2_fcgi_config = \"$E2E_CONFIG\"|" \
        -e "s|^var.oauth2_fcgi_sockets .*|var.oauth2_fcgi_sockets = \"$T\"|" \
        "${LIGHTTPD_SED[@]+"${LIGHTTPD_SED[@]}"}" \
        "$top_srcdir/contrib/lighttpd/oauth2-fcgi.conf" >"$T/oauth2-fcgi.conf"
    {
        echo "server.document-root = \"$T/www\""
        echo "server.bind          = \"127.0.0.1\""
        echo "server.port          = $port"
        echo "server.errorlog      = \"$T/lighttpd-error.log\""
        echo "server.modules       = ( \"mod_access\" )"
        for line in "$@"; do echo "$line"; done
        echo "include \"$T/oauth2-fcgi.conf\""
    } >"$T/lighttpd.conf"
    e2e_log "$T/lighttpd-error.log"
    lighttpd -tt -f "$T/lighttpd.conf" >"$T/lighttpd-test.log" 2>&1 ||
        bail "lighttpd rejects the config: $(cat "$T/lighttpd-test.log")"
    e2e_bg lighttpd lighttpd -D -f "$T/lighttpd.conf"
    # shellcheck disable=SC2034 # read by the scripts that source this file
    LIGHTTPD_PID=$E2E_LAST_PID
    wait_port "$port" 15 || bail "lighttpd did not start on 127.0.0.1:$port"
}

# kill_apache_start PORT SNIPPET "MODULE..." [EXTRA-LINE...]: Apache (lib.sh's
# apache_conf and apache_start: prefork, 127.0.0.1:PORT) with the static
# pages as DocumentRoot, enough prefork children for the 16 connections
# from the start, each EXTRA-LINE, then Include SNIPPET (a contrib file).
# Sets APACHE_PID (the parent).
kill_apache_start() {
    local port=$1 snippet=$2 mods=$3 line
    shift 3
    kill_pages "$T/www"
    # shellcheck disable=SC2086 # one word per module
    apache_conf "$T/apache2.conf" "$port" "$T/www" $mods
    {
        echo "StartServers 24"
        echo "MinSpareServers 8"
        echo "MaxSpareServers 32"
        for line in "$@"; do echo "$line"; done
        echo "Include \"$snippet\""
    } >>"$T/apache2.conf"
    apache_start "$T/apache2.conf" "$port"
    wait_file "$T/apache2.pid" 10 || bail "apache2 wrote no pid file"
    # shellcheck disable=SC2034 # read by the scripts that source this file
    APACHE_PID=$(cat "$T/apache2.pid")
}

# kill_unit_start SOCKET-ADDR [EXTRA-ARGS]: the shipped systemd units
# (contrib/systemd/oauth2-fcgi.socket and .service) run by
# tests/load/socket-unit.py as systemd would: ListenStream set to
# SOCKET-ADDR (a path, or 127.0.0.1:PORT), the program and config paths
# substituted. Sets UNIT_PID (the helper: systemd) and UNIT_MAIN (a file
# holding the service's MainPID).
kill_unit_start() {
    local addr=$1
    sed -e "s|^ListenStream=.*|ListenStream=$addr|" \
        "$top_srcdir/contrib/systemd/oauth2-fcgi.socket" >"$T/oauth2-fcgi.socket"
    sed -e "s|/usr/sbin/oauth2-fcgi|$OA_BIN|g" \
        -e "s|/etc/oauth2-fcgi/oauth.yml|$E2E_CONFIG|g" \
        "$top_srcdir/contrib/systemd/oauth2-fcgi.service" >"$T/oauth2-fcgi.service"
    UNIT_MAIN=$T/unit.mainpid
    e2e_bg socket-unit python3 "$top_srcdir/tests/load/socket-unit.py" \
        "$T/oauth2-fcgi.socket" "$T/oauth2-fcgi.service" "$UNIT_MAIN"
    # shellcheck disable=SC2034 # read by the scripts that source this file
    UNIT_PID=$E2E_LAST_PID
    wait_file "$UNIT_MAIN" 15 || bail "the socket unit did not start the service"
}

# unit_pick N: the service's processes: with workers (oauth2-fcgi -w), a
# worker (the oldest, then the newest) and at the third kill the main
# process; without, the main process each time.
unit_pick() {
    local main workers
    main=$(cat "$UNIT_MAIN" 2>/dev/null)
    # shellcheck disable=SC2046 # a list of pids, one argument each
    workers=$(oa_age_sorted $(ps -o pid= --ppid "$main" 2>/dev/null))
    if [ -z "$workers" ] || [ "$1" = 3 ]; then
        echo "$main main"
    elif [ "$1" = 2 ]; then
        echo "$(echo "$workers" | tail -n 1) worker-newest"
    else
        echo "$(echo "$workers" | head -n 1) worker-oldest"
    fi
}

# kill_nginx_start PORT SOCKET: nginx on 127.0.0.1:PORT with the shipped
# contrib/nginx/oauth2-fcgi.conf, the program's socket set to SOCKET (every
# unix:/run/oauth2-fcgi.sock), and the protected application a second
# server of the same nginx serving the static pages (APP_PORT).
kill_nginx_start() {
    local port=$1 sock=$2 aport
    aport=$(free_port) || bail "no free port"
    kill_pages "$T/www"
    sed -e "s|unix:/run/oauth2-fcgi\.sock|unix:$sock|g" \
        -e "s|server 127\.0\.0\.1:8080;|server 127.0.0.1:$aport;|" \
        -e "s|listen 127\.0\.0\.1:80;|listen 127.0.0.1:$port;|" \
        "$top_srcdir/contrib/nginx/oauth2-fcgi.conf" >"$T/oauth2-fcgi.conf"
    cp /etc/nginx/fastcgi_params "$T/fastcgi_params"
    mkdir -p "$T/temp"
    cat >"$T/nginx.conf" <<CONF
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log notice;
daemon off;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $T/temp/body;
    fastcgi_temp_path $T/temp/fastcgi;
    proxy_temp_path $T/temp/proxy;
    scgi_temp_path $T/temp/scgi;
    uwsgi_temp_path $T/temp/uwsgi;
    include $T/oauth2-fcgi.conf;
    server {
        listen 127.0.0.1:$aport;
        root $T/www;
    }
}
CONF
    e2e_log "$T/nginx-error.log"
    nginx -t -p "$T" -c "$T/nginx.conf" >"$T/nginx-test.log" 2>&1 ||
        bail "nginx rejects the config: $(cat "$T/nginx-test.log")"
    e2e_bg nginx nginx -p "$T" -c "$T/nginx.conf"
    wait_port "$port" 15 || bail "nginx did not start on 127.0.0.1:$port"
}

# sock_holders INODE: the oauth2-fcgi processes whose fd 0 is the listening
# socket INODE (a master and its workers, orphaned or not), oldest first.
sock_holders() {
    local p
    for p in $(oa_pids); do
        [ "$(readlink "/proc/$p/fd/0" 2>/dev/null)" = "socket:[$1]" ] && echo "$p"
    done
}

# master_pick MASTER-PID N: for a program run with -w: a worker (the
# oldest, then the newest - the replacement must serve at once) and at the
# third kill the master itself. With the master already gone (a second
# run), its orphaned workers (found by the socket they serve).
master_pick() {
    local workers ino
    ino=$(readlink "/proc/$1/fd/0" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
    if [ -n "$ino" ]; then
        echo "$ino" >"$T/master.sock-inode"
        # shellcheck disable=SC2046 # a list of pids, one argument each
        workers=$(oa_age_sorted $(ps -o pid= --ppid "$1" 2>/dev/null))
    else
        # shellcheck disable=SC2046 # a list of pids, one argument each
        workers=$(oa_age_sorted $(sock_holders "$(cat "$T/master.sock-inode" 2>/dev/null)"))
        [ -n "$workers" ] && [ "$2" = 3 ] && set -- "$1" 1
    fi
    if [ "$2" = 3 ] || [ -z "$workers" ]; then
        echo "$1 master"
    elif [ "$2" = 2 ]; then
        echo "$(echo "$workers" | tail -n 1) worker-newest"
    else
        echo "$(echo "$workers" | head -n 1) worker-oldest"
    fi
}

# kill_adopt_orphans: the workers of a killed master keep serving (a TCP
# socket: until SIGTERM); lib.sh's cleanup stops them at exit (it reads
# every $E2E_TMP/*.peer-pid).
kill_adopt_orphans() {
    local p
    [ -s "$T/master.sock-inode" ] || return 0
    for p in $(sock_holders "$(cat "$T/master.sock-inode")"); do
        echo "$p" >"$T/orphan-$p.peer-pid"
    done
}

# spawn_reset: what an operator does after the master was killed: stop
# what is left of the program (SIGTERM to the orphaned workers) and start
# the contrib script again - before a second run.
spawn_reset() {
    local p ino
    ino=$(cat "$T/master.sock-inode" 2>/dev/null)
    [ -n "$ino" ] && for p in $(sock_holders "$ino"); do kill -TERM "$p" 2>/dev/null; done
    [ -n "$ino" ] && for p in $(sock_holders "$ino"); do e2e_wait_gone "$p"; done
    e2e_bg spawn-fcgi-2 sh "$T/spawn-fcgi.sh"
    SPAWN_PID=$E2E_LAST_PID
    for p in $(seq 1 100); do
        [ -n "$(ps -o pid= --ppid "$SPAWN_PID")" ] && return 0
        sleep 0.1
    done
    t_diag "spawn_reset: the program did not start its workers again"
}

# kill_spawn_start ADDR-ARGS...: the shipped contrib/spawn-fcgi/oauth2-fcgi.sh
# with the program and config paths substituted, its address arguments
# (-a 127.0.0.1 -p 9000) replaced by ADDR-ARGS, and no -u/-g when the test
# is not root's to give away (spawn-fcgi refuses root only without them).
# spawn-fcgi -n execs the program: SPAWN_PID is the program (the master
# with -w).
kill_spawn_start() {
    local addr="$*"
    sed -e "s|/usr/sbin/oauth2-fcgi|$OA_BIN|g" \
        -e "s|/etc/oauth2-fcgi/oauth.yml|$E2E_CONFIG|g" \
        -e "s|-a 127\.0\.0\.1 -p 9000|$addr|" \
        -e "s| -u oauth2-fcgi -g oauth2-fcgi||" \
        "$top_srcdir/contrib/spawn-fcgi/oauth2-fcgi.sh" >"$T/spawn-fcgi.sh"
    grep -q -- "$addr" "$T/spawn-fcgi.sh" || bail "contrib/spawn-fcgi: no -a/-p to replace"
    e2e_bg spawn-fcgi sh "$T/spawn-fcgi.sh"
    SPAWN_PID=$E2E_LAST_PID
}
