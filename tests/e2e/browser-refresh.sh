#!/usr/bin/env bash
# browser-refresh.sh - a real browser past session.refresh_after (DESIGN.md
# 14.4) through lighttpd: signed in with Chromium at the OpenID provider of
# tests/idp (OIDC_REFRESH=1: refresh tokens for offline_access), wait past
# refresh_after (3s), reload: the browser must land back on the page with
# no login form, through /oauth/refresh, and the provider's login page
# (/interaction/...) must not be asked for again. Twice: corp (offline_access:
# the refresh token) and corp2 (a client without the refresh grant: the
# browser goes to the provider with prompt=none). The walk is
# tests/e2e/browser/refresh.js. Everything on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/browser/common.sh"

need_tool lighttpd
browser_need
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
SECRET=browser-refresh-$RANDOM$RANDOM

sh "$top_srcdir/tests/idp/ca.sh" "$T/tls" || bail "tests/idp/ca.sh failed"
chmod 644 "$T/tls/ca.pem"
IDP_JS=$(idp_copy "$T/idp" "$NODE_MODULES") || bail "cannot copy tests/idp/provider.js"
OIDC_CLIENT_ID=rf-browser OIDC_CLIENT_SECRET=$SECRET OIDC_REFRESH=1 \
    OIDC_CLIENTS="[{\"client_id\":\"rf-silent\",\"client_secret\":\"$SECRET\",\"grant_types\":[\"authorization_code\"]}]" \
    OIDC_REDIRECT_URIS="$BASE/oauth/corp/callback $BASE/oauth/corp2/callback" \
    e2e_bg idp node "$IDP_JS" --tls "$T/tls"
IDP=$(peer_url "$T/idp.log" "$E2E_LAST_PID") || bail "the provider did not start: $(cat "$T/idp.log")"

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF2
providers:
  - name: corp
    display_name: "Corp SSO"
    issuer: $IDP
    client_id: rf-browser
    client_secret: "$SECRET"
    offline_access: true
  - name: corp2
    display_name: "Corp Silent"
    issuer: $IDP
    client_id: rf-silent
    client_secret: "$SECRET"
public_url: $BASE
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  lifetime: 1h
  refresh_after: 3s
http:
  ca_file: $T/tls/ca.pem
  timeout: 10s
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF2
"$OA_BIN" --check-config -c "$T/oauth.yml" >"$T/check.out" 2>&1 ||
    bail "--check-config refuses the config: $(cat "$T/check.out")"
lighttpd_start "$PORT" "$T/oauth.yml"

ART=$(browser_artifacts)
PLAYWRIGHT_CORE=$NODE_MODULES/playwright-core \
    node "$top_srcdir/tests/e2e/browser/refresh.js" --base "$BASE" --path /app/page \
    --provider 'Corp SSO' --login alice --password "pw-$RANDOM" --user alice@example.com \
    --wait 4 --idp-log "$T/idp.log" --second corp2 --profile "$T/chromium-profile" \
    --artifacts "$ART" --name refresh >"$T/browser.out" 2>"$T/browser.err"
e2e_log "$T/browser.err"
RAN=
while IFS= read -r line; do
    case "$line" in
        PASS\ *) t_pass "${line#PASS }"; RAN=1 ;;
        FAIL\ *) t_fail "${line#FAIL }"; RAN=1 ;;
        DIAG\ *) echo "# ${line#DIAG }" ;;
    esac
done <"$T/browser.out"
[ -n "$RAN" ] || t_fail "refresh.js ran ($(head -c 300 "$T/browser.err"))"
t_done
