# gatelib.sh - shared helpers of the "the gate stays up" tests,
# sourced after lib.sh: a minimal nginx in front of oauth2-fcgi, the load
# generator tests/load/gateload.py run in the background, reading its
# figures, and writing them into tests/load/RESULTS.md. 127.0.0.1 only.

# shellcheck disable=SC2154 # top_srcdir: from lib.sh, sourced first
GATELOAD=$top_srcdir/tests/load/gateload.py

# gate_nginx_start PORT SERVER...: nginx on 127.0.0.1:PORT whose /check asks
# oauth2-fcgi's /oauth/auth (200 with a session, 401 without) through an
# upstream of the SERVERs ("unix:/path" or "127.0.0.1:port"), keep-alive to
# the client, one FastCGI connection per request.
gate_nginx_start() {
    local port=$1 s servers=
    shift
    for s in "$@"; do servers+="        server $s;"$'\n'; done
    mkdir -p "$E2E_TMP/ngx/temp"
    cp /etc/nginx/fastcgi_params "$E2E_TMP/ngx/fastcgi_params"
    cat >"$E2E_TMP/ngx/nginx.conf" <<CONF
$([ "$(id -u)" = 0 ] && echo 'user root;')
worker_processes 1;
pid $E2E_TMP/ngx/nginx.pid;
error_log $E2E_TMP/ngx/error.log warn;
daemon off;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $E2E_TMP/ngx/temp/body;
    fastcgi_temp_path $E2E_TMP/ngx/temp/fastcgi;
    proxy_temp_path $E2E_TMP/ngx/temp/proxy;
    scgi_temp_path $E2E_TMP/ngx/temp/scgi;
    uwsgi_temp_path $E2E_TMP/ngx/temp/uwsgi;
    upstream oauth2_fcgi {
$servers    }
    server {
        listen 127.0.0.1:$port;
        keepalive_requests 100000;
        location = /check {
            fastcgi_pass oauth2_fcgi;
            fastcgi_param SCRIPT_NAME /oauth;
            fastcgi_param PATH_INFO /auth;
            fastcgi_param REQUEST_URI /app/page;
            include $E2E_TMP/ngx/fastcgi_params;
        }
    }
}
CONF
    e2e_log "$E2E_TMP/ngx/error.log"
    nginx -t -p "$E2E_TMP/ngx" -c "$E2E_TMP/ngx/nginx.conf" >"$E2E_TMP/ngx/test.log" 2>&1 ||
        bail "nginx rejects the config: $(cat "$E2E_TMP/ngx/test.log")"
    e2e_bg nginx nginx -p "$E2E_TMP/ngx" -c "$E2E_TMP/ngx/nginx.conf"
    wait_port "$port" 15 || bail "nginx did not start on 127.0.0.1:$port"
}

# gate_load NAME ARGS...: gateload.py in the background (ARGS: --url or
# --fcgi, --good, --bad, --seconds ...), its JSON in $E2E_TMP/NAME.json;
# returns once the first answer is in. GATE_LOAD_PID is its pid.
gate_load() {
    local name=$1
    shift
    rm -f "$E2E_TMP/$name.ready"
    python3 "$GATELOAD" --ready-file "$E2E_TMP/$name.ready" "$@" \
        >"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err" &
    GATE_LOAD_PID=$!
    E2E_PIDS+=("$GATE_LOAD_PID")
    e2e_log "$E2E_TMP/$name.err"
    wait_file "$E2E_TMP/$name.ready" 20 || bail "the load generator did not start"
}

# gate_json NAME KEY: a figure of the load run NAME (after it ended).
# (sed, not python: starting an interpreter per figure is slow on a busy
# machine; the JSON is one line of sorted keys with plain numbers.)
gate_json() {
    sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" "$E2E_TMP/$1.json" 2>/dev/null
}

# gate_load_checks NAME WHAT MAX_FAILED_PERMILLE MAX_GAP_MS: the TAP checks
# of a finished load run: wrongly passed 0, refused valid 0, failed at most
# MAX_FAILED_PERMILLE per mille of the answers, longest gap at most MAX_GAP_MS.
# Sets GATE_LINE, the run's figures as one line for RESULTS.md.
gate_load_checks() {
    local name=$1 what=$2 maxpm=$3 maxgap=$4 total failed wrong refused gap
    total=$(gate_json "$name" total)
    failed=$(gate_json "$name" failed)
    wrong=$(gate_json "$name" wrongly_passed)
    refused=$(gate_json "$name" refused_valid)
    gap=$(gate_json "$name" longest_gap_ms)
    # shellcheck disable=SC2034 # read by the scripts that source this file
    GATE_LINE="| $what | ${failed:-?}/${total:-?} | ${gap:-?} ms | ${refused:-?} | ${wrong:-?} |"
    t_diag "$what: $(head -c 900 "$E2E_TMP/$name.json" 2>/dev/null)"
    if [ -z "$total" ] || [ "$total" -lt 50 ]; then
        t_fail "$what: the load generator got answers (got ${total:-none})"
        return
    fi
    t_is "$wrong" 0 "$what: no bad cookie let in (wrongly passed = 0 of $total)"
    t_is "$refused" 0 "$what: no valid session refused"
    if [ $((failed * 1000)) -le $((total * maxpm)) ]; then
        t_pass "$what: failed $failed of $total (at most $maxpm per mille)"
    else
        t_fail "$what: failed $failed of $total (at most $maxpm per mille)"
    fi
    if [ "$gap" -le "$maxgap" ]; then
        t_pass "$what: longest gap without an answer $gap ms (at most $maxgap ms)"
    else
        t_fail "$what: longest gap without an answer $gap ms (at most $maxgap ms)"
    fi
}

# gate_results SECTION FILE: replaces (or appends) the section between
# "<!-- BEGIN SECTION -->" and "<!-- END SECTION -->" in
# tests/load/RESULTS.md with FILE's text. Skipped when the source tree is
# read-only (make distcheck) or GATE_RESULTS=0.
gate_results() {
    local results=$top_srcdir/tests/load/RESULTS.md
    [ "${GATE_RESULTS:-1}" = 0 ] && return 0
    [ -w "$results" ] || return 0
    python3 - "$results" "$1" "$2" <<'PY' || true
import sys
path, name, body = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().rstrip("\n")
text = open(path).read()
begin, end = "<!-- BEGIN %s -->" % name, "<!-- END %s -->" % name
block = "%s\n%s\n%s" % (begin, body, end)
if begin in text and end in text:
    a, rest = text.split(begin, 1)
    text = a + block + rest.split(end, 1)[1]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path + ".tmp", "w").write(text)
import os
os.replace(path + ".tmp", path)
PY
}

# gate_workers MASTER_PID: the pids of the master's worker processes.
gate_workers() {
    pgrep -P "$1" 2>/dev/null | sort -n | tr '\n' ' '
}
