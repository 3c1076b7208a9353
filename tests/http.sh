#!/bin/sh
# http.sh - runs tests/unit/test_http against tests/idp/httpd.js, a local
# https + http server with a throwaway CA (tests/idp/ca.sh). TAP comes from
# the C program; without node or openssl the whole test is skipped.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
if ! command -v node >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
    echo "1..0 # SKIP node or openssl missing"
    exit 0
fi
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
sh "$top_srcdir/tests/idp/ca.sh" "$tmp/ca" || { echo "Bail out! ca.sh failed"; exit 1; }
sh "$top_srcdir/tests/idp/ca.sh" "$tmp/other" || { echo "Bail out! ca.sh failed"; exit 1; }
node "$top_srcdir/tests/idp/httpd.js" "$tmp/ca" >"$tmp/out" 2>"$tmp/err" &
pid=$!
i=0
while ! grep -q '^READY' "$tmp/out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "Bail out! httpd.js did not start: $(cat "$tmp/err")"
        exit 1
    fi
    sleep 0.1
done
# shellcheck disable=SC2046 # "READY <https port> <http port>": one word each
set -- $(grep '^READY' "$tmp/out")
OA_TEST_HTTPS_PORT=$2 OA_TEST_HTTP_PORT=$3 OA_TEST_CA="$tmp/ca/ca.pem" \
    OA_TEST_OTHER_CA="$tmp/other/ca.pem" "$top_builddir/tests/unit/test_http"
