#!/usr/bin/env bash
# github-flow.sh - "Sign in with GitHub" through a real lighttpd running
# oauth2-fcgi (authorizer on /app, responder on /oauth) and the GitHub
# stand-in (tests/standin/github.js: the OAuth app flow and the REST API,
# https with a throwaway CA), reached through `base_url` as GitHub
# Enterprise is (API under <base_url>/api/v3). GitHub is not OpenID: no
# id_token; the identity is /user, the primary verified email from
# /user/emails, the groups from /user/orgs and /user/teams, which the
# stand-in pages 10 at a time (Link: rel="next"), so a member of the org
# on the last page passes only when every page was read.
#   alice  verified email, 35 orgs (filler-34 on the 4th page), teams acme/ops, acme/dev
#   bob    in an allowed org, primary email NOT verified: signed in without
#          an email, so the email_domains rule refuses him (403)
#   carol  verified email, in no allowed org: refused at the callback (403 page)
. "$(dirname "$0")/flowlib.sh"

flow_init

GH_SECRET='gh-secret-e2e-77c1'
export GITHUB_CLIENT_ID=gh-e2e-client GITHUB_CLIENT_SECRET=$GH_SECRET
export GITHUB_REDIRECT_URI=$BASE/oauth/github/callback GITHUB_PAGE_MAX=10
GH=$(start_peer github node tests/standin/github.js --tls "$T/tls") || exit 1

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: github
    base_url: $GH
    client_id: gh-e2e-client
    client_secret: "$GH_SECRET"
    allowed_orgs: [filler-34, other]
# every group the provider sends, as the test reads them all (roles-map.sh: the trimming)
keep_groups: ["*"]
allow_http_redirect: true
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
http:
  ca_file: $T/tls/ca.pem
access:
  - path: /app/ops/
    groups: [acme/ops]
  - path: /app/qa/
    groups: [acme/qa]
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF
flow_lighttpd

SEEN=()
# gh_sign_in USER: login, the stand-in's authorize page as USER, callback.
gh_sign_in() {
    oa_login github
    local cb
    cb=$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -A 'Mozilla/5.0 (e2e)' -o /dev/null \
        -w '%{redirect_url}' "$AUTHZ&login=$1")
    CALLBACK=$cb
    callback "$cb"
    SEEN+=("$(param code "$cb")" "$(param state "$AUTHZ")" "${STATE_COOKIE#*=}" "${SESSION#*=}")
}

# ---- alice ---------------------------------------------------------------------

http_req "$BASE/app/page" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "no session: the protected URL answers 302"
t_like "$(http_header Location)" '/oauth/github/login\?rd=' \
    "the only provider: straight to its login, with rd"

oa_login github
t_is "$HTTP_STATUS" 302 "/oauth/github/login answers 302"
t_like "$AUTHZ" "^$GH/login/oauth/authorize\\?" "to <base_url>/login/oauth/authorize"
t_like "$AUTHZ" 'scope=read%3Auser%20user%3Aemail%20read%3Aorg' \
    "scope read:user user:email read:org (orgs are used)"
t_like "$AUTHZ" 'code_challenge_method=S256' "PKCE S256 (GitHub supports it)"
t_unlike "$AUTHZ" '[?&]nonce=' "no nonce: GitHub is not OpenID"

log_mark
gh_sign_in alice
t_like "$CALLBACK" "^$BASE/oauth/github/callback\\?code=" "the stand-in sends the browser back with a code"
t_is "$HTTP_STATUS" 302 "alice: the callback answers 302"
t_is "$(http_header Location)" /app/page?x=1 "alice: back to rd"
t_like "$SESSION" '^oauth2_fcgi=.' "alice: a session cookie"
t_log 'provider github: signed in subject 1001 \(alice\)' "alice: the log says she signed in"
ALICE=$SESSION

http_req "$BASE/app/page?x=1" -H "Cookie: $ALICE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "alice: the protected URL answers 200"
t_is "$(body_var REMOTE_USER)" alice@example.com "alice: REMOTE_USER is the primary verified email"
t_is "$(body_var OAUTH2_EMAIL)" alice@example.com "alice: OAUTH2_EMAIL"
t_is "$(body_var OAUTH2_USER)" alice "alice: OAUTH2_USER is the login"
t_is "$(body_var OAUTH2_SUB)" 1001 "alice: OAUTH2_SUB is the numeric id"
t_is "$(body_var OAUTH2_NAME)" 'Alice Example' "alice: OAUTH2_NAME"
t_is "$(body_var OAUTH2_PROVIDER)" github "alice: OAUTH2_PROVIDER"
groups=$(body_var OAUTH2_GROUPS)
t_like ",$groups," ',acme,' "alice: the first page of orgs is in OAUTH2_GROUPS"
t_like ",$groups," ',filler-34,' "alice: ... and the 4th (last) page: every page was read"
t_is "$(printf '%s' "$groups" | tr ',' '\n' | grep -c '^filler-')" 34 "alice: all 34 filler orgs, once each"
t_like ",$groups," ',acme/ops,acme/dev,' "alice: the teams as org/team"
http_req "$BASE/app/ops/" -H "Cookie: $ALICE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "alice: /app/ops/ needs the team acme/ops: 200"
http_req "$BASE/app/qa/" -H "Cookie: $ALICE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "alice: /app/qa/ needs the team acme/qa: 403"

# ---- bob: primary email not verified ---------------------------------------------

log_mark
gh_sign_in bob
t_is "$HTTP_STATUS" 302 "bob (in the allowed org 'other'): signed in"
t_log 'provider github: signed in subject 1002 \(bob\)' "bob: logged"
BOB=$SESSION
http_req "$BASE/oauth/userinfo" -H "Cookie: $BOB" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 200 "bob: /oauth/userinfo answers 200"
t_unlike "$HTTP_BODY" 'bob@example\.org' "bob: the unverified primary email is not in the session"
log_mark
http_req "$BASE/app/page" -H "Cookie: $BOB" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "bob: no verified email, the email_domains rule refuses: 403"
t_unlike "$HTTP_BODY" 'REMOTE_USER=' "bob: the backend did not run"
t_log 'access denied: user github:1002' "bob: the denial is logged"

# ---- carol: not in an allowed org --------------------------------------------------

log_mark
gh_sign_in carol
t_is "$HTTP_STATUS" 403 "carol (no allowed org): the callback answers 403"
t_like "$HTTP_BODY" 'not a member of an organization or team allowed here' \
    "carol: the page says why"
t_is "$SESSION" "" "carol: no session cookie"
t_log 'provider github: user carol is not a member of an allowed org or team' "carol: logged"

# ---- the rest ------------------------------------------------------------------------

log_mark
http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "carol's callback replayed with its state cookie: 400, a state works once"
t_log 'callback: state already used \(a replay' "... logged as a replay"
t_unlike "$(log_new)" 'token endpoint' "... and no token request"
# carol's used code under a fresh state: now GitHub itself refuses it
USED_CODE=$(param code "$CALLBACK")
oa_login github
log_mark
callback "$BASE/oauth/github/callback?code=$USED_CODE&state=$(param state "$AUTHZ")"
t_is "$HTTP_STATUS" 502 "carol's used code under a fresh state: the used code is refused (502)"
t_log 'token endpoint .*: HTTP 200, error bad_verification_code' \
    "... GitHub's HTTP 200 {\"error\": ...} is an error"

http_req "$BASE/oauth/logout?rd=%2Fbye" -H "Cookie: $ALICE" -H 'Accept: text/html' \
    -H 'Sec-Fetch-Site: cross-site'
t_is "$HTTP_STATUS" 200 "logout link on another site: the confirmation page (200)"
t_unlike "$HTTP_HEADERS" "[Ss]et-[Cc]ookie:" "... which clears nothing"
http_req "$BASE/app/page" -H "Cookie: $ALICE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "... alice is still signed in"
http_req "$BASE/oauth/logout?rd=%2Fbye" -H "Cookie: $ALICE" -H 'Accept: text/html' \
    -H 'Sec-Fetch-Site: same-origin'
t_is "$HTTP_STATUS" 302 "logout: 302"
t_is "$(http_header Location)" /bye "logout: GitHub has no end-session endpoint: to rd"
t_like "$HTTP_HEADERS" "[Ss]et-[Cc]ookie: oauth2_fcgi=;" "logout: the session cookie is cleared"

t_no_secrets "no log holds the client secret, a code, a state, a cookie or a token" \
    "$GH_SECRET" gho_ "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted"

t_done
