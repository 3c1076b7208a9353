#!/bin/bash
# bearer.sh - API clients with bearer tokens (DESIGN.md section 16.1): a
# real OpenID provider (oidc-provider, tests/idp/provider.js with
# OIDC_API_RESOURCE) issues JWT access tokens by client credentials with
# resource indicators over https (the throwaway CA); curl passes with a good
# token (RS256, ES256, EdDSA) through each shipped server config (lighttpd's
# authorizer, nginx's auth_request, Apache's mod_authnz_fcgi and mod_fcgid),
# and every bad token gets 401 with `WWW-Authenticate: Bearer
# error="invalid_token"` (never a redirect, even for a browser), a missing
# scope 403 with insufficient_scope; an opaque token is introspected (RFC
# 7662). Then the provider rotates its keys (a
# restart with new keys under new kids on the same port): a token of a new
# kid passes without restarting oauth2-fcgi.
. "$(dirname "$0")/flowlib.sh"

flow_init
need_oidc_provider
need_tool nginx apache2 spawn-fcgi setsid
[ -f /etc/nginx/fastcgi_params ] || skip_all "/etc/nginx/fastcgi_params is missing"
need_apache_mods authnz_fcgi fcgid proxy proxy_fcgi cgi alias authn_core authz_core authz_user \
    headers setenvif

API=https://api.example.com
IDP_PORT=$(free_port) || bail "no free port"
KEYS=$T/idp-keys.json

# start_idp SUFFIX: the provider on IDP_PORT, its keys' kids ending in SUFFIX
start_idp() {
    IDP=$(start_peer "idp$1" env OIDC_REDIRECT_URIS="$BASE/oauth/corp/callback" \
        OIDC_CLIENT_ID=api-client OIDC_CLIENT_SECRET=api-secret \
        OIDC_CLIENTS='[{"client_id":"other-client","client_secret":"o"}]' \
        OIDC_API_RESOURCE=$API OIDC_KID_SUFFIX="$1" OIDC_SIGNING_KEYS_FILE="$KEYS" \
        node "$IDP_JS" --tls "$T/tls" --port "$IDP_PORT")
}
start_idp ""

# token RESOURCE SCOPE: a client-credentials access token (RFC 8707 resource)
token() {
    curl -s --cacert "$T/tls/ca.pem" -u api-client:api-secret -d grant_type=client_credentials \
        --data-urlencode "resource=$1" --data-urlencode "scope=$2" "$IDP/token" |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}

# forge OPTIONS CLAIMS: a token made here from the provider's own private
# keys (what an attacker cannot do, to reach each check): --kid K (the key),
# --hdr-kid K (the kid the header names), --alg none, --hs (HS256 keyed with
# the RSA public key's JWK text)
cat >"$T/forge.js" <<'JS'
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const a = process.argv.slice(2);
const opt = (n, d) => { const i = a.indexOf(`--${n}`); return i >= 0 ? a[i + 1] : d; };
const keys = JSON.parse(fs.readFileSync(opt('keys'), 'utf8')).keys;
const jwk = keys.find((k) => k.kid === opt('kid', keys[0].kid));
const claims = a[a.length - 1];
const b64 = (b) => Buffer.from(b).toString('base64url');
const hs = a.includes('--hs');
const alg = hs ? 'HS256' : opt('alg', jwk.alg);
const header = { alg, kid: opt('hdr-kid', jwk.kid), typ: 'at+jwt' };
const input = `${b64(JSON.stringify(header))}.${b64(claims)}`;
let sig = '';
if (hs) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  sig = b64(crypto.createHmac('sha256', JSON.stringify(pub)).update(input).digest());
} else if (alg !== 'none') {
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  sig = b64(crypto.sign(jwk.kty === 'OKP' ? null : 'sha256', Buffer.from(input),
    jwk.kty === 'EC' ? { key, dsaEncoding: 'ieee-p1363' } : key));
}
console.log(`${input}.${sig}`);
JS
NOW=$(date +%s)
claims() { # claims [JSON-MEMBERS]: a valid access token's claims, then overrides
    printf '{"iss":"%s","aud":"%s","sub":"forged","client_id":"api-client","scope":"read","iat":%s,"exp":%s%s}' \
        "$IDP" "$API" "$NOW" "$((NOW + 600))" "${1:+,$1}"
}
forge() { (cd "$top_srcdir" && node "$T/forge.js" --keys "$KEYS" "$@"); }

make_key "$T/session.key"
cat >"$T/oauth.yml" <<EOF
providers:
  - name: corp
    issuer: $IDP
    client_id: api-client
    client_secret: api-secret
    api_audiences: [$API, $API/es256, $API/eddsa, $API/opaque]
    introspection: true
allow_http_redirect: true
base_path: /oauth
session:
  key_file: $T/session.key
  cookie_name: oauth2_fcgi
  lifetime: 1h
http:
  ca_file: $T/tls/ca.pem
  timeout: 5s
access:
  - path: /app/admin
    scopes: [admin]
  - path: /app/
log: stderr
log_level: debug
EOF

GOOD=$(token "$API" "read admin")
GOOD_ES=$(token "$API/es256" "read")
GOOD_ED=$(token "$API/eddsa" "read")
READ_ONLY=$(token "$API" "read")
OPAQUE=$(token "$API/opaque" "read")
OTHER_AUD=$(token "https://other.example.com" "read")
if [ -z "$GOOD" ] || [ -z "$GOOD_ES" ] || [ -z "$GOOD_ED" ] || [ -z "$OTHER_AUD" ]; then
    bail "the provider issued no access token: $(tail -n 5 "$T/idp.log")"
fi
t_like "$(printf '%s' "${GOOD%%.*}" | base64 -d 2>/dev/null)" '"alg":"RS256"' "an RS256 JWT access token"
t_like "$(printf '%s' "${GOOD_ED%%.*}" | base64 -d 2>/dev/null)" '"alg":"EdDSA"' "an EdDSA one"

declare -A BAD
BAD[wrong audience]=$OTHER_AUD
BAD[other issuer]=$(forge --kid rsa-1 "$(claims '"iss":"https://127.0.0.1:1"')")
BAD[expired]=$(forge --kid rsa-1 "$(claims "\"iat\":$((NOW - 4000)),\"exp\":$((NOW - 3000))")")
BAD[nbf in the future]=$(forge --kid rsa-1 "$(claims "\"nbf\":$((NOW + 3000))")")
BAD[alg none]=$(forge --kid rsa-1 --alg none "$(claims)")
BAD[HS256 keyed with the RSA public key]=$(forge --kid rsa-1 --hs "$(claims)")
BAD[unknown kid]=$(forge --kid rsa-1 --hdr-kid nope "$(claims)")
BAD["an opaque token the provider does not know"]=NotAToken${RANDOM}x
BAD[truncated]=${GOOD:0:$((${#GOOD} - 12))}
BAD[7 KB of garbage]=$(head -c 5000 /dev/zero | tr '\0' A).$(head -c 2000 /dev/zero | tr '\0' B).CCCC
BIG=$(head -c 15000 /dev/zero | tr '\0' A).$(head -c 5000 /dev/zero | tr '\0' B).CCCC
BAD["wrong kty for the alg, EC kid under RS256"]=$(forge --kid rsa-1 --hdr-kid ec-1 "$(claims)")
t_is "$(forge --kid rsa-1 "$(claims)" | cut -c1-3)" "eyJ" "(the forger works)"

# checks NAME BASE: the same requests through one server
checks() {
    local name=$1 base=$2 k
    http_req "$base/app/x" -H "Authorization: Bearer $GOOD"
    t_is "$HTTP_STATUS" 200 "$name: a good RS256 token passes"
    t_like "$HTTP_BODY" 'corp:api-client' \
        "$name: the backend gets the token's identity (provider:sub)"
    http_req "$base/app/x" -H "Authorization: Bearer $GOOD_ES"
    t_is "$HTTP_STATUS" 200 "$name: a good ES256 token passes"
    http_req "$base/app/x" -H "Authorization: Bearer $GOOD_ED"
    t_is "$HTTP_STATUS" 200 "$name: a good EdDSA token passes"
    http_req "$base/app/x" -H "Authorization: Bearer $OPAQUE"
    t_is "$HTTP_STATUS" 200 "$name: an opaque token passes (RFC 7662 introspection)"
    http_req "$base/app/admin/x" -H "Authorization: Bearer $GOOD"
    t_is "$HTTP_STATUS" 200 "$name: scope admin passes the rule with scopes: [admin]"
    http_req "$base/app/admin/x" -H "Authorization: Bearer $READ_ONLY"
    t_is "$HTTP_STATUS" 403 "$name: a token without scope admin: 403"
    t_like "$(http_header WWW-Authenticate)" 'Bearer error="insufficient_scope", scope="admin"' \
        "$name: ... with the insufficient_scope challenge"
    for k in "${!BAD[@]}"; do
        http_req "$base/app/x" -H "Authorization: Bearer ${BAD[$k]}" -H 'Accept: text/html'
        t_is "$HTTP_STATUS $(http_header WWW-Authenticate)" '401 Bearer error="invalid_token"' \
            "$name: $k: 401 with the challenge (a browser's Accept: no redirect)"
    done
    # a 20 KB token: past the server's own header limit (431/400/413), else ours (401)
    http_req "$base/app/x" -H "Authorization: Bearer $BIG" -H 'Accept: text/html'
    t_like "$HTTP_STATUS $(http_header Location)" '^4[0-9][0-9] $' \
        "$name: a 20 KB token: refused, never a redirect ($HTTP_STATUS)"
    http_req "$base/app/x" -H 'Accept: text/html'
    t_is "$HTTP_STATUS" 302 "$name: no Authorization header: to sign in, as before"
}

# ---- lighttpd (the authorizer) ----------------------------------------------
flow_lighttpd
log_mark
sleep 1 # the keys' first fetch (the refresh thread at start)
checks lighttpd "$BASE"

# ---- nginx (auth_request) ---------------------------------------------------
NPORT=$(free_port) || bail "no free port"
APORT=$(free_port) || bail "no free port"
e2e_bg oa-nginx "$OA_BIN" -s "$T/oa.sock" -c "$T/oauth.yml"
e2e_log "$T/oa-nginx.log"
wait_file "$T/oa.sock" 15 || bail "oauth2-fcgi did not make its socket"
e2e_bg backend python3 "$top_srcdir/tests/e2e/echo-backend.py" "$APORT" "$T/backend-seen.log"
wait_port "$APORT" 15 || bail "the echo backend did not start"
# The shipped file, addresses substituted (lib.sh).
nginx_contrib_start "$T/oa.sock" "$APORT" "$NPORT"
sleep 1
checks nginx "http://127.0.0.1:$NPORT"

# ---- Apache: mod_authnz_fcgi, then mod_fcgid ---------------------------------
FPORT=$(free_port) || bail "no free port"
HPORT=$(free_port) || bail "no free port"
e2e_bg oa-authnz spawn-fcgi -n -a 127.0.0.1 -p "$FPORT" -- "$OA_BIN" -c "$T/oauth.yml"
wait_port "$FPORT" 15 || bail "oauth2-fcgi did not start on 127.0.0.1:$FPORT"
apache_authnz_start "$HPORT" "127.0.0.1:$FPORT"
sleep 1
checks "Apache mod_authnz_fcgi" "http://127.0.0.1:$HPORT"
kill -TERM "$(cat "$T/apache2.pid")" 2>/dev/null
for _ in $(seq 1 50); do port_in_use "$HPORT" || break; sleep 0.1; done
rm -f "$T/apache2.pid"

HPORT=$(free_port) || bail "no free port"
apache_fcgid_start "$HPORT" "$T/oauth.yml" "$T/session.key"
http_req "http://127.0.0.1:$HPORT/app/x" -H "Authorization: Bearer $GOOD" # mod_fcgid starts it
sleep 1
checks "Apache mod_fcgid" "http://127.0.0.1:$HPORT"

# ---- a key rotation at the provider ------------------------------------------
kill -TERM "$(cat "$T/idp.peer-pid")"
for _ in $(seq 1 50); do port_in_use "$IDP_PORT" || break; sleep 0.1; done
start_idp "-2"
NEW=$(token "$API" "read")
t_like "$(printf '%s' "${NEW%%.*}" | base64 -d 2>/dev/null)" '"kid":"rsa-1-2"' \
    "the provider signs with a new kid"
ok_n=0
for _ in $(seq 1 60); do # each lighttpd process refetches (at most every 10 s)
    http_req "$BASE/app/x" -H "Authorization: Bearer $NEW"
    if [ "$HTTP_STATUS" = 200 ]; then ok_n=$((ok_n + 1)); else ok_n=0; fi
    [ "$ok_n" -ge 6 ] && break
    sleep 0.5
done
t_is "$ok_n" 6 "lighttpd: the new kid's token passes, no restart (keys refetched)"
http_req "http://127.0.0.1:$NPORT/app/x" -H "Authorization: Bearer $NEW"
for _ in $(seq 1 30); do [ "$HTTP_STATUS" = 200 ] && break; sleep 0.5
    http_req "http://127.0.0.1:$NPORT/app/x" -H "Authorization: Bearer $NEW"; done
t_is "$HTTP_STATUS" 200 "nginx: the new kid's token passes, no restart"
t_log 'bearer token refused: access token: no key in the JWKS for its kid' \
    "the unknown kid is logged (the reason, never the token)"
t_no_secrets "no token in the logs" "$GOOD" "$NEW" "$READ_ONLY" "$OPAQUE"

t_done
