#!/bin/sh
# tests/fuzz/build.sh - builds the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined), compiling src/*/*.c directly. Not
# part of the autotools build (gcc); `make check` only replays the corpora
# (tests/fuzz/replay.sh). Needs clang and its libFuzzer runtime
# (Debian: clang, libclang-rt-14-dev).
#   sh tests/fuzz/build.sh [OUTDIR]      (default: ./fuzz-build)
#   nice -n 19 OUTDIR/fuzz_form -runs=10000000 tests/fuzz/corpus/fuzz_form
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz-build}
mkdir -p "$out"
out=$(cd "$out" && pwd)
CC=${CC:-clang}
# what the core takes from autoconf's config.h (the build info in /metrics)
[ -f "$out/config.h" ] || printf '#define PACKAGE_VERSION "fuzz"\n' >"$out/config.h"
flags="-I$out -g -O1 -std=c11 -Wall -Werror=implicit-function-declaration -D_GNU_SOURCE -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
 -fno-sanitize-recover=undefined -I$top/include -I$top/tests -I$top/tests/unit -I$top/tests/fuzz"
deps=$(pkg-config --cflags --libs libcjose jansson libcurl libsodium yaml-0.1 libcrypto 2>/dev/null ||
    echo "-lcjose -ljansson -lcurl -lsodium -lyaml -lcrypto")
# the core and the test fixture library (tests/unit/fixture.h) once, as
# objects with the fuzzer's coverage instrumentation
objs=
for src in "$top"/src/*/*.c "$top"/tests/unit/*_fixture.c; do
    o="$out/$(basename "$src" .c).o"
    # shellcheck disable=SC3013 # -nt: dash, bash and busybox sh all have it
    if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then
        # shellcheck disable=SC2086
        $CC $flags -c "$src" -o "$o"
    fi
    objs="$objs $o"
done
# shellcheck disable=SC2012 # fuzz_<name>.c: plain names
targets=${FUZZ_TARGETS:-$(cd "$top/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//')}
for t in $targets; do
    extra= # the edge's files a target needs (fuzz_revfile: the revocation file's reader)
    [ "$t" = fuzz_revfile ] &&
        extra="-I$top/fcgi $top/fcgi/store_file.c $top/fcgi/log.c $top/fcgi/auditlog.c"
    # shellcheck disable=SC2086
    $CC $flags $extra "$top/tests/fuzz/$t.c" $objs $deps -pthread -o "$out/$t"
    echo "built $out/$t"
done
