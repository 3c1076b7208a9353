# apachelib.sh - Apache laid out as Debian lays it out, for the e2e tests
# of the shipped Apache configs behind a reverse proxy (sourced after
# lib.sh, never run).
#
# The tree ($E2E_TMP/apache2) is what /etc/apache2 is on Debian: an
# apache2.conf with Debian's directives that includes mods-enabled/*.load
# and *.conf, ports.conf, conf-enabled/*.conf and sites-enabled/*.conf;
# mods-available copied from the package (/etc/apache2/mods-available);
# modules, conf files and the site enabled by Debian's own a2enmod,
# a2enconf and a2ensite (APACHE_CONFDIR and APACHE_STATE_DIRECTORY point
# them at the tree, so nothing outside it changes), Debian's default
# conf-enabled files (security, serve-cgi-bin...) included. The APACHE_*
# variables of Debian's envvars are exported, as apache2ctl does, with
# every path in $E2E_TMP. Debian's default modules are enabled first (mpm_event, so CGI
# is mod_cgid), then the ones the shipped file's Install section names.
#
# The site (sites-available/000-default.conf, a <VirtualHost>): static
# files under /app/static/ (DocumentRoot), the CGI echo program
# (tests/e2e/backend) as /app/cgi/echo, everything else under /app/
# ProxyPass'ed to a real HTTP backend (tests/e2e/echo-backend.py) that logs
# every request it receives, /public/ (not protected) to the same backend,
# and mod_rewrite's
#     RewriteRule "^/dash/(.*)" "/app/admin/$1" [PT]
# in the virtual host (server context).

APACHE_DEBIAN_MODS_DEFAULT="mpm_event access_compat alias auth_basic authn_core authn_file
authz_core authz_host authz_user autoindex deflate dir env filter mime negotiation reqtimeout
setenvif status"
APACHE_DEBIAN_CONF_DEFAULT="charset localized-error-pages other-vhosts-access-log security
serve-cgi-bin"

# need_debian_apache: skips the script unless Debian's Apache tools are here.
need_debian_apache() {
    need_tool apache2 a2enmod a2enconf a2ensite python3 curl setsid
    [ -d /etc/apache2/mods-available ] || skip_all "/etc/apache2/mods-available is missing"
}

# apache_debian_env: Debian's envvars, every path in $E2E_TMP, exported
# (apache2 and a2enmod read them from the environment).
apache_debian_env() {
    export APACHE_CONFDIR=$E2E_TMP/apache2
    export APACHE_STATE_DIRECTORY=$E2E_TMP/apache2-state
    export APACHE_RUN_USER APACHE_RUN_GROUP
    APACHE_RUN_USER=$(apache_user)
    APACHE_RUN_GROUP=$(apache_group)
    export APACHE_PID_FILE=$E2E_TMP/apache2.pid
    export APACHE_RUN_DIR=$E2E_TMP/apache2-run
    export APACHE_LOCK_DIR=$E2E_TMP/apache2-lock
    export APACHE_LOG_DIR=$E2E_TMP/apache2-log
    export LANG=C
    mkdir -p "$APACHE_CONFDIR" "$APACHE_STATE_DIRECTORY" "$APACHE_RUN_DIR/socks" \
        "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
    # mod_cgid's socket directory is written by the children
    if [ "$(id -u)" = 0 ]; then chown "$APACHE_RUN_USER" "$APACHE_RUN_DIR/socks"; fi
}

# apache_debian_tree PORT MODULE...: the tree, with Debian's default modules
# and MODULE... enabled by a2enmod. Listens on 127.0.0.1:PORT only.
apache_debian_tree() {
    local port=$1 d m
    shift
    apache_debian_env
    d=$APACHE_CONFDIR
    mkdir -p "$d/mods-enabled" "$d/conf-available" "$d/conf-enabled" \
        "$d/sites-available" "$d/sites-enabled"
    cp -R /etc/apache2/mods-available "$d/"
    cat >"$d/envvars" <<EOF
# written by tests/e2e/apachelib.sh: Debian's envvars, paths in the test's tree
export APACHE_RUN_USER=$APACHE_RUN_USER
export APACHE_RUN_GROUP=$APACHE_RUN_GROUP
export APACHE_PID_FILE=$APACHE_PID_FILE
export APACHE_RUN_DIR=$APACHE_RUN_DIR
export APACHE_LOCK_DIR=$APACHE_LOCK_DIR
export APACHE_LOG_DIR=$APACHE_LOG_DIR
export LANG=C
EOF
    # Debian's apache2.conf (comments left out); ServerRoot is what
    # apache2ctl's -d would give.
    cat >"$d/apache2.conf" <<EOF
ServerRoot "$d"
DefaultRuntimeDir \${APACHE_RUN_DIR}
PidFile \${APACHE_PID_FILE}
Timeout 300
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
User \${APACHE_RUN_USER}
Group \${APACHE_RUN_GROUP}
HostnameLookups Off
ErrorLog \${APACHE_LOG_DIR}/error.log
LogLevel warn
IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
Include ports.conf
<Directory />
	Options FollowSymLinks
	AllowOverride None
	Require all denied
</Directory>
<Directory /usr/share>
	AllowOverride None
	Require all granted
</Directory>
<Directory /var/www/>
	Options Indexes FollowSymLinks
	AllowOverride None
	Require all granted
</Directory>
AccessFileName .htaccess
<FilesMatch "^\.ht">
	Require all denied
</FilesMatch>
LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" vhost_combined
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
LogFormat "%h %l %u %t \"%r\" %>s %O" common
LogFormat "%{Referer}i -> %U" referer
LogFormat "%{User-agent}i" agent
IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
EOF
    echo "Listen 127.0.0.1:$port" >"$d/ports.conf"
    e2e_log "$APACHE_LOG_DIR/error.log"
    # shellcheck disable=SC2086 # one word per module
    for m in $APACHE_DEBIAN_MODS_DEFAULT "$@"; do
        a2enmod -q "$m" >>"$E2E_TMP/a2enmod.log" 2>&1 ||
            bail "a2enmod $m failed: $(cat "$E2E_TMP/a2enmod.log")"
    done
    # Debian's own conf-available files, with its default ones enabled
    for m in $APACHE_DEBIAN_CONF_DEFAULT; do
        [ -f "/etc/apache2/conf-available/$m.conf" ] || continue
        cp "/etc/apache2/conf-available/$m.conf" "$d/conf-available/"
        a2enconf -q "$m" >>"$E2E_TMP/a2enconf.log" 2>&1 ||
            bail "a2enconf $m failed: $(cat "$E2E_TMP/a2enconf.log")"
    done
}

# apache_debian_enconf FILE: FILE copied to conf-available and enabled by
# a2enconf, as the shipped files' Install sections say.
apache_debian_enconf() {
    local name
    name=$(basename "$1" .conf)
    cp "$1" "$APACHE_CONFDIR/conf-available/$name.conf"
    a2enconf -q "$name" >>"$E2E_TMP/a2enconf.log" 2>&1 ||
        bail "a2enconf $name failed: $(cat "$E2E_TMP/a2enconf.log")"
}

# apache_debian_site PORT BACKEND_PORT [EXTRA-LINE...]: the site described
# at the top, as sites-available/000-default.conf, enabled by a2ensite.
# Each EXTRA-LINE goes into the virtual host.
apache_debian_site() {
    local port=$1 bport=$2 www=$E2E_TMP/www cgi=$E2E_TMP/cgi-bin line
    shift 2
    mkdir -p "$www/app/static" "$cgi"
    echo "static file under /app" >"$www/app/static/index.html"
    # shellcheck disable=SC2154 # top_srcdir: from lib.sh, sourced first
    cp "$top_srcdir/tests/e2e/backend" "$cgi/echo"
    chmod 755 "$cgi/echo"
    {
        echo "<VirtualHost 127.0.0.1:$port>"
        echo "    ServerName 127.0.0.1"
        echo "    DocumentRoot $www"
        echo "    <Directory $www>"
        echo "        Require all granted"
        echo "    </Directory>"
        echo "    ErrorLog \${APACHE_LOG_DIR}/error.log"
        echo "    CustomLog \${APACHE_LOG_DIR}/access.log \"%h %l %u %t \\\"%r\\\" %>s %b\""
        echo "    ScriptAlias /app/cgi/ $cgi/"
        echo "    <Directory $cgi>"
        echo "        Require all granted"
        echo "    </Directory>"
        echo "    ProxyPass /app/cgi/ !"
        echo "    ProxyPass /app/static/ !"
        echo "    ProxyPass /app/ http://127.0.0.1:$bport/app/"
        echo "    ProxyPass /public/ http://127.0.0.1:$bport/public/"
        echo "    RewriteEngine On"
        echo "    RewriteRule \"^/dash/(.*)\" \"/app/admin/\$1\" [PT]"
        for line in "$@"; do echo "    $line"; done
        echo "</VirtualHost>"
    } >"$APACHE_CONFDIR/sites-available/000-default.conf"
    a2ensite -q 000-default >>"$E2E_TMP/a2ensite.log" 2>&1 ||
        bail "a2ensite failed: $(cat "$E2E_TMP/a2ensite.log")"
}

# apache_debian_start PORT: lib.sh's apache_start on the tree's apache2.conf.
apache_debian_start() {
    apache_start "$APACHE_CONFDIR/apache2.conf" "$1"
}

# proxy_backend_start PORT: the proxied application (echo-backend.py) on
# 127.0.0.1:PORT; every request it receives is a line of $BACKEND_LOG.
proxy_backend_start() {
    BACKEND_LOG=$E2E_TMP/backend-requests.log
    : >"$BACKEND_LOG"
    e2e_bg echo-backend python3 "$top_srcdir/tests/e2e/echo-backend.py" "$1" "$BACKEND_LOG"
    wait_port "$1" 15 || bail "the echo backend did not start on 127.0.0.1:$1"
}

# backend_requests: how many requests the backend has received.
backend_requests() {
    wc -l <"$BACKEND_LOG" | tr -d ' '
}

# backend_last_headers: the headers of the last request the backend
# received, one "Name: value" a line, in the order received.
backend_last_headers() {
    tail -n 1 "$BACKEND_LOG" | python3 -c '
import json, sys
for line in sys.stdin:
    for k, v in json.loads(line)["headers"]:
        print("%s: %s" % (k, v))'
}

# backend_paths: the path of every request the backend received, a line each.
backend_paths() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["path"])' "$BACKEND_LOG"
}

# header_values NAME: the values of every header NAME (any case) in the
# "Name: value" lines on stdin, one a line.
header_values() {
    awk -v n="$1" 'BEGIN { n = tolower(n) ":" }
        tolower(substr($0, 1, length(n))) == n { sub(/^[^:]*:[ \t]*/, ""); print }'
}

# ---- identity headers a client may forge ------------------------------------

# The identity headers apps built for oauth2-proxy, vouch, Authelia and
# Grafana's auth.proxy trust.
IDENTITY_FAMILY="X-Forwarded-User X-Forwarded-Email X-Forwarded-Groups
X-Forwarded-Preferred-Username X-Forwarded-Access-Token X-Auth-Request-User
X-Auth-Request-Email X-Auth-Request-Groups X-Auth-Request-Preferred-Username
X-Auth-Request-Access-Token X-Auth-Request-Roles X-Auth-Request-Workspaces
X-Auth-Request-Jwt Remote-User Remote-Groups Remote-Email Remote-Name
X-Remote-User X-WEBAUTH-USER"

# spellings NAME: NAME with '-' or '_' at each separator, every combination
# (backends that fold '_' into '-' read them all as one header).
spellings() {
    local name=$1 out=("") i c w next
    for ((i = 0; i < ${#name}; i++)); do
        c=${name:i:1}
        next=()
        for w in "${out[@]}"; do
            if [ "$c" = - ]; then next+=("$w-" "${w}_"); else next+=("$w$c"); fi
        done
        out=("${next[@]}")
    done
    printf '%s\n' "${out[@]}"
}

# all_forged_names: every spelling of every family name, plus lower-case
# copies of the plain ones.
all_forged_names() {
    local n
    for n in $IDENTITY_FAMILY; do spellings "$n"; done
    for n in $IDENTITY_FAMILY; do printf '%s\n' "$n" | tr '[:upper:]' '[:lower:]'; done
}

# forged_header_args FIRST COUNT: curl -H arguments (one a line) for COUNT
# forged names from number FIRST on, each "Name: mallory-forged-N".
forged_header_args() {
    all_forged_names | awk -v f="$1" -v c="$2" \
        'NR > f && NR <= f + c { printf "-H\n%s: mallory-forged-%d\n", $0, NR }'
}

# ---- the checks both Apache modules run --------------------------------------

# one_copy WHAT KIND: the last answer has exactly one Cache-Control
# (no-store), one Content-Security-Policy with one policy in it, and, for
# KIND html, exactly one X-Frame-Options: DENY (a JSON answer has none or
# one: its CSP's frame-ancestors covers framing). Merged copies ("DENY,
# DENY", which browsers ignore) count as two.
one_copy() {
    local what=$1 kind=$2 h
    h=$(printf '%s\n' "$HTTP_HEADERS" | header_values Cache-Control)
    t_is "$h" no-store "$what: exactly one Cache-Control: no-store"
    h=$(printf '%s\n' "$HTTP_HEADERS" | header_values Content-Security-Policy)
    t_is "$(printf '%s\n' "$h" | grep -c .):$(printf '%s' "$h" | grep -o "default-src" | wc -l | tr -d ' ')" \
        1:1 "$what: exactly one Content-Security-Policy, one policy in it"
    h=$(printf '%s\n' "$HTTP_HEADERS" | header_values X-Frame-Options)
    if [ "$kind" = html ]; then
        t_is "$h" DENY "$what: exactly one X-Frame-Options: DENY"
    else
        t_in "${h:-none}" "none DENY" "$what: at most one X-Frame-Options: DENY"
    fi
}

# forged_request URL FIRST COUNT [CURL-ARGS...]: http_req with COUNT forged
# identity headers (Apache takes 100 header lines at most: batches).
forged_request() {
    local url=$1 first=$2 count=$3 args=()
    shift 3
    mapfile -t args < <(forged_header_args "$first" "$count")
    http_req "$url" "${args[@]}" "$@"
}

# gate_checks BASE: what both Apache modules must hold with the site of
# apache_debian_site (backend behind ProxyPass /app/, CGI /app/cgi/echo,
# static /app/static/, /dash/ rewritten to /app/admin/) and the shared
# e2e config (/app/admin/ for admin@example.com, /app/ for example.com).
gate_checks() {
    local base=$1 c v n i total seen
    total=$(all_forged_names | wc -l)

    # ---- no session: the backend sees nothing at all
    http_req "$base/app/page?x=1" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "no session, page load behind ProxyPass: 302"
    t_like "$(http_header Location)" '^(http://[^/]*)?/oauth/' "no session: Location is the sign-in"
    one_copy "no session, page load (the sign-in answer)" html
    http_req "$base/app/api" -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 401 "no session, API call behind ProxyPass: 401"
    one_copy "no session, API call (401)" json
    http_req "$base/app/api" -X POST -H 'Accept: application/json' -d 'a=1'
    t_is "$HTTP_STATUS" 401 "no session, API POST: 401"
    http_req "$base/app/cgi/echo" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "no session, CGI under /app: 302"
    t_unlike "$HTTP_BODY" 'backend: ok' "no session: the CGI did not run"
    http_req "$base/app/static/index.html" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "no session, static file under /app: 302"
    t_unlike "$HTTP_BODY" 'static file under /app' "no session: the static file was not served"
    http_req "$base/dash/x" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "no session, /dash/x (rewritten into /app/admin/): 302"
    for ((i = 0; i < total; i += 50)); do
        forged_request "$base/app/page" "$i" 50 -H 'Accept: text/html'
        t_is "$HTTP_STATUS" 302 "no session + forged identity headers $((i + 1))-$((i + 50)): 302"
    done
    for v in /%61pp/page //app/page /app/./page /x/../app/page /app/%70age; do
        http_req "$base$v" --path-as-is -H 'Accept: text/html'
        t_in "$HTTP_STATUS" "302 400 403 404" "no session, $v: refused (got $HTTP_STATUS)"
    done
    for v in OPTIONS PUT DELETE PATCH; do
        http_req "$base/app/api" -X "$v" -H 'Accept: application/json'
        t_in "$HTTP_STATUS" "401 403 405" "no session, $v /app/api: refused (got $HTTP_STATUS)"
    done
    t_is "$(backend_requests)" 0 "without a session the backend received no request at all"

    # ---- a valid session: the right identity, nothing forged, no (null)
    c=$(mint --user alice --email alice@example.com --name 'Alice Example' --groups 'ops,dev' \
        --roles admin,annotator)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "valid session, page behind ProxyPass: 200"
    t_is "$(backend_requests)" 1 "valid session: the backend received the request"
    t_unlike "$HTTP_HEADERS" '^Variable-' "valid session: no Variable-* header reaches the client"
    seen=$(backend_last_headers)
    for n in X-Forwarded-User X-Auth-Request-User Remote-User X-Remote-User X-WEBAUTH-USER; do
        t_is "$(printf '%s\n' "$seen" | header_values "$n")" alice@example.com \
            "valid session: the backend gets $n = REMOTE_USER, once"
    done
    for n in X-Forwarded-Email X-Auth-Request-Email Remote-Email; do
        t_is "$(printf '%s\n' "$seen" | header_values "$n")" alice@example.com \
            "valid session: the backend gets $n = OAUTH2_EMAIL, once"
    done
    for n in X-Forwarded-Groups X-Auth-Request-Groups Remote-Groups; do
        t_is "$(printf '%s\n' "$seen" | header_values "$n")" ops,dev \
            "valid session: the backend gets $n = OAUTH2_GROUPS, once"
    done
    for n in X-Forwarded-Preferred-Username X-Auth-Request-Preferred-Username; do
        t_is "$(printf '%s\n' "$seen" | header_values "$n")" alice \
            "valid session: the backend gets $n = OAUTH2_USER, once"
    done
    t_is "$(printf '%s\n' "$seen" | header_values Remote-Name)" 'Alice Example' \
        "valid session: the backend gets Remote-Name = OAUTH2_NAME, once"
    t_is "$(printf '%s\n' "$seen" | header_values X-Auth-Request-Roles)" admin,annotator \
        "valid session: the backend gets X-Auth-Request-Roles = OAUTH2_ROLES, once"
    t_unlike "$seen" '^X-Auth-Request-Workspaces:' \
        "valid session without workspaces: no X-Auth-Request-Workspaces reaches the backend"
    t_unlike "$seen" '^X[-_]Forwarded[-_]Access[-_]Token:|^X[-_]Auth[-_]Request[-_]Access[-_]Token:' \
        "valid session: no access-token header reaches the backend"
    t_unlike "$seen" '^Variable' "valid session: no Variable-* header reaches the backend"

    for ((i = 0; i < total; i += 50)); do
        forged_request "$base/app/page" "$i" 50 -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
        t_is "$HTTP_STATUS" 200 "valid session + forged headers $((i + 1))-$((i + 50)): 200"
        seen=$(backend_last_headers)
        t_unlike "$seen" 'mallory' \
            "valid session: none of forged headers $((i + 1))-$((i + 50)) reaches the backend"
        t_is "$(printf '%s\n' "$seen" | header_values X-Forwarded-User)" alice@example.com \
            "forged headers $((i + 1))-$((i + 50)): X-Forwarded-User is still the session's, once"
    done

    # a session with no name, no groups, no username: those headers are absent
    v=$(mint --user '' --sub carol-1 --email carol@example.com)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html' \
        -H 'Remote-Name: mallory' -H 'X-Forwarded-Groups: admins' \
        -H 'X-Forwarded-Preferred-Username: admin'
    t_is "$HTTP_STATUS" 200 "session with an email only: 200"
    seen=$(backend_last_headers)
    t_unlike "$seen" '\(null\)' "session with an email only: no header value is '(null)'"
    t_unlike "$seen" '^(Remote[-_]Name|X[-_]Forwarded[-_]Groups|X[-_]Auth[-_]Request[-_]Groups|Remote[-_]Groups|X[-_]Forwarded[-_]Preferred[-_]Username|X[-_]Auth[-_]Request[-_]Preferred[-_]Username):' \
        "session with an email only: no name, groups or username header (not even the client's)"
    t_is "$(printf '%s\n' "$seen" | header_values X-Forwarded-Email)" carol@example.com \
        "session with an email only: X-Forwarded-Email is the session's"

    # CGI and static files behind the same gate
    http_req "$base/app/cgi/echo" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html' \
        -H 'X-Forwarded-User: mallory'
    t_is "$HTTP_STATUS" 200 "valid session, CGI under /app: 200"
    t_is "$(body_var OAUTH2_EMAIL)" alice@example.com "valid session: the CGI sees OAUTH2_EMAIL"
    t_is "$(body_var HTTP_X_FORWARDED_USER)" alice@example.com \
        "valid session: the CGI's HTTP_X_FORWARDED_USER is the session's"
    # The served path goes to the program only when the request line does
    # not hold exactly that path (the file's SetEnvIfExpr; it is in the
    # environment a CGI gets too): the /dash/ rewrite below is one such case.
    t_is "$(body_var OAUTH2_FCGI_PATH)" "" \
        "served path: not passed when the request line holds exactly it"
    http_req "$base/app/cgi/echo?q=1" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    t_is "$HTTP_STATUS:$(body_var OAUTH2_FCGI_PATH)" 200:/app/cgi/echo \
        "served path: passed with a query string"
    http_req "$base/app/%63gi/./echo" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    t_is "$HTTP_STATUS:$(body_var OAUTH2_FCGI_PATH)" 200:/app/cgi/echo \
        "served path: passed, decoded, for an escape and a dot segment"
    http_req "$base/app/static/index.html" -H "Cookie: $COOKIE_NAME=$c"
    t_is "$HTTP_STATUS:$HTTP_BODY" "200:static file under /app" "valid session, static file: 200"

    # ---- refusals: the backend sees nothing, one copy of each header
    n=$(backend_requests)
    v=$(mint --user bob --email bob@elsewhere.org)
    http_req "$base/app/page" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 403 "signed in, not allowed by the rules: 403"
    one_copy "403 page" html
    http_req "$base/app/api" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: application/json'
    t_is "$HTTP_STATUS" 403 "signed in, not allowed, API call: 403"
    one_copy "403 API answer" json
    http_req "$base/app/admin/x" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 403 "non-admin, /app/admin/x: 403"
    one_copy "403 admin page" html
    t_is "$(backend_requests)" "$n" "refused requests never reached the backend"

    # ---- a rewrite into the admin area (the URI Apache really serves)
    v=$(mint --user admin --email admin@example.com)
    http_req "$base/dash/x" -H "Cookie: $COOKIE_NAME=$v" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "admin@example.com through /dash/x: 200"
    t_is "$(backend_paths | tail -n 1)" /app/admin/x "admin through /dash/x: the backend serves /app/admin/x"
    n=$(backend_requests)
    http_req "$base/dash/x" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: text/html'
    # the core checks OAUTH2_FCGI_PATH (the served path) once the edge reads it
    t_is "$HTTP_STATUS" 403 "non-admin through /dash/x (rewritten to /app/admin/x): 403"
    t_is "$(backend_requests)" "$n" "non-admin through /dash/x: the backend's admin area saw nothing"

    # ---- outside the protected prefix the client's identity headers are
    # gone as well (the early unset is server-wide): a backend path that is
    # public never sees a forged X-Forwarded-User either
    http_req "$base/public/x" -H 'X-Forwarded-User: mallory' -H 'X_Remote_User: mallory' \
        -H 'Remote-User: mallory' -H 'Remote-User: mallory-again' -H 'x-webauth-user: mallory'
    t_is "$HTTP_STATUS" 200 "the public proxied path: 200 without a session"
    t_unlike "$(backend_last_headers)" 'mallory' \
        "the public proxied path: no identity header of the client's reaches the backend"
}

# ---- no Variable-* header ever reaches the browser ----------------------------

# The access checker's Variable-* answer headers are how mod_fcgid hands the
# identity to the application; they must reach no browser, whatever Apache
# answers after the check allowed the request. The places below make Apache
# answer each kind of error itself (ap_die), after the check.

# leak_site_lines DOWN_PORT: the virtual host lines leak_checks needs, one
# argument each (EXTRA-LINEs for apache_debian_site). DOWN_PORT: a port
# nothing listens on (a proxied backend that is down).
leak_site_lines() {
    printf '%s\n' \
        '<Location "/app/down/">' "    ProxyPass \"http://127.0.0.1:$1/\"" '</Location>' \
        '<Location "/app/static/denied">' '    Require all denied' '</Location>' \
        '<Location "/app/static/basic">' '    AuthType Basic' '    AuthName leak' \
        '    AuthBasicProvider file' "    AuthUserFile \"$E2E_TMP/leak.htpasswd\"" \
        '    Require valid-user' '</Location>' \
        '<Location "/app/static/custom/">' '    ErrorDocument 404 /errors/404.html' '</Location>'
}

# leak_site_files: the files leak_checks needs (after apache_debian_site):
# a directory without an index (403), a local error document, a CGI that
# dies before its headers (500), an empty password file.
leak_site_files() {
    mkdir -p "$E2E_TMP/www/app/static/noindex" "$E2E_TMP/www/errors"
    echo "custom not found page" >"$E2E_TMP/www/errors/404.html"
    printf '#!/bin/sh\nexit 1\n' >"$E2E_TMP/cgi-bin/broken"
    chmod 755 "$E2E_TMP/cgi-bin/broken"
    : >"$E2E_TMP/leak.htpasswd"
}

# leak_config_add CONFIG BASE: identity_token: in the program's config (the
# signed token, OAUTH2_JWT, is the answer's most sensitive variable).
leak_config_add() {
    "$OA_BIN" --gen-identity-key "$E2E_TMP/identity.pem" >"$E2E_TMP/gen-identity.log" 2>&1 ||
        bail "--gen-identity-key: $(cat "$E2E_TMP/gen-identity.log")"
    if [ "$(id -u)" = 0 ]; then chown "$(apache_user)" "$E2E_TMP/identity.pem"; fi
    printf 'public_url: %s\nidentity_token:\n  key_file: %s\n' "$2" "$E2E_TMP/identity.pem" >>"$1"
}

# no_leak WHAT: the last answer carries no Variable-* header (any case),
# and none of its headers holds the identity token or the user's email.
no_leak() {
    t_is "$(printf '%s\n' "$HTTP_HEADERS" | grep -ic '^variable-')" 0 \
        "$1: no Variable-* header reaches the browser"
    t_unlike "$HTTP_HEADERS" "${LEAK_JWT:-no-token-seen}|$LEAK_EMAIL" \
        "$1: no header holds the identity token or the email"
}

# leak_checks BASE: a signed-in, allowed user gets every kind of answer
# (sites from leak_site_lines and leak_site_files): no Variable-* header in
# any, and the application still receives its identity.
leak_checks() {
    local base=$1 c etag
    LEAK_EMAIL=leaky@example.com
    c=$(mint --user leaky --sub leaky-sub-1 --email "$LEAK_EMAIL" --name 'Leaky User' --groups 'g1,g2')
    c="Cookie: $COOKIE_NAME=$c"

    # what the application receives: unchanged
    http_req "$base/app/cgi/echo" -H "$c"
    t_is "$HTTP_STATUS" 200 "leak: the CGI under /app: 200"
    t_is "$(body_var REMOTE_USER)" "$LEAK_EMAIL" "leak: the CGI still gets REMOTE_USER"
    t_is "$(body_var OAUTH2_EMAIL)" "$LEAK_EMAIL" "leak: the CGI still gets OAUTH2_EMAIL"
    t_is "$(body_var OAUTH2_USER)" leaky "leak: the CGI still gets OAUTH2_USER"
    t_is "$(body_var OAUTH2_SUB)" leaky-sub-1 "leak: the CGI still gets OAUTH2_SUB"
    t_is "$(body_var OAUTH2_GROUPS)" g1,g2 "leak: the CGI still gets OAUTH2_GROUPS"
    LEAK_JWT=$(body_var OAUTH2_JWT)
    t_like "$LEAK_JWT" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' \
        "leak: the CGI still gets OAUTH2_JWT (a signed token)"
    t_is "$(body_var HTTP_X_AUTH_REQUEST_JWT)" "$LEAK_JWT" \
        "leak: the CGI still gets X-Auth-Request-Jwt, the same token"
    no_leak "leak: CGI 200"
    http_req "$base/app/page" -H "$c"
    t_is "$HTTP_STATUS" 200 "leak: the proxied page: 200"
    t_is "$(backend_last_headers | header_values X-Forwarded-Email)" "$LEAK_EMAIL" \
        "leak: the proxied application still gets X-Forwarded-Email"
    t_like "$(backend_last_headers | header_values X-Auth-Request-Jwt)" '^[A-Za-z0-9_-]+\.' \
        "leak: the proxied application still gets X-Auth-Request-Jwt"
    no_leak "leak: proxied 200"
    http_req "$base/app/page" -H "$c" --head
    t_is "$HTTP_STATUS" 200 "leak: HEAD of the proxied page: 200"
    no_leak "leak: HEAD proxied 200"

    # static files: 200, HEAD, 304, 404, HEAD 404, 403 (no index)
    http_req "$base/app/static/index.html" -H "$c"
    t_is "$HTTP_STATUS" 200 "leak: a static file: 200"
    no_leak "leak: static 200"
    etag=$(http_header ETag)
    http_req "$base/app/static/index.html" -H "$c" --head
    t_is "$HTTP_STATUS" 200 "leak: HEAD of a static file: 200"
    no_leak "leak: HEAD static 200"
    http_req "$base/app/static/index.html" -H "$c" -H "If-None-Match: $etag"
    t_is "$HTTP_STATUS" 304 "leak: a static file, If-None-Match: 304"
    no_leak "leak: static 304"
    http_req "$base/app/static/no-such-file" -H "$c"
    t_is "$HTTP_STATUS" 404 "leak: no such static file: 404"
    no_leak "leak: static 404"
    http_req "$base/app/static/no-such-file" -H "$c" --head
    t_is "$HTTP_STATUS" 404 "leak: HEAD of no such file: 404"
    no_leak "leak: HEAD static 404"
    http_req "$base/app/static/noindex/" -H "$c"
    t_is "$HTTP_STATUS" 403 "leak: a directory without an index: 403"
    no_leak "leak: directory 403"
    # a 404 answered by a local ErrorDocument (an internal redirect out of /app)
    http_req "$base/app/static/custom/no-such-file" -H "$c"
    t_is "$HTTP_STATUS:$HTTP_BODY" "404:custom not found page" "leak: a local ErrorDocument 404"
    no_leak "leak: ErrorDocument 404"

    # other modules refuse after the check: Require (403), Basic auth (401,
    # answered through ErrorDocument 401 by the sign-in endpoint)
    http_req "$base/app/static/denied" -H "$c"
    t_is "$HTTP_STATUS" 403 "leak: Require all denied after the check: 403"
    no_leak "leak: Require 403"
    http_req "$base/app/static/denied" -H "$c" --head
    t_is "$HTTP_STATUS" 403 "leak: HEAD, Require all denied: 403"
    no_leak "leak: HEAD Require 403"
    http_req "$base/app/static/basic" -H "$c" -H 'Accept: application/json'
    # (404 with mod_authnz_fcgi: its provider is the Basic realm's too, and lets the user in)
    t_in "$HTTP_STATUS" "302 401 403 404" "leak: Basic auth after the check (got $HTTP_STATUS)"
    no_leak "leak: Basic auth refusal"
    http_req "$base/app/static/basic" -H "$c" -H 'Accept: text/html'
    t_in "$HTTP_STATUS" "302 401 403 404" "leak: Basic auth after the check, a page (got $HTTP_STATUS)"
    no_leak "leak: Basic auth refusal, page"

    # the application fails: a CGI dying before its headers, a backend down
    http_req "$base/app/cgi/broken" -H "$c"
    t_is "$HTTP_STATUS" 500 "leak: a CGI that dies before its headers: 500"
    no_leak "leak: CGI 500"
    http_req "$base/app/down/x" -H "$c"
    t_in "$HTTP_STATUS" "502 503" "leak: the proxied backend is down: 502/503 (got $HTTP_STATUS)"
    no_leak "leak: backend down"
    http_req "$base/app/down/x" -H "$c" --head
    t_in "$HTTP_STATUS" "502 503" "leak: HEAD, the proxied backend is down (got $HTTP_STATUS)"
    no_leak "leak: HEAD backend down"
}
