#!/usr/bin/env bash
# kill-fcgid.sh - an authorizer process killed (SIGKILL) three times under
# load behind Apache with mod_fcgid and the shipped
# contrib/apache/oauth2-fcgi-fcgid.conf as is (its pool settings; paths
# substituted as lib.sh's apache_fcgid_start does), in front of static
# pages. Criteria and figures: killlib.sh. The warm-up is longer: mod_fcgid
# starts its processes on demand.
. "$(dirname "$0")/../e2e/lib.sh"
. "$top_srcdir/tests/load/killlib.sh"

need_tool apache2
need_apache_mods fcgid alias headers setenvif authn_core authz_core
KILL_WARMUP=${KILL_WARMUP_FCGID:-5}
kill_setup
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
mkdir -p "$T/fcgid"
chown "$(apache_user):$(apache_group)" "$E2E_KEY" "$T/fcgid"
sed -e "s|^Define OAUTH2_FCGI_DIR .*|Define OAUTH2_FCGI_DIR $(dirname "$OA_BIN")|" \
    -e "s|^Define OAUTH2_FCGI_BIN .*|Define OAUTH2_FCGI_BIN $OA_BIN|" \
    -e "s|^Define OAUTH2_FCGI_CONFIG .*|Define OAUTH2_FCGI_CONFIG $E2E_CONFIG|" \
    "$top_srcdir/contrib/apache/oauth2-fcgi-fcgid.conf" >"$T/oauth2-fcgi-fcgid.conf"
kill_apache_start "$PORT" "$T/oauth2-fcgi-fcgid.conf" "authn_core authz_core fcgid alias headers setenvif" \
    "FcgidIPCDir \"$T/fcgid\"" "FcgidProcessTableFile \"$T/fcgid/shm\""

# pick N: mod_fcgid's oauth2-fcgi processes (under Apache): the oldest, the
# newest, the oldest. (Called by kill_run; the pids split on purpose.)
# shellcheck disable=SC2317,SC2046
pick() {
    local all
    all=$(oa_age_sorted $(oa_pids_under "$APACHE_PID"))
    case $1 in
        2) echo "$(echo "$all" | tail -n 1) pool-newest" ;;
        *) echo "$(echo "$all" | head -n 1) pool-oldest" ;;
    esac
}
setting() { sed -n "s/^$1 \([0-9]*\).*/\1/p" "$T/oauth2-fcgi-fcgid.conf"; }
kill_run fcgid "Apache $(apache2 -v | sed -n 's|^Server version: Apache/\([^ ]*\).*|\1|p') prefork, mod_fcgid, contrib/apache/oauth2-fcgi-fcgid.conf: FcgidAccessChecker, FcgidMaxProcessesPerClass $(setting FcgidMaxProcessesPerClass), FcgidMinProcessesPerClass $(setting FcgidMinProcessesPerClass), FcgidSpawnScoreUpLimit $(setting FcgidSpawnScoreUpLimit)." pick
t_done
