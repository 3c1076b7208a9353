#!/usr/bin/env bash
# metrics-workers.sh - the counters of -w's workers (DESIGN.md section 13):
# an anonymous MAP_SHARED block made before the fork, so the metrics
# listener (whichever worker holds it) shows the sum over the workers,
# keeps it across a worker's death and restart, and another worker takes
# the listener over when its holder dies. Also: the listener refuses a peer
# outside metrics.allow and any other path, and a metrics.dir that cannot
# be used stops the start with a clear error. 127.0.0.1 only.
. "$(dirname "$0")/lib.sh"

need_tool python3 curl ss
need_oa
e2e_init
T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
MPORT=$(free_port) || bail "no free port"
e2e_oa_config
sed -i 's/^log_level: debug/log_level: info/' "$E2E_CONFIG"
cat >>"$E2E_CONFIG" <<YAML
metrics:
  listen: 127.0.0.1:$MPORT
  allow: 127.0.0.1/32
YAML
GOOD=$(mint --user alice --email alice@example.com)

ask() { # ask COOKIE: the status of one authorizer request for /app/page
    local out
    out=$(timeout 10 python3 "$top_srcdir/tests/fcgi-request.py" --role authorizer --no-stdin \
        "127.0.0.1:$PORT" REQUEST_METHOD=GET REQUEST_URI=/app/page HTTP_HOST=127.0.0.1 \
        HTTP_ACCEPT=application/json HTTP_COOKIE="oauth2_fcgi=$1" 2>/dev/null) || { echo 000; return; }
    out=$(printf '%s' "$out" | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n 1)
    echo "${out:-200}"
}
asks() { # asks N: N allowed requests; prints how many were answered 200
    local i n=0
    for ((i = 0; i < $1; i++)); do [ "$(ask "$GOOD")" = 200 ] && n=$((n + 1)); done
    echo "$n"
}
allowed() { # the allow count of rule 2 (/app/) on the listener, or nothing
    curl -sS --max-time 5 "http://127.0.0.1:$MPORT/metrics" 2>/dev/null |
        sed -n 's/^oauth2_fcgi_decisions_total{outcome="allow",rule="2",path="\/app\/"} //p'
}
holder() { # the pid listening on the metrics port
    ss -ltnpH "sport = :$MPORT" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1
}
wait_holder() { # wait_holder NOT-PID: until another process holds the port (~6 s)
    local i p
    for i in $(seq 60); do
        p=$(holder)
        [ -n "$p" ] && [ "$p" != "$1" ] && { echo "$p"; return 0; }
        sleep 0.1
    done
    return 1
}

e2e_bg oa "$OA_BIN" -c "$E2E_CONFIG" -w 3 -t 2 -b "127.0.0.1:$PORT"
MASTER=$E2E_LAST_PID
wait_port "$PORT" 15 || bail "oauth2-fcgi did not start on 127.0.0.1:$PORT"
wait_port "$MPORT" 15 || bail "no metrics listener on 127.0.0.1:$MPORT"

t_is "$(asks 30)" 30 "30 allowed requests over 3 workers"
t_is "$(allowed)" 30 "the listener shows the workers' sum: 30"

h=$(holder)
t_ok "a worker (not the master) holds the listener" test -n "$h" -a "$h" != "$MASTER"
kill -KILL "$h"
h2=$(wait_holder "$h")
t_ok "another worker takes the listener over after its holder dies" test -n "$h2"
t_is "$(allowed)" 30 "the counts survive the death of a worker"
t_is "$(asks 10)" 10 "10 more once the master restarted the worker"
t_is "$(allowed)" 40 "the restarted worker counts into the same block: 40"

code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")
t_is "$code" 404 "the listener answers only /metrics"
code=$(curl -sS -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "http://127.0.0.1:$MPORT/metrics")
t_is "$code" 403 "the listener refuses a peer outside metrics.allow (127.0.0.2)"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$MPORT/metrics")
t_is "$code" 404 "and any method but GET and HEAD"

sed "s|^  allow: .*|  dir: $T/no-such-dir|" "$E2E_CONFIG" >"$T/bad.yml"
rc=0
timeout 10 "$OA_BIN" -c "$T/bad.yml" -b "127.0.0.1:$(free_port)" >"$T/bad.out" 2>&1 || rc=$?
t_is "$rc" 2 "a metrics.dir that does not exist: exit 2"
t_like "$(cat "$T/bad.out")" "metrics.dir: cannot use $T/no-such-dir/oauth2-fcgi.metrics" \
    "the error names the file"

t_done
