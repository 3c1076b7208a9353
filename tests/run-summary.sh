#!/usr/bin/env bash
# run-summary.sh - the closing line of a test run: counts every test point
# in the .trs files (automake's test logs, one :test-result: line per TAP
# point or per plain test) under the given build directories, and prints
#     N passed, N failed, N skipped
# PASS and XFAIL count as passed; FAIL, ERROR and XPASS as failed; SKIP as
# skipped. Each failed test is named, with its failed points (up to 10)
# and their diagnostics. --steps-failed N adds N failed steps (a build
# that did not finish has no .trs files to count). Exits 1 when anything failed or when
# nothing at all was counted, else 0.
#
#   tests/run-summary.sh [--steps-failed N] BUILD-DIR...
set -euo pipefail

steps=0
if [ "${1:-}" = --steps-failed ]; then
    steps=$2
    shift 2
fi
[ $# -gt 0 ] || set -- .

passed=0 failed=0 skipped=0
for dir in "$@"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' trs; do
        while IFS= read -r result; do
            case "$result" in
                PASS | XFAIL) passed=$((passed + 1)) ;;
                SKIP) skipped=$((skipped + 1)) ;;
                *) failed=$((failed + 1)) ;;
            esac
        done < <(sed -n 's/^:test-result:[[:space:]]*\([A-Z]*\).*/\1/p' "$trs")
        # A failed test's name, for the reader of a CI log.
        if grep -Eq '^:test-result:[[:space:]]*(FAIL|ERROR|XPASS)' "$trs"; then
            echo "failed: ${trs%.trs} ($(grep -Ec '^:test-result:[[:space:]]*(FAIL|ERROR|XPASS)' "$trs"))"
            # and which points, with their diagnostics: the end of a CI
            # log may be all its reader gets
            [ ! -f "${trs%.trs}.log" ] || awk '
                /^(not ok|Bail out!)/ { n++; left = 6; if (n > 10) exit; print "  " $0; next }
                left > 0 && /^#/ { left--; print "    " substr($0, 1, 300); next }
                { left = 0 }' "${trs%.trs}.log"
        fi
    done < <(find "$dir" -name '*.trs' -print0 | sort -z)
done
failed=$((failed + steps))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ $((passed + skipped)) -gt 0 ]
