#!/usr/bin/env bash
# apache-fcgid.sh - oauth2-fcgi behind a real Apache 2.4 with mod_fcgid
# (Debian's libapache2-mod-fcgid): the shipped
# contrib/apache/oauth2-fcgi-fcgid.conf with only its paths substituted.
# mod_fcgid starts the program itself: FcgidAccessChecker on /app, the
# responder on /oauth, ErrorDocument 401 to the sign-in endpoint (mod_fcgid
# turns every refusal into a bare 401), and the echo backend
# (tests/e2e/backend, mod_cgi) behind /app. Apache runs in the foreground
# with ServerRoot in a temporary directory, on a free port.
. "$(dirname "$0")/lib.sh"

need_tool apache2 curl setsid
need_oa
need_apache_mods fcgid cgi alias mpm_prefork authn_core authz_core headers setenvif
e2e_init

PORT=$(free_port) || bail "no free port"
e2e_oa_config
route_rules_add "$E2E_CONFIG"

apache_fcgid_start "$PORT" "$E2E_CONFIG" "$E2E_KEY"

BASE=http://127.0.0.1:$PORT
# mod_fcgid turns the access checker's 403 into 401 too; the sign-in
# endpoint tells "signed in but not allowed" from the session and
# REDIRECT_URL and answers 403 (the checks below).
authorizer_checks "$BASE"
route_checks "$BASE"

http_req "$BASE/app" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "/app itself (no trailing slash) is behind the access checker"

t_done
