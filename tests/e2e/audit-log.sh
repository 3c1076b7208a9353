#!/usr/bin/env bash
# audit-log.sh - the audit log (audit: FILE) through a real lighttpd and a
# real OpenID provider (tests/idp/provider.js, oidc-provider), as
# oidc-flow.sh runs them: full sign-ins, a failed one, a sign-out and the
# authorizer's denials (401, 403) each write one JSON line with the right
# time, event, status, provider, user, subject, rule, reason, client address
# and request id; a flood of denials is rate-limited with a
# "denials_suppressed" count; a failed sign-in's page links "Start again".
# The GitHub stand-in (tests/standin/github.js) adds a sign-in and a refusal
# by allowed_orgs.
# Then every secret of the run - the client secret, the session key, each
# code and state, every cookie value, and every access and id token the
# provider issued (OIDC_TOKEN_LOG, GITHUB_TOKEN_LOG) - is looked for in the audit file
# AND the program's log: none may be there.
. "$(dirname "$0")/flowlib.sh"

flow_init
need_tool python3
need_oidc_provider

CB=$BASE/oauth
SECRET='audit e2e secret&=+%"'
export OIDC_REDIRECT_URIS="$CB/corp/callback"
export OIDC_POST_LOGOUT_URIS="$BASE/bye"
export OIDC_CLIENT_ID=e2e-audit OIDC_CLIENT_SECRET=$SECRET
export OIDC_TOKEN_LOG=$T/issued-tokens
: >"$OIDC_TOKEN_LOG"
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1
# The GitHub stand-in (not OpenID: the identity is its REST API).
GH_SECRET='gh-audit-secret-5d2e'
export GITHUB_CLIENT_ID=gh-audit GITHUB_CLIENT_SECRET=$GH_SECRET
export GITHUB_REDIRECT_URI=$BASE/oauth/github/callback GITHUB_TOKEN_LOG=$OIDC_TOKEN_LOG
GH=$(start_peer github node tests/standin/github.js --tls "$T/tls") || exit 1

AUDIT=$T/audit/audit.log
mkdir -p "$T/audit"
make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    issuer: $IDP
    client_id: e2e-audit
    client_secret: '${SECRET//\'/\'\'}'
    scope: "openid email profile groups"
  - name: github
    base_url: $GH
    client_id: gh-audit
    client_secret: "$GH_SECRET"
    allowed_orgs: [filler-34, other]
allow_http_redirect: true
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
http:
  ca_file: $T/tls/ca.pem
access:
  - path: /app/admin/
    groups: [nobody]
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
audit: $AUDIT
EOF
# The denials' token bucket is per process, and lighttpd gives a request to
# the least busy of the gate's processes: the first when all are idle, but
# another whenever the first is busy or being restarted. With the shipped
# four, the flood below and the denials after it could meet two buckets,
# and the count of what was dropped would be reported by neither. One
# process makes the bucket this test floods the one it reads.
LIGHTTPD_SED=(-e '/"mode" *=> "authorizer"/,/max-procs/s/"max-procs" *=> [0-9]*/"max-procs" => 1/')
flow_lighttpd
t_like "$(grep -A6 '"mode" *=> "authorizer"' "$T/oauth2-fcgi.conf")" '"max-procs" => 1,' \
    "the gate runs as one process here"

SEEN=() # codes, states, cookies: none may reach a log

# aj EVENT: the audit lines of EVENT as "status|provider|user|subject|rule|
# reason|client|request_id|time", one a line (null fields empty).
aj() {
    python3 - "$AUDIT" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["event"] != sys.argv[2]:
        continue
    print("|".join("" if r.get(k) is None else str(r[k]) for k in
        ("status", "provider", "user", "subject", "rule", "reason", "client", "request_id", "time")))
PY
}

# wait_audit N: waits (3 s at most) until the audit file has N lines.
wait_audit() {
    for _ in $(seq 1 30); do
        [ "$(wc -l <"$AUDIT" 2>/dev/null || echo 0)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

browser_login() {
    local out
    out=$(node "$top_srcdir/tests/idp/login.js" --ca "$T/tls/ca.pem" --user "$1" "$AUTHZ" \
        2>"$T/login.err")
    CALLBACK=$(printf '%s\n' "$out" | sed -n 1p)
    [ -n "$CALLBACK" ] || t_diag "login.js: $(cat "$T/login.err")"
    SEEN+=("$(param code "$CALLBACK")" "$(param state "$AUTHZ")" "${STATE_COOKIE#*=}")
}

t_ok "the audit file exists once the program started" wait_file "$AUDIT" 5
t_is "$(stat -c %a "$AUDIT")" 640 "... made 0640 (it names users)"

# ---- a sign-in ---------------------------------------------------------------

oa_login corp /app/page
browser_login alice
callback "$CALLBACK"
SEEN+=("${SESSION#*=}")
ALICE=$SESSION
t_is "$HTTP_STATUS" 302 "alice signs in"
wait_audit 1 || t_diag "no audit line after the sign-in"
IFS='|' read -r st prov user sub rule reason client rid when <<<"$(aj sign_in | tail -n 1)"
t_is "$st|$prov|$user|$sub" "302|corp|alice@example.com|alice" \
    "sign_in: status, provider, user (the verified email) and subject"
t_is "$rule$reason" "" "sign_in: no rule, no reason (null)"
t_is "$client" 127.0.0.1 "sign_in: the client address (REMOTE_ADDR)"
t_like "$rid" '^[0-9a-f]+-[0-9a-f]+-[0-9]+$' "sign_in: a request id made by the program (lighttpd passes none)"
t_like "$when" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$' "sign_in: RFC 3339 UTC time"
t_is "$(aj sign_in | wc -l)" 1 "one line for one sign-in"

# ---- the authorizer's denials ----------------------------------------------

http_req "$BASE/app/admin/x" -H "Cookie: $ALICE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "alice is not in the admin rule's group: 403"
http_req "$BASE/app/page" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 401 "an API call without a session: 401"
http_req "$BASE/app/page" -H "Cookie: $ALICE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "alice may see /app/page"
http_req "$BASE/app/page" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "a page load without a session: 302 to sign in"
wait_audit 3 || t_diag "fewer than 3 audit lines"
IFS='|' read -r st prov user sub rule reason client rid when <<<"$(aj denied | grep '^403' | head -n 1)"
t_is "$st|$prov|$user|$sub" "403|corp|alice@example.com|alice" "denied 403: who"
t_is "$rule" "/app/admin/ (line $(grep -n 'path: /app/admin/' "$T/oauth.yml" | cut -d: -f1))" \
    "denied 403: the rule that refused (its path and line)"
t_like "$reason" 'access rules' "denied 403: why"
t_is "$client" 127.0.0.1 "denied 403: the client address"
IFS='|' read -r st prov user sub rule reason client rid when <<<"$(aj denied | grep '^401' | head -n 1)"
t_is "$st|$prov|$user|$sub|$rule" "401||||" "denied 401: nobody, no rule"
t_like "$reason" 'not signed in' "denied 401: why"
t_is "$(wc -l <"$AUDIT")" 3 "an allow and a sign-in redirect are not audited (3 lines so far)"

# ---- a failed sign-in: its line, and its page's way forward -----------------

http_req "$CALLBACK" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "the callback again (state cookie gone): 400"
t_like "$HTTP_BODY" '<a class="btn" href="/oauth/">Start again</a>' \
    "the error page links Start again to the sign-in page (no rd known without the state)"
oa_login corp /app/page
browser_login alice
callback "$(printf '%s' "$CALLBACK" | sed 's/iss=[^&]*/iss=https%3A%2F%2Fevil.example/')"
t_is "$HTTP_STATUS" 400 "another issuer's iss: 400"
t_like "$HTTP_BODY" '<a class="btn" href="/oauth/sign_in\?rd=%2Fapp%2Fpage">Start again</a>' \
    "... its page links Start again to the sign-in page with the original rd"
http_req "$BASE$(printf '%s' "$HTTP_BODY" | sed -n 's/.*href="\(\/oauth\/sign_in[^"]*\)">Start again.*/\1/p' | sed 's/&amp;/\&/g')" \
    -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "... which is the sign-in page"
t_like "$HTTP_BODY" '/oauth/corp/login\?rd=%2Fapp%2Fpage' "... with rd carried on"
wait_audit 5 || t_diag "fewer than 5 audit lines"
t_is "$(aj sign_in_failed | wc -l)" 2 "one sign_in_failed line per failed callback"
IFS='|' read -r st prov user sub rule reason client rid when <<<"$(aj sign_in_failed | sed -n 1p)"
t_is "$st|$prov" "400|corp" "sign_in_failed: status and provider"
t_like "$reason" 'no state cookie' "sign_in_failed: why (the state cookie is gone)"
t_like "$(aj sign_in_failed | sed -n 2p | cut -d'|' -f6)" 'iss parameter is not the issuer' \
    "sign_in_failed: why (mix-up)"

# ---- sign-out ---------------------------------------------------------------

http_req "$BASE/oauth/logout?rd=%2Fbye" -H "Cookie: $ALICE" -H 'Accept: text/html' \
    -H 'Sec-Fetch-Site: same-origin'
t_is "$HTTP_STATUS" 302 "alice signs out"
wait_audit 6 || t_diag "no sign_out line"
t_is "$(aj sign_out | cut -d'|' -f1-4)" "302|corp|alice@example.com|alice" "sign_out: who"
http_req "$BASE/oauth/logout?rd=%2Fbye" -H 'Accept: text/html' -H 'Sec-Fetch-Site: same-origin'
t_is "$(aj sign_out | wc -l)" 1 "a logout without a session signs nobody out: no line"

# ---- GitHub: a sign-in, and one its allowed_orgs refuse -----------------------

# gh_sign_in USER: login, the stand-in's authorize page as USER, callback.
gh_sign_in() {
    oa_login github /app/page
    CALLBACK=$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" -o /dev/null \
        -w '%{redirect_url}' "$AUTHZ&login=$1")
    callback "$CALLBACK"
    SEEN+=("$(param code "$CALLBACK")" "$(param state "$AUTHZ")" "${STATE_COOKIE#*=}" "${SESSION#*=}")
}
lines=$(wc -l <"$AUDIT")
gh_sign_in alice
t_is "$HTTP_STATUS" 302 "github: alice signs in"
gh_sign_in carol
t_is "$HTTP_STATUS" 403 "github: carol, in no allowed org, is refused at the callback"
wait_audit "$((lines + 2))" || t_diag "fewer GitHub lines than expected"
IFS='|' read -r st prov user sub rule reason client rid when <<<"$(aj sign_in | grep '|github|')"
t_like "$st|$prov|$user|$sub" '^302\|github\|alice@example\.com\|[0-9]+$' \
    "github sign_in: the verified email and GitHub's numeric id as subject"
IFS='|' read -r st prov user sub rule reason client rid when <<<"$(aj sign_in_failed | grep '|github|')"
t_is "$st|$prov" "403|github" "github sign_in_failed: 403 at github"
t_like "$reason" 'org' "github sign_in_failed: why (allowed_orgs)"

# ---- every line: JSON, one line, its fields; ids unique ----------------------

t_ok "every line is one JSON object with the ten fields" python3 - "$AUDIT" <<'PY'
import json, sys
want = {"time", "event", "status", "provider", "user", "subject", "rule", "reason", "client",
        "request_id"}
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["event"] != "denials_suppressed" and set(r) != want:
        sys.exit("fields: %r" % sorted(r))
PY
t_is "$(python3 -c 'import json,sys; print(len({json.loads(l)["request_id"] for l in open(sys.argv[1])}))' "$AUDIT")" \
    "$(wc -l <"$AUDIT")" "every request has its own request id"

# ---- a flood of denials: rate-limited, counted --------------------------------

# Sequential requests on one connection go to one authorizer process (its
# bucket: 50 at once, 10 a second).
N=200
lines_before=$(wc -l <"$AUDIT")
urls=()
for _ in $(seq 1 "$N"); do urls+=(-o /dev/null "$BASE/app/flood"); done
codes=$(curl -sS --max-time 60 -H 'Accept: application/json' -w '%{http_code}\n' "${urls[@]}" |
    sort | uniq -c | awk '{ print $2 ":" $1 }' | tr '\n' ' ')
t_is "$codes" "401:$N " "a flood of $N API calls without a session: all 401"
sleep 1.2 # a token comes back; the next denial reports what was dropped
for _ in 1 2 3 4 5 6 7 8; do curl -sS -o /dev/null -H 'Accept: application/json' "$BASE/app/flood"; done
sleep 0.3
written=$(tail -n +"$((lines_before + 1))" "$AUDIT" | grep -c '"event": "denied"')
dropped=$(tail -n +"$((lines_before + 1))" "$AUDIT" | python3 -c '
import json, sys
print(sum(json.loads(l).get("count", 0) for l in sys.stdin if "denials_suppressed" in l))')
t_ok "the flood is rate-limited: $written of $((N + 8)) denials written" test "$written" -lt "$N"
t_ok "a denials_suppressed line counts the others ($dropped)" test "$dropped" -gt 0
t_ok "written + counted never exceeds the denials ($written + $dropped <= $((N + 8)))" \
    test "$((written + dropped))" -le "$((N + 8))"
t_like "$(grep -m1 denials_suppressed "$AUDIT")" '^\{"time": "[0-9T:Z-]+", "event": "denials_suppressed", "count": [0-9]+\}$' \
    "the suppressed line: time, event, count"
# Which process wrote what (a request id of ours ends in PID-N), and what
# lighttpd said of its children: the diagnosis of a flood check that fails.
[ "$dropped" -gt 0 ] || t_diag "denied lines by process: $(tail -n +"$((lines_before + 1))" "$AUDIT" |
    sed -n 's/.*"request_id": "[0-9a-f]*-\([0-9a-f]*\)-[0-9]*".*/\1/p' | sort | uniq -c | tr '\n' ' ')"
t_unlike "$(cat "$T/lighttpd-error.log")" 'child (exited|signalled|died)|spawning .*failed' \
    "no oauth2-fcgi process exited or was restarted during the run"

# ---- no secret anywhere ---------------------------------------------------------

mapfile -t TOKENS <"$OIDC_TOKEN_LOG"
t_ok "the provider issued access and id tokens to look for (${#TOKENS[@]})" test "${#TOKENS[@]}" -ge 3
KEY=$(tr -d '\n' <"$T/session.key")
bad=
for w in "$SECRET" "$GH_SECRET" "$KEY" "${SEEN[@]}" "${TOKENS[@]}"; do
    [ -n "$w" ] || continue
    for f in "$AUDIT" "$OA_LOG" "$T/lighttpd-error.log"; do
        grep -qF -- "$w" "$f" 2>/dev/null && bad="$bad ${f##*/}:'${w:0:10}...'"
    done
done
t_is "$bad" "" "no client secret, session key, code, state, cookie or token in the audit file or the log"
t_unlike "$(cat "$AUDIT" "$OA_LOG")" 'eyJ[A-Za-z0-9_-]{8,}\.|gho_' "nothing shaped like a JWT or a GitHub token either"
t_ok "the secrets looked for were really used (${#SEEN[@]} codes, states, cookies)" test "${#SEEN[@]}" -ge 6

t_done
