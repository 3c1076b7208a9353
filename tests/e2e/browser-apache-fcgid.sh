#!/usr/bin/env bash
# browser-apache-fcgid.sh - a real browser signs in through Apache 2.4 with
# mod_fcgid: the shipped contrib/apache/oauth2-fcgi-fcgid.conf with only
# its paths substituted (mod_fcgid starts the program: FcgidAccessChecker
# on /app, ErrorDocument 401 to the sign-in endpoint, the responder on
# /oauth), the provider of tests/idp, and the echo backend
# (tests/e2e/backend, mod_cgi) on /app. The walk is tests/e2e/browser.js.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool apache2 setsid
browser_need
need_apache_mods fcgid cgi alias mpm_prefork authn_core authz_core headers setenvif
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
browser_idp "$BASE"
browser_config "$T/oauth.yml" "$BASE"

apache_fcgid_start "$PORT" "$T/oauth.yml" "$BROWSER_KEY"

browser_run apache-fcgid "$BASE"
t_done
