#!/usr/bin/env bash
# browser-lighttpd.sh - a real browser signs in through lighttpd: the
# shipped contrib/lighttpd/oauth2-fcgi.conf (lighttpd starts the program
# itself with bin-path) with only its paths substituted, the OpenID
# provider of tests/idp, and the echo backend (tests/e2e/backend) on /app.
# The walk itself is tests/e2e/browser.js. Everything on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool lighttpd
browser_need
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
browser_idp "$BASE"
browser_config "$T/oauth.yml" "$BASE"

lighttpd_start "$PORT" "$T/oauth.yml"

browser_run lighttpd "$BASE"
t_done
