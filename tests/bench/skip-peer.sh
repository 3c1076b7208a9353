#!/usr/bin/env bash
# skip-peer.sh - bench/run leaves out a peer that is not installed with a
# line saying why, and still writes its results: C (mod_auth_openidc) and
# D (mod_authnz_fcgi) with Apache's modules looked up in an empty
# directory (BENCH_APACHE_MODULES). Only those two lines are asked for
# (-s "C D"), so no server is measured: a few seconds. Prints TAP.
# shellcheck source=../e2e/lib.sh
. "$(cd "$(dirname "$0")/.." && pwd)/e2e/lib.sh"

need_tool wrk lighttpd curl python3
need_oa
e2e_init

mkdir -p "$E2E_TMP/no-modules"
rc=0
(cd "$top_builddir" && BENCH_APACHE_MODULES=$E2E_TMP/no-modules timeout 120 \
    bash "$top_srcdir/bench/run" -s "C D" -d 1 -r 1 -o "$E2E_TMP/RESULTS.md") \
    >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" || rc=$?
err=$(cat "$E2E_TMP/run.err")
t_is "$rc" 0 "bench/run with mod_auth_openidc and mod_authnz_fcgi missing exits 0"
t_unlike "$err" "unbound variable" "no 'unbound variable' (the old stop at S_OK[\$id])"
t_like "$err" "^bench: C: skipped: .*(mod_auth_openidc|oidc-provider|node)" \
    "a line says C is skipped and why"
t_like "$err" "^bench: D: skipped: .*mod_authnz_fcgi" "a line says D is skipped and why"
res=$(cat "$E2E_TMP/RESULTS.md" 2>/dev/null)
t_like "$res" "^\| C \| .*\| skipped: " "RESULTS.md's row for C says skipped and why"
t_like "$res" "^\| every line answered the expected status \| all \| yes \|" \
    "a skipped peer is not counted as a wrong status"
[ "$t_failed" -eq 0 ] || t_diag "$err"
t_done
