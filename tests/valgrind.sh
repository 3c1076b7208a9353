#!/bin/sh
# tests/valgrind.sh - every unit test program (tests/unit/test_* in the
# build dir) under valgrind: memory errors and definite leaks fail it.
# Not in TESTS (scripts/test.sh calls it); run as
#   top_builddir=BUILD top_srcdir=SRC sh tests/valgrind.sh
# TAP, one line per program, in order; JOBS programs at a time. Programs
# that need a peer (test_http runs under tests/http.sh with a local server)
# are skipped here.
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
export top_builddir top_srcdir
# one N PROG: the TAP line (and diagnostics) of program number N.
one() {
    n=$1
    p=$2
    name=$(basename "$p")
    case $name in
    test_http)
        echo "ok $n - $name # SKIP needs the local https server of tests/http.sh"
        return 0
        ;;
    esac
    log=$(mktemp)
    # OA_UNDER_VALGRIND: valgrind replaces malloc, so a test that interposes
    # it (test_buf's out-of-memory checks) skips those checks.
    if (OA_UNDER_VALGRIND=1 valgrind -q --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite --show-leak-kinds=definite \
        "$p" >"$log.out" 2>"$log"); then
        if grep -q '^not ok' "$log.out"; then
            echo "not ok $n - $name: a test failed under valgrind"
            grep '^not ok' "$log.out" | head -5 | sed 's/^/# /'
        else
            echo "ok $n - $name: no memory error, no definite leak"
        fi
    else
        echo "not ok $n - $name: valgrind found errors (or the program failed)"
        { grep -E '==[0-9]+== ' "$log"; grep '^not ok' "$log.out"; } | head -30 | sed 's/^/# /'
    fi
    rm -f "$log" "$log.out"
}
if [ "${1:-}" = --one ]; then
    one "$2" "$3" >"$4"
    exit 0
fi

if ! command -v valgrind >/dev/null 2>&1; then
    echo "1..0 # SKIP valgrind not installed"
    exit 0
fi
# shellcheck disable=SC2010 # test_<name>: plain names
progs=$(ls "$top_builddir"/tests/unit/test_* 2>/dev/null | grep -v '\.[a-z]*$' |
    while read -r p; do [ -x "$p" ] && [ -f "$p" ] && echo "$p"; done)
if [ -z "$progs" ]; then
    echo "1..0 # SKIP no unit test programs in $top_builddir/tests/unit (make check first)"
    exit 0
fi
# The programs run JOBS at a time (default: one per CPU; valgrind runs
# one thread at a time), their lines printed in order.
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "1..$(echo "$progs" | wc -l)"
echo "$progs" | awk -v d="$out" '{ print NR, $0, d "/" NR }' |
    xargs -n 3 -P "$jobs" sh "$0" --one
n=0
fail=0
for p in $progs; do
    n=$((n + 1))
    # a program whose run left no line (its shell killed) fails too
    if [ -s "$out/$n" ]; then
        cat "$out/$n"
    else
        echo "not ok $n - $(basename "$p"): no result (its run did not finish)"
    fi
    grep -q '^ok' "$out/$n" 2>/dev/null || fail=1
done
exit $fail
