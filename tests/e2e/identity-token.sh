#!/usr/bin/env bash
# identity-token.sh - the signed identity for the application (DESIGN.md
# section 16.2) through every server's reverse proxy: an application
# (tests/e2e/jwt-backend.js) that trusts no identity header and verifies
# X-Auth-Request-Jwt with the npm package jose (jwtVerify against
# createRemoteJWKSet(<public_url>/oauth/jwks), fetched through the server
# under test, iss and aud checked), behind
#   lighttpd   the authorizer + mod_proxy (contrib/lighttpd, its mod_magnet
#              lines putting OAUTH2_JWT into the proxied request),
#   nginx      auth_request + proxy_pass (contrib/nginx),
#   apache-authnz / apache-fcgid   mod_authnz_fcgi or mod_fcgid + mod_proxy
#              (contrib/apache, Debian's layout: apachelib.sh).
# For each: the JWKS is public and holds no private member; no session
# reaches nothing; a session reaches the application with a token that
# verifies and names the user (iss, aud, email, groups, exp - iat = the
# lifetime); a client's own X-Auth-Request-Jwt never replaces ours; a
# forged token (the right kid, iss and aud, another key) and no token are
# refused by the application; the key made by --gen-identity-key is 0600.
#
# Each server runs in a child of this script (its own temporary directory
# and cleanup): `identity-token.sh SERVER` runs one; without an argument
# all four run and their TAP lines are numbered into one plan.
. "$(dirname "$0")/lib.sh"

SERVERS="lighttpd nginx apache-authnz apache-fcgid"

if [ $# -eq 0 ]; then # the driver: each server in a child, one plan
    n=0
    failed=0
    for s in $SERVERS; do
        while IFS= read -r line; do
            case $line in
            "ok "* | "not ok "*)
                n=$((n + 1))
                st=${line%% [0-9]*}
                rest=${line#* [0-9]}
                rest=${rest#"${rest%%[! 0-9]*}"}
                rest=${rest#" - "}
                [ "$st" = "not ok" ] && case $rest in *"# TODO"*) ;; *) failed=$((failed + 1)) ;; esac
                case $rest in
                "# SKIP"*) echo "$st $n $s: $rest" ;;
                *) echo "$st $n - $s: $rest" ;;
                esac
                ;;
            "1..0 # SKIP"*)
                n=$((n + 1))
                echo "ok $n # SKIP $s: ${line#1..0 # SKIP }"
                ;;
            "Bail out!"*)
                n=$((n + 1))
                failed=$((failed + 1))
                echo "not ok $n - $s: the set-up failed: ${line#Bail out! }"
                ;;
            1..*) ;;
            *) echo "$line" ;;
            esac
        done < <(bash "$0" "$s" 2>&1)
    done
    echo "1..$n"
    [ "$failed" -eq 0 ]
    exit
fi

SERVER=$1
need_tool node curl openssl
need_oa
MODS=$(node_modules_dir jose)
[ -n "$MODS" ] || skip_all "the npm package jose is not installed (npm ci)"
case $SERVER in
lighttpd)
    need_tool lighttpd
    [ -f /usr/lib/lighttpd/mod_magnet.so ] || skip_all "lighttpd's mod_magnet is missing (lighttpd-modules-lua)"
    ;;
nginx) need_tool nginx ;;
apache-authnz | apache-fcgid)
    . "$(dirname "$0")/apachelib.sh"
    need_debian_apache
    if [ "$SERVER" = apache-authnz ]; then
        need_tool spawn-fcgi
        need_apache_mods authnz_fcgi proxy proxy_fcgi proxy_http headers setenvif rewrite
    else
        need_apache_mods fcgid alias proxy proxy_http headers setenvif rewrite
    fi
    ;;
*) bail "unknown server $SERVER (one of: $SERVERS)" ;;
esac
e2e_init
T=$E2E_TMP

PORT=$(free_port) || bail "no free port"
BPORT=$(free_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
e2e_oa_config

# The key: made by the program itself.
IDKEY=$T/identity.pem
"$OA_BIN" --gen-identity-key "$IDKEY" >"$T/gen.log" 2>&1 || bail "--gen-identity-key: $(cat "$T/gen.log")"
t_is "$(stat -c %a "$IDKEY")" 600 "--gen-identity-key writes the key with mode 0600"
t_like "$(head -1 "$IDKEY")" '^-----BEGIN PRIVATE KEY-----$' "as PKCS#8 PEM"
{
    echo "public_url: $BASE"
    echo "identity_token:"
    echo "  key_file: $IDKEY"
    echo "  lifetime: 2m"
} >>"$E2E_CONFIG"
"$OA_BIN" --check-config -c "$E2E_CONFIG" >"$T/check.log" 2>&1 ||
    bail "--check-config refuses identity_token: $(cat "$T/check.log")"
t_like "$(cat "$T/check.log")" '^identity token: EdDSA, kid [A-Za-z0-9_-]{43} signs \(1 key' \
    "--check-config describes the identity token"

# The application, with jose next to it (an ESM import resolves from the file).
mkdir -p "$T/app"
cp "$top_srcdir/tests/e2e/jwt-backend.js" "$T/app/"
ln -s "$MODS" "$T/app/node_modules"
e2e_bg jwt-backend node "$T/app/jwt-backend.js" --port "$BPORT" --jwks "$BASE/oauth/jwks" \
    --issuer "$BASE" --audience 127.0.0.1
wait_port "$BPORT" 15 || bail "the application did not start on 127.0.0.1:$BPORT"

# mod_fcgid and lighttpd run the program as the server's user: it reads the keys.
own_keys() {
    if [ "$(id -u)" = 0 ]; then chown "$1" "$E2E_KEY" "$IDKEY" "$E2E_CONFIG"; fi
}

case $SERVER in
lighttpd)
    # the authorizer on /app, the application behind mod_proxy; the contrib
    # file's two mod_magnet lines uncommented, as its comment says
    LIGHTTPD_SED=(-e 's|^#\(server.modules += ( "mod_magnet" )\)|\1|'
        -e "s|^#magnet.attract-physical-path-to = ( \"/usr/share/doc/oauth2-fcgi/examples/lighttpd/|magnet.attract-physical-path-to = ( \"$top_srcdir/contrib/lighttpd/|")
    lighttpd_start "$PORT" "$E2E_CONFIG" \
        "server.modules += ( \"mod_proxy\" )" \
        "\$HTTP[\"url\"] =~ \"^/app/\" { proxy.server = ( \"\" => (( \"host\" => \"127.0.0.1\", \"port\" => $BPORT )) ) }"
    grep -q '^magnet.attract-physical-path-to' "$T/oauth2-fcgi.conf" ||
        bail "the contrib file's mod_magnet lines were not found"
    ;;
nginx)
    N=$T/ngx
    mkdir -p "$N/temp" "$N/sites"
    cp /etc/nginx/fastcgi_params "$N/"
    e2e_bg oauth2-fcgi "$OA_BIN" -s "$T/oa.sock" -c "$E2E_CONFIG" -t 2
    wait_file "$T/oa.sock" 15 || bail "oauth2-fcgi did not make its socket"
    sed -e "s|unix:/run/oauth2-fcgi\.sock|unix:$T/oa.sock|g" \
        -e "s|server 127\.0\.0\.1:8080;|server 127.0.0.1:$BPORT;|" \
        -e "s|listen 127\.0\.0\.1:80;|listen 127.0.0.1:$PORT;|" \
        -e "s|include fastcgi_params;|include $N/fastcgi_params;|" \
        "$top_srcdir/contrib/nginx/oauth2-fcgi.conf" >"$N/sites/oauth2-fcgi.conf"
    cat >"$N/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo 'user root;')
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log notice;
daemon off;
events { worker_connections 64; }
http {
    access_log $N/access.log;
    client_body_temp_path $N/temp/body;
    fastcgi_temp_path $N/temp/fastcgi;
    proxy_temp_path $N/temp/proxy;
    scgi_temp_path $N/temp/scgi;
    uwsgi_temp_path $N/temp/uwsgi;
    include $N/sites/*.conf;
}
EOF
    e2e_log "$N/error.log"
    nginx -t -p "$N" -c "$N/nginx.conf" >"$N/test.log" 2>&1 || bail "nginx: $(cat "$N/test.log")"
    e2e_bg nginx nginx -p "$N" -c "$N/nginx.conf"
    wait_port "$PORT" 15 || bail "nginx did not start on 127.0.0.1:$PORT"
    ;;
apache-authnz)
    FPORT=$(free_port) || bail "no free port"
    e2e_bg oauth2-fcgi spawn-fcgi -n -a 127.0.0.1 -p "$FPORT" -- "$OA_BIN" -c "$E2E_CONFIG"
    wait_port "$FPORT" 15 || bail "oauth2-fcgi did not start on 127.0.0.1:$FPORT"
    apache_debian_tree "$PORT" authnz_fcgi proxy_fcgi headers setenvif proxy_http rewrite
    sed -e "s|^Define OAUTH2_FCGI_ADDR .*|Define OAUTH2_FCGI_ADDR 127.0.0.1:$FPORT|" \
        "$top_srcdir/contrib/apache/oauth2-fcgi-authnz.conf" >"$T/oauth2-fcgi-authnz.conf"
    apache_debian_enconf "$T/oauth2-fcgi-authnz.conf"
    apache_debian_site "$PORT" "$BPORT"
    apache_debian_start "$PORT"
    ;;
apache-fcgid)
    apache_debian_tree "$PORT" fcgid alias headers setenvif proxy_http rewrite
    mkdir -p "$T/fcgid"
    if [ "$(id -u)" = 0 ]; then chown "$(apache_user):$(apache_group)" "$T/fcgid"; fi
    own_keys "$(apache_user)"
    {
        echo "FcgidIPCDir \"$T/fcgid\""
        echo "FcgidProcessTableFile \"$T/fcgid/shm\""
        echo "FcgidMaxProcessesPerClass 2"
    } >"$T/e2e-fcgid-paths.conf"
    apache_debian_enconf "$T/e2e-fcgid-paths.conf"
    sed -e "s|^Define OAUTH2_FCGI_DIR .*|Define OAUTH2_FCGI_DIR $(dirname "$OA_BIN")|" \
        -e "s|^Define OAUTH2_FCGI_BIN .*|Define OAUTH2_FCGI_BIN $OA_BIN|" \
        -e "s|^Define OAUTH2_FCGI_CONFIG .*|Define OAUTH2_FCGI_CONFIG $E2E_CONFIG|" \
        "$top_srcdir/contrib/apache/oauth2-fcgi-fcgid.conf" >"$T/oauth2-fcgi-fcgid.conf"
    apache_debian_enconf "$T/oauth2-fcgi-fcgid.conf"
    apache_debian_site "$PORT" "$BPORT"
    apache_debian_start "$PORT"
    ;;
esac

# json FILE EXPR: a value of the JSON in FILE (node; EXPR over `j`).
json() {
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
             const v = eval(process.argv[2]); process.stdout.write(v === undefined ? "" : String(v))' \
        "$1" "$2" 2>/dev/null
}

# The public keys, through the server.
http_req "$BASE/oauth/jwks"
t_is "$HTTP_STATUS" 200 "GET /oauth/jwks: 200 without a session"
echo "$HTTP_BODY" >"$T/jwks.json"
KID=$(json "$T/jwks.json" 'j.keys[0].kid')
t_like "$KID" '^[A-Za-z0-9_-]{43}$' "the JWKS names the key by its thumbprint"
t_is "$(json "$T/jwks.json" 'j.keys.filter(k => "d" in k || "p" in k).length')" 0 \
    "the JWKS holds no private member (d)"
t_like "$(http_header Cache-Control)" 'max-age=[0-9]+' "the JWKS may be cached for a while"

# No session: the application is not reached.
before=$(grep -c '^GET /app/' "$T/jwt-backend.log")
http_req "$BASE/app/page" -H 'Accept: application/json'
t_in "$HTTP_STATUS" "401 302" "no session: refused ($HTTP_STATUS)"
t_is "$(grep -c '^GET /app/' "$T/jwt-backend.log")" "$before" "no session: the application saw nothing"

# A session: the application verifies the token and knows who it is.
c=$(mint --user alice --email alice@example.com --groups 'ops,dev' --name 'Alice A')
http_req "$BASE/app/page" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: application/json'
echo "$HTTP_BODY" >"$T/seen.json"
t_is "$HTTP_STATUS" 200 "a session: the application verified the token"
[ "$HTTP_STATUS" = 200 ] || t_diag "$HTTP_BODY"
t_is "$(json "$T/seen.json" 'j.claims.email')" alice@example.com "the token names the user"
t_is "$(json "$T/seen.json" 'j.claims.iss')" "$BASE" "iss is public_url"
t_is "$(json "$T/seen.json" 'j.claims.aud')" 127.0.0.1 "aud is the host name"
t_is "$(json "$T/seen.json" 'j.claims.groups.join("|")')" "ops|dev" "groups is an array"
t_is "$(json "$T/seen.json" 'j.claims.exp - j.claims.iat')" 120 "it lives the configured 2 minutes"
t_is "$(json "$T/seen.json" 'j.header.kid')" "$KID" "signed by the published key"
t_is "$(json "$T/seen.json" 'j.header.alg')" EdDSA "EdDSA (the key is Ed25519)"
TOKEN1=$(json "$T/seen.json" 'j.claims.jti')
http_req "$BASE/app/again" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: application/json'
echo "$HTTP_BODY" >"$T/seen2.json"
t_is "$HTTP_STATUS" 200 "the same session again: verified"

# A client's own token is never the one the application gets.
FAKE_JWT=$(node "$T/app/jwt-backend.js" --forge --kid "$KID" --issuer "$BASE" \
    --audience 127.0.0.1 2>"$T/forge.log")
t_like "$FAKE_JWT" '^ey' "a forged token (right kid, iss, aud; another key) is made"
http_req "$BASE/app/page" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: application/json' \
    -H "X-Auth-Request-Jwt: $FAKE_JWT" -H "X-Auth-Request_Jwt: $FAKE_JWT"
echo "$HTTP_BODY" >"$T/seen3.json"
t_is "$HTTP_STATUS" 200 "a session and a client X-Auth-Request-Jwt: ours is the one verified"
t_is "$(json "$T/seen3.json" 'j.claims.email')" alice@example.com "and it names the user, not mallory"
http_req "$BASE/app/page" -H 'Accept: application/json' -H "X-Auth-Request-Jwt: $FAKE_JWT"
t_in "$HTTP_STATUS" "401 302" "no session and a client token: refused by the server"

# The application itself refuses what it cannot verify.
http_req "http://127.0.0.1:$BPORT/app/direct" -H "X-Auth-Request-Jwt: $FAKE_JWT"
t_is "$HTTP_STATUS" 401 "the application refuses the forged token"
t_like "$HTTP_BODY" 'JWS_SIGNATURE_VERIFICATION_FAILED' "for its signature"
http_req "http://127.0.0.1:$BPORT/app/direct"
t_is "$HTTP_STATUS" 401 "the application refuses a request without a token"
[ -n "$TOKEN1" ] || t_diag "no jti seen"

# Rotation through the reload (fcgi/reload.c watches identity_token.key_file),
# where one oauth2-fcgi process serves (the others run several, each
# reloading on its own tick).

# put_key TEXT-FILE...: the key file replaced by the files' concatenation (a new inode).
put_key() {
    cat "$@" >"$IDKEY.new" && chmod 600 "$IDKEY.new" && mv "$IDKEY.new" "$IDKEY"
}
# wait_jwks EXPR: polls the JWKS (10 s) until EXPR over it is true.
# shellcheck disable=SC2317 # called through t_ok
wait_jwks() {
    local i
    for i in $(seq 1 50); do
        http_req "$BASE/oauth/jwks"
        echo "$HTTP_BODY" >"$T/jwks.json"
        [ "$(json "$T/jwks.json" "$1")" = true ] && return 0
        sleep 0.2
    done
    return 1
}
# signed_by KID DESC: a session's request verifies and names that kid.
signed_by() {
    http_req "$BASE/app/rot" -H "Cookie: $COOKIE_NAME=$c" -H 'Accept: application/json'
    echo "$HTTP_BODY" >"$T/rot.json"
    t_is "$HTTP_STATUS:$(json "$T/rot.json" 'j.header && j.header.kid')" "200:$1" "$2"
}
rotation() {
    cp "$IDKEY" "$T/key1.pem"
    "$OA_BIN" --gen-identity-key "$T/key2.pem" >"$T/gen2.log" 2>&1 ||
        bail "--gen-identity-key: $(cat "$T/gen2.log")"
    put_key "$T/key1.pem" "$T/key2.pem"
    t_ok "the reload publishes a key added second" wait_jwks 'j.keys.length === 2 && j.keys[0].kid === "'"$KID"'"'
    KID2=$(json "$T/jwks.json" 'j.keys[1].kid')
    signed_by "$KID" "the first key still signs"
    put_key "$T/key2.pem" "$T/key1.pem"
    t_ok "moved first, the new key leads the JWKS" wait_jwks 'j.keys[0].kid === "'"$KID2"'"'
    signed_by "$KID2" "and signs at once; the application verifies it"
    put_key "$T/key2.pem"
    t_ok "the old key dropped: one key left" wait_jwks 'j.keys.length === 1'
    printf 'not a key\n' >"$IDKEY.new" && chmod 600 "$IDKEY.new" && mv "$IDKEY.new" "$IDKEY"
    sleep 1.5
    signed_by "$KID2" "a broken key file is refused by the reload: the keys in use stay"
    t_like "$(cat "$T/oauth2-fcgi.log")" "$IDKEY:1:.*outside a PEM block" \
        "the reload logs the broken key file's FILE:LINE"
}
case $SERVER in nginx | apache-authnz) rotation ;; esac

t_done
