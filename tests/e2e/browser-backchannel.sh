#!/usr/bin/env bash
# browser-backchannel.sh - back-channel logout sent by oidc-provider itself
# after a real browser sign-in. Set-up as backchannel-logout.sh: a real
# lighttpd with the shipped contrib/lighttpd/oauth2-fcgi.conf (several
# authorizer processes sharing session.revocation_file) and the real
# oidc-provider (tests/idp/provider.js, OIDC_BACKCHANNEL_URI, sid in its
# tokens). The walk (tests/e2e/browser-backchannel.js, Debian's chromium via
# playwright-core): the browser opens a protected page, signs in at the
# provider's login form and lands on the page; its session cookie, copied
# out of the browser, passes with curl; the browser signs out at the
# provider (its end_session endpoint, "Yes, sign me out"); the provider
# POSTs its logout token to oauth2-fcgi, and within 1 s the copied cookie is
# refused by every authorizer process and the browser, loading the page
# again, is asked to sign in. No token or cookie in any log. 127.0.0.1 only.
. "$(dirname "$0")/flowlib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool lighttpd
browser_need
flow_init
need_oidc_provider

CB=$BASE/oauth
export OIDC_CLIENT_ID=bc-browser
export OIDC_CLIENT_SECRET=bc-browser-secret-$RANDOM$RANDOM
export OIDC_REDIRECT_URIS="$CB/corp/callback"
export OIDC_BACKCHANNEL_URI="$CB/corp/backchannel-logout"
export OIDC_BACKCHANNEL_SID=1
export OIDC_TOKEN_LOG=$T/op-tokens
IDP=$(start_peer provider node "$IDP_JS" --tls "$T/tls") || exit 1
IDP_LOG=$T/provider.log

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    display_name: "Corp SSO"
    issuer: $IDP
    client_id: $OIDC_CLIENT_ID
    client_secret: "$OIDC_CLIENT_SECRET"
    scope: "openid email profile groups"
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 1h
  revocation_file: $T/revocations
http:
  ca_file: $T/tls/ca.pem
  timeout: 10s
log: stderr
log_level: debug
EOF
flow_lighttpd

# The provider's end_session endpoint, from its discovery document.
END_SESSION=$(curl -sS --max-time 20 --cacert "$T/tls/ca.pem" "$IDP/.well-known/openid-configuration" |
    node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; }).on("end", () => {
        console.log(JSON.parse(s).end_session_endpoint || ""); });')
t_like "$END_SESSION" "^$IDP/" "the provider's discovery names its end_session endpoint"

# ---- the browser walk, driven step by step -------------------------------------

ART=$(browser_artifacts)
mkdir -p "$ART"
mkfifo "$T/walk.ctl" || bail "mkfifo failed"
PLAYWRIGHT_CORE=$NODE_MODULES/playwright-core \
    node "$top_srcdir/tests/e2e/browser-backchannel.js" --base "$BASE" --path '/app/page?x=1' \
    --end-session "$END_SESSION" --cookie-name oauth2_fcgi \
    --cookie-file "$T/cookie" --secrets-file "$T/browser-cookies" \
    --provider 'Corp SSO' --login alice --password "pw-$RANDOM" --user alice \
    --profile "$T/chromium-profile" --artifacts "$ART" --name backchannel \
    <"$T/walk.ctl" >"$T/walk.out" 2>"$T/walk.err" &
WALK=$!
E2E_PIDS+=("$WALK")
e2e_log "$T/walk.err"
exec 3>"$T/walk.ctl"
WALK_AT=0

# walk_until STEP: turns the walk's new PASS/FAIL/DIAG lines into TAP until
# it says "STEP STEP" (true) or "STEP end", ends, or 120 s pass (false).
walk_until() {
    local line i
    for i in $(seq 1 1200); do
        while IFS= read -r line; do
            WALK_AT=$((WALK_AT + 1))
            case "$line" in
                PASS\ *) t_pass "browser: ${line#PASS }" ;;
                FAIL\ *) t_fail "browser: ${line#FAIL }" ;;
                DIAG\ *) echo "# ${line#DIAG }" ;;
                "STEP $1") return 0 ;;
                "STEP end") return 1 ;;
            esac
        done < <(tail -n +"$((WALK_AT + 1))" "$T/walk.out")
        kill -0 "$WALK" 2>/dev/null || break
        [ "$i" = 1200 ] || sleep 0.1
    done
    t_fail "browser: the walk reached step $1"
    t_diag "$(tail -n 5 "$T/walk.err")"
    return 1
}

# page COOKIE: the protected page's status with that cookie, as a browser asks.
page() {
    http_req "$BASE/app/page?x=1" -H "Cookie: $1" -H 'Accept: text/html'
    echo "$HTTP_STATUS"
}

if ! walk_until signed-in; then
    t_done
fi
COOKIE=$(cat "$T/cookie")
t_like "$COOKIE" '^oauth2_fcgi=.{20,}' "the session cookie copied out of the browser"
ok=0
for _ in $(seq 1 8); do [ "$(page "$COOKIE")" = 200 ] && ok=$((ok + 1)); done
t_is "$ok" 8 "curl with the browser's cookie: the page, 8 times in a row (over the authorizer processes)"
http_req "$BASE/app/page?x=1" -H "Cookie: $COOKIE" -H 'Accept: text/html'
t_like "$HTTP_BODY" 'REMOTE_USER=' "... with the identity"

log_mark
echo signout >&3
walk_until signed-out || t_done

# Within 1 s (10 x 100 ms) the copied cookie is refused, then by every
# authorizer process: 10 requests in a row, the sign-in redirect each time.
for polls in $(seq 1 10); do
    s=$(page "$COOKIE")
    [ "$s" = 302 ] && break
    sleep 0.1
done
echo "# the copied cookie: HTTP $s at poll $polls of 10 (100 ms apart)"
t_is "$s" 302 "the copied cookie is refused (302 to sign in) within 1 s of the provider's sign-out"
refused=0
for _ in $(seq 1 10); do [ "$(page "$COOKIE")" = 302 ] && refused=$((refused + 1)); done
t_is "$refused" 10 "... by every authorizer process (10 requests in a row)"
http_req "$BASE/app/page?x=1" -H "Cookie: $COOKIE" -H 'Accept: text/html'
t_unlike "$HTTP_BODY" 'REMOTE_USER=|backend: ok' "... with none of the page"
t_like "$(http_header Location)" '/oauth/' "... the redirect goes to sign in"
http_req "$BASE/app/page?x=1" -H "Cookie: $COOKIE" -H 'Accept: application/json'
t_is "$HTTP_STATUS" 401 "... and a non-browser client gets 401"

echo reload >&3
walk_until end

t_like "$(grep 'backchannel\.' "$IDP_LOG")" 'backchannel\.success bc-browser' \
    "the provider itself sent the logout token, and oauth2-fcgi took it (200)"
t_unlike "$(grep 'backchannel\.' "$IDP_LOG")" 'backchannel\.error' "... no back-channel error"
t_log 'provider corp: back-channel logout: provider session revoked' \
    "oauth2-fcgi logged the revocation"

# ---- logs ---------------------------------------------------------------------

SEEN=("${COOKIE#*=}")
while IFS= read -r w; do [ "${#w}" -ge 16 ] && SEEN+=("$w"); done <"$T/browser-cookies"
while IFS= read -r w; do SEEN+=("$w"); done <"$OIDC_TOKEN_LOG"
t_ok "the secrets to look for: the cookies and the provider's tokens" [ "${#SEEN[@]}" -ge 4 ]
t_no_secrets "no log holds a cookie, a token or the logout token" "${SEEN[@]}"
t_one_process_each "oauth2-fcgi never restarted"
exec 3>&-
wait "$WALK"
t_done
