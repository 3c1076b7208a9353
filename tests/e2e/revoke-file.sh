#!/usr/bin/env bash
# revoke-file.sh - session.revocation_file (DESIGN.md section 14.2) shared
# by the processes lighttpd starts itself (the authorizer with max-procs 2,
# the responder with 2): a revocation appended to the file by another
# program (a python writer taking the same flock as oauth2-fcgi's writer)
#   (a) is enforced by every process within 1 s (polled every 100 ms), and
#       each process logs that it read the new line; a different user
#       still passes;
#   (b) junk lines appended: still serving, each process logs one line
#       (not one a tick, not one a junk line), later good lines still read;
#   (c) the file replaced by rename (compaction): entries still enforced,
#       new ones read;
#   (e) spawn-fcgi -w 2: both workers read a new line within 1 s; a worker
#       restarted after a crash (forked from the master's state at start)
#       reads what the file gained since;
#   (d) a corrupt file at start: the program exits 2 naming FILE:LINE and
#       serves nothing (CGI mode, -b, --check-config).
# The keys are the ones the session cookie carries (revocation.h): until
# the cookie carries them (the session codec's v2, with mint_cookie --sid),
# the enforcement checks of (a) and (c) are skipped with that reason; the
# rest runs. 127.0.0.1 only. Prints TAP.
. "$(dirname "$0")/lib.sh"

need_tool lighttpd curl python3
need_oa
e2e_init
T=$E2E_TMP
e2e_oa_config
mkdir -m 700 "$T/rev"
REV=$T/rev/revoked
# (log_level stays debug: each process says when it read new lines)
sed -i -e "s|^  not_before: .*|&\n  revocation_file: $REV|" "$E2E_CONFIG"
t_ok "--check-config accepts session.revocation_file" \
    "$OA_BIN" --check-config -c "$E2E_CONFIG"

# The cookie carries the revocation keys once the session codec is v2
# (mint_cookie --sid comes with it); before that nothing can match.
# OA_TEST_ENFORCED=1 runs the enforcement checks anyway (a build whose
# session reader computes the keys).
ENFORCED=${OA_TEST_ENFORCED:-}
"$MINT" --help 2>&1 | grep -q -- '--sid' && ENFORCED=1
NOT_YET="the session cookie does not carry its revocation keys yet (session codec v2 / mint_cookie --sid)"

# key KIND A [B]: the revocation key, as src/gate/revocation.c makes it.
key() {
    python3 - "$@" <<'EOF'
import hashlib, sys
kind, a = sys.argv[1], sys.argv[2]
b = sys.argv[3] if len(sys.argv) > 3 else ""
if kind == "email":
    data = b"oa-rev-email\0" + a.lower().encode()
elif kind == "user":
    data = b"oa-rev-user\0" + a.encode() + b"\0" + b.encode()
else:
    data = b"oa-rev-psid\0" + a.encode() + b"\0" + b.encode()
print(hashlib.blake2b(data, digest_size=16).hexdigest())
EOF
}

# append TEXT: appends TEXT to the file as a writer does (flock on
# FILE.lock, one write, O_APPEND), creating it with its header if needed.
append() {
    python3 - "$REV" "$1" <<'EOF'
import fcntl, os, sys
path, text = sys.argv[1], sys.argv[2]
lk = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(lk, fcntl.LOCK_EX)
fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
if os.fstat(fd).st_size == 0:
    text = "oauth2-fcgi revocations 1\n" + text
os.write(fd, text.encode())
os.fsync(fd)
os.close(fd)
os.close(lk)
EOF
}

ALICE=$(mint --user alice --email alice@example.com)
BOB=$(mint --user bob --email bob@example.com)
CAROL=$(mint --user carol --email carol@example.com)
DAVE=$(mint --user dave --email dave@example.com)
# NOW after the minting: the revocations' cutoff of NOW + 1 is then after
# every cookie's iat however long the minting took (under ASan on a busy
# machine the third and fourth cookies came out more than a second after
# an earlier NOW, and were rightly not refused).
NOW=$(date +%s)
EXP=$((NOW + 3600))

PORT=$(free_port) || bail "no free port"
# the authorizer with 2 processes (the contrib file has 4)
LIGHTTPD_SED=(-e 's/"max-procs"       => 4,/"max-procs"       => 2,/')
lighttpd_start "$PORT" "$E2E_CONFIG"
LPID=$E2E_LAST_PID
LOG=$T/lighttpd.log
web() {
    curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Accept: application/json' \
        ${2:+-H "Cookie: $COOKIE_NAME=$2"} "http://127.0.0.1:$PORT$1" || echo 000
}
# statuses N COOKIE: N answers for /app/page, space-separated, sorted, unique.
statuses() {
    local i
    for i in $(seq 1 "$1"); do web /app/page "$2"; echo; done | sort -u | tr '\n' ' ' | sed 's/ $//'
}
mark() { MARK=$(wc -l <"$LOG"); }
since() { tail -n +"$((MARK + 1))" "$LOG" | grep -E "$1"; }
pids_since() { since "$1" | sed -n 's/^oauth2-fcgi\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l; }
per_pid_max() { since "$1" | sed -n 's/^oauth2-fcgi\[\([0-9]*\)\].*/\1/p' | sort | uniq -c |
    awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }'; }

for _ in $(seq 1 50); do [ "$(web /oauth/health)" = 200 ] && break; sleep 0.1; done
KIDS=$(oa_children_of "$LPID")
t_is "$(echo "$KIDS" | wc -w)" 4 "lighttpd started 4 oauth2-fcgi processes (2 authorizers, 2 responders)"
t_like "$(cat "$LOG")" "revocation file $REV does not exist yet" \
    "a missing file at start: an empty list, said in the log"
t_is "$(statuses 8 "$ALICE")" 200 "before: alice passes (8 requests)"

# ---- (a) an email revocation appended by another program ---------------------------
mark
append "$(key email Alice@Example.com) $((NOW + 1)) $EXP
"
if [ -n "$ENFORCED" ]; then
    refused=
    for _ in $(seq 1 10); do
        sleep 0.1
        [ "$(statuses 6 "$ALICE")" = 401 ] && { refused=1; break; }
    done
    t_ok "alice is refused within 1 s (polled every 100 ms)" test -n "$refused"
    t_is "$(statuses 20 "$ALICE")" 401 "by every process (20 requests, all 401)"
    t_is "$(statuses 8 "$BOB")" 200 "bob still passes"
else
    t_skip "alice refused within 1 s: $NOT_YET"
    t_skip "by every process: $NOT_YET"
    t_is "$(statuses 8 "$BOB")" 200 "bob still passes"
fi
sleep 1
t_is "$(pids_since 'revocation file .*: read (lines|whole)')" 4 \
    "all 4 processes read the new line within 1 s (log_level debug)"

# ---- (b) junk lines: still serving, one log line per process ------------------------
mark
append "this is not a revocation
"
sleep 0.6
append "neither is this
$(key user corp carol) $((NOW + 1)) $EXP
"
sleep 1
t_is "$(statuses 8 "$BOB")" 200 "junk lines appended: bob still passes"
t_is "$(pids_since 'line [0-9]+: .*skipped')" 4 "each process logged the junk"
t_is "$(per_pid_max 'skipped')" 1 "once (two junk lines, several ticks)"
t_like "$(since 'skipped' | head -1)" "line 3:" "naming the first junk line (3)"
t_is "$(pids_since 'read lines')" 4 "the good line after the junk was read by every process"
if [ -n "$ENFORCED" ]; then
    t_is "$(statuses 6 "$CAROL")" 401 "and enforced: carol (a user key) refused"
else
    t_skip "carol (a user key) refused: $NOT_YET"
fi

# ---- (c) the file replaced by rename (as compaction does) ---------------------------
mark
{
    echo "oauth2-fcgi revocations 1"
    echo "$(key email alice@example.com) $((NOW + 1)) $EXP"
} >"$REV.new"
chmod 600 "$REV.new"
mv "$REV.new" "$REV"
append "$(key email bob@example.com) $((NOW + 1)) $EXP
"
sleep 1
t_is "$(pids_since 'keeping the')" 0 "a replaced file: no process complains"
if [ -n "$ENFORCED" ]; then
    t_is "$(statuses 8 "$BOB")" 401 "bob's revocation in the new file is enforced"
    t_is "$(statuses 6 "$CAROL")" 401 "carol's (not in the new file) is kept: lists only grow"
else
    t_skip "bob refused after the swap: $NOT_YET"
    t_skip "carol still refused: $NOT_YET"
fi
t_like "$(web /oauth/health)" 200 "health: 200"

# ---- (e) spawn-fcgi -w 2: workers follow the file; a restarted one catches up -------
need_spawn() { command -v spawn-fcgi >/dev/null 2>&1; }
if need_spawn; then
    WP=$(free_port) || bail "no free port"
    e2e_bg spawnw spawn-fcgi -n -a 127.0.0.1 -p "$WP" -- "$OA_BIN" -c "$E2E_CONFIG" -w 2 -t 2
    MPID=$E2E_LAST_PID
    LOG=$T/spawnw.log
    ask() {
        local out
        out=$(timeout 10 python3 "$top_srcdir/tests/fcgi-request.py" --role authorizer --no-stdin \
            "$1" REQUEST_METHOD=GET REQUEST_URI="$2" HTTP_HOST=127.0.0.1 \
            HTTP_ACCEPT=application/json HTTP_COOKIE="$COOKIE_NAME=${3:-}" 2>/dev/null) ||
            { echo 000; return; }
        out=$(printf '%s' "$out" | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n 1)
        echo "${out:-200}"
    }
    for _ in $(seq 1 50); do [ "$(ask "127.0.0.1:$WP" /app/page "$CAROL")" != 000 ] && break; sleep 0.1; done
    for _ in $(seq 1 30); do [ "$(pgrep -P "$MPID" | wc -l)" = 2 ] && break; sleep 0.1; done
    sleep 0.5
    mark
    append "$(key email dave@example.com) $((NOW + 1)) $EXP
"
    sleep 1
    t_is "$(pids_since 'revocation file .*: read')" 2 "-w 2: both workers read the new line within 1 s"
    OLDW=$(pgrep -P "$MPID" | head -n 1)
    mark
    kill -KILL "$OLDW"
    for _ in $(seq 1 30); do
        [ "$(pgrep -P "$MPID" | wc -l)" = 2 ] && ! pgrep -P "$MPID" | grep -qx "$OLDW" && break
        sleep 0.1
    done
    sleep 1
    t_like "$(since 'revocation file .*: read lines')" "oauth2-fcgi\[[0-9]+\]" \
        "-w 2: a worker restarted after a crash reads what the file gained since the master loaded it"
    if [ -n "$ENFORCED" ]; then
        ok_all=yes
        for _ in $(seq 1 8); do [ "$(ask "127.0.0.1:$WP" /app/page "$DAVE")" = 401 ] || ok_all=no; done
        t_is "$ok_all" yes "-w 2: every worker, the restarted one too, refuses dave (8 requests)"
    else
        t_skip "-w 2: dave refused by every worker: $NOT_YET"
    fi
    kill -TERM "$MPID"
else
    t_skip "spawn-fcgi is not installed: -w 2 not tested"
fi

# ---- (d) a corrupt file at start: exit 2 with FILE:LINE -----------------------------
cp "$E2E_CONFIG" "$T/bad.yml"
sed -i "s|revocation_file: .*|revocation_file: $T/rev/bad|" "$T/bad.yml"
chmod 600 "$T/bad.yml"
printf 'oauth2-fcgi revocations 1\n%s 1 %s\nnot a line\n' "$(key email x@example.com)" "$EXP" \
    >"$T/rev/bad"
chmod 600 "$T/rev/bad"
out=$(GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET SCRIPT_NAME=/oauth PATH_INFO=/health \
    SERVER_NAME=127.0.0.1 SERVER_PORT=80 "$OA_BIN" -c "$T/bad.yml" 2>&1 </dev/null)
rc=$?
t_is "$rc" 2 "a malformed line at start: exit 2 (CGI)"
t_like "$out" "$T/rev/bad:3:1: " "naming FILE:LINE ($T/rev/bad:3)"
t_unlike "$out" "^Status: 200" "and nothing served"
out=$("$OA_BIN" --check-config -c "$T/bad.yml" 2>&1 >/dev/null)
rc=$?
t_is "$rc" 2 "--check-config reads the file as the start does: exit 2"
t_like "$out" "$T/rev/bad:3:1: " "naming FILE:LINE (an upgrade checks before its exec)"
printf 'garbage\n' >"$T/rev/bad"
out=$("$OA_BIN" -c "$T/bad.yml" -b "127.0.0.1:$(free_port)" 2>&1 </dev/null)
rc=$?
t_is "$rc" 2 "a file without its header: the server does not start (exit 2)"
t_like "$out" "$T/rev/bad:1:1: .*not a revocation file" "naming line 1"

t_done
