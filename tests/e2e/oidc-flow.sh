#!/usr/bin/env bash
# oidc-flow.sh - the whole sign-in through a real lighttpd and a real
# OpenID provider over TLS (tests/e2e/oidc-standin.js, Node core, strict
# about PKCE, single-use codes, client_secret_basic and RFC 9207 iss):
# protected page -> login -> provider -> callback (token request over
# https with a private CA, id_token checked against the JWKS from
# discovery, UserInfo) -> session cookie -> the page, then the refusals
# (replayed state, wrong iss, access_denied, a user the rules refuse) and
# logout to the provider's end_session_endpoint. Everything on 127.0.0.1.
. "$(dirname "$0")/lib.sh"

need_tool lighttpd curl node openssl
need_oa
e2e_init

T=$E2E_TMP
PORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT

# ---- the provider ----------------------------------------------------------
sh "$top_srcdir/tests/idp/ca.sh" "$T/tls" || bail "ca.sh failed"
e2e_bg standin node "$top_srcdir/tests/e2e/oidc-standin.js" "$T/tls"
for _ in $(seq 1 100); do
    grep -q '^READY' "$T/standin.log" 2>/dev/null && break
    sleep 0.1
done
IDP_PORT=$(sed -n 's/^READY //p' "$T/standin.log")
[ -n "$IDP_PORT" ] || bail "the stand-in provider did not start"
IDP=https://127.0.0.1:$IDP_PORT
idp_curl() { curl -sS --max-time 20 --cacert "$T/tls/ca.pem" "$@"; }

# ---- oauth2-fcgi behind lighttpd -------------------------------------------
make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    display_name: "Corp SSO"
    issuer: $IDP
    client_id: e2e-oidc-client
    client_secret: "e2e oidc secret&="
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 1h
http:
  ca_file: $T/tls/ca.pem
  timeout: 10s
access:
  - path: /app/
    email_domains: [example.com]
log: stderr
log_level: debug
EOF
"$OA_BIN" --check-config -c "$T/oauth.yml" >"$T/check.out" 2>&1 ||
    bail "--check-config refuses the config: $(cat "$T/check.out")"

mkdir -p "$T/www"
cp "$top_srcdir/tests/e2e/backend" "$T/www/app"
chmod 755 "$T/www/app"
sed -e "s|^var.oauth2_fcgi_bin .*|var.oauth2_fcgi_bin = \"$OA_BIN\"|" \
    -e "s|^var.oauth2_fcgi_config .*|var.oauth2_fcgi_config = \"$T/oauth.yml\"|" \
    -e "s|^var.oauth2_fcgi_sockets .*|var.oauth2_fcgi_sockets = \"$T\"|" \
    "$top_srcdir/contrib/lighttpd/oauth2-fcgi.conf" >"$T/oauth2-fcgi.conf"
cat >"$T/lighttpd.conf" <<CONF
server.document-root = "$T/www"
server.bind          = "127.0.0.1"
server.port          = $PORT
server.errorlog      = "$T/lighttpd-error.log"
server.upload-dirs   = ( "$T" )
server.modules       = ( "mod_access", "mod_cgi" )
cgi.assign           = ( "/app" => "" )
include "$T/oauth2-fcgi.conf"
CONF
e2e_log "$T/lighttpd-error.log"
lighttpd -tt -f "$T/lighttpd.conf" >"$T/lighttpd-test.log" 2>&1 ||
    bail "lighttpd rejects the config: $(cat "$T/lighttpd-test.log")"
e2e_bg lighttpd lighttpd -D -f "$T/lighttpd.conf"
wait_port "$PORT" 15 || bail "lighttpd did not start on 127.0.0.1:$PORT"

# ---- helpers -----------------------------------------------------------------

# set_cookie PREFIX: "name=value" of the last response's first Set-Cookie
# whose name starts with PREFIX.
set_cookie() {
    printf '%s\n' "$HTTP_HEADERS" | sed -n "s/^[Ss]et-[Cc]ookie: *\($1[^;]*\).*/\1/p" | head -n 1
}
token_requests() { idp_curl "$IDP/stats" | sed 's/.*"token_requests":\([0-9]*\).*/\1/'; }

# login [EXTRA]: starts a login; sets STATE_COOKIE and AUTHZ (the provider
# URL, with EXTRA appended), then asks the provider and sets CALLBACK.
login() {
    http_req "$BASE/oauth/corp/login?rd=%2Fapp%2Fpage%3Fx%3D1" -H 'Accept: text/html'
    STATE_COOKIE=$(set_cookie oauth2_fcgi_state_)
    AUTHZ="$(http_header Location)${1:-}"
    CALLBACK=$(idp_curl -o /dev/null -w '%{redirect_url}' "$AUTHZ")
}

# ---- the happy path --------------------------------------------------------

http_req "$BASE/app/page?x=1" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "no session: the protected page redirects to sign in"

login
t_is "$HTTP_STATUS" 302 "login: 302"
t_like "$AUTHZ" "^$IDP/authorize\\?" "login: to the provider's authorization endpoint (discovery)"
t_like "$AUTHZ" 'code_challenge_method=S256' "login: PKCE S256"
t_like "$AUTHZ" '[?&]nonce=[A-Za-z0-9_-]{43}' "login: a nonce"
t_like "$AUTHZ" "redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A$PORT%2Foauth%2Fcorp%2Fcallback" \
    "login: redirect_uri derived from the request"
t_like "$STATE_COOKIE" '^oauth2_fcgi_state_[A-Za-z0-9_-]{8}=' "login: a state cookie"
t_like "$CALLBACK" "^$BASE/oauth/corp/callback\\?.*code=" "the provider sends the browser back"
t_like "$CALLBACK" "iss=https%3A%2F%2F127" "... with RFC 9207 iss"

before=$(token_requests)
http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "callback: 302"
t_is "$(http_header Location)" "/app/page?x=1" "callback: back to rd"
SESSION=$(set_cookie 'oauth2_fcgi=')
t_like "$SESSION" '^oauth2_fcgi=.' "callback: a session cookie"
t_like "$(printf '%s\n' "$HTTP_HEADERS" | grep -i "^set-cookie: ${STATE_COOKIE%%=*}=;")" \
    'Max-Age=0' "callback: the state cookie is deleted"
t_is "$(token_requests)" "$((before + 1))" "callback: one token request (PKCE and basic auth ok)"

http_req "$BASE/app/page?x=1" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 200 "with the session: the page"
t_is "$(body_var REMOTE_USER)" alice@example.com "the backend sees the verified email"
t_is "$(body_var OAUTH2_USER)" alice "the backend sees preferred_username"
t_is "$(body_var OAUTH2_NAME)" 'Alice Example' "the name from UserInfo"
t_is "$(body_var OAUTH2_GROUPS)" 'ops,dev' "the groups from UserInfo"

# ---- refusals ------------------------------------------------------------------

before=$(token_requests)
http_req "$CALLBACK" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "the same callback again, without the (deleted) state cookie: 400"
t_like "$HTTP_BODY" 'expired or was already used' "... says the link expired or was used"
t_is "$(token_requests)" "$before" "... and no token request"

http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 502 "replaying the cookie too: the provider refuses the used code (502)"
t_unlike "$HTTP_HEADERS" 'oauth2_fcgi=[^;]' "... and no session"

login
bad=$(printf '%s' "$CALLBACK" | sed 's/iss=[^&]*/iss=https%3A%2F%2Fevil.example/')
before=$(token_requests)
http_req "$bad" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "an iss parameter of another issuer: 400"
t_is "$(token_requests)" "$before" "... and no token request"

login
http_req "$CALLBACK" -H "Cookie: oauth2_fcgi_state_x=1" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 400 "a callback from another browser (no state cookie): 400"

login "&deny=1"
http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "error=access_denied with a valid state: 403"
t_like "$HTTP_BODY" 'said &lt;no&gt;' "... the provider's description, escaped"

login "&user=bob"
http_req "$CALLBACK" -H "Cookie: $STATE_COOKIE" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "bob signs in"
BOB=$(set_cookie 'oauth2_fcgi=')
http_req "$BASE/app/page" -H "Cookie: $BOB" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 403 "... but the access rules refuse his domain: 403"

# ---- logout ----------------------------------------------------------------------

http_req "$BASE/oauth/logout?rd=%2Fbye" -H "Cookie: $SESSION" -H 'Accept: text/html'
t_is "$HTTP_STATUS" 302 "logout: 302"
t_like "$(http_header Location)" "^$IDP/logout\\?client_id=e2e-oidc-client&post_logout_redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A$PORT%2Fbye" \
    "logout: to the provider's end_session_endpoint with post_logout_redirect_uri"
t_like "$HTTP_HEADERS" "[Ss]et-[Cc]ookie: oauth2_fcgi=;" "logout: the session cookie is cleared"

t_unlike "$(cat "$T"/*.log)" 'e2e oidc secret' "no log line holds the client secret"

t_done
