#!/usr/bin/env bash
# skip-peer.sh - bench/run leaves out a peer that is not installed with a
# line saying why, and still writes its results: C (mod_auth_openidc), D and
# F-authnz (mod_authnz_fcgi), H and F-fcgid (mod_fcgid) with Apache's
# modules looked up in an empty directory (BENCH_APACHE_MODULES), E and
# F-nginx with a missing nginx (BENCH_NGINX). Only those lines are asked
# for (-s), so no server is measured: a few seconds. A skipped pair leaves
# its per-server target unjudged ("-"), never "no". Prints TAP.
# shellcheck source=../e2e/lib.sh
. "$(cd "$(dirname "$0")/.." && pwd)/e2e/lib.sh"

need_tool wrk lighttpd curl python3
need_oa
e2e_init

mkdir -p "$E2E_TMP/no-modules"
rc=0
(cd "$top_builddir" && BENCH_APACHE_MODULES=$E2E_TMP/no-modules BENCH_NGINX=$E2E_TMP/no-nginx \
    timeout 120 bash "$top_srcdir/bench/run" -s "C D F-authnz F-fcgid H F-nginx E E-keep" -d 1 -r 1 \
    -o "$E2E_TMP/RESULTS.md") >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" || rc=$?
err=$(cat "$E2E_TMP/run.err")
t_is "$rc" 0 "bench/run with mod_auth_openidc, mod_authnz_fcgi, mod_fcgid and nginx missing exits 0"
t_unlike "$err" "unbound variable" "no 'unbound variable' (the old stop at S_OK[\$id])"
t_like "$err" "^bench: C: skipped: .*(mod_auth_openidc|oidc-provider|node)" \
    "a line says C is skipped and why"
t_like "$err" "^bench: D: skipped: .*mod_authnz_fcgi" "a line says D is skipped and why"
t_like "$err" "^bench: F-authnz: skipped: .*mod_authnz_fcgi" "a line says F-authnz is skipped and why"
t_like "$err" "^bench: F-fcgid: skipped: .*mod_fcgid" "a line says F-fcgid is skipped and why"
t_like "$err" "^bench: H: skipped: .*mod_fcgid" "a line says H is skipped and why"
t_like "$err" "^bench: F-nginx: skipped: .*nginx" "a line says F-nginx is skipped and why"
t_like "$err" "^bench: E: skipped: .*nginx" "a line says E is skipped and why"
t_like "$err" "^bench: E-keep: skipped: .*nginx" "a line says E-keep is skipped and why"
res=$(cat "$E2E_TMP/RESULTS.md" 2>/dev/null)
t_like "$res" "^\| C \| .*\| skipped: " "RESULTS.md's row for C says skipped and why"
for id in D F-authnz F-fcgid H F-nginx E E-keep; do
    t_like "$res" "^\| $id \| .*\| skipped: " "RESULTS.md's row for $id says skipped and why"
done
t_like "$res" "^\| every line answered the expected status \| all \| yes \|" \
    "a skipped peer is not counted as a wrong status"
t_like "$res" "^\| Apache mod_fcgid, contrib/apache set-up \(unix\): H ≥ 0.9 × F-fcgid .*\| - \| - \|" \
    "a skipped pair's target is not judged"
t_like "$res" "^\| the fastest Apache set-up ≥ 1.5 × C .*\| - \| - \|" \
    "the Apache-vs-C target is not judged without C"
t_unlike "$res" "\*\*no\*\*" "no target is marked missed"
[ "$t_failed" -eq 0 ] || t_diag "$err"
t_done
