#!/usr/bin/env bash
# explain.sh - `oauth2-fcgi --explain METHOD URL [--as EMAIL --groups A,B]`:
# the real decision without a web server, for a config with a public path,
# a public OPTIONS rule, a host-restricted rule and a group rule. Checks the
# rule named (numbered as --check-config numbers them), the reading that
# decided, and the answers lighttpd/Apache and nginx would get; and the
# usage errors (exit 2).
. "$(dirname "$0")/lib.sh"

need_oa
e2e_init
T=$E2E_TMP
make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF2
public_url: https://app.example.com
providers:
  - name: corp
    client_id: x-client
    client_secret: x-secret
    authorize_url: https://idp.example.test/authorize
    token_url: https://idp.example.test/token
    userinfo_url: https://idp.example.test/userinfo
session:
  key_file: $T/session.key
access:
  - path: /public/
    public: true
  - path: /api/
    methods: [OPTIONS]
    public: true
  - path: /admin/
    groups: [admins]
    providers: [corp]
  - path: /
    hosts: ["*.open.test"]
    public: true
EOF2
chmod 600 "$T/oauth.yml"
ex() { "$OA_BIN" --explain -c "$T/oauth.yml" "$@" 2>&1; }

out=$(ex GET https://app.example.com/public/x)
t_like "$out" '^rule: rule 1 \(path /public/, line 1[0-9], public\)' "public: rule 1 named"
t_like "$out" '^decision: allow' "public, no session: allow"
t_like "$out" '^lighttpd/Apache authorizer, page load: 200 OK' "public: lighttpd/Apache 200"
t_like "$out" '^nginx auth_request .*: 200 OK' "public: nginx 200"
t_unlike "$out" 'Variable-REMOTE_USER|X-Auth-Request-User' "public, no session: no identity"

out=$(ex GET https://app.example.com/public/x --as alice@example.com)
t_like "$out" 'Variable-OAUTH2_EMAIL: alice@example\.com' "public with --as: the identity goes along (lighttpd)"
t_like "$out" 'X-Auth-Request-Email: alice@example\.com' "public with --as: the identity goes along (nginx)"

out=$(ex GET 'https://app.example.com/public/..;/admin/x')
t_like "$out" '^decided by: the params-raw reading of REQUEST_URI \(/admin/x\)' \
    "/public/..;/admin/x: the Tomcat reading decides"
t_like "$out" 'params-raw +/admin/x +rule 3 .*REFUSED' "the reading met rule 3 and refused"
t_like "$out" '^nginx auth_request .*: 401 Unauthorized' "/public/..;/admin/x: nginx 401"

out=$(ex OPTIONS https://app.example.com/api/items)
t_like "$out" '^rule: rule 2 \(path /api/' "OPTIONS: rule 2 (the public OPTIONS one)"
t_like "$out" '^lighttpd/Apache authorizer, API call: 200 OK' "OPTIONS: 200"
out=$(ex GET https://app.example.com/api/items)
t_like "$out" '^rule: no rule' "GET /api/: the OPTIONS rule is skipped, no rule"
t_like "$out" '^lighttpd/Apache authorizer, page load: 302 Found' "GET /api/, no session: 302"
t_like "$out" 'Location: /oauth/corp/login\?rd=https%3A%2F%2Fapp\.example\.com%2Fapi%2Fitems' \
    "GET /api/, no session: the redirect to sign in with rd"
t_like "$out" '^lighttpd/Apache authorizer, API call: 401 Unauthorized' "GET /api/, API call: 401"

out=$(ex GET https://a.open.test:8443/anything)
t_like "$out" '^rule: rule 4 .*public' "host a.open.test: rule 4"
t_like "$out" '^decision: allow' "host a.open.test: allow"
out=$(ex GET https://open.test/anything)
t_like "$out" '^decision: sign in' "open.test itself is not *.open.test"

out=$(ex GET /admin/x --as bob@example.com --groups staff,ops)
t_like "$out" '^rule: rule 3 \(path /admin/' "/admin/ (URL without host: public_url's): rule 3"
t_like "$out" '^decision: forbidden' "a denied group: forbidden"
t_like "$out" '^lighttpd/Apache authorizer, page load: 403 Forbidden' "a denied group: 403"
t_like "$out" '^nginx auth_request .*: 403 Forbidden' "a denied group: nginx 403"
out=$(ex GET /admin/x --as carol@example.com --groups admins)
t_like "$out" '^decision: allow' "group admins: allow"
t_like "$out" 'Variable-OAUTH2_GROUPS: admins' "group admins: Variable-OAUTH2_GROUPS"

out=$(ex GET /elsewhere)
t_like "$out" '^as: nobody' "no --as: no session"
t_like "$out" '^decision: sign in' "no session: sign in"

ex GET; t_is "$?" 2 "--explain without a URL: exit 2"
ex GET 'ftp://x/'; t_is "$?" 2 "--explain with an ftp URL: exit 2"
ex 'G T' /x; t_is "$?" 2 "--explain with a bad method: exit 2"
ex GET /x --as a@b.c --provider nope; t_is "$?" 2 "--explain with an unknown provider: exit 2"
"$OA_BIN" --as a@b.c --check-config -c "$T/oauth.yml" >/dev/null 2>&1
t_is "$?" 2 "--as without --explain: exit 2"
t_done
