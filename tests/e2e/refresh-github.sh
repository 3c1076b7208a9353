#!/usr/bin/env bash
# refresh-github.sh - <base_path>/refresh for GitHub (DESIGN.md 14.4):
# GitHub is not OpenID and has no prompt=none; the session is checked
# again with the access token kept in the token cookie (Path=/oauth/,
# sealed, bound to the session): /user, /user/orgs, /user/teams again. The
# stand-in (tests/standin/github.js) reads GITHUB_USERS_FILE at every API
# request, so the test changes alice's orgs and teams between refreshes:
#   still in acme, a team added  -> refreshed, the new team in /userinfo
#   removed from acme             -> "You were signed out" page, cookies deleted
#   token revoked (401)           -> signed out too
. "$(dirname "$0")/flowlib.sh"

flow_init

GH_SECRET='gh-refresh-secret-0d3e'
export GITHUB_CLIENT_ID=gh-rf-client GITHUB_CLIENT_SECRET=$GH_SECRET
export GITHUB_REDIRECT_URI=$BASE/oauth/github/callback GITHUB_USERS_FILE=$T/users.json
echo '{}' >"$GITHUB_USERS_FILE"
GH=$(start_peer github node tests/standin/github.js --tls "$T/tls") || exit 1

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF2
providers:
  - name: github
    base_url: $GH
    client_id: gh-rf-client
    client_secret: "$GH_SECRET"
    allowed_orgs: [acme]
# every group the provider sends, as the test reads them all (roles-map.sh: the trimming)
keep_groups: ["*"]
allow_http_redirect: true
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 60s
  refresh_after: 3s
http:
  ca_file: $T/tls/ca.pem
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF2
flow_lighttpd

SEEN=()
gh_curl() { curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -A 'Mozilla/5.0 (e2e)' "$@"; }

# sign_in: login, the stand-in's authorize page as alice, callback; sets
# SESSION and TOK.
sign_in() {
    local cb
    oa_login github /app/page
    cb=$(gh_curl -o /dev/null -w '%{redirect_url}' "$AUTHZ&login=alice")
    callback "$cb"
    TOK=$(set_cookie 'oauth2_fcgi_tok=')
    SEEN+=("$(param code "$cb")" "${SESSION#*=}" "${TOK#*=}")
}

refresh_get() {
    http_req "$BASE/oauth/refresh?rd=%2Fapp%2Fpage" -H "Cookie: $SESSION; $TOK" \
        -H 'Accept: text/html' -H 'Sec-Fetch-Mode: navigate'
    local s
    s=$(set_cookie 'oauth2_fcgi=')
    [ -z "$s" ] || SESSION=$s
    SEEN+=("${SESSION#*=}")
}

grep_cookie() { printf '%s\n' "$HTTP_HEADERS" | grep -i "^set-cookie: $1=" | head -n 1; }

sign_in
t_like "$SESSION" '^oauth2_fcgi=.' "alice signed in with GitHub"
t_like "$TOK" '^oauth2_fcgi_tok=.' "the access token is kept in the token cookie"
TOKENS_BEFORE=$(grep -c '^POST /login/oauth/access_token' "$T/github.log")

echo '{"alice":{"orgs":["acme"],"teams":[["acme","ops"],["acme","sre"]]}}' >"$GITHUB_USERS_FILE"
sleep 4
log_mark
refresh_get
t_is "$HTTP_STATUS" 302 "stale: /oauth/refresh 302"
t_like "$(http_header Location)" '/app/page$' "... back to rd"
t_log 'refreshed \(access token\)' "refreshed with the stored access token"
t_is "$(grep -c '^POST /login/oauth/access_token' "$T/github.log")" "$TOKENS_BEFORE" \
    "no new authorization (no browser round trip, no token request)"
http_req "$BASE/oauth/userinfo" -H "Cookie: $SESSION" -H 'Accept: application/json'
t_like "$HTTP_BODY" 'acme/sre' "the new team reached the session"

echo '{"alice":{"orgs":["other"],"teams":[]}}' >"$GITHUB_USERS_FILE"
sleep 4
log_mark
refresh_get
t_is "$HTTP_STATUS" 403 "removed from acme: 403"
t_like "$HTTP_BODY" 'You were signed out: github no longer accepts this account' "the sign-out page"
t_like "$(grep_cookie oauth2_fcgi)" 'Max-Age=0' "session cookie deleted"
t_like "$(grep_cookie oauth2_fcgi_tok)" 'Max-Age=0' "token cookie deleted"
t_log 'not a member of an allowed org' "the log says why"

echo '{}' >"$GITHUB_USERS_FILE"
sign_in
echo '{"alice":{"revoked":true}}' >"$GITHUB_USERS_FILE"
sleep 4
refresh_get
t_is "$HTTP_STATUS" 403 "token revoked at GitHub (401): signed out"

t_no_secrets "no code, cookie or token in any log" "$GH_SECRET" "${SEEN[@]}"
t_done
