# browser/common.sh - what the browser tests (tests/e2e/browser-*.sh) share
# (sourced after tests/e2e/lib.sh, never run): finding chromium, node and
# playwright-core; the OpenID provider (tests/idp/provider.js, panva's
# oidc-provider over https with a throwaway CA); the oauth2-fcgi config;
# and running tests/e2e/browser.js, whose PASS/FAIL lines become TAP.
#
# Environment: CHROMIUM (default /usr/bin/chromium); OA_NODE_MODULES, a
# node_modules directory holding playwright-core and oidc-provider (default:
# the source tree's, then the build tree's); OA_ARTIFACTS, where the
# screenshots go (default tests/e2e/artifacts in a git checkout, else in the
# build tree).

# browser_need: skips the whole script unless node, chromium and the npm
# packages are there. Sets NODE_MODULES, CHROMIUM.
browser_need() {
    need_tool node openssl curl
    CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
    [ -x "$CHROMIUM" ] || skip_all "chromium is not installed ($CHROMIUM; apt-get install chromium)"
    NODE_MODULES=$(node_modules_dir playwright-core oidc-provider)
    [ -n "$NODE_MODULES" ] ||
        skip_all "playwright-core/oidc-provider are not installed (npm ci at the top of the source tree, or OA_NODE_MODULES)"
    need_oa
    export CHROMIUM
}

# browser_artifacts: prints the directory for screenshots.
# shellcheck disable=SC2154 # top_srcdir, top_builddir: from lib.sh, sourced first
browser_artifacts() {
    if [ -n "${OA_ARTIFACTS:-}" ]; then
        echo "$OA_ARTIFACTS"
    elif [ -d "$top_srcdir/.git" ]; then
        echo "$top_srcdir/tests/e2e/artifacts"
    else
        echo "$top_builddir/tests/e2e/artifacts"
    fi
}

# browser_idp PUBLIC_URL: starts the provider for a site at PUBLIC_URL (its
# callback and post-logout URIs registered), sets IDP (the issuer) and the
# client credentials IDP_CLIENT_ID / IDP_CLIENT_SECRET, IDP_CA.
browser_idp() {
    local idp_js
    sh "$top_srcdir/tests/idp/ca.sh" "$E2E_TMP/tls" || bail "tests/idp/ca.sh failed"
    IDP_CA=$E2E_TMP/tls/ca.pem
    chmod 644 "$IDP_CA"
    idp_js=$(idp_copy "$E2E_TMP/idp" "$NODE_MODULES") || bail "cannot copy tests/idp/provider.js"
    IDP_CLIENT_ID=browser-client
    IDP_CLIENT_SECRET=browser-secret-$RANDOM$RANDOM
    OIDC_CLIENT_ID=$IDP_CLIENT_ID OIDC_CLIENT_SECRET=$IDP_CLIENT_SECRET \
        OIDC_REDIRECT_URIS="$1/oauth/corp/callback" \
        OIDC_POST_LOGOUT_URIS="$1/app/ $1/" \
        e2e_bg idp node "$idp_js" --tls "$E2E_TMP/tls"
    IDP=$(peer_url "$E2E_TMP/idp.log" "$E2E_LAST_PID") ||
        bail "the OpenID provider did not start: $(cat "$E2E_TMP/idp.log")"
}

# browser_config FILE PUBLIC_URL: the oauth2-fcgi config for the browser
# tests: the provider above (by discovery) and a second one that is only a
# button (so the sign-in page is shown rather than skipped), http allowed
# (the sites are http on 127.0.0.1; dev mode), the provider's CA, /app/ for
# example.com addresses. Sets BROWSER_KEY; --check-config is the first test.
browser_config() {
    BROWSER_KEY=$E2E_TMP/session.key
    make_key "$BROWSER_KEY"
    cat >"$1" <<EOF
# oauth2-fcgi config written by tests/e2e/browser/common.sh
providers:
  - name: corp
    display_name: "Corp SSO"
    issuer: $IDP
    client_id: $IDP_CLIENT_ID
    client_secret: "$IDP_CLIENT_SECRET"
  - name: partner
    display_name: "Partner SSO"
    client_id: unused
    client_secret: unused
    authorize_url: http://127.0.0.1:9/authorize
    token_url: http://127.0.0.1:9/token
    userinfo_url: http://127.0.0.1:9/userinfo
public_url: $2
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $BROWSER_KEY
  lifetime: 1h
http:
  ca_file: $IDP_CA
  timeout: 10s
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF
    if "$OA_BIN" --check-config -c "$1" >"$E2E_TMP/check-config.out" 2>&1; then
        t_pass "oauth2-fcgi --check-config accepts the browser test's config"
    else
        t_fail "oauth2-fcgi --check-config accepts the browser test's config"
        t_diag "$(cat "$E2E_TMP/check-config.out")"
    fi
}

# browser_run NAME BASE_URL [USER_VAR EMAIL_VAR]: the whole browser walk
# (tests/e2e/browser.js) against BASE_URL; its checks become TAP lines.
browser_run() {
    local name=$1 base=$2 uvar=${3:-REMOTE_USER} evar=${4:-OAUTH2_EMAIL} art line ran=
    art=$(browser_artifacts)
    mkdir -p "$art"
    PLAYWRIGHT_CORE=$NODE_MODULES/playwright-core \
        node "$top_srcdir/tests/e2e/browser.js" --base "$base" --path '/app/page?x=1' \
        --provider 'Corp SSO' --login alice --password "pw-$RANDOM" \
        --user-var "$uvar" --user alice@example.com \
        --email-var "$evar" --email alice@example.com --logout-rd /app/ \
        --profile "$E2E_TMP/chromium-profile" --artifacts "$art" --name "$name" \
        >"$E2E_TMP/browser.out" 2>"$E2E_TMP/browser.err"
    e2e_log "$E2E_TMP/browser.err"
    while IFS= read -r line; do
        case "$line" in
            PASS\ *) t_pass "${line#PASS }"; ran=1 ;;
            FAIL\ *) t_fail "${line#FAIL }"; ran=1 ;;
            DIAG\ *) echo "# ${line#DIAG }" ;;
        esac
    done <"$E2E_TMP/browser.out"
    [ -n "$ran" ] || t_fail "browser.js ran ($(head -c 300 "$E2E_TMP/browser.err"))"
    for line in sign-in protected; do
        if [ -s "$art/$name-$line.png" ]; then
            t_pass "screenshot $name-$line.png saved"
        else
            t_fail "screenshot $name-$line.png saved"
        fi
    done
}

# browser_backend_http PORT: an echo application over HTTP (for nginx's
# proxy_pass): prints its request headers as HTTP_* lines, like the CGI
# backend prints its environment.
browser_backend_http() {
    e2e_bg app node "$top_srcdir/tests/e2e/browser/echo-app.js" "$1"
    wait_port "$1" 15 || bail "the echo application did not start"
}
