#!/usr/bin/env bash
# test.sh - the one command that tests oauth2-fcgi from a fresh checkout:
# installs what is missing (scripts/install-deps.sh: Debian packages from
# scripts/packages.txt, npm ci), runs autoreconf, builds in build/check and
# runs `make check` (unit tests, data-driven cases, fuzz corpora, CGI and
# end-to-end tests on real lighttpd and Apache), then does the same with
# AddressSanitizer + UndefinedBehaviorSanitizer in build/sanitizers, and
# ends with the line
#     N passed, N failed, N skipped
# counted from the .trs files of both runs. Exits non-zero on any failure.
#
# Between the two, `make lint` runs (clang-format, the banned functions,
# the shell scripts' check) and the unit tests run once more under valgrind
# (tests/valgrind.sh).
#
# Environment: OA_PKG_TEST= (empty) skips the Debian package test;
# OA_NO_INSTALL=1 skips installing; OA_NO_SANITIZERS=1 skips
# the second run; OA_NO_VALGRIND=1 the valgrind run; JOBS=N for make -j (default: the number of CPUs).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
# The package test runs in its own step below, never inside make check.
pkg_test=${OA_PKG_TEST-1}
unset OA_PKG_TEST
steps_failed=0
dirs=()

# step WHAT: a heading, with the time since the start (a CI log shows where
# its minutes went).
step() {
    echo
    echo "==> $* (at $((SECONDS / 60))m$((SECONDS % 60))s)"
}

"$top/scripts/install-deps.sh"

step "autoreconf -fi"
autoreconf -fi

# run_build DIR CONFIGURE-ARGS...: configure, make, make check in DIR. A
# failed build or check is counted; the other run still goes on.
run_build() {
    local dir=$1
    shift
    step "build in $dir (configure $*)"
    rm -rf "$dir"
    mkdir -p "$dir"
    dirs+=("$dir")
    if ! (cd "$dir" && "$top/configure" -q "$@" && make -j"$jobs"); then
        echo "test.sh: the build in $dir failed" >&2
        steps_failed=$((steps_failed + 1))
        return 0
    fi
    step "make check in $dir"
    if ! (cd "$dir" && make -j"$jobs" -k check); then
        echo "test.sh: make check in $dir failed; the logs:" >&2
        # The log of every failed test, so a CI log says why.
        find "$dir" -name '*.trs' -print0 | while IFS= read -r -d '' trs; do
            if grep -Eq '^:test-result:[[:space:]]*(FAIL|ERROR|XPASS)' "$trs"; then
                echo "---- ${trs%.trs}.log" >&2
                tail -n 80 "${trs%.trs}.log" >&2 || true
            fi
        done
        grep -q . "$dir/test-suite.log" 2>/dev/null || steps_failed=$((steps_failed + 1))
    fi
}

run_build "$top/build/check"

# The house style and the shell scripts' checks (clang-format, the banned
# functions, shellcheck): a failure fails the run like a failed test.
step "make lint (build/check)"
if ! make -C "$top/build/check" -s lint; then
    echo "test.sh: make lint failed" >&2
    steps_failed=$((steps_failed + 1))
fi

# The unit tests once more under valgrind (memory errors, definite leaks),
# through automake's TAP driver so the summary counts every program.
if [ -z "${OA_NO_VALGRIND:-}" ] && [ -x "$top/build/check/tests/unit/test_buf" ]; then
    step "unit tests under valgrind (build/check)"
    if ! AM_TAP_AWK=awk top_builddir="$top/build/check" top_srcdir="$top" \
        sh "$top/build-aux/tap-driver.sh" --test-name valgrind \
        --log-file "$top/build/check/valgrind.log" --trs-file "$top/build/check/valgrind.trs" \
        --color-tests no --enable-hard-errors yes --expect-failure no -- \
        sh "$top/tests/valgrind.sh"; then
        echo "test.sh: valgrind found errors; see build/check/valgrind.log" >&2
        tail -n 60 "$top/build/check/valgrind.log" >&2 || true
    fi
fi

# The Debian package (tests/pkg/debian-package.sh: dpkg-buildpackage,
# lintian, dpkg -i, --check-config, systemd-analyze verify, purge): a
# minute or two of compiling, so make check skips it (OA_PKG_TEST unset)
# and it runs here once, alone: not beside the load tests' timings.
if [ "$pkg_test" = 1 ]; then
    step "the Debian package (tests/pkg/debian-package.sh)"
    if ! OA_PKG_TEST=1 AM_TAP_AWK=awk top_builddir="$top/build/check" top_srcdir="$top" \
        OA_BIN="$top/build/check/oauth2-fcgi" \
        sh "$top/build-aux/tap-driver.sh" --test-name debian-package \
        --log-file "$top/build/check/debian-package.log" \
        --trs-file "$top/build/check/debian-package.trs" \
        --color-tests no --enable-hard-errors yes --expect-failure no -- \
        bash "$top/tests/pkg/debian-package.sh"; then
        echo "test.sh: the Debian package test failed; see build/check/debian-package.log" >&2
        tail -n 80 "$top/build/check/debian-package.log" >&2 || true
    fi
fi

if [ -z "${OA_NO_SANITIZERS:-}" ]; then
    run_build "$top/build/sanitizers" --enable-sanitizers
fi

step "summary"
exec "$top/tests/run-summary.sh" --steps-failed "$steps_failed" "${dirs[@]}"
