#!/usr/bin/env bash
# metrics-prometheus.sh - the metrics as an operator uses them (DESIGN.md
# section 10): oauth2-fcgi behind a real lighttpd (the shipped contrib file:
# 4 authorizer and 2 responder processes, each started by lighttpd on its
# own), all counting into metrics.dir's shared file; a real Prometheus
# (Debian's package, started here on 127.0.0.1 with a scrape config of its
# own, never the packaged service) scrapes both the metrics listener and
# <base_path>/metrics every second while a bounded load runs; its query
# API must then return the series with at least the counts sent. A client
# outside metrics.allow (source address 127.0.0.2) gets 403.
. "$(dirname "$0")/lib.sh"

PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
need_tool lighttpd curl jq
[ -x "$PROMETHEUS" ] || skip_all "$PROMETHEUS is missing (Debian package prometheus)"
need_oa
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
MPORT=$(free_port) || bail "no free port"
PPORT=$(free_port) || bail "no free port"
e2e_oa_config
mkdir -p "$T/metrics"
cat >>"$E2E_CONFIG" <<YAML
metrics:
  listen: 127.0.0.1:$MPORT
  allow: [127.0.0.1/32, "::1"]
  dir: $T/metrics
YAML
"$OA_BIN" --check-config -c "$E2E_CONFIG" >/dev/null 2>"$T/check.err" ||
    bail "the metrics config is refused: $(cat "$T/check.err")"

lighttpd_start "$PORT" "$E2E_CONFIG"
BASE=http://127.0.0.1:$PORT
wait_port "$MPORT" 15 || bail "no metrics listener on 127.0.0.1:$MPORT"

http_req "http://127.0.0.1:$MPORT/metrics"
t_is "$HTTP_STATUS" 200 "the metrics listener answers"
t_like "$(http_header Content-Type)" 'text/plain; version=0\.0\.4' "with the 0.0.4 content type"
http_req "$BASE/oauth/metrics"
t_is "$HTTP_STATUS" 200 "<base_path>/metrics answers a client in metrics.allow"
t_like "$HTTP_BODY" '# TYPE oauth2_fcgi_decisions_total counter' "the exposition text"
http_req "$BASE/oauth/metrics" --interface 127.0.0.2
t_is "$HTTP_STATUS" 403 "<base_path>/metrics refuses a client outside metrics.allow (127.0.0.2)"
t_unlike "$HTTP_BODY" 'decisions_total' "and shows no numbers"

cat >"$T/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: oa-listen
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
  - job_name: oa-web
    metrics_path: /oauth/metrics
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YAML
e2e_bg prometheus "$PROMETHEUS" --config.file="$T/prometheus.yml" \
    --storage.tsdb.path="$T/prometheus-data" --web.listen-address="127.0.0.1:$PPORT"
wait_port "$PPORT" 30 || bail "prometheus did not start on 127.0.0.1:$PPORT"

# The load: one curl per kind (keep-alive), a fixed number of requests each.
ALLOW=300 FORBID=40 SIGNIN=30
c=$(mint --user alice --email alice@example.com)
load() { # N URL CURL-ARGS...: N requests; prints how many got each status
    local n=$1 url=$2 i f
    shift 2
    f=$(mktemp "$T/urls.XXXXXX")
    for ((i = 0; i < n; i++)); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url"; done >"$f"
    curl -sS --max-time 60 -w '%{http_code}\n' "$@" -K "$f" | sort | uniq -c
}
# the allowed ones from 4 clients at once, so that lighttpd spreads them
# over its authorizer processes
pids=()
for k in 1 2 3 4; do
    load $((ALLOW / 4)) "$BASE/app/page?k=$k" -H "Cookie: $COOKIE_NAME=$c" >"$T/load.$k" &
    pids+=($!)
done
wait "${pids[@]}" # not lighttpd and prometheus, also children of this shell
got=$(cat "$T"/load.? | awk '{ n[$2] += $1 } END { for (s in n) print n[s], s }')
t_is "$got" "$ALLOW 200" "$ALLOW allowed requests through the authorizer (4 clients at once)"
got=$(load $FORBID "$BASE/app/admin/x" -H "Cookie: $COOKIE_NAME=$c")
t_like "$got" "^ *$FORBID 403\$" "$FORBID refused by the /app/admin/ rule"
got=$(load $SIGNIN "$BASE/app/page" -H 'Accept: text/html')
t_like "$got" "^ *$SIGNIN 302\$" "$SIGNIN sent to sign in"

# query EXPR: the value of a one-series instant query ("" when none).
query() {
    curl -sS --max-time 5 -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
        jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
# wait_value EXPR MIN: polls until the value is >= MIN (20 s); prints it.
wait_value() {
    local v i
    for ((i = 0; i < 80; i++)); do
        v=$(query "$1")
        if [ -n "$v" ] && awk -v v="$v" -v m="$2" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
            break
        fi
        sleep 0.25
    done
    printf '%s' "$v"
}
# shellcheck disable=SC2317 # called through t_ok
ge() { awk -v v="$1" -v m="$2" 'BEGIN { exit !(v != "" && v + 0 >= m + 0) }'; }

for job in oa-listen oa-web; do
    v=$(wait_value "sum(oauth2_fcgi_decisions_total{job=\"$job\",outcome=\"allow\",rule=\"2\",path=\"/app/\"})" $ALLOW)
    t_ok "$job: allow under rule 2 (/app/) >= $ALLOW, summed over the processes (got ${v:-nothing})" ge "$v" $ALLOW
    v=$(wait_value "sum(oauth2_fcgi_decisions_total{job=\"$job\",outcome=\"forbidden\",rule=\"1\"})" $FORBID)
    t_ok "$job: forbidden under rule 1 (/app/admin/) >= $FORBID (got ${v:-nothing})" ge "$v" $FORBID
    v=$(wait_value "sum(oauth2_fcgi_decisions_total{job=\"$job\",outcome=\"sign_in\"})" $SIGNIN)
    t_ok "$job: sign_in >= $SIGNIN (got ${v:-nothing})" ge "$v" $SIGNIN
done
v=$(query 'sum(oauth2_fcgi_decisions_total{job="oa-web",outcome="allow"}) - sum(oauth2_fcgi_decisions_total{job="oa-listen",outcome="allow"})')
# shellcheck disable=SC2317 # called through t_ok
near0() { awk -v v="$1" 'BEGIN { exit !(v != "" && v + 0 > -1 && v + 0 < 1) }'; }
t_ok "the listener and <base_path>/metrics show the same shared counters (difference ${v:-none})" \
    near0 "$v"
v=$(query 'oauth2_fcgi_build_info{job="oa-web"}')
t_is "$v" 1 "oauth2_fcgi_build_info is 1"
v=$(curl -sS -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode 'query=oauth2_fcgi_build_info{job="oa-web"}' | jq -r '.data.result[0].metric.version')
t_is "$v" "$("$OA_BIN" --version | awk '{print $2}')" "with the program's version as a label"
v=$(query 'min(process_start_time_seconds{job="oa-listen"})')
t_ok "process_start_time_seconds is a time (got ${v:-nothing})" ge "$v" 1700000000
v=$(query 'count(oauth2_fcgi_provider_call_duration_seconds_bucket{job="oa-web",provider="corp",call="token"})')
t_is "$v" 12 "the provider call histogram has its 12 buckets"
v=$(query 'count(oauth2_fcgi_signins_total{job="oa-web",provider="other"})')
t_ok "sign-in series by provider and cause (got ${v:-nothing})" ge "$v" 2
v=$(query 'count(up{job=~"oa-.*"} == 1)')
t_is "$v" 2 "both scrape targets up"

t_done
