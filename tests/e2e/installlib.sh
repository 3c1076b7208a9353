# installlib.sh - runs a contrib file's install lines as written (sourced
# after lib.sh by tests/e2e/install-*.sh, never run).
#
# Each shipped web-server file marks its install lines between a line
# "# install:" and a line "# end install", each command as "#   CMD" (a
# trailing "\" continues it on the next line). The tests run exactly those
# lines as root with bash -e, in a Debian-style tree $IL_ROOT: every
# absolute path of the lines and of the files they copy (/etc/, /run/,
# /var/, /usr/sbin, /usr/share/doc/oauth2-fcgi) is rooted there; nothing
# else is changed but the addresses a test must move to free ports
# (IL_SED). $IL_ROOT/usr/sbin/oauth2-fcgi is the built program and
# $IL_ROOT/usr/share/doc/oauth2-fcgi what `make install` puts there.
# `systemctl reload SERVER` is the one command not run (the test starts the
# server itself, with the tree's config, as Debian's unit would); a2enmod
# and a2enconf are Debian's own, pointed at the tree by APACHE_CONFDIR.
# The servers run as their real Debian user, www-data.

# il_need: root (the lines chgrp and start programs as www-data) and www-data.
il_need() {
    [ "$(id -u)" = 0 ] || skip_all "the install lines are run as root"
    getent passwd www-data >/dev/null || skip_all "no user www-data"
    need_tool curl setsid runuser
    need_oa
}

# il_root_sed [FILE...]: the rooting sed (and IL_SED) on FILE or stdin.
IL_SED=()
il_root_sed() {
    sed -E -e "s#(^|[^A-Za-z0-9_.~/-])(/etc/|/run/|/var/|/usr/sbin|/usr/share/doc/oauth2-fcgi)#\\1$IL_ROOT\\2#g" \
        "${IL_SED[@]+"${IL_SED[@]}"}" "$@"
}

# il_init: the tree: the program and the docs as `make install` lays them
# out (every file rooted), and the directories Debian's packages make.
# shellcheck disable=SC2154 # top_srcdir: from lib.sh, sourced first
il_init() {
    local f sub
    IL_ROOT=$E2E_TMP/root
    local d=$IL_ROOT/usr/share/doc/oauth2-fcgi
    mkdir -p "$IL_ROOT/usr/sbin" "$IL_ROOT/etc" "$IL_ROOT/run" "$IL_ROOT/var/log" \
        "$IL_ROOT/var/www/html" "$d/examples"
    cp "$OA_BIN" "$IL_ROOT/usr/sbin/oauth2-fcgi"
    il_root_sed "$top_srcdir/doc/oauth.yml.example" >"$d/oauth.yml.example"
    for f in "$top_srcdir"/contrib/*/*; do
        sub=$(basename "$(dirname "$f")")
        mkdir -p "$d/examples/$sub"
        il_root_sed "$f" >"$d/examples/$sub/$(basename "$f")"
    done
    chmod -R a+rX "$IL_ROOT"
    # shellcheck disable=SC2034 # read by the scripts that source this file
    R=$IL_ROOT
    # the lines started the program in the background: stop it too
    trap 'il_stop_program; e2e_cleanup' EXIT
}

# il_nginx_tree PORT: /etc/nginx as Debian's package has it (its own
# nginx.conf, `user www-data`), rooted, with nginx's compiled-in temporary
# paths in the tree; il_nginx_start starts it on PORT (the example's listen
# line is moved there by IL_SED).
il_nginx_tree() {
    N=$IL_ROOT/etc/nginx
    mkdir -p "$N/conf.d" "$N/sites-available" "$N/sites-enabled" "$N/modules-enabled" \
        "$IL_ROOT/var/log/nginx" "$IL_ROOT/var/lib/nginx"
    cp /etc/nginx/fastcgi_params /etc/nginx/mime.types "$N/"
    il_root_sed /etc/nginx/nginx.conf >"$N/nginx.conf"
    grep -q '^user www-data;' "$N/nginx.conf" || bail "Debian's nginx.conf does not run as www-data"
    chown www-data "$IL_ROOT/var/lib/nginx"
    {
        echo "# nginx's compiled-in temporary paths, in the tree"
        for t in client_body fastcgi proxy scgi uwsgi; do
            echo "${t}_temp_path $IL_ROOT/var/lib/nginx/$t;"
        done
    } >"$N/conf.d/paths.conf"
}

il_nginx_start() {
    e2e_log "$IL_ROOT/var/log/nginx/error.log"
    nginx -t -e "$IL_ROOT/var/log/nginx/error.log" -c "$N/nginx.conf" >"$E2E_TMP/nginx-test.log" 2>&1 ||
        bail "nginx rejects the installed tree: $(cat "$E2E_TMP/nginx-test.log")"
    e2e_bg nginx nginx -e "$IL_ROOT/var/log/nginx/error.log" -c "$N/nginx.conf" -g 'daemon off;'
    wait_port "$1" 15 || bail "nginx did not start on 127.0.0.1:$1"
    t_like "$(ps -o user= --ppid "$E2E_LAST_PID" | sort -u | tr -d ' ')" '^www-data$' \
        "nginx's workers run as www-data"
}

# il_apache_tree PORT BACKEND_PORT: il_init, the proxied application on
# BACKEND_PORT, and Debian's /etc/apache2 (apachelib.sh: Apache on PORT,
# children as www-data) as the tree's; the site itself comes after the
# install lines (apache_debian_site).
il_apache_tree() {
    il_init
    proxy_backend_start "$2"
    apache_debian_tree "$1" proxy_http rewrite cgi
    ln -s "$APACHE_CONFDIR" "$IL_ROOT/etc/apache2"
    t_is "$(id -un "$APACHE_RUN_USER" 2>&1)" www-data "Apache's children run as www-data"
}

# il_lines FILE: the install lines of FILE, as written (no rooting).
il_lines() {
    awk '/^# install:$/ { on = 1; next } /^# end install$/ { on = 0 } on' "$1" |
        sed -e 's/^#   //'
}

# il_run FILE [ERE WHAT]: runs FILE's install lines (rooted) as root; the
# lines are in $E2E_TMP/install.sh, their output in $E2E_TMP/install.log.
# The lines must match ERE (default: the chgrp that lets www-data read the
# key and the config), which says WHAT.
il_run() {
    local rc=0 lines
    lines=$(il_lines "$1")
    t_like "$lines" "${2:-chgrp www-data /etc/oauth2-fcgi/}" \
        "$(basename "$1"): install lines found, ${3:-the key and config made readable by www-data}"
    {
        echo "set -e"
        echo "PATH=$IL_ROOT/usr/sbin:\$PATH"
        echo "systemctl() { echo \"(not run: systemctl \$*; the test starts the server)\"; }"
        printf '%s\n' "$lines" | il_root_sed
    } >"$E2E_TMP/install.sh"
    e2e_log "$E2E_TMP/install.log"
    (cd "$E2E_TMP" && bash "$E2E_TMP/install.sh") >"$E2E_TMP/install.log" 2>&1 || rc=$?
    t_is "$rc" 0 "$(basename "$1"): the install lines run as written"
    [ "$rc" = 0 ] || t_diag "$(cat "$E2E_TMP/install.sh")"
}

# il_start_line FILE: the install line (joined) that starts the program.
il_start_line() {
    il_lines "$1" | sed -e ':a' -e '/\\$/N; s/\\\n *//; ta' | grep 'spawn-fcgi' | il_root_sed
}

# il_program_pids: the pids of the programs this tree started.
il_program_pids() {
    pgrep -f "^$IL_ROOT/usr/sbin/oauth2-fcgi( |$)" 2>/dev/null || true
}

# il_stop_program: stops them (the lines started them in the background).
il_stop_program() {
    local p
    for p in $(il_program_pids); do kill -TERM "$p" 2>/dev/null; done
    for p in $(il_program_pids); do e2e_wait_gone "$p" || kill -KILL "$p" 2>/dev/null; done
    return 0
}

# il_files_checks: the config and the key are readable by www-data (group,
# 0640), by no one else, and the program as www-data accepts them.
il_files_checks() {
    local e=$IL_ROOT/etc/oauth2-fcgi rc=0
    t_is "$(stat -c '%G %a' "$e/oauth.yml" "$e/session.key" | sort -u)" "www-data 640" \
        "config and key: group www-data, mode 0640"
    runuser -u www-data -- "$IL_ROOT/usr/sbin/oauth2-fcgi" --check-config -c "$e/oauth.yml" \
        >"$E2E_TMP/check.out" 2>"$E2E_TMP/check.err" || rc=$?
    t_is "$rc" 0 "as www-data, oauth2-fcgi --check-config accepts the installed config"
    t_unlike "$(cat "$E2E_TMP/check.err")" 'cannot open|readable by others|no session.key_file' \
        "... with the key, and no warning about modes"
}

# il_http_checks BASE: requests through the real server reach the
# authorizer: no session -> its redirect to sign in (not a 502/500);
# a session of the installed key -> 200; the sign-in page -> 200.
# shellcheck disable=SC2154 # top_builddir: from lib.sh, sourced first
il_http_checks() {
    local base=$1 c
    http_req "$base/app/page.html" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "no session: the authorizer answers 302 (not a 502)"
    t_like "$(http_header Location)" '/oauth/' "... to the sign-in page"
    c=$("$top_builddir/tests/tools/mint_cookie" -c "$IL_ROOT/etc/oauth2-fcgi/oauth.yml" \
        --user alice --email alice@example.com 2>"$E2E_TMP/mint.err")
    t_isnt "$c" "" "a session cookie sealed with the installed key"
    http_req "$base/app/page.html" -H 'Accept: text/html' -H "Cookie: __Host-oauth2_fcgi=$c"
    t_is "$HTTP_STATUS" 200 "a session: 200 through the authorizer"
    http_req "$base/oauth/" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 200 "the sign-in page: 200"
}

# il_bad_key_checks FILE: the program cannot read its key: the start line
# of FILE, run as written, leaves the reason in /var/log/oauth2-fcgi.log.
il_bad_key_checks() {
    local line log=$IL_ROOT/var/log/oauth2-fcgi.log
    line=$(il_start_line "$1")
    t_like "$line" 'spawn-fcgi -n .*2>&1' "the start line keeps the program's stderr (-n, 2>&1)"
    il_stop_program
    chown root:root "$IL_ROOT/etc/oauth2-fcgi/session.key"
    chmod 0600 "$IL_ROOT/etc/oauth2-fcgi/session.key"
    rm -f "$IL_ROOT/run/oauth2-fcgi.sock"
    : >"$log"
    (cd "$E2E_TMP" && PATH=$IL_ROOT/usr/sbin:$PATH bash -c "$line") >/dev/null 2>&1
    for _ in $(seq 1 50); do
        grep -q 'key' "$log" 2>/dev/null && break
        sleep 0.1
    done
    t_like "$(cat "$log")" 'session key_file .*Permission denied' \
        "a key www-data cannot read: the reason is in /var/log/oauth2-fcgi.log"
    t_like "$(cat "$log")" 'oauth\.yml:[0-9]+' "... with the config's file:line"
    il_stop_program
}
