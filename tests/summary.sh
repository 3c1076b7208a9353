#!/usr/bin/env bash
# summary.sh - tests/run-summary.sh, the closing line of scripts/test.sh and
# CI: it counts PASS and XFAIL as passed, FAIL, ERROR and XPASS as failed,
# SKIP as skipped, over every .trs file of the directories named; adds
# --steps-failed; exits 1 on a failure or when nothing was counted; and
# names each failed test with its failed points and their diagnostics (the
# end of a CI log may be all its reader gets). Prints TAP.
# shellcheck source=e2e/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/e2e/lib.sh"

e2e_init
S=$top_srcdir/tests/run-summary.sh
D=$E2E_TMP/runs

# run DIR [ARGS...]: OUT and RC of run-summary.sh on DIR.
run() {
    local dir=$1
    shift
    RC=0
    OUT=$(bash "$S" "$@" "$dir" 2>&1) || RC=$?
}

mkdir -p "$D/ok/a" "$D/bad/b" "$D/empty"
printf ':test-result: PASS x 1\n:test-result: XFAIL x 2\n:test-result: SKIP x 3\n' >"$D/ok/a/one.trs"
printf 'ok 1\nok 2\nok 3 # SKIP\n' >"$D/ok/a/one.log"
run "$D/ok"
t_is "$OUT" "2 passed, 0 failed, 1 skipped" "PASS and XFAIL passed, SKIP skipped: the one line"
t_is "$RC" 0 "... exit 0"

cp "$D/ok/a/one.trs" "$D/ok/a/one.log" "$D/bad/b/"
{
    echo ':test-result: PASS t 1 - fine'
    echo ':test-result: FAIL t 2 - the flood is counted'
    echo ':test-result: ERROR t'
    echo ':test-result: XPASS t 3'
} >"$D/bad/b/two.trs"
{
    echo 'ok 1 - fine'
    echo 'not ok 2 - the flood is counted'
    echo '# got: 0'
    echo '# want: > 0'
    echo 'ok 3 - after'
    echo '# an ok point'"'"'s note, not shown'
} >"$D/bad/b/two.log"
run "$D/bad"
t_is "$(printf '%s\n' "$OUT" | tail -n 1)" "3 passed, 3 failed, 1 skipped" \
    "FAIL, ERROR and XPASS failed; the last line counts them all"
t_is "$RC" 1 "... exit 1"
t_like "$OUT" "^failed: $D/bad/b/two \\(3\\)$" "the failed test named with its count"
t_like "$OUT" "^  not ok 2 - the flood is counted$" "... its failed point"
t_like "$OUT" "^    # got: 0$" "... and the point's diagnostics"
t_like "$OUT" "^    # want: > 0$" "... all of them"
t_unlike "$OUT" "an ok point" "an ok point's note is not shown"
t_unlike "$OUT" "failed: .*one" "a test without failures is not named"

run "$D/ok" --steps-failed 2
t_is "$OUT" "2 passed, 2 failed, 1 skipped" "--steps-failed adds failed steps"
t_is "$RC" 1 "... exit 1"

run "$D/empty"
t_is "$OUT" "0 passed, 0 failed, 0 skipped" "nothing counted"
t_is "$RC" 1 "... is a failure (no run at all)"

for i in $(seq 1 14); do echo "not ok $i - p$i"; done >"$D/bad/b/two.log"
run "$D/bad"
t_is "$(printf '%s\n' "$OUT" | grep -c '^  not ok')" 10 "at most 10 failed points a test"

t_done
