#!/usr/bin/env bash
# kill-lighttpd.sh - one authorizer process killed (SIGKILL) three times
# under load behind lighttpd with the shipped contrib/lighttpd/oauth2-fcgi.conf
# as is (bin-path: lighttpd starts max-procs processes, each on its own
# socket, and starts a dead one again). Criteria and figures: killlib.sh.
. "$(dirname "$0")/../e2e/lib.sh"
. "$top_srcdir/tests/load/killlib.sh"

need_tool lighttpd
kill_setup
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
kill_lighttpd_start "$PORT"

# authz_pids: lighttpd's oauth2-fcgi children whose fd 0 is one of the
# authorizer's sockets (oauth2-fcgi-authz.sock-N), oldest first.
# shellcheck disable=SC2317 # called by pick
authz_pids() {
    local p ino
    for p in $(ps -o pid= --ppid "$LIGHTTPD_PID"); do
        [ "$(readlink "/proc/$p/exe" 2>/dev/null | sed 's/ (deleted)$//')" = "$OA_REAL" ] ||
            continue
        ino=$(readlink "/proc/$p/fd/0" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
        [ -n "$ino" ] || continue
        awk -v i="$ino" '$7 == i { print $8 }' /proc/net/unix | grep -q 'authz' && echo "$p"
    done
}
# pick N: the oldest authorizer process, then the newest (the one lighttpd
# just started again: it must serve at once), then the oldest. (Called by
# kill_run; the pids split on purpose.)
# shellcheck disable=SC2317,SC2046
pick() {
    local all
    all=$(oa_age_sorted $(authz_pids))
    case $1 in
        2) echo "$(echo "$all" | tail -n 1) authorizer-newest" ;;
        *) echo "$(echo "$all" | head -n 1) authorizer-oldest" ;;
    esac
}
PROCS=$(sed -n '/"mode" *=> *"authorizer"/,/))/s/.*"max-procs" *=> *\([0-9]*\).*/\1/p' \
    "$T/oauth2-fcgi.conf")
DT=$(sed -n '/"mode" *=> *"authorizer"/,/))/s/.*"disable-time" *=> *\([0-9]*\).*/\1/p' \
    "$T/oauth2-fcgi.conf")
kill_run lighttpd "lighttpd $(lighttpd -v 2>&1 | sed -n 's|^lighttpd/\([^ ]*\).*|\1|p'), contrib/lighttpd/oauth2-fcgi.conf: bin-path, authorizer max-procs ${PROCS:-1 (default 4)}, disable-time ${DT:-1 (default)}, unix sockets." pick
t_done
