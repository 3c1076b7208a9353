#!/usr/bin/env bash
# claims-gitlab.sh - "Sign in with GitLab" (the gitlab kind, a self-managed
# instance at base_url) through a real lighttpd running oauth2-fcgi and the
# GitLab stand-in (tests/standin/gitlab.js: discovery at the base URL, the
# code flow, an id_token with groups_direct, UserInfo with groups and the
# https://gitlab.org/claims/groups/<role> claims). The entry is named
# `lab` with kind: gitlab. What the backend receives is checked:
#   octo  OAUTH2_GROUPS: UserInfo's groups, the id_token's groups_direct,
#         and "path:owner" / ":maintainer" / ":developer"; a groups: rule
#         on "acme/web:maintainer" lets him in
#   nova  in none of allowed_groups: 403, no session
#   rex   a groups claim of the wrong shape: a page naming it, no session
# Everything on 127.0.0.1.
. "$(dirname "$0")/flowlib.sh"

flow_init

SECRET='gitlab-e2e-secret-8b4e'
export GITLAB_CLIENT_ID=gl-e2e GITLAB_CLIENT_SECRET=$SECRET
GL=$(start_peer gitlab node tests/standin/gitlab.js --tls "$T/tls") || exit 1
export OAUTH2_LAB_CLIENT_ID=gl-e2e OAUTH2_LAB_CLIENT_SECRET=$SECRET

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: lab
    kind: gitlab
    base_url: $GL/
    allowed_groups: [acme, acme/api]
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
http:
  ca_file: $T/tls/ca.pem
access:
  - path: /app/maint/
    groups: ["acme/web:maintainer"]
  - path: /app/own/
    groups: ["acme/web:owner"]
  - path: /app/
    providers: [lab]
log: stderr
log_level: debug
EOF
flow_lighttpd
CHECK=$(cat "$T/check.out")
t_like "$CHECK" 'provider lab \(GitLab, kind gitlab\)' "--check-config: the entry lab is of kind gitlab"
t_like "$CHECK" "issuer: $GL\$" "--check-config: the issuer is the base URL (no trailing slash)"
t_like "$CHECK" 'scope: openid profile email' "--check-config: gitlab's default scope"
t_like "$CHECK" 'allowed_groups: acme, acme/api' "--check-config lists allowed_groups"

SEEN=()
sign_in() {
    local cb
    oa_login lab /app/page
    cb=$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -o /dev/null -w '%{redirect_url}' \
        "$AUTHZ&login=$1")
    callback "$cb"
    SEEN+=("$(param code "$cb")" "${SESSION#*=}")
}
backend() {
    http_req "$BASE${1:-/app/page}" -H "Cookie: $SESSION" -H 'Accept: text/html'
}

oa_login lab /app/page
t_like "$AUTHZ" "^$GL/oauth/authorize\\?response_type=code&client_id=gl-e2e&" \
    "login: to <base_url>/oauth/authorize from discovery"
t_like "$AUTHZ" 'scope=openid%20profile%20email&' "login: the scope GitLab knows"

log_mark
sign_in octo
t_is "$HTTP_STATUS" 302 "octo: the callback answers 302"
t_log 'provider lab: signed in subject 42 \(octo\)' "octo: signed in, sub is the user id"
backend
t_is "$HTTP_STATUS" 200 "octo: /app/page answers 200"
t_is "$(body_var OAUTH2_GROUPS)" 'acme,acme/web,acme/web/ui,acme:owner,acme/web:maintainer,acme/web/ui:developer' \
    "octo: OAUTH2_GROUPS: groups (groups_direct inside them), then the role claims as path:role"
t_is "$(body_var OAUTH2_USER)" octo "octo: OAUTH2_USER is the GitLab username"
t_is "$(body_var OAUTH2_SUB)" 42 "octo: OAUTH2_SUB is the user id"
t_is "$(body_var OAUTH2_EMAIL)" octo@example.com "octo: the verified email"
t_is "$(body_var OAUTH2_NAME)" 'Octo Cat' "octo: OAUTH2_NAME"
backend /app/maint/x
t_is "$HTTP_STATUS" 200 "octo: the groups: [acme/web:maintainer] rule lets him in"
backend /app/own/x
t_is "$HTTP_STATUS" 403 "octo: not an owner of acme/web: 403"
t_like "$(cat "$T/gitlab.log")" 'GET /oauth/userinfo 200' "UserInfo was read (the groups are there)"

log_mark
sign_in nova
t_is "$HTTP_STATUS" 403 "nova: in none of allowed_groups: the callback answers 403"
t_like "$HTTP_BODY" 'not a member of a group allowed here' "nova: the page says so"
t_is "$SESSION" '' "nova: no session"
t_log 'nova is in none of allowed_groups' "nova: the log says so"

sign_in rex
t_is "$HTTP_STATUS" 502 "rex: groups as an object: the callback answers 502"
t_like "$HTTP_BODY" "claim (&#39;|')groups(&#39;|') is an object" "rex: the page names the claim"
t_is "$SESSION" '' "rex: no session"

sign_in octo
t_is "$HTTP_STATUS" 302 "after the refusals, octo still signs in"
t_no_secrets "no log holds the client secret, a code, a cookie or a token" "$SECRET" "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted"
t_done
